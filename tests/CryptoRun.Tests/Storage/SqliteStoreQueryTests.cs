using CryptoRun.Domain;
using CryptoRun.Storage;
using CryptoRun.Tests.TestSupport;
using static CryptoRun.Tests.Storage.StoreKit;

namespace CryptoRun.Tests.Storage;

public sealed class SqliteStoreQueryTests
{
    [Fact]
    public async Task ReadAsync_Range_IsHalfOpen()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var candles = AvaxSlice(0, 10);
        await store.WriteAsync(AvaxKey, candles, Provenance(), null);

        var inside = await ReadAllAsync(store, AvaxKey, new TimeRange(AvaxOpen(2), AvaxOpen(5)));
        var shifted = await ReadAllAsync(store, AvaxKey, new TimeRange(AvaxOpen(2) + 1, AvaxOpen(5) + 1));
        var empty = await ReadAllAsync(store, AvaxKey, new TimeRange(AvaxOpen(3), AvaxOpen(3)));
        var after = await ReadAllAsync(store, AvaxKey, new TimeRange(AvaxOpen(10), AvaxOpen(20)));
        var last = await ReadAllAsync(store, AvaxKey, new TimeRange(AvaxOpen(9), AvaxOpen(10)));

        AssertSameDigits(candles.Skip(2).Take(3), inside.Select(r => r.Candle));
        AssertSameDigits(candles.Skip(3).Take(3), shifted.Select(r => r.Candle));
        Assert.Empty(empty);
        Assert.Empty(after);
        Assert.Equal(AvaxOpen(9), Assert.Single(last).Candle.OpenTimeMs);
    }

    [Fact]
    public async Task GetFetchedWindowsAsync_TouchingAndOverlappingWindows_MergedAndSorted()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);

        // Written out of order: [30,40) first, then [0,10), [10,20) (touching), [15,25) (overlapping), [0,10) again.
        await store.WriteAsync(AvaxKey, AvaxSlice(30, 10), Provenance(), new TimeRange(AvaxOpen(30), AvaxOpen(40)));
        await store.WriteAsync(AvaxKey, AvaxSlice(0, 10), Provenance(), new TimeRange(AvaxOpen(0), AvaxOpen(10)));
        await store.WriteAsync(AvaxKey, AvaxSlice(10, 10), Provenance(), new TimeRange(AvaxOpen(10), AvaxOpen(20)));
        await store.WriteAsync(AvaxKey, AvaxSlice(15, 10), Provenance(), new TimeRange(AvaxOpen(15), AvaxOpen(25)));
        await store.WriteAsync(AvaxKey, AvaxSlice(0, 10), Provenance(), new TimeRange(AvaxOpen(0), AvaxOpen(10)));

        var windows = await store.GetFetchedWindowsAsync(AvaxKey);

        Assert.Equal([new TimeRange(AvaxOpen(0), AvaxOpen(25)), new TimeRange(AvaxOpen(30), AvaxOpen(40))], windows);
    }

    [Fact]
    public async Task GetFetchedWindowsAsync_BatchWithoutWindow_RecordsNone()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);

        await store.WriteAsync(AvaxKey, AvaxSlice(0, 10), Provenance(), null);

        Assert.Empty(await store.GetFetchedWindowsAsync(AvaxKey));
        Assert.Equal(10, (await store.GetSummaryAsync(AvaxKey)).Count);
    }

    [Fact]
    public async Task GetGapsAsync_SeriesWithHoles_ReportsEachRunOfMissingSlots()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);

        // 200 real minutes with a 5-minute hole at 50..54 and a 1-minute hole at 120.
        var candles = AvaxSlice(0, 200).Where((_, i) => i is not (>= 50 and < 55) and not 120).ToList();
        await store.WriteAsync(AvaxKey, candles, Provenance(), null);

        var gaps = await store.GetGapsAsync(AvaxKey);

        Assert.Equal([new TimeRange(AvaxOpen(50), AvaxOpen(55)), new TimeRange(AvaxOpen(120), AvaxOpen(121))], gaps);
        Assert.Equal(194, (await store.GetSummaryAsync(AvaxKey)).Count);
    }

    [Fact]
    public async Task GetGapsAsync_RecordedCoinbaseMinutes_ReportsTheOneMissingMinute()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var key = new SeriesKey("coinbase", BtcUsd, Timeframe.M1);
        await store.WriteAsync(key, CoinbaseMinute, Provenance(provider: "file", endpoint: TestData.CoinbaseMinute, latencyMs: 0), null);

        var gaps = await store.GetGapsAsync(key);

        // SOURCES.md: one missing minute, 2020-11-24 21:09 UTC.
        Assert.Equal([new TimeRange(Ms("2020-11-24T21:09:00Z"), Ms("2020-11-24T21:10:00Z"))], gaps);
    }

    [Fact]
    public async Task GetGapsAsync_CompleteOrEmptySeries_ReportsNone()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        await store.WriteAsync(AvaxKey, AvaxSlice(0, 300), Provenance(), null);

        Assert.Empty(await store.GetGapsAsync(AvaxKey));
        Assert.Empty(await store.GetGapsAsync(new SeriesKey("okx", Avax, Timeframe.M1)));
    }

    [Fact]
    public async Task GetSummaryAsync_ReportsCountFirstAndLast()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        await store.WriteAsync(AvaxKey, AvaxSlice(1000, 500), Provenance(), null);
        await store.WriteAsync(AvaxKey, AvaxSlice(3000, 10), Provenance(), null);

        var summary = await store.GetSummaryAsync(AvaxKey);

        Assert.Equal(AvaxKey, summary.Key);
        Assert.Equal(510, summary.Count);
        Assert.Equal(AvaxOpen(1000), summary.FirstOpenMs);
        Assert.Equal(AvaxOpen(3009), summary.LastOpenMs);
    }

    [Fact]
    public async Task GetSummaryAsync_UnknownSeries_CountZeroAndNoTimes()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        await store.WriteAsync(AvaxKey, AvaxSlice(0, 5), Provenance(), null);
        var unknown = new SeriesKey("kraken", Avax, Timeframe.M1);

        var summary = await store.GetSummaryAsync(unknown);

        Assert.Equal(unknown, summary.Key);
        Assert.Equal(0, summary.Count);
        Assert.Null(summary.FirstOpenMs);
        Assert.Null(summary.LastOpenMs);
    }

    [Fact]
    public async Task ListSeriesAsync_ReturnsEverySeriesSortedByVenueAndSymbol()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var okx = new SeriesKey("okx", Avax, Timeframe.M1);
        var coinbase = new SeriesKey("coinbase", BtcUsd, Timeframe.M1);
        var hourly = new SeriesKey("binance-usdm", Avax, Timeframe.H1);
        await store.WriteAsync(okx, AvaxSlice(0, 5), Provenance(provider: "okx"), null);
        await store.WriteAsync(coinbase, CoinbaseMinute.Take(5).ToList(), Provenance(provider: "coinbase"), null);
        await store.WriteAsync(AvaxKey, AvaxSlice(0, 5), Provenance(), null);
        await store.WriteAsync(hourly, HourlyAvax(3), Provenance(), null);

        var series = await store.ListSeriesAsync();

        Assert.Equal(4, series.Count);
        Assert.Equal(["binance-usdm", "binance-usdm", "coinbase", "okx"], series.Select(s => s.Venue));
        Assert.Equal([AvaxKey, hourly], series.Take(2).OrderBy(s => s.Timeframe.Milliseconds));
        Assert.Equal(coinbase, series[2]);
        Assert.Equal(okx, series[3]);
    }

    [Fact]
    public async Task ListSeriesAsync_EmptyStore_ReturnsNothing()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);

        Assert.Empty(await store.ListSeriesAsync());
    }

    [Fact]
    public async Task Series_SameInstrumentOtherVenueOrTimeframe_StaySeparate()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var okx = new SeriesKey("okx", Avax, Timeframe.M1);
        var hourly = new SeriesKey("binance-usdm", Avax, Timeframe.H1);
        var binanceCandles = AvaxSlice(0, 100);
        var okxCandles = AvaxSlice(50, 30).Where((_, i) => i != 10).ToList();
        var hourlyCandles = HourlyAvax(4);

        await store.WriteAsync(AvaxKey, binanceCandles, Provenance(endpoint: "binance"), new TimeRange(AvaxOpen(0), AvaxOpen(100)));
        await store.WriteAsync(okx, okxCandles, Provenance(provider: "okx", endpoint: "okx"), new TimeRange(AvaxOpen(50), AvaxOpen(80)));
        await store.WriteAsync(hourly, hourlyCandles, Provenance(endpoint: "binance 1h"), new TimeRange(AvaxOpen(0), AvaxOpen(240)));

        var binanceRead = await ReadAllAsync(store, AvaxKey);
        var okxRead = await ReadAllAsync(store, okx);
        var hourlyRead = await ReadAllAsync(store, hourly);

        AssertSameDigits(binanceCandles, binanceRead.Select(r => r.Candle));
        AssertSameDigits(okxCandles, okxRead.Select(r => r.Candle));
        AssertSameDigits(hourlyCandles, hourlyRead.Select(r => r.Candle));

        // The overlapping open times did not upsert across series: each keeps its own provenance.
        Assert.All(binanceRead, r => Assert.Equal("binance", r.Endpoint));
        Assert.All(okxRead, r => Assert.Equal("okx", r.Provider));
        Assert.All(hourlyRead, r => Assert.Equal("binance 1h", r.Endpoint));

        Assert.Empty(await store.GetGapsAsync(AvaxKey));
        Assert.Equal([new TimeRange(AvaxOpen(60), AvaxOpen(61))], await store.GetGapsAsync(okx));
        Assert.Empty(await store.GetGapsAsync(hourly));
        Assert.Equal([new TimeRange(AvaxOpen(0), AvaxOpen(100))], await store.GetFetchedWindowsAsync(AvaxKey));
        Assert.Equal([new TimeRange(AvaxOpen(50), AvaxOpen(80))], await store.GetFetchedWindowsAsync(okx));
        Assert.Equal([new TimeRange(AvaxOpen(0), AvaxOpen(240))], await store.GetFetchedWindowsAsync(hourly));
        Assert.Equal(100, (await store.GetSummaryAsync(AvaxKey)).Count);
        Assert.Equal(29, (await store.GetSummaryAsync(okx)).Count);
        Assert.Equal(4, (await store.GetSummaryAsync(hourly)).Count);
        Assert.Equal(133L, Count(DbPath(dir), "candles"));
    }

    /// <summary>The AVAX candles that open on the hour, used as hourly candles (aligned to 1h, real values).</summary>
    private static List<Candle> HourlyAvax(int count)
        => Enumerable.Range(0, count).Select(h => AvaxMonth[h * 60]).ToList();
}

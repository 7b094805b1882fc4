using CryptoRun.Domain;
using CryptoRun.History;
using CryptoRun.Storage;
using CryptoRun.Storage.Sqlite;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.History;

public sealed class SeriesCoverageTests
{
    private const long Minute = 60_000;
    private static readonly long T0 = DateTimeOffset.Parse("2021-04-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
    private static readonly SeriesKey Key = new("kraken", Instrument.Parse("SC/EUR"), Timeframe.M1);

    [Fact]
    public async Task Read_TellsSlotsTheVenueHasNoCandleForFromSlotsNotFetched()
    {
        // Minutes [0, 10) fetched, candles at 0 1 2 5 6 9 (Kraken leaves out minutes without trades);
        // minutes [20, 25) fetched and the venue had nothing at all.
        using var dir = new TempDir();
        await using var store = await SqliteStore.OpenAsync(dir.File("store.db"));
        await store.WriteAsync(Key, [Flat(0), Flat(1), Flat(2), Flat(5), Flat(6), Flat(9)], Provenance(), Window(0, 10));
        await store.WriteAsync(Key, [], Provenance(), Window(20, 25));

        var coverage = await SeriesCoverage.ReadAsync(store, Key, Window(0, 30));

        Assert.Equal([Window(0, 10), Window(20, 25)], coverage.Fetched);
        Assert.Equal([Window(10, 20), Window(25, 30)], coverage.NotFetched);
        Assert.Equal([Window(3, 5), Window(7, 9), Window(20, 25)], coverage.NoCandle);
        Assert.Equal((6L, 30L), (coverage.Candles, coverage.Slots));
        Assert.Equal(0.5, coverage.Ratio, 12);
    }

    [Fact]
    public async Task Read_NoRange_IsEverythingTheStoreKnowsAndAnUnalignedRangeHoldsTheSameOpenTimes()
    {
        using var dir = new TempDir();
        await using var store = await SqliteStore.OpenAsync(dir.File("store.db"));
        await store.WriteAsync(Key, [Flat(4), Flat(5)], Provenance(), Window(3, 6));

        var all = await SeriesCoverage.ReadAsync(store, Key);
        var unaligned = await SeriesCoverage.ReadAsync(store, Key, new TimeRange(T0 + (4 * Minute) + 1, T0 + (5 * Minute) + 1));

        Assert.Equal((Window(3, 6), 2L, 1.0), (all.Range, all.Candles, all.Ratio));
        Assert.Equal([Window(3, 4)], all.NoCandle);
        Assert.Equal((Window(5, 6), 1L), (unaligned.Range, unaligned.Candles));
    }

    [Fact]
    public async Task Read_UnknownSeries_EmptyRangeAndNothingHeld()
    {
        using var dir = new TempDir();
        await using var store = await SqliteStore.OpenAsync(dir.File("store.db"));

        var coverage = await SeriesCoverage.ReadAsync(store, Key);

        Assert.True(coverage.Range.IsEmpty);
        Assert.Equal((0L, 1.0), (coverage.Candles, coverage.Ratio));
        Assert.Empty(coverage.NotFetched);
    }

    private static Candle Flat(int minute) => new(T0 + (minute * Minute), 1m, 1m, 1m, 1m, 1m);

    private static TimeRange Window(int fromMinute, int toMinute) => new(T0 + (fromMinute * Minute), T0 + (toMinute * Minute));

    private static Provenance Provenance() => new("kraken", "/0/public/OHLC", null, 1, DateTimeOffset.UnixEpoch.AddYears(51));
}

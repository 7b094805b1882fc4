using System.Globalization;
using CryptoRun.CandleFiles;
using CryptoRun.Domain;
using CryptoRun.History;
using CryptoRun.Providers;
using CryptoRun.Storage;
using CryptoRun.Storage.Sqlite;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Replay;

/// <summary>
/// Every candle of each recording, served by the replay venue in a venue's real format and fetched
/// back through that venue's real connector over loopback, equals the recording value for value in
/// every field the venue's format carries. The venue's rate limits are off: these fetch whole
/// recordings at one instant of the manual clock (up to 149 pages), and check the data, not pacing.
/// </summary>
public sealed class RoundTripTests(ReplayFixtureWithoutLimits replay) : IClassFixture<ReplayFixtureWithoutLimits>
{
    private static readonly Lazy<CandleFile> AvaxFile = new(() => CandleFileReader.Read(TestData.AvaxMonth));
    private static readonly Lazy<CandleFile> CoinbaseMinuteFile = new(() => CandleFileReader.Read(TestData.CoinbaseMinute));

    [Theory]
    [InlineData("binance-usdm", 30)]
    [InlineData("binance", 45)]
    [InlineData("okx", 149)]
    [InlineData("coinbase", 149)]
    public async Task FetchCandles_WholeAvaxMonth_EqualsRecordingValueForValue(string venue, int expectedRequests)
    {
        var provider = replay.Http.Connect<ICandleProvider>(venue, replay.Clock);
        var file = AvaxFile.Value;

        var pages = await FetchAllAsync(provider, ReplayFixture.Avax[venue], file.Span(Timeframe.M1));

        var candles = pages.SelectMany(p => p.Candles).ToList();
        Assert.Equal(44_640, candles.Count);
        Assert.Equal(expectedRequests, pages.Count);
        AssertEqualToRecording(venue, file.Rows.Select(r => r.Candle).ToList(), candles);
        Assert.Equal(new[] { file.Span(Timeframe.M1) }, RangeSet.Merge(pages.Select(p => p.Covered)));
    }

    [Theory]
    [InlineData("AVAX/USDT")]
    [InlineData("BTC/USD")]
    public async Task FetchCandles_KrakenWholeRecording_ReturnsOnlyThe720MostRecentAndSaysTheRestIsNotCovered(string symbol)
    {
        var provider = replay.Http.Connect<ICandleProvider>("kraken", replay.Clock);
        var file = symbol == "BTC/USD" ? CoinbaseMinuteFile.Value : AvaxFile.Value;
        var span = file.Span(Timeframe.M1);

        var pages = await FetchAllAsync(provider, Instrument.Parse(symbol), span);

        var page = Assert.Single(pages);
        Assert.Equal(720, page.Candles.Count);
        var recent = file.Rows.TakeLast(720).Select(r => r.Candle).ToList();
        AssertEqualToRecording("kraken", recent, page.Candles);
        Assert.Equal(new TimeRange(recent[0].OpenTimeMs, span.ToMs), page.Covered);
    }

    [Theory]
    [InlineData("coinbase")]
    [InlineData("binance")]
    [InlineData("okx")]
    public async Task FetchCandles_CoinbaseBtcUsdMinutes_EqualRecordingAndTheMissingMinuteStaysMissing(string venue)
    {
        var provider = replay.Http.Connect<ICandleProvider>(venue, replay.Clock);
        var file = CoinbaseMinuteFile.Value;

        var pages = await FetchAllAsync(provider, Instrument.Parse("BTC/USD"), file.Span(Timeframe.M1));

        var candles = pages.SelectMany(p => p.Candles).ToList();
        Assert.Equal(27_950, candles.Count);
        AssertEqualToRecording(venue, file.Rows.Select(r => r.Candle).ToList(), candles);
        var missing = DateTimeOffset.Parse("2020-11-24T21:09:00Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        Assert.DoesNotContain(candles, c => c.OpenTimeMs == missing);

        // The venue answered for the missing minute: it is covered (so never asked again), yet has no candle.
        Assert.Contains(pages, p => p.Covered.Contains(missing));
    }

    [Fact]
    public async Task FetchCandles_CoinbaseBtcUsdHours_EqualRecordingAcrossTheVolumeColumnSwap()
    {
        var provider = replay.Http.Connect<ICandleProvider>("coinbase", replay.Clock);
        var file = CandleFileReader.Read(TestData.CoinbaseHour);

        var pages = new List<CandlePage>();
        await foreach (var page in provider.FetchCandlesAsync(Instrument.Parse("BTC/USD"), Timeframe.H1, file.Span(Timeframe.H1)))
        {
            pages.Add(page);
        }

        var candles = pages.SelectMany(p => p.Candles).ToList();
        Assert.Equal(22_601, candles.Count);
        Assert.Equal(76, pages.Count);
        AssertEqualToRecording("coinbase", file.Rows.Select(r => r.Candle).ToList(), candles);
    }

    [Fact]
    public async Task Backfill_CoinbaseMinutesIntoStore_ReportsExactlyTheOneMissingMinute()
    {
        using var dir = new TempDir();
        await using var store = await SqliteStore.OpenAsync(dir.File("store.db"), replay.Clock);
        var provider = replay.Http.Connect<ICandleProvider>("coinbase", replay.Clock);
        var span = CoinbaseMinuteFile.Value.Span(Timeframe.M1);

        var report = await new CandleBackfill(store, replay.Clock).RunAsync(provider, Instrument.Parse("BTC/USD"), Timeframe.M1, span);

        Assert.Equal(94, report.Requests);
        Assert.Equal(27_950, report.CandlesStored);
        Assert.Empty(report.NotCovered);
        var key = new SeriesKey("coinbase", Instrument.Parse("BTC/USD"), Timeframe.M1);
        var gap = Assert.Single(await store.GetGapsAsync(key));
        Assert.Equal("[2020-11-24T21:09:00Z, 2020-11-24T21:10:00Z)", gap.ToString());
    }

    [Fact]
    public async Task Backfill_InterruptedAfterFivePages_NextRunFetchesOnlyTheRest()
    {
        using var dir = new TempDir();
        await using var store = await SqliteStore.OpenAsync(dir.File("store.db"), replay.Clock);
        var provider = replay.Http.Connect<ICandleProvider>("coinbase", replay.Clock);
        var file = CoinbaseMinuteFile.Value;
        var span = file.Span(Timeframe.M1);
        var backfill = new CandleBackfill(store, replay.Clock);
        using var interrupt = new CancellationTokenSource();
        var cancelAfterFive = new Progress(p =>
        {
            if (p.Requests == 5)
            {
                interrupt.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => backfill.RunAsync(provider, Instrument.Parse("BTC/USD"), Timeframe.M1, span, cancelAfterFive, interrupt.Token));
        var key = new SeriesKey("coinbase", Instrument.Parse("BTC/USD"), Timeframe.M1);
        var afterInterrupt = (await store.GetSummaryAsync(key)).Count;
        var second = await backfill.RunAsync(provider, Instrument.Parse("BTC/USD"), Timeframe.M1, span);

        Assert.Equal(5 * 300, afterInterrupt);
        Assert.Equal(94 - 5, second.Requests);
        Assert.Equal(span.FromMs + (5 * 300 * 60_000), second.MissingBefore[0].FromMs);
        var stored = new List<Candle>();
        await foreach (var row in store.ReadAsync(key))
        {
            stored.Add(row.Candle);
        }

        AssertEqualToRecording("coinbase", file.Rows.Select(r => r.Candle).ToList(), stored);
    }

    private static async Task<List<CandlePage>> FetchAllAsync(ICandleProvider provider, Instrument instrument, TimeRange range)
    {
        var pages = new List<CandlePage>();
        await foreach (var page in provider.FetchCandlesAsync(instrument, Timeframe.M1, range))
        {
            pages.Add(page);
        }

        // Pages come in the venue's walking order (OKX walks backward); order them by window.
        return pages.OrderBy(p => p.Covered.FromMs).ToList();
    }

    /// <summary>Compares every field the venue's candle format carries; fields the recording lacks are not compared.</summary>
    private static void AssertEqualToRecording(string venue, List<Candle> recording, IReadOnlyList<Candle> fetched)
    {
        var carriesQuote = venue is "binance" or "binance-usdm" or "okx";
        var carriesTrades = venue is "binance" or "binance-usdm" or "kraken";
        Assert.Equal(recording.Count, fetched.Count);
        for (var i = 0; i < recording.Count; i++)
        {
            var (want, got) = (recording[i], fetched[i]);
            var at = $"{venue} candle {i} at {TimeRange.Format(want.OpenTimeMs)}";
            Assert.True(want.OpenTimeMs == got.OpenTimeMs, $"{at}: open time {TimeRange.Format(got.OpenTimeMs)}");
            AssertExact(want.Open, got.Open, at, "open");
            AssertExact(want.High, got.High, at, "high");
            AssertExact(want.Low, got.Low, at, "low");
            AssertExact(want.Close, got.Close, at, "close");
            AssertExact(want.Volume, got.Volume, at, "volume");
            if (carriesQuote && want.QuoteVolume is { } quote)
            {
                AssertExact(quote, got.QuoteVolume ?? -1, at, "quote volume");
            }

            if (!carriesQuote)
            {
                Assert.Null(got.QuoteVolume);
            }

            if (carriesTrades && want.TradeCount is { } trades)
            {
                Assert.True(trades == got.TradeCount, $"{at}: trades {got.TradeCount}, recorded {trades}");
            }
        }
    }

    /// <summary>Equal in value and in written digits (scale): "6.5340" must not come back as "6.534".</summary>
    private static void AssertExact(decimal want, decimal got, string at, string field)
    {
        var (w, g) = (want.ToString(CultureInfo.InvariantCulture), got.ToString(CultureInfo.InvariantCulture));
        Assert.True(w == g, $"{at}: {field} {g}, recorded {w}");
    }

    private sealed class Progress(Action<BackfillProgress> report) : IProgress<BackfillProgress>
    {
        public void Report(BackfillProgress value) => report(value);
    }
}

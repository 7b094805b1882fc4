using System.Globalization;
using CryptoRun.Domain;
using CryptoRun.History;
using CryptoRun.Storage;
using CryptoRun.Tests.TestSupport;
using static CryptoRun.Tests.Storage.StoreKit;

namespace CryptoRun.Tests.History;

public sealed class CandleBackfillTests
{
    private const string Venue = "binance-usdm";

    private static readonly DateTimeOffset Start = new(2026, 8, 1, 6, 0, 0, TimeSpan.Zero);

    private static readonly Timeframe M1 = Timeframe.M1;

    [Fact]
    public async Task Run_FullMonth_StoresEveryCandleAndReportsCounts()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var clock = new ManualClock(Start);
        var venue = new FakeCandleProvider(Venue, Avax, M1, AvaxMonth) { Clock = clock };
        var july = new TimeRange(Ms("2026-07-01T00:00:00Z"), Ms("2026-08-01T00:00:00Z"));

        var report = await new CandleBackfill(store, clock).RunAsync(venue, Avax, M1, july);

        Assert.Equal(AvaxKey, report.Key);
        Assert.Equal(july, report.Range);
        Assert.Equal([july], report.MissingBefore);
        Assert.Equal(45, report.Requests);
        Assert.Equal(44_640, report.CandlesFetched);
        Assert.Equal(44_640, report.CandlesStored);
        Assert.Empty(report.NotCovered);
        Assert.Equal(TimeSpan.FromMilliseconds(45 * 250), report.Elapsed);

        // One walk over the range, in contiguous pages of at most 1000 candles.
        Assert.Equal([july], venue.Walks);
        Assert.Equal(45, venue.Requests.Count);
        Assert.Equal(july.FromMs, venue.Requests[0].FromMs);
        Assert.Equal(july.ToMs, venue.Requests[^1].ToMs);
        Assert.All(venue.Requests.Zip(venue.Requests.Skip(1)), pair => Assert.Equal(pair.First.ToMs, pair.Second.FromMs));
        Assert.All(venue.Requests, w => Assert.True(M1.CountSlots(w.FromMs, w.ToMs) <= 1000));

        var stored = await ReadAllAsync(store, AvaxKey);
        AssertSameDigits(AvaxMonth, stored.Select(r => r.Candle));
        Assert.All(stored, r => Assert.Equal(FakeCandleProvider.Endpoint, r.Endpoint));
        Assert.Equal(Start.AddMilliseconds(250), stored[0].FetchedAt);
        Assert.Equal(Start.AddMilliseconds(250 * 2), stored[1000].FetchedAt);
        Assert.Equal(Start.AddMilliseconds(250 * 45), stored[^1].FetchedAt);
        Assert.Equal([july], await store.GetFetchedWindowsAsync(AvaxKey));
        Assert.Empty(await store.GetGapsAsync(AvaxKey));
    }

    [Fact]
    public async Task Run_SameRangeTwice_SecondRunMakesNoRequests()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var clock = new ManualClock(Start);
        var range = new TimeRange(AvaxOpen(0), AvaxOpen(3 * 1440));
        var backfill = new CandleBackfill(store, clock);
        var first = await backfill.RunAsync(new FakeCandleProvider(Venue, Avax, M1, AvaxMonth), Avax, M1, range);
        var second = new FakeCandleProvider(Venue, Avax, M1, AvaxMonth);

        var report = await backfill.RunAsync(second, Avax, M1, range);

        Assert.Equal(5, first.Requests);
        Assert.Empty(second.Walks);
        Assert.Empty(second.Requests);
        Assert.Equal(0, report.Requests);
        Assert.Equal(0, report.CandlesFetched);
        Assert.Equal(0, report.CandlesStored);
        Assert.Empty(report.MissingBefore);
        Assert.Empty(report.NotCovered);
        Assert.Equal(3 * 1440, (await store.GetSummaryAsync(AvaxKey)).Count);
    }

    [Fact]
    public async Task Run_StoreAlreadyHoldsTheMiddle_FetchesOnlyBothEnds()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var backfill = new CandleBackfill(store, new ManualClock(Start));
        await backfill.RunAsync(new FakeCandleProvider(Venue, Avax, M1, AvaxMonth), Avax, M1, new TimeRange(AvaxOpen(1000), AvaxOpen(2000)));
        var venue = new FakeCandleProvider(Venue, Avax, M1, AvaxMonth);

        var report = await backfill.RunAsync(venue, Avax, M1, new TimeRange(AvaxOpen(0), AvaxOpen(3000)));

        TimeRange[] ends = [new(AvaxOpen(0), AvaxOpen(1000)), new(AvaxOpen(2000), AvaxOpen(3000))];
        Assert.Equal(ends, report.MissingBefore);
        Assert.Equal(ends, venue.Walks);
        Assert.Equal(2000, report.CandlesStored);
        AssertSameDigits(AvaxSlice(0, 3000), (await ReadAllAsync(store, AvaxKey)).Select(r => r.Candle));
    }

    [Fact]
    public async Task Run_VenueFailsOnThirdPage_KeepsTwoPagesAndNextRunAsksOnlyForTheRest()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var backfill = new CandleBackfill(store, new ManualClock(Start));
        var range = new TimeRange(AvaxOpen(0), AvaxOpen(5000));
        var failing = new FakeCandleProvider(Venue, Avax, M1, AvaxMonth) { FailOnRequest = 3 };

        var error = await Assert.ThrowsAsync<VenueUnavailableException>(() => backfill.RunAsync(failing, Avax, M1, range));

        Assert.Equal(Venue, error.Venue);
        Assert.Equal(3, failing.Requests.Count);
        Assert.Equal(2000, (await store.GetSummaryAsync(AvaxKey)).Count);
        Assert.Equal([new TimeRange(AvaxOpen(0), AvaxOpen(2000))], await store.GetFetchedWindowsAsync(AvaxKey));

        var resumed = new FakeCandleProvider(Venue, Avax, M1, AvaxMonth);
        var report = await backfill.RunAsync(resumed, Avax, M1, range);

        Assert.Equal([new TimeRange(AvaxOpen(2000), AvaxOpen(5000))], report.MissingBefore);
        Assert.Equal([new TimeRange(AvaxOpen(2000), AvaxOpen(5000))], resumed.Walks);
        Assert.Equal(AvaxOpen(2000), resumed.Requests[0].FromMs);
        Assert.Equal(3, report.Requests);
        Assert.Equal(3000, report.CandlesStored);
        Assert.Empty(report.NotCovered);
        AssertSameDigits(AvaxSlice(0, 5000), (await ReadAllAsync(store, AvaxKey)).Select(r => r.Candle));
        Assert.Equal([range], await store.GetFetchedWindowsAsync(AvaxKey));
        Assert.Empty(await store.GetGapsAsync(AvaxKey));
    }

    [Theory]
    [InlineData("high below low")]
    [InlineData("zero price")]
    [InlineData("negative volume")]
    [InlineData("outside the window")]
    [InlineData("out of order")]
    [InlineData("duplicate with other values")]
    public async Task Run_PageFailsQualityGate_ThrowsNamingProblemAndStoresNothingOfThatPage(string fault)
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var backfill = new CandleBackfill(store, new ManualClock(Start));
        var range = new TimeRange(AvaxOpen(0), AvaxOpen(5000));
        var expected = "";
        var venue = new FakeCandleProvider(Venue, Avax, M1, AvaxMonth)
        {
            CorruptRequest = 3,
            Corrupt = page =>
            {
                expected = Spoil(page, fault);
                return page;
            },
        };

        var error = await Assert.ThrowsAsync<VenueDataException>(() => backfill.RunAsync(venue, Avax, M1, range));

        Assert.Equal(Venue, error.Venue);
        Assert.False(error.IsTransient);
        Assert.Contains("quality gate", error.Message, StringComparison.Ordinal);
        Assert.NotEmpty(expected);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(3, venue.Requests.Count);

        // Pages 1 and 2 stay; nothing of page 3, not even its window.
        AssertSameDigits(AvaxSlice(0, 2000), (await ReadAllAsync(store, AvaxKey)).Select(r => r.Candle));
        Assert.Empty(await ReadAllAsync(store, AvaxKey, new TimeRange(AvaxOpen(2000), AvaxOpen(3000))));
        Assert.Equal([new TimeRange(AvaxOpen(0), AvaxOpen(2000))], await store.GetFetchedWindowsAsync(AvaxKey));

        var retry = new FakeCandleProvider(Venue, Avax, M1, AvaxMonth);
        var report = await backfill.RunAsync(retry, Avax, M1, range);
        Assert.Equal(AvaxOpen(2000), retry.Requests[0].FromMs);
        Assert.Equal(3000, report.CandlesStored);
    }

    [Fact]
    public async Task Run_PageRepeatsACandleExactly_TheRepeatIsDroppedAndTheRestStored()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var backfill = new CandleBackfill(store, new ManualClock(Start));
        var venue = new FakeCandleProvider(Venue, Avax, M1, AvaxMonth)
        {
            CorruptRequest = 1,
            Corrupt = page =>
            {
                page.Insert(11, page[10]);
                return page;
            },
        };

        var report = await backfill.RunAsync(venue, Avax, M1, new TimeRange(AvaxOpen(0), AvaxOpen(1000)));

        Assert.Equal((1000L, 1000L), (report.CandlesFetched, report.CandlesStored));
        AssertSameDigits(AvaxSlice(0, 1000), (await ReadAllAsync(store, AvaxKey)).Select(r => r.Candle));
    }

    [Fact]
    public async Task Run_Concurrency4_PagesOverlapEveryCandleStoredOnceAndTheWholeRangeCovered()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var backfill = new CandleBackfill(store, new ManualClock(Start)) { Concurrency = 4 };
        var venue = new FakeCandleProvider(Venue, Avax, M1, AvaxMonth) { MaxCandlesPerRequest = 1000, RealDelay = TimeSpan.FromMilliseconds(20) };

        var report = await backfill.RunAsync(venue, Avax, M1, new TimeRange(AvaxOpen(0), AvaxOpen(10_000)));

        Assert.InRange(venue.MaxInFlight, 2, 4);
        Assert.Equal((10, 10_000L, 10_000L), (report.Requests, report.CandlesFetched, report.CandlesStored));
        AssertSameDigits(AvaxSlice(0, 10_000), (await ReadAllAsync(store, AvaxKey)).Select(r => r.Candle));
        Assert.Equal([new TimeRange(AvaxOpen(0), AvaxOpen(10_000))], await store.GetFetchedWindowsAsync(AvaxKey));
        Assert.Empty(report.NotCovered);
    }

    [Fact]
    public async Task Run_Concurrency4_AVenueServingOnlyItsLatestCandles_IsWalkedOnce()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var backfill = new CandleBackfill(store, new ManualClock(Start)) { Concurrency = 4 };
        var venue = new FakeCandleProvider(Venue, Avax, M1, AvaxMonth) { MaxCandlesPerRequest = 1000, ServesAnyWindow = false };

        await backfill.RunAsync(venue, Avax, M1, new TimeRange(AvaxOpen(0), AvaxOpen(5000)));

        Assert.Single(venue.Walks);
        Assert.Equal(1, venue.MaxInFlight);
    }

    [Fact]
    public async Task Run_VenueHasNoCandleInSomeSlots_RecordsWindowAndDoesNotAskAgain()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var backfill = new CandleBackfill(store, new ManualClock(Start));
        var range = new TimeRange(AvaxOpen(0), AvaxOpen(3000));

        // The venue has no candles for 10 minutes in page 2 (a halt) and for the last 5 of page 3.
        var withHoles = AvaxSlice(0, 3000).Where((_, i) => i is not (>= 1500 and < 1510) and not (>= 2995)).ToList();
        var venue = new FakeCandleProvider(Venue, Avax, M1, withHoles);

        var report = await backfill.RunAsync(venue, Avax, M1, range);

        Assert.Equal(3, report.Requests);
        Assert.Equal(2985, report.CandlesFetched);
        Assert.Equal(2985, report.CandlesStored);
        Assert.Empty(report.NotCovered);
        Assert.Equal([range], await store.GetFetchedWindowsAsync(AvaxKey));
        Assert.Equal([new TimeRange(AvaxOpen(1500), AvaxOpen(1510))], await store.GetGapsAsync(AvaxKey));

        var again = new FakeCandleProvider(Venue, Avax, M1, withHoles);
        var second = await backfill.RunAsync(again, Avax, M1, range);

        Assert.Empty(again.Walks);
        Assert.Equal(0, second.Requests);
        Assert.Empty(second.MissingBefore);
    }

    [Fact]
    public async Task Run_VenueKeepsOnlyRecentCandles_LeavesTheRestInNotCovered()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var backfill = new CandleBackfill(store, new ManualClock(Start));
        var range = new TimeRange(AvaxOpen(0), AvaxOpen(3000));

        // Like Kraken's OHLC endpoint: 720 candles per request and only the most recent 720 kept.
        var kraken = new FakeCandleProvider("kraken", Avax, M1, AvaxMonth) { MaxCandlesPerRequest = 720, EarliestMs = AvaxOpen(2280) };
        var report = await backfill.RunAsync(kraken, Avax, M1, range);

        var krakenKey = new SeriesKey("kraken", Avax, M1);
        Assert.Equal(krakenKey, report.Key);
        Assert.Equal(1, report.Requests);
        Assert.Equal(720, report.CandlesStored);
        Assert.Equal([new TimeRange(AvaxOpen(0), AvaxOpen(2280))], report.NotCovered);
        Assert.Equal([new TimeRange(AvaxOpen(2280), AvaxOpen(3000))], await store.GetFetchedWindowsAsync(krakenKey));
        AssertSameDigits(AvaxSlice(2280, 720), (await ReadAllAsync(store, krakenKey)).Select(r => r.Candle));

        // The next run asks again only for what is still not covered.
        var again = new FakeCandleProvider("kraken", Avax, M1, AvaxMonth) { MaxCandlesPerRequest = 720, EarliestMs = AvaxOpen(2280) };
        var second = await backfill.RunAsync(again, Avax, M1, range);

        Assert.Equal([new TimeRange(AvaxOpen(0), AvaxOpen(2280))], again.Walks);
        Assert.Equal([new TimeRange(AvaxOpen(0), AvaxOpen(2280))], second.NotCovered);
        Assert.Equal(0, second.CandlesStored);
    }

    [Fact]
    public async Task Run_ReportsProgressOncePerPageWithGrowingCounts()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var backfill = new CandleBackfill(store, new ManualClock(Start));
        var venue = new FakeCandleProvider(Venue, Avax, M1, AvaxMonth);
        var progress = new RecordingProgress<BackfillProgress>();
        const long Minute = 60_000;

        await backfill.RunAsync(venue, Avax, M1, new TimeRange(AvaxOpen(0), AvaxOpen(3500)), progress);

        BackfillProgress[] expected =
        [
            new(1, 1000, 1000, 1000 * Minute, 3500 * Minute),
            new(2, 2000, 2000, 2000 * Minute, 3500 * Minute),
            new(3, 3000, 3000, 3000 * Minute, 3500 * Minute),
            new(4, 3500, 3500, 3500 * Minute, 3500 * Minute),
        ];
        Assert.Equal(expected, progress.Reports);
    }

    [Fact]
    public async Task Run_CancelledAfterSecondPage_KeepsFinishedPagesAndAsksNoMore()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var backfill = new CandleBackfill(store, new ManualClock(Start));
        var venue = new FakeCandleProvider(Venue, Avax, M1, AvaxMonth);
        using var cancel = new CancellationTokenSource();
        var progress = new RecordingProgress<BackfillProgress>(p =>
        {
            if (p.Requests == 2)
            {
                cancel.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            backfill.RunAsync(venue, Avax, M1, new TimeRange(AvaxOpen(0), AvaxOpen(5000)), progress, cancel.Token));

        Assert.Equal(2, venue.Requests.Count);
        Assert.Equal(2, progress.Reports.Count);
        AssertSameDigits(AvaxSlice(0, 2000), (await ReadAllAsync(store, AvaxKey)).Select(r => r.Candle));
        Assert.Equal([new TimeRange(AvaxOpen(0), AvaxOpen(2000))], await store.GetFetchedWindowsAsync(AvaxKey));
    }

    [Fact]
    public async Task Run_UnalignedRange_FetchesOnlyOpenTimesInside()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var backfill = new CandleBackfill(store, new ManualClock(Start));
        var venue = new FakeCandleProvider(Venue, Avax, M1, AvaxMonth);

        // [00:00:30, 00:10:30) holds the candles opening 00:01 .. 00:10.
        var report = await backfill.RunAsync(venue, Avax, M1, new TimeRange(AvaxOpen(0) + 30_000, AvaxOpen(10) + 30_000));

        Assert.Equal(new TimeRange(AvaxOpen(1), AvaxOpen(11)), report.Range);
        Assert.Equal(10, report.CandlesStored);
        AssertSameDigits(AvaxSlice(1, 10), (await ReadAllAsync(store, AvaxKey)).Select(r => r.Candle));
    }

    /// <summary>Spoils one candle of a 1000-candle page and returns the problem the quality gate should name.</summary>
    private static string Spoil(List<Candle> page, string fault)
    {
        var c = page[10];
        switch (fault)
        {
            case "high below low":
                page[10] = c with { High = c.Low - 0.0010m };
                return string.Create(CultureInfo.InvariantCulture, $"high {page[10].High} is below low {c.Low}");
            case "zero price":
                page[10] = c with { Open = 0m };
                return "prices must be positive";
            case "negative volume":
                page[10] = c with { Volume = -1m };
                return "must not be negative";
            case "outside the window":
                page[^1] = page[^1] with { OpenTimeMs = page[^1].OpenTimeMs + 60_000 };
                return $"open time {TimeRange.Format(page[^1].OpenTimeMs)} is outside the page's window";
            case "duplicate with other values":
                page.Insert(11, c with { Close = c.Close + 0.0010m });
                return $"open time {TimeRange.Format(c.OpenTimeMs)} appears twice with different values";
            default:
                (page[10], page[11]) = (page[11], page[10]);
                return $"open time {TimeRange.Format(c.OpenTimeMs)} is not after the previous candle's";
        }
    }
}

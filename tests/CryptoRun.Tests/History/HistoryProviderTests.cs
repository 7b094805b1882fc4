using CryptoRun.Domain;
using CryptoRun.History;
using CryptoRun.Storage;
using CryptoRun.Storage.Sqlite;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.History;

public sealed class HistoryProviderTests : IAsyncLifetime, IDisposable
{
    private const long Minute = 60_000;
    private static readonly Instrument Sc = Instrument.Parse("SC/EUR");
    private static readonly SeriesKey Key = new("fake", Sc, Timeframe.M1);
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2021-04-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    private readonly TempDir _dir = new();
    private readonly ManualClock _clock = new(Start.AddDays(3));
    private SqliteStore _store = null!;

    public async Task InitializeAsync() => _store = await SqliteStore.OpenAsync(_dir.File("store.db"), _clock);

    public async Task DisposeAsync() => await _store.DisposeAsync();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task FailFast_RangeNotFetched_ThrowsListingWhatIsMissingAndAsksTheVenueNothing()
    {
        var venue = Venue(minutes: 3000);

        var error = await Assert.ThrowsAsync<HistoryIncompleteException>(() => Provider(venue).FetchAsync(Key, Minutes(0, 100), HistoryStrategy.FailFast));

        Assert.Empty(venue.Requests);
        Assert.Equal([Minutes(0, 100)], error.Coverage.NotFetched);
        Assert.Contains("FAIL_FAST does not backfill", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AutoBackfill_FetchesOnlyWhatIsMissing_ThenFailFastAnswersFromStorage()
    {
        var venue = Venue(minutes: 3000);
        var provider = Provider(venue);

        var first = await provider.FetchAsync(Key, Minutes(0, 2500), HistoryStrategy.AutoBackfill);
        var requests = venue.Requests.Count;
        var again = await provider.FetchAsync(Key, Minutes(100, 2000), HistoryStrategy.FailFast);

        Assert.Equal((2500, false, 1.0), (first.Candles.Count, first.IsPartial, first.Coverage.Ratio));
        Assert.Equal(3, requests);
        Assert.Equal(3, venue.Requests.Count);
        Assert.Equal(1900, again.Candles.Count);
        var source = Assert.Single(first.Provenance);
        Assert.Equal(("fake", 2500, 0), (source.Provider, source.Candles, source.Degraded));

        // Staleness: now minus the close of the newest candle (minute 2500).
        Assert.Equal(_clock.GetUtcNow() - Start.AddMinutes(2500), first.Staleness);
    }

    [Fact]
    public async Task PartialFill_AnswersAtOnceWithWhatIsStored_BackfillsTheRestInTheBackground()
    {
        var venue = Venue(minutes: 3000);
        var provider = Provider(venue);
        await provider.FetchAsync(Key, Minutes(0, 500), HistoryStrategy.AutoBackfill);
        var hold = new TaskCompletionSource();
        venue.Hold = hold.Task;

        var partial = await provider.FetchAsync(Key, Minutes(0, 1500), HistoryStrategy.PartialFill);
        hold.SetResult();
        await partial.Background;
        var after = await provider.FetchAsync(Key, Minutes(0, 1500), HistoryStrategy.FailFast);

        Assert.True(partial.IsPartial);
        Assert.Equal(500, partial.Candles.Count);
        Assert.Equal([Minutes(500, 1500)], partial.Coverage.NotFetched);
        Assert.Equal(1500, after.Candles.Count);
        Assert.False(after.IsPartial);
    }

    [Fact]
    public async Task Seamless_RangeReachingPastNow_WaitsForEachCandleToCloseThenAppendsIt()
    {
        // Now is minute 4320 (three days after the start); the range ends 3 minutes later.
        var venue = Venue(minutes: 4330);
        var provider = Provider(venue);

        var result = await Pump(provider.FetchAsync(Key, Minutes(4280, 4323), HistoryStrategy.Seamless));

        Assert.Equal((43, false), (result.Candles.Count, result.IsPartial));
        Assert.Equal(Start.AddMinutes(4322).ToUnixTimeMilliseconds(), result.Candles[^1].Candle.OpenTimeMs);
        // The live phase waited until the range's last candle closed (the clock also moved during the backfill before it).
        Assert.True(_clock.GetUtcNow() >= Start.AddMinutes(4323), $"answered at {_clock.GetUtcNow():O}");
        Assert.True(result.Phases.Live >= TimeSpan.FromMinutes(2), $"live phase {result.Phases.Live}");

        // Nothing was fetched before it closed: no request window reached past the clock at the time.
        Assert.All(venue.Requests.Zip(venue.RequestedAt), r => Assert.True(r.First.ToMs <= r.Second.ToUnixTimeMilliseconds(), $"{r.First} asked at {r.Second:O}"));
    }

    [Fact]
    public async Task Sla_BackfillBudgetRunsOut_AutoBackfillThrowsNamingThePhase_PartialFillReturnsWhatItHas()
    {
        // 250 ms of venue latency per page of 100 candles, 1 s of budget: about four pages fit.
        var venue = Venue(minutes: 3000, perPage: 100);
        var provider = Provider(venue);
        var sla = new SlaPolicy(Backfill: TimeSpan.FromSeconds(1));

        var error = await Assert.ThrowsAsync<SlaExceededException>(() => provider.FetchAsync(Key, Minutes(0, 2000), HistoryStrategy.AutoBackfill, sla));
        var requests = venue.Requests.Count;
        var partial = await Provider(venue).FetchAsync(Key, Minutes(0, 2000), HistoryStrategy.PartialFill, sla);
        await partial.Background;

        // The fourth page was in flight when the budget ran out: it was not written; the three before stay.
        Assert.Equal(("backfill", TimeSpan.FromSeconds(1)), (error.Phase, error.Budget));
        Assert.Equal(4, requests);
        Assert.Equal(300, partial.Candles.Count);
        Assert.True(partial.IsPartial);
    }

    [Fact]
    public async Task Sla_TotalBudgetTighterThanThePhases_TheErrorNamesTheTotal()
    {
        var venue = Venue(minutes: 3000, perPage: 100);
        var sla = new SlaPolicy(Backfill: TimeSpan.FromMinutes(5), Total: TimeSpan.FromSeconds(1));

        var error = await Assert.ThrowsAsync<SlaExceededException>(() => Provider(venue).FetchAsync(Key, Minutes(0, 2000), HistoryStrategy.AutoBackfill, sla));

        Assert.Equal(("total", TimeSpan.FromSeconds(1)), (error.Phase, error.Budget));
        Assert.True(error.Elapsed >= TimeSpan.FromSeconds(1), error.Message);
        Assert.StartsWith("the total phase took ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SingleFlight_ConcurrentCallersForOneRange_OneSetOfVenueRequestsAndEveryoneGetsTheCandles()
    {
        var venue = Venue(minutes: 3000);
        var provider = Provider(venue);
        var hold = new TaskCompletionSource();
        venue.Hold = hold.Task;

        var callers = Enumerable.Range(0, 5).Select(_ => provider.FetchAsync(Key, Minutes(0, 2500), HistoryStrategy.AutoBackfill)).ToList();
        await Task.Delay(100);
        hold.SetResult();
        var results = await Task.WhenAll(callers);

        Assert.Single(venue.Walks);
        Assert.Equal(3, venue.Requests.Count);
        Assert.All(results, r => Assert.Equal((2500, false), (r.Candles.Count, r.IsPartial)));
    }

    private HistoryProvider Provider(FakeCandleProvider venue) => new(_store, _ => venue, _clock);

    private FakeCandleProvider Venue(int minutes, int perPage = 1000)
        => new("fake", Sc, Timeframe.M1, Enumerable.Range(0, minutes).Select(m => new Candle(Start.AddMinutes(m).ToUnixTimeMilliseconds(), 1m, 1m, 1m, 1m, 1m)).ToList())
        {
            Clock = _clock,
            MaxCandlesPerRequest = perPage,
        };

    private static TimeRange Minutes(int from, int to) => new(Start.AddMinutes(from), Start.AddMinutes(to));

    /// <summary>Moves the clock 10 s at a time while the fetch waits on it.</summary>
    private async Task<T> Pump<T>(Task<T> task)
    {
        var started = DateTime.UtcNow;
        while (!task.IsCompleted && DateTime.UtcNow - started < TimeSpan.FromSeconds(30))
        {
            await Task.WhenAny(task, Task.Delay(5));
            if (!task.IsCompleted)
            {
                _clock.Advance(TimeSpan.FromSeconds(10));
            }
        }

        return await task;
    }
}

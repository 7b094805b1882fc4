using System.Diagnostics.Metrics;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Resilience;
using CryptoRun.Storage;

namespace CryptoRun.History;

/// <summary>How <see cref="HistoryProvider.FetchAsync"/> treats a range the store does not fully hold (seed 004).</summary>
public enum HistoryStrategy
{
    /// <summary>Storage only: a range not wholly fetched fails with <see cref="HistoryIncompleteException"/>; nothing is asked of the venue.</summary>
    FailFast,

    /// <summary>Backfills every missing window from the venue (within the backfill budget), then answers from storage.</summary>
    AutoBackfill,

    /// <summary>Answers at once with what storage holds, marked partial with its missing ranges, and backfills them in the background.</summary>
    PartialFill,

    /// <summary>Storage, then backfill, then live: for a range reaching past now, waits (within the live budget) for its candles to close and appends them.</summary>
    Seamless,
}

/// <summary>SLA phase budgets (seed 004): how long each phase of a fetch may take; null for no limit.</summary>
/// <param name="Storage">Reading coverage and candles from the store.</param>
/// <param name="Backfill">Fetching missing windows from the venue.</param>
/// <param name="Live">Waiting for candles of the range still open to close (SEAMLESS).</param>
/// <param name="Total">The whole fetch.</param>
public sealed record SlaPolicy(TimeSpan? Storage = null, TimeSpan? Backfill = null, TimeSpan? Live = null, TimeSpan? Total = null)
{
    /// <summary>No budgets.</summary>
    public static SlaPolicy None { get; } = new();
}

/// <summary>A fetch phase went past its SLA budget. Windows fetched before it stay stored.</summary>
/// <param name="phase">The phase: <c>storage</c>, <c>backfill</c>, <c>live</c> or <c>total</c>.</param>
/// <param name="budget">Its budget.</param>
/// <param name="elapsed">The time it had taken when stopped.</param>
public sealed class SlaExceededException(string phase, TimeSpan budget, TimeSpan elapsed)
    : Exception($"the {phase} phase took {elapsed.TotalSeconds:0.###} s, past its SLA budget of {budget.TotalSeconds:0.###} s")
{
    /// <summary>The phase: <c>storage</c>, <c>backfill</c>, <c>live</c> or <c>total</c>.</summary>
    public string Phase { get; } = phase;

    /// <summary>The phase's budget.</summary>
    public TimeSpan Budget { get; } = budget;

    /// <summary>How long the phase had run.</summary>
    public TimeSpan Elapsed { get; } = elapsed;
}

/// <summary>FAIL_FAST found a range the store does not wholly hold.</summary>
/// <param name="coverage">The coverage found; its <see cref="SeriesCoverage.NotFetched"/> lists what is missing.</param>
public sealed class HistoryIncompleteException(SeriesCoverage coverage)
    : Exception($"{coverage.Key} {coverage.Range}: the store has not fetched {coverage.Count(coverage.NotFetched)} of {coverage.Slots} slots ({string.Join(", ", coverage.NotFetched.Take(3))}{(coverage.NotFetched.Count > 3 ? ", ..." : "")}); FAIL_FAST does not backfill")
{
    /// <summary>The coverage found.</summary>
    public SeriesCoverage Coverage { get; } = coverage;
}

/// <summary>Where a result's candles came from: one row per provider.</summary>
/// <param name="Provider">The provider (<c>file</c> for imports).</param>
/// <param name="Candles">Candles it served.</param>
/// <param name="FirstFetchedAt">Earliest fetch time among them (UTC).</param>
/// <param name="LastFetchedAt">Latest fetch time among them (UTC).</param>
/// <param name="Degraded">How many are not OK.</param>
public sealed record ProvenanceSummary(string Provider, int Candles, DateTimeOffset FirstFetchedAt, DateTimeOffset LastFetchedAt, int Degraded);

/// <summary>Measured phase durations of one fetch; a phase not run is zero.</summary>
/// <param name="Storage">Reading coverage and candles.</param>
/// <param name="Backfill">Fetching missing windows.</param>
/// <param name="Live">Waiting for and appending closing candles.</param>
/// <param name="Total">The whole fetch.</param>
public sealed record PhaseDurations(TimeSpan Storage, TimeSpan Backfill, TimeSpan Live, TimeSpan Total);

/// <summary>The answer of <see cref="HistoryProvider.FetchAsync"/>.</summary>
/// <param name="Key">The series.</param>
/// <param name="Strategy">The strategy used.</param>
/// <param name="Candles">The stored candles of the range, oldest first, with their provenance.</param>
/// <param name="Coverage">The range's coverage after the fetch (ratio, slots not fetched, slots without a candle).</param>
/// <param name="Staleness">Now minus the close time of the newest candle; null when there is none.</param>
/// <param name="Provenance">Where the candles came from, per provider.</param>
/// <param name="Phases">Measured phase durations.</param>
/// <param name="IsPartial">True when windows are still missing (PARTIAL_FILL, or a budget ran out).</param>
/// <param name="Background">PARTIAL_FILL's background backfill (completed otherwise); await it to know when the rest is stored.</param>
public sealed record HistoryResult(
    SeriesKey Key,
    HistoryStrategy Strategy,
    IReadOnlyList<StoredCandle> Candles,
    SeriesCoverage Coverage,
    TimeSpan? Staleness,
    IReadOnlyList<ProvenanceSummary> Provenance,
    PhaseDurations Phases,
    bool IsPartial,
    Task Background)
{
    /// <summary>True when the answer came from the provider's cache source (a complete range read before), not the store.</summary>
    public bool FromCache { get; init; }
}

/// <summary>
/// Seed 004's seamless history provider over one store: answers <c>fetch(series, [from, to), strategy)</c>
/// from storage, backfilling missing windows from the venue (only the windows never fetched, page by page
/// within the venue's rate budget), and for SEAMLESS waiting for candles still open to close. Concurrent
/// fetches of one series share one backfill (single-flight): the venue is asked once, every caller gets
/// the stored result. Metrics go to the <c>CryptoRun.History</c> meter.
/// </summary>
public sealed class HistoryProvider
{
    /// <summary>The meter name of the history metrics.</summary>
    public const string MeterName = "CryptoRun.History";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> BackfillRequests = Meter.CreateCounter<long>("cryptorun.history.backfill.requests", description: "Venue requests made by backfills");
    private static readonly Counter<long> BackfillRows = Meter.CreateCounter<long>("cryptorun.history.backfill.rows", description: "Candle rows stored by backfills");
    private static readonly Histogram<double> BackfillDuration = Meter.CreateHistogram<double>("cryptorun.history.backfill.duration", "s", "Duration of each backfill");
    private static readonly Histogram<double> PhaseDuration = Meter.CreateHistogram<double>("cryptorun.history.phase.duration", "s", "SLA phase durations, tagged by phase");
    private static readonly Histogram<double> CoverageRatio = Meter.CreateHistogram<double>("cryptorun.history.coverage.ratio", description: "Coverage ratio of each answered range");
    private static readonly Counter<long> CacheReads = Meter.CreateCounter<long>("cryptorun.history.cache.reads", description: "Fetches answered from the cache source (tag hit=true) or not");

    /// <summary>How long a backfill lease lasts unless renewed (renewed at a third of it while the backfill runs).</summary>
    public static readonly TimeSpan LeaseTimeToLive = TimeSpan.FromMinutes(1);

    /// <summary>How often a worker waiting for another's lease looks again.</summary>
    public static readonly TimeSpan LeasePoll = TimeSpan.FromMilliseconds(250);

    /// <summary>How long the cache source keeps a complete range (in case another process re-imports it): 5 minutes.</summary>
    public static readonly TimeSpan CacheTimeToLive = TimeSpan.FromMinutes(5);

    private readonly ICandleStore _store;
    private readonly Func<string, ICandleProvider> _venues;
    private readonly TimeProvider _time;
    private readonly IBackfillLeases? _leases;
    private readonly string _owner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    private readonly Dictionary<SeriesKey, Task> _flights = [];
    private readonly Lock _flightLock = new();
    private readonly CandleCache? _cache;
    private readonly int _cacheCapacity = DefaultCacheCapacity;

    /// <summary>Creates the provider.</summary>
    /// <param name="store">The candle store.</param>
    /// <param name="venues">The candle connector of a venue name (behind its gate); throws for an unknown venue.</param>
    /// <param name="time">The clock: budgets, staleness, live waits.</param>
    /// <param name="leases">Backfill leases shared with other processes; by default the store's own when it keeps them (SQLite does), else none.</param>
    public HistoryProvider(ICandleStore store, Func<string, ICandleProvider> venues, TimeProvider time, IBackfillLeases? leases = null)
    {
        _store = store;
        _venues = venues;
        _time = time;
        _leases = leases ?? store as IBackfillLeases;
        _cache = new CandleCache(DefaultCacheCapacity, CacheTimeToLive, time);
    }

    /// <summary>The cache source's default size: 250,000 candles (about 60 MB).</summary>
    public const int DefaultCacheCapacity = 250_000;

    /// <summary>
    /// Candles the cache source keeps (seed 004): complete ranges read from the store, answered again from memory.
    /// 0 turns it off. Default <see cref="DefaultCacheCapacity"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative.</exception>
    public int CacheCapacity
    {
        get => _cacheCapacity;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _cacheCapacity = value;
            _cache = value == 0 ? null : new CandleCache(value, CacheTimeToLive, _time);
        }
    }

    /// <summary>Page-sized windows a backfill fetches at once (see <see cref="CandleBackfill.Concurrency"/>); 1 by default.</summary>
    public int BackfillConcurrency { get; init; } = 1;

    /// <summary>Raised after each backfill this provider runs (for progress and tests).</summary>
    public event Action<BackfillReport>? Backfilled;

    /// <summary>Answers a range of a series.</summary>
    /// <param name="key">The series (its venue names the connector).</param>
    /// <param name="range">Half-open range of candle open times; aligned to candle boundaries here.</param>
    /// <param name="strategy">What to do about windows not in storage.</param>
    /// <param name="sla">Phase budgets; null for none.</param>
    /// <param name="progress">Receives backfill progress after every page (of the backfills this call runs); may be null.</param>
    /// <param name="cancellationToken">Cancels the fetch; windows already written stay stored.</param>
    /// <returns>The candles with coverage, staleness, provenance summary and phase durations.</returns>
    /// <exception cref="HistoryIncompleteException">FAIL_FAST and the range is not wholly fetched.</exception>
    /// <exception cref="SlaExceededException">A phase went past its budget (PARTIAL_FILL returns a partial result instead).</exception>
    /// <exception cref="VenueException">The venue failed during a backfill (PARTIAL_FILL: surfaces from <see cref="HistoryResult.Background"/>).</exception>
    public async Task<HistoryResult> FetchAsync(
        SeriesKey key,
        TimeRange range,
        HistoryStrategy strategy,
        SlaPolicy? sla = null,
        IProgress<BackfillProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        sla ??= SlaPolicy.None;
        var started = _time.GetTimestamp();
        var aligned = RangeSet.Align(range, key.Timeframe);
        TimeSpan backfillTime = TimeSpan.Zero, liveTime = TimeSpan.Zero;
        var partial = false;
        var ranPhase = false;
        var background = Task.CompletedTask;

        if (_cache is { } cache && cache.TryGet(key, aligned, out var cached, out var cachedCoverage))
        {
            var took = _time.GetElapsedTime(started);
            CheckBudget("storage", sla.Storage, took, strategy);
            CacheReads.Add(1, new KeyValuePair<string, object?>("hit", true));
            Record(took, TimeSpan.Zero, TimeSpan.Zero, took, cachedCoverage.Ratio);
            return new HistoryResult(key, strategy, cached, cachedCoverage, Staleness(key, cached), Summarize(cached), new PhaseDurations(took, TimeSpan.Zero, TimeSpan.Zero, took), false, Task.CompletedTask)
            {
                FromCache = true,
            };
        }

        CacheReads.Add(1, new KeyValuePair<string, object?>("hit", false));
        var (coverage, storageTime) = await Timed(() => SeriesCoverage.ReadAsync(_store, key, aligned, cancellationToken)).ConfigureAwait(false);
        CheckBudget("storage", sla.Storage, storageTime, strategy);

        if (coverage.NotFetched.Count > 0)
        {
            switch (strategy)
            {
                case HistoryStrategy.FailFast:
                    throw new HistoryIncompleteException(coverage);
                case HistoryStrategy.PartialFill:
                    // Started once the answer is read, so the answer is what storage held when asked.
                    partial = true;
                    break;
                default:
                    ranPhase = true;
                    var backfillStarted = _time.GetTimestamp();
                    partial = !await RunPhaseAsync(Limit("backfill", sla.Backfill, sla.Total, started), started, strategy, token => BackfillAsync(key, Closed(key, aligned), Deadline(sla.Backfill, sla.Total, started), progress, token), cancellationToken).ConfigureAwait(false);
                    backfillTime = _time.GetElapsedTime(backfillStarted);
                    break;
            }
        }

        if (strategy == HistoryStrategy.Seamless && !partial && aligned.ToMs > LastClosedBoundary(key.Timeframe))
        {
            ranPhase = true;
            var liveStarted = _time.GetTimestamp();
            partial = !await RunPhaseAsync(Limit("live", sla.Live, sla.Total, started), started, strategy, token => FollowAsync(key, aligned, progress, token), cancellationToken).ConfigureAwait(false);
            liveTime = _time.GetElapsedTime(liveStarted);
        }

        var readStarted = _time.GetTimestamp();
        if (ranPhase)
        {
            _cache?.Invalidate(key);
            coverage = await SeriesCoverage.ReadAsync(_store, key, aligned, cancellationToken).ConfigureAwait(false);
        }

        var candles = new List<StoredCandle>((int)Math.Min(coverage.Candles, int.MaxValue));
        await foreach (var row in _store.ReadAsync(key, aligned, cancellationToken).ConfigureAwait(false))
        {
            candles.Add(row);
        }

        storageTime += _time.GetElapsedTime(readStarted);
        _cache?.Add(coverage, candles);
        if (strategy == HistoryStrategy.PartialFill && partial)
        {
            background = BackfillAsync(key, Closed(key, aligned), null, progress, CancellationToken.None);
        }

        var total = _time.GetElapsedTime(started);
        CheckBudget("total", sla.Total, total, strategy);
        Record(storageTime, backfillTime, liveTime, total, coverage.Ratio);
        return new HistoryResult(
            key,
            strategy,
            candles,
            coverage,
            Staleness(key, candles),
            Summarize(candles),
            new PhaseDurations(storageTime, backfillTime, liveTime, total),
            partial || coverage.NotFetched.Count > 0,
            background);
    }

    /// <summary>The part of a range whose candles have closed: a candle still open is never fetched or stored as final.</summary>
    private TimeRange Closed(SeriesKey key, TimeRange range)
    {
        var closed = LastClosedBoundary(key.Timeframe);
        return new TimeRange(range.FromMs, Math.Max(range.FromMs, Math.Min(range.ToMs, closed)));
    }

    /// <summary>The open time of the candle in progress: everything before it has closed.</summary>
    private long LastClosedBoundary(Timeframe timeframe) => timeframe.Floor(_time.GetUtcNow().ToUnixTimeMilliseconds());

    /// <summary>
    /// Single-flight: one backfill per series at a time. A caller finding one in flight awaits it, then
    /// backfills whatever is still missing (usually nothing), so every caller leaves with the stored result.
    /// </summary>
    private async Task BackfillAsync(SeriesKey key, TimeRange range, DateTimeOffset? deadline, IProgress<BackfillProgress>? progress, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task? running;
            TaskCompletionSource? mine = null;
            lock (_flightLock)
            {
                if (!_flights.TryGetValue(key, out running))
                {
                    mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _flights[key] = mine.Task;
                }
            }

            if (mine is null)
            {
                // Another caller's failure is its own: ours re-checks and tries again.
                await running!.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            try
            {
                var lease = await LeaseAsync(key, cancellationToken).ConfigureAwait(false);
                await using var release = lease.ConfigureAwait(false);
                // The SLA deadline narrows the caller's settings (its retries, whether it waits out a ban); it does not replace them.
                using var scope = deadline is { } d ? CallScope.Begin(Within(CallScope.Current, d)) : null;
                var report = await new CandleBackfill(_store, _time) { Concurrency = BackfillConcurrency }.RunAsync(_venues(key.Venue), key.Instrument, key.Timeframe, range, progress, cancellationToken).ConfigureAwait(false);
                BackfillRequests.Add(report.Requests, new KeyValuePair<string, object?>("venue", key.Venue));
                BackfillRows.Add(report.CandlesStored, new KeyValuePair<string, object?>("venue", key.Venue));
                BackfillDuration.Record(report.Elapsed.TotalSeconds, new KeyValuePair<string, object?>("venue", key.Venue));
                Backfilled?.Invoke(report);
                mine.SetResult();
                return;
            }
            catch (Exception ex)
            {
                mine.SetException(ex);
                throw;
            }
            finally
            {
                lock (_flightLock)
                {
                    _flights.Remove(key);
                }
            }
        }
    }

    /// <summary>
    /// Takes the series' backfill lease, waiting while another worker holds it (that worker's pages then
    /// need not be fetched again: the backfill asks only for what is still missing), and renews it in the
    /// background until disposed, which releases it. Without leases, a no-op.
    /// </summary>
    private async Task<IAsyncDisposable> LeaseAsync(SeriesKey key, CancellationToken cancellationToken)
    {
        if (_leases is null)
        {
            return NoLease.Instance;
        }

        var name = key.ToString();
        while (true)
        {
            var now = _time.GetUtcNow();
            if (await _leases.TryAcquireLeaseAsync(name, _owner, now, now + LeaseTimeToLive, null, cancellationToken).ConfigureAwait(false))
            {
                return new HeldLease(this, name);
            }

            // A holder on this machine whose process is gone (killed, crashed) is not waited for.
            if (await _leases.ReadLeaseHolderAsync(name, cancellationToken).ConfigureAwait(false) is { } holder && IsDeadLocalProcess(holder)
                && await _leases.TryAcquireLeaseAsync(name, _owner, now, now + LeaseTimeToLive, holder, cancellationToken).ConfigureAwait(false))
            {
                return new HeldLease(this, name);
            }

            await Task.Delay(LeasePoll, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>True when <paramref name="owner"/> (<c>machine:pid:id</c>) names a process of this machine that no longer runs.</summary>
    private static bool IsDeadLocalProcess(string owner)
    {
        var parts = owner.Split(':');
        if (parts.Length != 3 || parts[0] != Environment.MachineName || !int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var pid))
        {
            return false;
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    /// <summary>A held lease: renewed every third of its time-to-live until disposed, then released.</summary>
    private sealed class HeldLease : IAsyncDisposable
    {
        private readonly HistoryProvider _owner;
        private readonly string _name;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _renewing;

        internal HeldLease(HistoryProvider owner, string name)
        {
            _owner = owner;
            _name = name;
            _renewing = RenewAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _renewing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _stop.Dispose();
            await _owner._leases!.ReleaseLeaseAsync(_name, _owner._owner, CancellationToken.None).ConfigureAwait(false);
        }

        private async Task RenewAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(LeaseTimeToLive / 3, _owner._time, _stop.Token).ConfigureAwait(false);
                var now = _owner._time.GetUtcNow();
                await _owner._leases!.TryAcquireLeaseAsync(_name, _owner._owner, now, now + LeaseTimeToLive, null, _stop.Token).ConfigureAwait(false);
            }
        }
    }

    private sealed class NoLease : IAsyncDisposable
    {
        internal static readonly NoLease Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>SEAMLESS's live phase: at each bar boundary until the range's end, fetches the candles that closed.</summary>
    private async Task FollowAsync(SeriesKey key, TimeRange range, IProgress<BackfillProgress>? progress, CancellationToken cancellationToken)
    {
        while (true)
        {
            var closed = LastClosedBoundary(key.Timeframe);
            if (closed > range.FromMs)
            {
                await BackfillAsync(key, new TimeRange(range.FromMs, Math.Min(range.ToMs, closed)), null, progress, cancellationToken).ConfigureAwait(false);
            }

            if (closed >= range.ToMs)
            {
                return;
            }

            // Wait for the next bar to close (bar-boundary polling).
            var next = DateTimeOffset.FromUnixTimeMilliseconds(closed + key.Timeframe.Milliseconds);
            await Task.Delay(next - _time.GetUtcNow(), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs a phase within its budget: true when it finished, false when PARTIAL_FILL ran out of budget.</summary>
    /// <summary>
    /// Runs a phase within its limit: true when it finished, false when PARTIAL_FILL ran out of budget.
    /// Past the limit, other strategies get <see cref="SlaExceededException"/> naming the budget that bound
    /// (the phase's own, or the total when less of it was left) and how long that budget's span took.
    /// </summary>
    private async Task<bool> RunPhaseAsync(PhaseLimit? limit, long fetchStarted, HistoryStrategy strategy, Func<CancellationToken, Task> run, CancellationToken cancellationToken)
    {
        using var timer = limit is { } l ? new CancellationTokenSource(l.Left, _time) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        var started = _time.GetTimestamp();
        try
        {
            await run(linked.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (limit is { } over && !cancellationToken.IsCancellationRequested
            && (timer.IsCancellationRequested || (ex is ProviderUnavailableException { Reason: UnavailableReason.RateWindowPastDeadline })))
        {
            var took = _time.GetElapsedTime(over.Phase == "total" ? fetchStarted : started);
            return strategy == HistoryStrategy.PartialFill ? false : throw new SlaExceededException(over.Phase, over.Budget, took);
        }
    }

    /// <summary>The budget that binds a phase: its own, or the total when less of that is left; null when neither is set.</summary>
    private PhaseLimit? Limit(string phase, TimeSpan? own, TimeSpan? total, long started)
    {
        var left = total is { } t ? t - _time.GetElapsedTime(started) : (TimeSpan?)null;
        if (left is not { } totalLeft || (own is { } o && o <= totalLeft))
        {
            return own is { } budget ? new PhaseLimit(phase, budget, budget) : null;
        }

        return new PhaseLimit("total", total!.Value, totalLeft > TimeSpan.Zero ? totalLeft : TimeSpan.Zero);
    }

    /// <summary>A phase's binding budget: which one, its size, and how much of it is left.</summary>
    private sealed record PhaseLimit(string Phase, TimeSpan Budget, TimeSpan Left);

    private static void CheckBudget(string phase, TimeSpan? budget, TimeSpan elapsed, HistoryStrategy strategy)
    {
        if (budget is { } b && elapsed > b && strategy != HistoryStrategy.PartialFill)
        {
            throw new SlaExceededException(phase, b, elapsed);
        }
    }

    private static CallSettings Within(CallSettings? outer, DateTimeOffset deadline)
        => outer is null ? new CallSettings(deadline) : outer with { Deadline = outer.Deadline is { } earlier && earlier < deadline ? earlier : deadline };

    private DateTimeOffset? Deadline(TimeSpan? phase, TimeSpan? total, long started)
        => Limit("backfill", phase, total, started) is { } limit ? _time.GetUtcNow() + limit.Left : null;

    private async Task<(T Value, TimeSpan Elapsed)> Timed<T>(Func<Task<T>> run)
    {
        var started = _time.GetTimestamp();
        var value = await run().ConfigureAwait(false);
        return (value, _time.GetElapsedTime(started));
    }

    /// <summary>Now minus the close time of the newest candle; null when there is none.</summary>
    private TimeSpan? Staleness(SeriesKey key, IReadOnlyList<StoredCandle> candles)
        => candles.Count == 0 ? null : _time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(candles[^1].Candle.OpenTimeMs + key.Timeframe.Milliseconds);

    private static List<ProvenanceSummary> Summarize(IReadOnlyList<StoredCandle> candles)
        => candles
            .GroupBy(c => c.Provider, StringComparer.Ordinal)
            .Select(g => new ProvenanceSummary(g.Key, g.Count(), g.Min(c => c.FetchedAt), g.Max(c => c.FetchedAt), g.Count(c => c.Status != FetchStatus.Ok)))
            .OrderByDescending(s => s.Candles)
            .ToList();

    private static void Record(TimeSpan storage, TimeSpan backfill, TimeSpan live, TimeSpan total, double ratio)
    {
        PhaseDuration.Record(storage.TotalSeconds, new KeyValuePair<string, object?>("phase", "storage"));
        PhaseDuration.Record(backfill.TotalSeconds, new KeyValuePair<string, object?>("phase", "backfill"));
        PhaseDuration.Record(live.TotalSeconds, new KeyValuePair<string, object?>("phase", "live"));
        PhaseDuration.Record(total.TotalSeconds, new KeyValuePair<string, object?>("phase", "total"));
        CoverageRatio.Record(ratio);
    }
}

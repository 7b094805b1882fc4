using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Storage;

namespace CryptoRun.History;

/// <summary>Progress of a backfill, reported after every page.</summary>
/// <param name="Requests">Venue requests made so far.</param>
/// <param name="CandlesFetched">Closed candles received so far.</param>
/// <param name="CandlesStored">Candle rows written so far.</param>
/// <param name="CoveredMs">Milliseconds of the missing windows answered so far.</param>
/// <param name="MissingMs">Milliseconds of the windows the store was missing at the start.</param>
public sealed record BackfillProgress(int Requests, long CandlesFetched, long CandlesStored, long CoveredMs, long MissingMs);

/// <summary>What a backfill did.</summary>
/// <param name="Key">The series.</param>
/// <param name="Range">The range asked for, aligned to candle boundaries.</param>
/// <param name="MissingBefore">The windows the store did not hold before (what was fetched).</param>
/// <param name="Requests">Venue requests made.</param>
/// <param name="CandlesFetched">Closed candles received.</param>
/// <param name="CandlesStored">Candle rows written.</param>
/// <param name="NotCovered">Windows still not covered: the venue keeps no history that far back, or the range reaches the candle in progress.</param>
/// <param name="Elapsed">Wall time taken.</param>
public sealed record BackfillReport(
    SeriesKey Key,
    TimeRange Range,
    IReadOnlyList<TimeRange> MissingBefore,
    int Requests,
    long CandlesFetched,
    long CandlesStored,
    IReadOnlyList<TimeRange> NotCovered,
    TimeSpan Elapsed);

/// <summary>
/// Fetches into the store only the windows of a range the store has not fetched before, page by
/// page through a venue's <see cref="ICandleProvider"/>. Each page passes the quality gate and is
/// written with its provenance and the window it answers for in one transaction, so an interrupted
/// backfill keeps every finished page and the next run fetches only the rest.
/// </summary>
/// <param name="store">The candle store.</param>
/// <param name="time">The clock for elapsed time.</param>
public sealed class CandleBackfill(ICandleStore store, TimeProvider time)
{
    /// <summary>
    /// Page-sized windows fetched at once (1: one after another). Above 1, and only for a venue that
    /// <see cref="ICandleProvider.ServesAnyWindow"/>, the missing windows are cut into pages fetched
    /// concurrently; the provider's gate still paces them within its rate budget.
    /// </summary>
    public int Concurrency { get; init; } = 1;

    /// <summary>Backfills <paramref name="range"/> of one instrument and timeframe from <paramref name="provider"/>.</summary>
    /// <param name="provider">The venue connector; its name is the series' venue.</param>
    /// <param name="instrument">The instrument.</param>
    /// <param name="timeframe">The timeframe (one the venue serves).</param>
    /// <param name="range">Half-open range of candle open times.</param>
    /// <param name="progress">Receives progress after every page; may be null.</param>
    /// <param name="cancellationToken">Stops after the page in flight; finished pages stay stored.</param>
    /// <returns>What was fetched and what is still not covered.</returns>
    /// <exception cref="VenueDataException">A page failed the quality gate; nothing of that page was stored.</exception>
    /// <exception cref="VenueException">A venue call failed; pages before it stay stored.</exception>
    public async Task<BackfillReport> RunAsync(
        ICandleProvider provider,
        Instrument instrument,
        Timeframe timeframe,
        TimeRange range,
        IProgress<BackfillProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var started = time.GetTimestamp();
        var key = new SeriesKey(provider.Name, instrument, timeframe);
        var aligned = RangeSet.Align(range, timeframe);
        var missing = RangeSet.Missing(aligned, await store.GetFetchedWindowsAsync(key, cancellationToken).ConfigureAwait(false), timeframe);
        var missingMs = missing.Sum(w => w.ToMs - w.FromMs);
        int requests = 0;
        long fetched = 0, stored = 0, coveredMs = 0;
        var report = new Lock();
        async ValueTask WalkAsync(TimeRange window, CancellationToken token)
        {
            await foreach (var page in provider.FetchCandlesAsync(instrument, timeframe, window, token).ConfigureAwait(false))
            {
                var candles = PageConformance.Candles(page, timeframe, window);
                var written = page.Covered.IsEmpty ? 0 : await store.WriteAsync(key, candles, page.Provenance, page.Covered, token).ConfigureAwait(false);
                lock (report)
                {
                    requests++;
                    fetched += candles.Count;
                    stored += written;
                    coveredMs += page.Covered.ToMs - page.Covered.FromMs;
                    progress?.Report(new BackfillProgress(requests, fetched, stored, Math.Min(coveredMs, missingMs), missingMs));
                }
            }
        }

        if (Concurrency > 1 && provider.ServesAnyWindow)
        {
            var pages = missing.SelectMany(w => Pages(w, timeframe.Milliseconds * provider.MaxCandlesPerRequest)).ToList();
            await Parallel.ForEachAsync(pages, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken }, WalkAsync).ConfigureAwait(false);
        }
        else
        {
            foreach (var window in missing)
            {
                await WalkAsync(window, cancellationToken).ConfigureAwait(false);
            }
        }

        // Trades-to-bar repair: where the candle history is shallow (Kraken), build the rest from trades.
        if (provider is ITradeHistoryProvider tradeHistory)
        {
            foreach (var window in RangeSet.Missing(aligned, await store.GetFetchedWindowsAsync(key, cancellationToken).ConfigureAwait(false), timeframe))
            {
                var (pages, built, written) = await RepairFromTradesAsync(tradeHistory, key, window, cancellationToken).ConfigureAwait(false);
                requests += pages;
                fetched += built;
                stored += written;
            }
        }

        var notCovered = RangeSet.Missing(aligned, await store.GetFetchedWindowsAsync(key, cancellationToken).ConfigureAwait(false), timeframe);
        return new BackfillReport(key, aligned, missing, requests, fetched, stored, notCovered, time.GetElapsedTime(started));
    }

    /// <summary>
    /// Builds the candles of a window from the venue's trades and stores them, with the window the trades
    /// covered in whole slots, in one transaction; provenance names the trades endpoint.
    /// </summary>
    private async Task<(int Pages, long Built, long Written)> RepairFromTradesAsync(ITradeHistoryProvider provider, SeriesKey key, TimeRange window, CancellationToken cancellationToken)
    {
        var trades = new List<Trade>();
        var covered = new List<TimeRange>();
        Provenance? first = null;
        long latency = 0;
        var pages = 0;
        await foreach (var page in provider.FetchTradesAsync(key.Instrument, window, cancellationToken).ConfigureAwait(false))
        {
            PageConformance.Trades(page);
            pages++;
            first ??= page.Provenance;
            latency += page.Provenance.LatencyMs;
            trades.AddRange(page.Trades);
            covered.Add(page.Covered);
        }

        // Only whole slots count as covered: a slot the trades reach only partly is asked again next time.
        var whole = RangeSet.Merge(covered)
            .Select(c => (From: key.Timeframe.Ceiling(c.FromMs), To: key.Timeframe.Floor(c.ToMs)))
            .Where(c => c.From < c.To)
            .Select(c => new TimeRange(c.From, c.To))
            .ToList();
        if (first is null || whole.Count == 0)
        {
            return (pages, 0, 0);
        }

        var candles = TradeBars.Build(trades, key.Timeframe, whole);
        var span = new TimeRange(whole[0].FromMs, whole[^1].ToMs);
        var provenance = first with { Endpoint = first.Endpoint + " (candles built from trades)", Window = span, LatencyMs = latency };
        long written = 0;
        foreach (var part in whole)
        {
            // Built candles pass the same quality gate as a venue's (a trade with a bad price makes a bad candle).
            var built = PageConformance.Candles(new CandlePage(candles.Where(c => part.Contains(c.OpenTimeMs)).ToList(), part, provenance), key.Timeframe);
            written += await store.WriteAsync(key, built, provenance, part, cancellationToken).ConfigureAwait(false);
        }

        return (pages, candles.Count, written);
    }

    /// <summary>Cuts a window into page-sized windows, oldest first.</summary>
    private static IEnumerable<TimeRange> Pages(TimeRange window, long pageMs)
    {
        for (var from = window.FromMs; from < window.ToMs; from += pageMs)
        {
            yield return new TimeRange(from, Math.Min(window.ToMs, from + pageMs));
        }
    }
}

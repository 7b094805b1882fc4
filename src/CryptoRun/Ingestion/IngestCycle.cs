using CryptoRun.Configuration;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Storage;
using Microsoft.Extensions.Logging;

namespace CryptoRun.Ingestion;

/// <summary>What became of one record in an ingest cycle.</summary>
public enum IngestResult
{
    /// <summary>Fetched, passed the quality gate and stored with its provenance.</summary>
    Stored,

    /// <summary>Fetched but refused by the quality gate; nothing stored; logged with the reason.</summary>
    Rejected,

    /// <summary>No provider of the chain answered and no last-known-good answer was fresh enough: a gap, recorded in the store.</summary>
    Gap,

    /// <summary>Fetched, but the store refused the write (rolled back); logged.</summary>
    WriteFailed,
}

/// <summary>One record's outcome in an ingest cycle.</summary>
/// <param name="Key">What was asked for, for example <c>spot BTC/USD</c> or <c>dex solana/ADDRESS</c>.</param>
/// <param name="Result">Stored, rejected, gap or write failed.</param>
/// <param name="ServedBy">The provider whose answer it was, when one answered.</param>
/// <param name="Status">OK, or DEGRADED for a last-known-good answer; null when nothing answered.</param>
/// <param name="Price">The price stored (or refused), when there was one.</param>
/// <param name="Detail">Why, and how each chain member fared.</param>
public sealed record IngestOutcome(string Key, IngestResult Result, string? ServedBy, FetchStatus? Status, decimal? Price, string Detail);

/// <summary>
/// One cycle of seed 002's ingestion loop: a spot quote for every configured instrument through
/// the spot chain, a snapshot of every configured DEX pair through the DEX chain, each written with
/// provenance after the quality gate; then every provider's health is persisted. A failure of one
/// record never stops the others.
/// </summary>
public sealed partial class IngestCycle
{
    private readonly ProviderRouter _router;
    private readonly ISnapshotStore _store;
    private readonly ProviderHealthRecorder _health;
    private readonly IngestOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates the cycle.</summary>
    /// <param name="router">Routes each request through its chain.</param>
    /// <param name="store">Where records go.</param>
    /// <param name="health">Persists provider health after each cycle.</param>
    /// <param name="options">The instruments and pairs to ingest, and the interval (a cycle's deadline).</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Logs rejections, gaps and failed writes.</param>
    public IngestCycle(ProviderRouter router, ISnapshotStore store, ProviderHealthRecorder health, IngestOptions options, TimeProvider time, ILogger logger)
    {
        _router = router;
        _store = store;
        _health = health;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Runs one cycle.</summary>
    /// <param name="cancellationToken">Stops the cycle between records.</param>
    /// <returns>Each record's outcome, spot quotes first.</returns>
    public async Task<IReadOnlyList<IngestOutcome>> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var deadline = _time.GetUtcNow() + _options.Interval;
        var outcomes = new List<IngestOutcome>();
        foreach (var instrument in _options.Spot)
        {
            cancellationToken.ThrowIfCancellationRequested();
            outcomes.Add(await IngestAsync(
                $"spot {instrument}",
                () => _router.ExecuteAsync<ITickerProvider, SpotQuote>(
                    DataClass.Spot,
                    $"ticker:{instrument}",
                    CacheTier.None,
                    (provider, ct) => provider.GetSpotQuoteAsync(instrument, ct),
                    quote => SnapshotChecks.Problem(quote, Placeholder),
                    deadline,
                    cancellationToken),
                quote => quote.Price,
                (quote, provenance) => _store.WriteSpotQuoteAsync(quote, provenance, cancellationToken)).ConfigureAwait(false));
        }

        foreach (var pair in _options.DexPairs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            outcomes.Add(await IngestAsync(
                $"dex {pair.Chain}/{pair.Pair}",
                () => _router.ExecuteAsync<IDexPairProvider, DexPairSnapshot>(
                    DataClass.Dex,
                    $"dex:{pair.Chain}/{pair.Pair}",
                    CacheTier.None,
                    (provider, ct) => provider.GetPairAsync(pair.Chain, pair.Pair, ct),
                    snapshot => SnapshotChecks.Problem(snapshot, Placeholder),
                    deadline,
                    cancellationToken),
                snapshot => snapshot.PriceUsd,
                (snapshot, provenance) => _store.WriteDexSnapshotAsync(snapshot, provenance, cancellationToken)).ConfigureAwait(false));
        }

        await _health.SaveAllAsync(cancellationToken).ConfigureAwait(false);
        return outcomes;
    }

    // The router's quality gate judges values; provenance is judged again when written.
    private static Provenance Placeholder { get; } = new("gate", "gate", null, 0, DateTimeOffset.UnixEpoch);

    private async Task<IngestOutcome> IngestAsync<T>(
        string key,
        Func<Task<RoutedAnswer<T>>> fetch,
        Func<T, decimal?> price,
        Func<T, Provenance, Task> write)
    {
        RoutedAnswer<T> answer;
        try
        {
            answer = await fetch().ConfigureAwait(false);
        }
        catch (AllProvidersFailedException gap)
        {
            LogGap(_logger, key, gap.Message);
            try
            {
                await _store.RecordGapAsync(new IngestGap(key, _time.GetUtcNow(), gap.Message)).ConfigureAwait(false);
            }
            catch (Exception failed) when (failed is System.Data.Common.DbException or IOException or InvalidOperationException)
            {
                LogWriteFailed(_logger, key, failed.Message);
            }

            return new IngestOutcome(key, IngestResult.Gap, null, null, null, gap.Message);
        }

        foreach (var rejected in answer.Attempts.Where(a => a.Outcome == AttemptOutcome.Failed && a.Reason.StartsWith(ProviderRouter.QualityGateRejection, StringComparison.Ordinal)))
        {
            LogRejected(_logger, key, rejected.Provider, rejected.Reason);
        }

        var attempts = string.Join("; ", answer.Attempts.Select(a => $"{a.Provider} {a.Outcome.ToString().ToLowerInvariant()}: {a.Reason}"));
        try
        {
            await write(answer.Value, answer.Provenance).ConfigureAwait(false);
            return new IngestOutcome(key, IngestResult.Stored, answer.ServedBy, answer.Provenance.Status, price(answer.Value), attempts);
        }
        catch (ArgumentException rejected)
        {
            LogRejected(_logger, key, answer.ServedBy, rejected.Message);
            return new IngestOutcome(key, IngestResult.Rejected, answer.ServedBy, answer.Provenance.Status, price(answer.Value), rejected.Message);
        }
        catch (Exception failed) when (failed is System.Data.Common.DbException or IOException or InvalidOperationException)
        {
            LogWriteFailed(_logger, key, failed.Message);
            return new IngestOutcome(key, IngestResult.WriteFailed, answer.ServedBy, answer.Provenance.Status, price(answer.Value), failed.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Key}: gap, nothing stored this cycle: {Reason}")]
    private static partial void LogGap(ILogger logger, string key, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Key}: record from {Provider} rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, string key, string provider, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Key}: the store refused the write (rolled back): {Reason}")]
    private static partial void LogWriteFailed(ILogger logger, string key, string reason);
}

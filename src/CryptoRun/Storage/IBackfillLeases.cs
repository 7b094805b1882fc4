namespace CryptoRun.Storage;

/// <summary>
/// Backfill leases shared through the store (seed 004's distributed coordination): one worker at a time
/// backfills a series, so two processes on one store never fetch the same window. A lease expires by
/// itself, so a crashed worker's lease does not block the others for longer than its time-to-live.
/// </summary>
public interface IBackfillLeases
{
    /// <summary>Takes or renews the lease on <paramref name="key"/> for <paramref name="owner"/> until <paramref name="until"/>.</summary>
    /// <param name="key">What is leased, e.g. the series key text <c>coinbase:BTC/USD:1m</c>.</param>
    /// <param name="owner">The worker asking (unique per process and provider).</param>
    /// <param name="now">The current time; a lease held by another owner that expires before it is taken over.</param>
    /// <param name="until">When the lease expires unless renewed.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>True when <paramref name="owner"/> holds the lease now.</returns>
    Task<bool> TryAcquireLeaseAsync(string key, string owner, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken = default);

    /// <summary>Gives up the lease if <paramref name="owner"/> holds it.</summary>
    /// <param name="key">What is leased.</param>
    /// <param name="owner">The worker.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when released.</returns>
    Task ReleaseLeaseAsync(string key, string owner, CancellationToken cancellationToken = default);
}

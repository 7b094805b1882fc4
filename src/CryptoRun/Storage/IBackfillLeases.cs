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
    /// <param name="replacing">A holder known to be dead (its process is gone): its lease is taken over even before it expires; null for none.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>True when <paramref name="owner"/> holds the lease now.</returns>
    Task<bool> TryAcquireLeaseAsync(string key, string owner, DateTimeOffset now, DateTimeOffset until, string? replacing = null, CancellationToken cancellationToken = default);

    /// <summary>Who holds the lease on <paramref name="key"/>, expired or not; null when nobody does.</summary>
    /// <param name="key">What is leased.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The holder's owner text, or null.</returns>
    Task<string?> ReadLeaseHolderAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Gives up the lease if <paramref name="owner"/> holds it.</summary>
    /// <param name="key">What is leased.</param>
    /// <param name="owner">The worker.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when released.</returns>
    Task ReleaseLeaseAsync(string key, string owner, CancellationToken cancellationToken = default);
}

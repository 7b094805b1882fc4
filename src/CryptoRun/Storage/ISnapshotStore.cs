using CryptoRun.Domain;

namespace CryptoRun.Storage;

/// <summary>A provider's row in seed 002's <c>provider_health</c> table.</summary>
/// <param name="Provider">The provider name (primary key).</param>
/// <param name="Status">OK, DEGRADED or DOWN.</param>
/// <param name="LastOkAt">The last successful request (UTC), if any.</param>
/// <param name="FailCount">Consecutive failures.</param>
/// <param name="DisabledUntil">When an open circuit, ban or spent budget ends (UTC), if any.</param>
/// <param name="LastError">The most recent error message.</param>
/// <param name="UpdatedAt">The last state change (UTC).</param>
public sealed record ProviderHealthRecord(
    string Provider,
    FetchStatus Status,
    DateTimeOffset? LastOkAt,
    int FailCount,
    DateTimeOffset? DisabledUntil,
    string? LastError,
    DateTimeOffset UpdatedAt);

/// <summary>The provider_health table.</summary>
public interface IProviderHealthStore
{
    /// <summary>Inserts or replaces a provider's row.</summary>
    /// <param name="record">The row.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when written.</returns>
    Task UpsertHealthAsync(ProviderHealthRecord record, CancellationToken cancellationToken = default);

    /// <summary>Every provider's row, by name.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The rows sorted by provider name.</returns>
    Task<IReadOnlyList<ProviderHealthRecord>> ReadHealthAsync(CancellationToken cancellationToken = default);
}

/// <summary>A stored ingestion record with its provenance.</summary>
/// <typeparam name="T">The record's type.</typeparam>
/// <param name="Value">The record.</param>
/// <param name="Provenance">Where it came from.</param>
public sealed record Stored<T>(T Value, Provenance Provenance);

/// <summary>An ingest cycle in which no provider answered for one record and no last-known-good answer was fresh enough.</summary>
/// <param name="Key">What was asked for, for example <c>spot BTC/USD</c>.</param>
/// <param name="At">When the cycle gave up (UTC).</param>
/// <param name="Reason">Every chain member's outcome.</param>
public sealed record IngestGap(string Key, DateTimeOffset At, string Reason);

/// <summary>Seed 002's ingestion records: spot quotes and DEX pair snapshots, each with provenance, and the gaps where nothing could be fetched.</summary>
/// <remarks>Only records that passed the quality gate are written: price positive, status not DOWN, provenance set.</remarks>
public interface ISnapshotStore
{
    /// <summary>Appends a spot quote.</summary>
    /// <param name="quote">The quote.</param>
    /// <param name="provenance">Its provenance; status OK or DEGRADED.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when written.</returns>
    /// <exception cref="ArgumentException">The record fails the quality gate; nothing is written.</exception>
    Task WriteSpotQuoteAsync(SpotQuote quote, Provenance provenance, CancellationToken cancellationToken = default);

    /// <summary>Appends a DEX pair snapshot.</summary>
    /// <param name="snapshot">The snapshot.</param>
    /// <param name="provenance">Its provenance; status OK or DEGRADED.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when written.</returns>
    /// <exception cref="ArgumentException">The record fails the quality gate; nothing is written.</exception>
    Task WriteDexSnapshotAsync(DexPairSnapshot snapshot, Provenance provenance, CancellationToken cancellationToken = default);

    /// <summary>Stored spot quotes of an instrument, oldest first.</summary>
    /// <param name="instrument">The instrument.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The quotes with provenance.</returns>
    Task<IReadOnlyList<Stored<SpotQuote>>> ReadSpotQuotesAsync(Instrument instrument, CancellationToken cancellationToken = default);

    /// <summary>Stored snapshots of a DEX pair, oldest first.</summary>
    /// <param name="chainId">The chain.</param>
    /// <param name="pairAddress">The pair address.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The snapshots with provenance.</returns>
    Task<IReadOnlyList<Stored<DexPairSnapshot>>> ReadDexSnapshotsAsync(string chainId, string pairAddress, CancellationToken cancellationToken = default);

    /// <summary>Records a gap (seed 002: all providers down past the last-known-good TTL).</summary>
    /// <param name="gap">The gap.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when written.</returns>
    Task RecordGapAsync(IngestGap gap, CancellationToken cancellationToken = default);

    /// <summary>Recorded gaps, oldest first.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The gaps.</returns>
    Task<IReadOnlyList<IngestGap>> ReadGapsAsync(CancellationToken cancellationToken = default);
}

namespace CryptoRun.Storage.Sqlite;

/// <summary>Backfill leases in the <c>backfill_leases</c> table (migration 5), shared by every process on the file.</summary>
public sealed partial class SqliteStore : IBackfillLeases
{
    /// <inheritdoc />
    public async Task<bool> TryAcquireLeaseAsync(string key, string owner, DateTimeOffset now, DateTimeOffset until, string? replacing = null, CancellationToken cancellationToken = default)
    {
        // One statement: take a free or expired lease, or renew our own; SQLite's write lock makes it atomic across processes.
        var holders = await ReadAsync(
            """
            INSERT INTO backfill_leases (lease_key, owner, expires_at) VALUES ($k, $o, $u)
            ON CONFLICT (lease_key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
                WHERE backfill_leases.owner = excluded.owner OR backfill_leases.expires_at <= $now OR backfill_leases.owner = $dead
            RETURNING owner
            """,
            command =>
            {
                command.Parameters.AddWithValue("$k", key);
                command.Parameters.AddWithValue("$o", owner);
                command.Parameters.AddWithValue("$u", until.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$dead", (object?)replacing ?? DBNull.Value);
            },
            reader => reader.GetString(0),
            cancellationToken).ConfigureAwait(false);
        return holders.Count == 1;
    }

    /// <inheritdoc />
    public async Task<string?> ReadLeaseHolderAsync(string key, CancellationToken cancellationToken = default)
    {
        var holders = await ReadAsync(
            "SELECT owner FROM backfill_leases WHERE lease_key = $k",
            command => command.Parameters.AddWithValue("$k", key),
            reader => reader.GetString(0),
            cancellationToken).ConfigureAwait(false);
        return holders.Count == 0 ? null : holders[0];
    }

    /// <inheritdoc />
    public Task ReleaseLeaseAsync(string key, string owner, CancellationToken cancellationToken = default)
        => ExecuteAsync(
            "DELETE FROM backfill_leases WHERE lease_key = $k AND owner = $o",
            command =>
            {
                command.Parameters.AddWithValue("$k", key);
                command.Parameters.AddWithValue("$o", owner);
            },
            cancellationToken);
}

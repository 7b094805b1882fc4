namespace CryptoRun.Storage.Sqlite;

/// <summary>Backfill leases in the <c>backfill_leases</c> table (migration 5), shared by every process on the file.</summary>
public sealed partial class SqliteStore : IBackfillLeases
{
    /// <inheritdoc />
    public async Task<bool> TryAcquireLeaseAsync(string key, string owner, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken = default)
    {
        // One statement: take a free or expired lease, or renew our own; SQLite's write lock makes it atomic across processes.
        var holders = await ReadAsync(
            """
            INSERT INTO backfill_leases (lease_key, owner, expires_at) VALUES ($k, $o, $u)
            ON CONFLICT (lease_key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
                WHERE backfill_leases.owner = excluded.owner OR backfill_leases.expires_at <= $now
            RETURNING owner
            """,
            command =>
            {
                command.Parameters.AddWithValue("$k", key);
                command.Parameters.AddWithValue("$o", owner);
                command.Parameters.AddWithValue("$u", until.ToUnixTimeMilliseconds());
                command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            },
            reader => reader.GetString(0),
            cancellationToken).ConfigureAwait(false);
        return holders.Count == 1;
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

using CryptoRun.Storage;

namespace CryptoRun.Postgres;

/// <summary>Backfill leases in the <c>backfill_leases</c> table (migration 3), shared by every worker on the server.</summary>
public sealed partial class PostgresStore : IBackfillLeases
{
    /// <inheritdoc />
    public async Task<bool> TryAcquireLeaseAsync(string key, string owner, DateTimeOffset now, DateTimeOffset until, string? replacing = null, CancellationToken cancellationToken = default)
    {
        // One statement: take a free or expired lease, or renew our own; the row lock makes it atomic across workers.
        var command = _dataSource.CreateCommand("""
            INSERT INTO backfill_leases (lease_key, owner, expires_at) VALUES ($1, $2, $3)
            ON CONFLICT (lease_key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
                WHERE backfill_leases.owner = excluded.owner OR backfill_leases.expires_at <= $4 OR backfill_leases.owner = $5
            RETURNING owner
            """);
        await using (command.ConfigureAwait(false))
        {
            Add(command, key);
            Add(command, owner);
            Add(command, until.ToUnixTimeMilliseconds());
            Add(command, now.ToUnixTimeMilliseconds());
            Add(command, replacing);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string;
        }
    }

    /// <inheritdoc />
    public async Task<string?> ReadLeaseHolderAsync(string key, CancellationToken cancellationToken = default)
    {
        var command = _dataSource.CreateCommand("SELECT owner FROM backfill_leases WHERE lease_key = $1");
        await using (command.ConfigureAwait(false))
        {
            Add(command, key);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        }
    }

    /// <inheritdoc />
    public async Task ReleaseLeaseAsync(string key, string owner, CancellationToken cancellationToken = default)
    {
        var command = _dataSource.CreateCommand("DELETE FROM backfill_leases WHERE lease_key = $1 AND owner = $2");
        await using (command.ConfigureAwait(false))
        {
            Add(command, key);
            Add(command, owner);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}

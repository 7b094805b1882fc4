using CryptoRun.Resilience;

namespace CryptoRun.Postgres;

/// <summary>The cluster-wide rate budget in the <c>rate_budget</c> table (migration 4), shared by every worker on the server.</summary>
public sealed partial class PostgresStore : ISharedRateBudget
{
    /// <inheritdoc />
    /// <remarks>
    /// One statement takes the units: it inserts the window's row, or adds to it only while the sum stays
    /// within the limit, under the row's lock, so concurrent workers never exceed the limit together.
    /// The first take in a new window deletes the provider's older rows of that window key.
    /// </remarks>
    public async ValueTask<SharedBudgetTake> TryTakeAsync(string provider, BudgetWindow window, int units, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(provider);
        ArgumentNullException.ThrowIfNull(window);
        ArgumentOutOfRangeException.ThrowIfLessThan(units, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(units, window.Limit);

        var start = window.Start(now).ToUnixTimeMilliseconds();
        var resetsAt = window.NextBoundary(now);
        int used;
        bool inserted;
        var command = _dataSource.CreateCommand("""
            INSERT INTO rate_budget AS b (provider, window_key, window_start, used) VALUES ($1, $2, $3, $4)
            ON CONFLICT (provider, window_key, window_start) DO UPDATE SET used = b.used + excluded.used
                WHERE b.used + excluded.used <= $5
            RETURNING used, xmax = 0
            """);
        await using (command.ConfigureAwait(false))
        {
            Add(command, provider);
            Add(command, window.Key);
            Add(command, start);
            Add(command, units);
            Add(command, window.Limit);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return new SharedBudgetTake(false, 0, resetsAt);
                }

                used = reader.GetInt32(0);
                inserted = reader.GetBoolean(1);
            }
        }

        if (inserted)
        {
            // Spent windows are never read again: keep the table at about one row per provider window.
            var cleanup = _dataSource.CreateCommand("DELETE FROM rate_budget WHERE provider = $1 AND window_key = $2 AND window_start < $3");
            await using (cleanup.ConfigureAwait(false))
            {
                Add(cleanup, provider);
                Add(cleanup, window.Key);
                Add(cleanup, start);
                await cleanup.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return new SharedBudgetTake(true, used, resetsAt);
    }
}

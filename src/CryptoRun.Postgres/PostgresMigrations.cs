using CryptoRun.Storage;
using Npgsql;

namespace CryptoRun.Postgres;

/// <summary>
/// The PostgreSQL schema as numbered migrations, the same tables and meaning as the SQLite store's
/// (<c>SqliteMigrations</c>) with PostgreSQL types: <c>numeric</c> for prices and volumes (exact, keeps
/// the venue's scale), <c>bigint</c> epoch milliseconds for times. Each runs once, in its own
/// transaction, and is recorded in <c>schema_migrations</c>; opening a store runs the ones not yet applied.
/// Tables go in the first schema of the connection's search path.
/// </summary>
internal static class PostgresMigrations
{
    /// <summary>Every migration, in order. Append only: never edit one that has shipped.</summary>
    internal static readonly IReadOnlyList<(int Version, string Name, string Sql)> All =
    [
        (1, "candles with provenance", """
            CREATE TABLE series (
                id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                venue      text NOT NULL,
                instrument text NOT NULL,
                timeframe  text NOT NULL,
                UNIQUE (venue, instrument, timeframe)
            );
            -- One row per upstream call (or file import): seed 002's provenance, plus endpoint, window and latency.
            CREATE TABLE fetches (
                id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                provider    text NOT NULL,
                endpoint    text NOT NULL,
                window_from bigint,
                window_to   bigint,
                latency_ms  bigint NOT NULL,
                fetched_at  bigint NOT NULL,
                status      text NOT NULL CHECK (status IN ('OK', 'DEGRADED', 'DOWN')),
                error       text
            );
            -- Prices and sizes are numeric: the venue's exact decimal digits and scale, never a float.
            CREATE TABLE candles (
                series_id      bigint NOT NULL REFERENCES series (id),
                open_time      bigint NOT NULL,
                open           numeric NOT NULL,
                high           numeric NOT NULL,
                low            numeric NOT NULL,
                close          numeric NOT NULL,
                volume         numeric NOT NULL,
                quote_volume   numeric,
                trades         bigint,
                provider_name  text NOT NULL,
                fetched_at_utc bigint NOT NULL,
                fetch_status   text NOT NULL CHECK (fetch_status IN ('OK', 'DEGRADED', 'DOWN')),
                error_message  text,
                fetch_id       bigint NOT NULL REFERENCES fetches (id),
                PRIMARY KEY (series_id, open_time)
            );
            CREATE INDEX candles_fetch ON candles (fetch_id);
            -- Windows fetched and found complete: a slot inside one with no candle is one the venue does not have.
            CREATE TABLE fetched_windows (
                series_id bigint NOT NULL REFERENCES series (id),
                from_ms   bigint NOT NULL,
                to_ms     bigint NOT NULL,
                fetch_id  bigint NOT NULL REFERENCES fetches (id),
                PRIMARY KEY (series_id, from_ms, to_ms)
            );
            """),
        (2, "materialized bars", """
            -- Seed 002's bars_{freq}: bars built from a finer stored series, apart from the venue's own candles.
            -- Prices and volumes are exact numeric; returns are double precision; times are epoch ms.
            CREATE TABLE bars (
                venue            text NOT NULL,
                instrument       text NOT NULL,
                timeframe        text NOT NULL,
                open_ms          bigint NOT NULL,
                open             numeric NOT NULL,
                high             numeric NOT NULL,
                low              numeric NOT NULL,
                close            numeric NOT NULL,
                volume           numeric NOT NULL,
                quote_volume     numeric,
                trades           bigint,
                source_timeframe text NOT NULL,
                source_candles   integer NOT NULL,
                expected_candles integer NOT NULL,
                log_return       double precision,
                cum_return       double precision,
                roll_vol         double precision,
                materialized_at  bigint NOT NULL,
                PRIMARY KEY (venue, instrument, timeframe, open_ms)
            );
            """),
        (3, "backfill leases", """
            -- Seed 004: one worker at a time backfills a series; a lease expires by itself (epoch ms).
            CREATE TABLE backfill_leases (
                lease_key  text PRIMARY KEY,
                owner      text NOT NULL,
                expires_at bigint NOT NULL
            );
            """),
        (4, "shared rate budget", """
            -- Issue 4: a rate budget every worker on the server shares, so workers on one IP stay under a
            -- venue's limit together: units (request weight) used per provider window, window starts in epoch ms.
            CREATE TABLE rate_budget (
                provider     text NOT NULL,
                window_key   text NOT NULL,
                window_start bigint NOT NULL,
                used         integer NOT NULL CHECK (used >= 0),
                PRIMARY KEY (provider, window_key, window_start)
            );
            """),
        (5, "provider health, ingested snapshots and ingest gaps", """
            -- Seed 002's provider_health: one row per provider, updated on every state change. Times are epoch ms.
            CREATE TABLE provider_health (
                provider_name  text PRIMARY KEY,
                status         text NOT NULL CHECK (status IN ('OK', 'DEGRADED', 'DOWN')),
                last_ok_at     bigint,
                fail_count     integer NOT NULL,
                disabled_until bigint,
                last_error     text,
                updated_at     bigint NOT NULL
            );
            -- Seed 002's ingestion records, each with provenance; prices and volumes exact numeric, read back in insertion (id) order.
            CREATE TABLE spot_quotes (
                id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                instrument     text NOT NULL,
                price          numeric NOT NULL,
                bid            numeric,
                ask            numeric,
                volume_24h     numeric,
                quote_time     bigint NOT NULL,
                provider_name  text NOT NULL,
                endpoint       text NOT NULL,
                latency_ms     bigint NOT NULL,
                fetched_at_utc bigint NOT NULL,
                fetch_status   text NOT NULL CHECK (fetch_status IN ('OK', 'DEGRADED')),
                error_message  text
            );
            CREATE INDEX spot_quotes_instrument ON spot_quotes (instrument, fetched_at_utc);
            CREATE TABLE dex_snapshots (
                id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                chain_id       text NOT NULL,
                pair_address   text NOT NULL,
                dex_id         text NOT NULL,
                base_symbol    text NOT NULL,
                quote_symbol   text NOT NULL,
                price_usd      numeric NOT NULL,
                price_native   numeric,
                liquidity_usd  numeric,
                volume_24h_usd numeric,
                snapshot_time  bigint NOT NULL,
                provider_name  text NOT NULL,
                endpoint       text NOT NULL,
                latency_ms     bigint NOT NULL,
                fetched_at_utc bigint NOT NULL,
                fetch_status   text NOT NULL CHECK (fetch_status IN ('OK', 'DEGRADED')),
                error_message  text
            );
            CREATE INDEX dex_snapshots_pair ON dex_snapshots (chain_id, pair_address, fetched_at_utc);
            -- Seed 002: when every provider is down past the last-known-good TTL, the cycle records a gap. Times are epoch ms.
            CREATE TABLE ingest_gaps (
                id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                record_key text NOT NULL,
                at_utc     bigint NOT NULL,
                reason     text NOT NULL
            );
            """),
    ];

    /// <summary>Creates the ledger if needed and applies every migration not yet applied.</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="location">The store's address, for error messages.</param>
    /// <param name="nowMs">The current time, epoch milliseconds, recorded as <c>applied_at</c>.</param>
    /// <param name="cancellationToken">Cancels migrating; the migration in progress rolls back.</param>
    /// <returns>The schema version after migrating.</returns>
    /// <exception cref="StoreException">
    /// The schema holds tables with CryptoRun's names that CryptoRun did not create (<see cref="StoreProblem.NotAStore"/>;
    /// nothing is created or altered), or the database was written by a newer CryptoRun (<see cref="StoreProblem.SchemaNewer"/>).
    /// </exception>
    internal static async Task<int> ApplyAsync(NpgsqlConnection connection, string location, long nowMs, CancellationToken cancellationToken)
    {
        var known = All.Select(m => m.Version).ToHashSet();
        var check = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (check.ConfigureAwait(false))
        {
            await ExecuteAsync(connection, check, LockSql, cancellationToken).ConfigureAwait(false);
            await RecogniseAsync(connection, check, location, cancellationToken).ConfigureAwait(false);
            await check.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var (version, name, sql) in All)
        {
            // One transaction per migration, holding a lock keyed by the schema: another process opening
            // the same store waits, then sees the migration applied when it checks inside its own transaction.
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await ExecuteAsync(connection, transaction, LockSql + """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version    integer PRIMARY KEY,
                        name       text NOT NULL,
                        applied_at bigint NOT NULL
                    );
                    """, cancellationToken).ConfigureAwait(false);

                var applied = await AppliedVersionsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                var unknown = applied.Where(v => !known.Contains(v)).OrderBy(v => v).ToList();
                if (unknown.Count > 0)
                {
                    throw new StoreException(location, StoreProblem.SchemaNewer,
                        $"the store {location} has schema version {unknown[^1]}, newer than this CryptoRun knows ({known.Max()}); upgrade CryptoRun");
                }

                if (!applied.Contains(version))
                {
                    await ExecuteAsync(connection, transaction, sql, cancellationToken).ConfigureAwait(false);
                    var record = new NpgsqlCommand("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", connection, transaction);
                    await using (record.ConfigureAwait(false))
                    {
                        record.Parameters.Add(new() { Value = version });
                        record.Parameters.Add(new() { Value = name });
                        record.Parameters.Add(new() { Value = nowMs });
                        await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return All[^1].Version;
    }

    /// <summary>Serializes migrating processes on one schema (held to the end of the transaction).</summary>
    private const string LockSql = "SELECT pg_advisory_xact_lock(hashtext('cryptorun schema_migrations ' || current_schema()));\n";

    /// <summary>
    /// Refuses, before anything is created, a schema that holds tables with CryptoRun's names CryptoRun did not
    /// create: without CryptoRun's <c>schema_migrations</c> ledger (its columns and its migration names), a
    /// <c>series</c> or <c>candles</c> table there is another program's, and migrating would fail or mix data.
    /// </summary>
    private static async Task RecogniseAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string location, CancellationToken cancellationToken)
    {
        string[] ours = ["schema_migrations", .. All.SelectMany(m => TableNames(m.Sql)).Distinct(StringComparer.Ordinal)];
        var schema = "";
        var present = new List<string>();
        var command = new NpgsqlCommand("""
            SELECT current_schema(), table_name::text FROM information_schema.tables
            WHERE table_schema = current_schema() AND table_name = ANY($1) ORDER BY table_name
            """, connection, transaction);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.Add(new() { Value = ours });
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    schema = reader.GetString(0);
                    present.Add(reader.GetString(1));
                }
            }
        }

        if (present.Count == 0)
        {
            return;
        }

        StoreException Foreign(string why) => new(location, StoreProblem.NotAStore,
            $"{location} is not a CryptoRun store: its schema '{schema}' {why}; it was left unchanged (give another schema, for example ?search_path=cryptorun)");
        var others = string.Join(", ", present.Where(t => t != "schema_migrations").Select(t => $"'{t}'"));
        if (!present.Contains("schema_migrations"))
        {
            throw Foreign($"already holds tables named {others} that CryptoRun did not create (no CryptoRun schema_migrations table)");
        }

        var columns = new List<string>();
        var columnQuery = new NpgsqlCommand("""
            SELECT column_name::text || ' ' || data_type::text FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = 'schema_migrations' ORDER BY ordinal_position
            """, connection, transaction);
        await using (columnQuery.ConfigureAwait(false))
        {
            var reader = await columnQuery.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    columns.Add(reader.GetString(0));
                }
            }
        }

        if (!columns.SequenceEqual(["version integer", "name text", "applied_at bigint"]))
        {
            throw Foreign($"has a schema_migrations table with columns ({string.Join(", ", columns)}), not CryptoRun's (version integer, name text, applied_at bigint)");
        }

        var names = All.ToDictionary(m => m.Version, m => m.Name);
        var rows = 0;
        var ledger = new NpgsqlCommand("SELECT version, name FROM schema_migrations ORDER BY version", connection, transaction);
        await using (ledger.ConfigureAwait(false))
        {
            var reader = await ledger.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows++;
                    var (version, name) = (reader.GetInt32(0), reader.GetString(1));
                    if (names.TryGetValue(version, out var expected) && name != expected)
                    {
                        throw Foreign($"records migration {version} as '{name}', not CryptoRun's '{expected}'");
                    }
                }
            }
        }

        if (rows == 0 && others.Length > 0)
        {
            throw Foreign($"holds tables named {others} beside an empty schema_migrations table");
        }
    }

    /// <summary>The tables a migration creates.</summary>
    private static IEnumerable<string> TableNames(string sql)
        => System.Text.RegularExpressions.Regex.Matches(sql, @"CREATE TABLE (?:IF NOT EXISTS )?(\w+)").Select(m => m.Groups[1].Value);

    private static async Task<HashSet<int>> AppliedVersionsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var applied = new HashSet<int>();
        var read = new NpgsqlCommand("SELECT version FROM schema_migrations", connection, transaction);
        await using (read.ConfigureAwait(false))
        {
            var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    applied.Add(reader.GetInt32(0));
                }
            }
        }

        return applied;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        await using (command.ConfigureAwait(false))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}

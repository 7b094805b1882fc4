using System.Globalization;
using Microsoft.Data.Sqlite;

namespace CryptoRun.Storage.Sqlite;

/// <summary>
/// The store's schema as numbered migrations. Each runs once, in its own transaction, and is
/// recorded in <c>schema_migrations</c>; opening a store runs the ones not yet applied.
/// </summary>
internal static class SqliteMigrations
{
    /// <summary>Every migration, in order. Append only: never edit one that has shipped.</summary>
    internal static readonly IReadOnlyList<(int Version, string Name, string Sql)> All =
    [
        (1, "candles with provenance", """
            CREATE TABLE IF NOT EXISTS series (
                id         INTEGER PRIMARY KEY,
                venue      TEXT NOT NULL,
                instrument TEXT NOT NULL,
                timeframe  TEXT NOT NULL,
                UNIQUE (venue, instrument, timeframe)
            );
            -- One row per upstream call (or file import): seed 002's provenance, plus endpoint, window and latency.
            CREATE TABLE IF NOT EXISTS fetches (
                id          INTEGER PRIMARY KEY,
                provider    TEXT NOT NULL,
                endpoint    TEXT NOT NULL,
                window_from INTEGER,
                window_to   INTEGER,
                latency_ms  INTEGER NOT NULL,
                fetched_at  INTEGER NOT NULL,
                status      TEXT NOT NULL CHECK (status IN ('OK', 'DEGRADED', 'DOWN')),
                error       TEXT
            );
            -- Prices and sizes are TEXT: the venue's exact decimal digits, never a float.
            CREATE TABLE IF NOT EXISTS candles (
                series_id      INTEGER NOT NULL REFERENCES series (id),
                open_time      INTEGER NOT NULL,
                open           TEXT NOT NULL,
                high           TEXT NOT NULL,
                low            TEXT NOT NULL,
                close          TEXT NOT NULL,
                volume         TEXT NOT NULL,
                quote_volume   TEXT,
                trades         INTEGER,
                provider_name  TEXT NOT NULL,
                fetched_at_utc INTEGER NOT NULL,
                fetch_status   TEXT NOT NULL CHECK (fetch_status IN ('OK', 'DEGRADED', 'DOWN')),
                error_message  TEXT,
                fetch_id       INTEGER NOT NULL REFERENCES fetches (id),
                PRIMARY KEY (series_id, open_time)
            ) WITHOUT ROWID;
            -- Windows fetched and found complete: a slot inside one with no candle is one the venue does not have.
            CREATE TABLE IF NOT EXISTS fetched_windows (
                series_id INTEGER NOT NULL REFERENCES series (id),
                from_ms   INTEGER NOT NULL,
                to_ms     INTEGER NOT NULL,
                fetch_id  INTEGER NOT NULL REFERENCES fetches (id),
                PRIMARY KEY (series_id, from_ms, to_ms)
            ) WITHOUT ROWID;
            """),
        (2, "provider health and ingested snapshots", """
            -- Seed 002's provider_health: one row per provider, updated on every state change. Times are epoch ms.
            CREATE TABLE IF NOT EXISTS provider_health (
                provider_name  TEXT PRIMARY KEY,
                status         TEXT NOT NULL CHECK (status IN ('OK', 'DEGRADED', 'DOWN')),
                last_ok_at     INTEGER,
                fail_count     INTEGER NOT NULL,
                disabled_until INTEGER,
                last_error     TEXT,
                updated_at     INTEGER NOT NULL
            );
            -- Seed 002's ingestion records, each with provenance.
            CREATE TABLE IF NOT EXISTS spot_quotes (
                id             INTEGER PRIMARY KEY,
                instrument     TEXT NOT NULL,
                price          TEXT NOT NULL,
                bid            TEXT,
                ask            TEXT,
                volume_24h     TEXT,
                quote_time     INTEGER NOT NULL,
                provider_name  TEXT NOT NULL,
                endpoint       TEXT NOT NULL,
                latency_ms     INTEGER NOT NULL,
                fetched_at_utc INTEGER NOT NULL,
                fetch_status   TEXT NOT NULL CHECK (fetch_status IN ('OK', 'DEGRADED')),
                error_message  TEXT
            );
            CREATE INDEX IF NOT EXISTS spot_quotes_instrument ON spot_quotes (instrument, fetched_at_utc);
            CREATE TABLE IF NOT EXISTS dex_snapshots (
                id             INTEGER PRIMARY KEY,
                chain_id       TEXT NOT NULL,
                pair_address   TEXT NOT NULL,
                dex_id         TEXT NOT NULL,
                base_symbol    TEXT NOT NULL,
                quote_symbol   TEXT NOT NULL,
                price_usd      TEXT NOT NULL,
                price_native   TEXT,
                liquidity_usd  TEXT,
                volume_24h_usd TEXT,
                snapshot_time  INTEGER NOT NULL,
                provider_name  TEXT NOT NULL,
                endpoint       TEXT NOT NULL,
                latency_ms     INTEGER NOT NULL,
                fetched_at_utc INTEGER NOT NULL,
                fetch_status   TEXT NOT NULL CHECK (fetch_status IN ('OK', 'DEGRADED')),
                error_message  TEXT
            );
            CREATE INDEX IF NOT EXISTS dex_snapshots_pair ON dex_snapshots (chain_id, pair_address, fetched_at_utc);
            """),
        (3, "ingest gaps", """
            -- Seed 002: when every provider is down past the last-known-good TTL, the cycle records a gap. Times are epoch ms.
            CREATE TABLE IF NOT EXISTS ingest_gaps (
                id         INTEGER PRIMARY KEY,
                record_key TEXT NOT NULL,
                at_utc     INTEGER NOT NULL,
                reason     TEXT NOT NULL
            );
            """),
        (4, "materialized bars", """
            -- Seed 002's bars_{freq}: bars built from a finer stored series, apart from the venue's own candles.
            -- Prices and volumes are exact decimal text; returns are REAL; times are epoch ms.
            CREATE TABLE IF NOT EXISTS bars (
                venue            TEXT NOT NULL,
                instrument       TEXT NOT NULL,
                timeframe        TEXT NOT NULL,
                open_ms          INTEGER NOT NULL,
                open             TEXT NOT NULL,
                high             TEXT NOT NULL,
                low              TEXT NOT NULL,
                close            TEXT NOT NULL,
                volume           TEXT NOT NULL,
                quote_volume     TEXT,
                trades           INTEGER,
                source_timeframe TEXT NOT NULL,
                source_candles   INTEGER NOT NULL,
                expected_candles INTEGER NOT NULL,
                log_return       REAL,
                cum_return       REAL,
                roll_vol         REAL,
                materialized_at  INTEGER NOT NULL,
                PRIMARY KEY (venue, instrument, timeframe, open_ms)
            ) WITHOUT ROWID;
            """),
        (5, "backfill leases", """
            -- Seed 004: one worker at a time backfills a series; a lease expires by itself (epoch ms).
            CREATE TABLE IF NOT EXISTS backfill_leases (
                lease_key  TEXT PRIMARY KEY,
                owner      TEXT NOT NULL,
                expires_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            """),
    ];

    /// <summary>Creates the ledger if needed and applies every migration not yet applied.</summary>
    /// <param name="connection">An open connection to a CryptoRun store (see <see cref="SqliteStoreFile"/>).</param>
    /// <param name="path">The file, for messages.</param>
    /// <param name="nowMs">The current time, epoch milliseconds, recorded as <c>applied_at</c>.</param>
    /// <returns>The schema version after migrating.</returns>
    /// <exception cref="StoreException">The database was written by a newer CryptoRun (unknown version).</exception>
    internal static int Apply(SqliteConnection connection, string path, long nowMs)
    {
        Execute(connection, null, """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    INTEGER PRIMARY KEY,
                name       TEXT NOT NULL,
                applied_at INTEGER NOT NULL
            );
            """);

        var applied = AppliedVersions(connection, null);
        var known = All.Select(m => m.Version).ToHashSet();
        var unknown = applied.Where(v => !known.Contains(v)).OrderBy(v => v).ToList();
        if (unknown.Count > 0)
        {
            throw Newer(path, unknown[^1]);
        }

        foreach (var (version, name, sql) in All)
        {
            if (applied.Contains(version))
            {
                continue;
            }

            // BEGIN IMMEDIATE takes the write lock first, so another process opening the same file waits,
            // then sees the migration applied when it checks again inside its own transaction.
            using var transaction = connection.BeginTransaction(deferred: false);
            if (AppliedVersions(connection, transaction).Contains(version))
            {
                transaction.Commit();
                continue;
            }

            Execute(connection, transaction, sql);
            using var record = connection.CreateCommand();
            record.Transaction = transaction;
            record.CommandText = "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($v, $n, $t)";
            record.Parameters.AddWithValue("$v", version);
            record.Parameters.AddWithValue("$n", name);
            record.Parameters.AddWithValue("$t", nowMs);
            record.ExecuteNonQuery();
            transaction.Commit();
        }

        return All[^1].Version;
    }

    /// <summary>The error for a store written by a newer CryptoRun.</summary>
    /// <param name="path">The file.</param>
    /// <param name="version">The newest schema version it records.</param>
    internal static StoreException Newer(string path, long version)
        => new(path, StoreProblem.SchemaNewer, string.Create(CultureInfo.InvariantCulture,
            $"the store {path} has schema version {version}, newer than this CryptoRun knows ({All[^1].Version}); upgrade CryptoRun"));

    private static HashSet<int> AppliedVersions(SqliteConnection connection, SqliteTransaction? transaction)
    {
        var applied = new HashSet<int>();
        using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = "SELECT version FROM schema_migrations";
        using var reader = read.ExecuteReader();
        while (reader.Read())
        {
            applied.Add(reader.GetInt32(0));
        }

        return applied;
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

using System.Globalization;
using System.Runtime.CompilerServices;
using CryptoRun.Domain;
using Microsoft.Data.Sqlite;

namespace CryptoRun.Storage.Sqlite;

/// <summary>
/// The embedded store: one SQLite database file in WAL mode, opened through Microsoft.Data.Sqlite:
/// candles with provenance, seed 002's provider_health, and ingested spot quotes and DEX snapshots.
/// Schema migrations run at open. One instance serializes its writes; other processes may read
/// (and write, waiting on SQLite's lock) concurrently. The file carries CryptoRun's SQLite application
/// id; any other database is refused before anything is written to it.
/// </summary>
public sealed partial class SqliteStore : ICandleStore, IProviderHealthStore, ISnapshotStore, IBarStore
{
    private readonly SqliteConnection _connection;
    private readonly string _connectionString;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<SeriesKey, long> _seriesIds = [];
    private readonly SqliteCandleInsert _insert;
    private readonly TimeProvider _time;
    private readonly bool _readOnly;

    private SqliteStore(string path, SqliteConnection connection, string connectionString, TimeProvider time, bool readOnly)
    {
        Location = path;
        _readOnly = readOnly;
        _time = time;
        _connection = connection;
        _connectionString = connectionString;
        _insert = new SqliteCandleInsert(connection);
    }

    /// <inheritdoc />
    public string Location { get; }

    /// <summary>The schema version after the migrations run at open.</summary>
    public int SchemaVersion { get; private set; }

    /// <summary>
    /// Opens (creating if needed) the store at <paramref name="path"/> and migrates it. A missing, zero-byte
    /// or table-less file becomes a store; a store written by an earlier build (recognised by its
    /// <c>schema_migrations</c> ledger) is stamped with CryptoRun's application id and migrated.
    /// </summary>
    /// <param name="path">The database file; its folder is created if missing.</param>
    /// <param name="timeProvider">Clock for migration and materialization timestamps; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>The open store; dispose it to close the file.</returns>
    /// <exception cref="StoreException">
    /// The path is a directory, or the file or its folder cannot be created, opened or written
    /// (<see cref="StoreProblem.CannotOpen"/>); the file is another program's database or no database at
    /// all (<see cref="StoreProblem.NotAStore"/>, and the file is left byte for byte as it was); or its schema
    /// is newer than this build knows (<see cref="StoreProblem.SchemaNewer"/>). The message names the path.
    /// </exception>
    public static Task<SqliteStore> OpenAsync(
        string path,
        TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
        => OpenAsync(path, readOnly: false, timeProvider, cancellationToken);

    /// <summary>
    /// Opens an existing store for reading only: nothing is written, no migration runs, and no file is
    /// created that the user could not create (in a folder the user cannot write, the store is read as it
    /// stands on disk). Write methods of the returned store fail.
    /// </summary>
    /// <param name="path">The database file.</param>
    /// <param name="timeProvider">Clock; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>The open store; dispose it to close the file.</returns>
    /// <exception cref="StoreException">
    /// As for <see cref="OpenAsync(string, TimeProvider?, CancellationToken)"/>, and also: the file is missing,
    /// or an empty database (<see cref="StoreProblem.NotAStore"/>); its schema is older than this build's
    /// (<see cref="StoreProblem.SchemaOlder"/>: a read-only open does not migrate; open it writable once).
    /// </exception>
    public static Task<SqliteStore> OpenReadOnlyAsync(
        string path,
        TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
        => OpenAsync(path, readOnly: true, timeProvider, cancellationToken);

    private static async Task<SqliteStore> OpenAsync(string path, bool readOnly, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new StoreException(full, StoreProblem.CannotOpen, $"{full} is a directory, not a store file");
        }

        if (readOnly && !File.Exists(full))
        {
            throw new StoreException(full, StoreProblem.CannotOpen, $"the store {full} does not exist");
        }

        if (!readOnly && Path.GetDirectoryName(full) is { Length: > 0 } folder)
        {
            try
            {
                Directory.CreateDirectory(folder);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new StoreException(full, StoreProblem.CannotOpen, $"cannot create the folder of the store {full}: {ex.Message}", ex);
            }
        }

        var time = timeProvider ?? TimeProvider.System;
        SqliteConnection? connection = null;
        try
        {
            (connection, var connectionString, var kind) = readOnly
                ? await ConnectReadOnlyAsync(full, cancellationToken).ConfigureAwait(false)
                : await ConnectAsync(full, ConnectionString(full, SqliteOpenMode.ReadWriteCreate), cancellationToken).ConfigureAwait(false);
            var applied = SqliteStoreFile.AppliedVersions(connection, kind);
            var latest = SqliteMigrations.All[^1].Version;
            if (applied.Any(v => v > latest))
            {
                throw SqliteMigrations.Newer(full, applied.Max());
            }

            var store = new SqliteStore(full, connection, connectionString, time, readOnly);
            if (readOnly)
            {
                if (kind == SqliteStoreFile.Kind.Empty)
                {
                    throw SqliteStoreFile.Foreign(full, "it is an empty database (a command that writes, such as history import or fetch, makes it a store)");
                }

                var missing = SqliteMigrations.All.Where(m => !applied.Contains(m.Version)).ToList();
                if (missing.Count > 0)
                {
                    var version = applied.Count == 0 ? 0 : applied.Max();
                    throw new StoreException(full, StoreProblem.SchemaOlder, string.Create(CultureInfo.InvariantCulture,
                        $"the store {full} has schema version {version}, older than this CryptoRun's {latest}, and a read-only open does not migrate it"));
                }

                Execute(connection, "PRAGMA busy_timeout = 30000;");
                store.SchemaVersion = latest;
                return store;
            }

            if (kind != SqliteStoreFile.Kind.Store)
            {
                SqliteStoreFile.Claim(connection, full);
            }

            Configure(connection);
            store.SchemaVersion = SqliteMigrations.Apply(connection, full, time.GetUtcNow().ToUnixTimeMilliseconds());
            return store;
        }
        catch (SqliteException ex)
        {
            await DisposeAsync(connection).ConfigureAwait(false);
            throw ex.SqliteErrorCode == SqliteNotADatabase
                ? SqliteStoreFile.Foreign(full, "it is not a SQLite database")
                : new StoreException(full, StoreProblem.CannotOpen, $"cannot open the store {full}{(readOnly ? " for reading" : "")}: {ex.Message}", ex);
        }
        catch
        {
            await DisposeAsync(connection).ConfigureAwait(false);
            throw;
        }
    }

    private static ValueTask DisposeAsync(SqliteConnection? connection) => connection?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <summary>SQLite's <c>SQLITE_NOTADB</c>: the file is not a database.</summary>
    private const int SqliteNotADatabase = 26;

    private static string ConnectionString(string path, SqliteOpenMode mode, bool immutable = false)
        => new SqliteConnectionStringBuilder
        {
            // SQLite's URI form carries immutable=1: the file is read as it stands, without the WAL index (-shm) it could not create.
            DataSource = immutable ? $"{new Uri(path).AbsoluteUri}?immutable=1" : path,
            Mode = mode,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString();

    /// <summary>Opens a connection and recognises the file, closing the connection if that fails.</summary>
    private static async Task<(SqliteConnection Connection, string ConnectionString, SqliteStoreFile.Kind Kind)> ConnectAsync(
        string path, string connectionString, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return (connection, connectionString, SqliteStoreFile.Recognise(connection, null, path));
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// A read-only connection. SQLite reads a WAL-mode file through its WAL index (<c>-shm</c>), which it must
    /// create when no writer has; where the user cannot create it (a read-only folder), the file is read as
    /// immutable: what is on disk, which is the whole store when no write-ahead log is left beside it.
    /// </summary>
    private static async Task<(SqliteConnection Connection, string ConnectionString, SqliteStoreFile.Kind Kind)> ConnectReadOnlyAsync(
        string path, CancellationToken cancellationToken)
    {
        try
        {
            return await ConnectAsync(path, ConnectionString(path, SqliteOpenMode.ReadOnly), cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is SqliteReadOnly or SqliteCannotOpen)
        {
            var log = new FileInfo(path + "-wal");
            if (log.Exists && log.Length > 0)
            {
                throw new StoreException(path, StoreProblem.CannotOpen,
                    $"cannot open the store {path} for reading: it has unfinished writes in {log.FullName} that only a process allowed to write its folder can finish ({ex.Message})", ex);
            }

            return await ConnectAsync(path, ConnectionString(path, SqliteOpenMode.ReadOnly, immutable: true), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>SQLite's <c>SQLITE_READONLY</c> and <c>SQLITE_CANTOPEN</c>: what a read-only open of a WAL file reports when it cannot create the WAL index.</summary>
    private const int SqliteReadOnly = 8;

    private const int SqliteCannotOpen = 14;

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <inheritdoc />
    public async Task<int> WriteAsync(
        SeriesKey key,
        IReadOnlyList<Candle> candles,
        Provenance provenance,
        TimeRange? covered,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(candles);
        ArgumentNullException.ThrowIfNull(provenance);
        var ordered = StoreChecks.OrderedBatch(key, candles);
        StoreChecks.CoveredWindow(key, covered);

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var transaction = _connection.BeginTransaction();
            var seriesId = GetOrCreateSeries(key, transaction);
            var fetchId = InsertFetch(provenance, transaction);
            var written = _insert.Write(seriesId, fetchId, provenance, ordered);

            if (covered is { IsEmpty: false } window)
            {
                using var command = _connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = """
                    INSERT INTO fetched_windows (series_id, from_ms, to_ms, fetch_id) VALUES ($s, $f, $t, $id)
                    ON CONFLICT DO NOTHING
                    """;
                command.Parameters.AddWithValue("$s", seriesId);
                command.Parameters.AddWithValue("$f", window.FromMs);
                command.Parameters.AddWithValue("$t", window.ToMs);
                command.Parameters.AddWithValue("$id", fetchId);
                command.ExecuteNonQuery();
            }

            cancellationToken.ThrowIfCancellationRequested();
            transaction.Commit();
            return written;
        }
        catch
        {
            // A failed batch rolls back whole; forget ids that may have been created inside it.
            _seriesIds.Remove(key);
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<StoredCandle> ReadAsync(
        SeriesKey key,
        TimeRange? range = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // A reader of its own: streaming must not hold the writer's gate.
        var connection = new SqliteConnection(_connectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            if (_readOnly)
            {
                Execute(connection, "PRAGMA busy_timeout = 30000;");
            }
            else
            {
                Configure(connection);
            }

            foreach (var row in SqliteCandleRead.Read(connection, key, range))
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return row;
            }
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<TimeRange>> GetFetchedWindowsAsync(SeriesKey key, CancellationToken cancellationToken = default)
        => QueryAsync(key, """
            SELECT w.from_ms, w.to_ms FROM fetched_windows w JOIN series s ON s.id = w.series_id
            WHERE s.venue = $venue AND s.instrument = $instrument AND s.timeframe = $timeframe
            ORDER BY w.from_ms
            """, static (reader, _) => new TimeRange(reader.GetInt64(0), reader.GetInt64(1)),
            static windows => History.RangeSet.Merge(windows), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<TimeRange>> GetGapsAsync(SeriesKey key, CancellationToken cancellationToken = default)
        => GetGapsAsync(key, new TimeRange(long.MinValue, long.MaxValue), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<TimeRange>> GetGapsAsync(SeriesKey key, TimeRange range, CancellationToken cancellationToken = default)
        => QueryAsync(key, """
            SELECT prev, open_time FROM (
                SELECT c.open_time, LAG(c.open_time) OVER (ORDER BY c.open_time) AS prev
                FROM candles c
                WHERE c.series_id = (SELECT id FROM series WHERE venue = $venue AND instrument = $instrument AND timeframe = $timeframe)
                  AND c.open_time >= $from AND c.open_time < $to)
            WHERE open_time - prev > $step
            ORDER BY open_time
            """, static (reader, step) => new TimeRange(reader.GetInt64(0) + step, reader.GetInt64(1)),
            static gaps => gaps, cancellationToken, range);

    /// <inheritdoc />
    public Task<SeriesSummary> GetSummaryAsync(SeriesKey key, CancellationToken cancellationToken = default)
        => GetSummaryAsync(key, new TimeRange(long.MinValue, long.MaxValue), cancellationToken);

    /// <inheritdoc />
    public async Task<SeriesSummary> GetSummaryAsync(SeriesKey key, TimeRange range, CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync(key, """
            SELECT COUNT(*), MIN(c.open_time), MAX(c.open_time)
            FROM candles c
            WHERE c.series_id = (SELECT id FROM series WHERE venue = $venue AND instrument = $instrument AND timeframe = $timeframe)
              AND c.open_time >= $from AND c.open_time < $to
            """, (reader, _) => new SeriesSummary(
                key,
                reader.GetInt64(0),
                reader.IsDBNull(1) ? null : reader.GetInt64(1),
                reader.IsDBNull(2) ? null : reader.GetInt64(2)),
            static summaries => summaries, cancellationToken, range).ConfigureAwait(false);
        return rows[0];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<SeriesKey>> ListSeriesAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = """
                SELECT venue, instrument, timeframe FROM series s
                WHERE EXISTS (SELECT 1 FROM candles c WHERE c.series_id = s.id)
                   OR EXISTS (SELECT 1 FROM fetched_windows w WHERE w.series_id = s.id)
                ORDER BY venue, instrument, timeframe
                """;
            using var reader = command.ExecuteReader();
            var keys = new List<SeriesKey>();
            while (reader.Read())
            {
                keys.Add(new SeriesKey(reader.GetString(0), Instrument.Parse(reader.GetString(1)), Timeframe.Parse(reader.GetString(2))));
            }

            return keys;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public Task UpsertHealthAsync(ProviderHealthRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return ExecuteAsync("""
            INSERT INTO provider_health (provider_name, status, last_ok_at, fail_count, disabled_until, last_error, updated_at)
            VALUES ($p, $s, $ok, $f, $d, $e, $u)
            ON CONFLICT (provider_name) DO UPDATE SET
                status = excluded.status, last_ok_at = excluded.last_ok_at, fail_count = excluded.fail_count,
                disabled_until = excluded.disabled_until, last_error = excluded.last_error, updated_at = excluded.updated_at
            """, command =>
        {
            command.Parameters.AddWithValue("$p", record.Provider);
            command.Parameters.AddWithValue("$s", record.Status.ToText());
            command.Parameters.AddWithValue("$ok", (object?)record.LastOkAt?.ToUnixTimeMilliseconds() ?? DBNull.Value);
            command.Parameters.AddWithValue("$f", record.FailCount);
            command.Parameters.AddWithValue("$d", (object?)record.DisabledUntil?.ToUnixTimeMilliseconds() ?? DBNull.Value);
            command.Parameters.AddWithValue("$e", (object?)record.LastError ?? DBNull.Value);
            command.Parameters.AddWithValue("$u", record.UpdatedAt.ToUnixTimeMilliseconds());
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ProviderHealthRecord>> ReadHealthAsync(CancellationToken cancellationToken = default)
        => ReadAsync("""
            SELECT provider_name, status, last_ok_at, fail_count, disabled_until, last_error, updated_at
            FROM provider_health ORDER BY provider_name
            """, _ => { }, reader => new ProviderHealthRecord(
                reader.GetString(0),
                FetchStatusText.Parse(reader.GetString(1)),
                Time(reader, 2),
                reader.GetInt32(3),
                Time(reader, 4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6))), cancellationToken);

    /// <inheritdoc />
    public Task WriteSpotQuoteAsync(SpotQuote quote, Provenance provenance, CancellationToken cancellationToken = default)
    {
        StoreChecks.Admit(quote, provenance);

        return ExecuteAsync("""
            INSERT INTO spot_quotes (instrument, price, bid, ask, volume_24h, quote_time, provider_name, endpoint, latency_ms, fetched_at_utc, fetch_status, error_message)
            VALUES ($i, $p, $b, $a, $v, $t, $pr, $en, $l, $f, $s, $e)
            """, command =>
        {
            command.Parameters.AddWithValue("$i", quote.Instrument.Symbol);
            command.Parameters.AddWithValue("$p", Text(quote.Price));
            command.Parameters.AddWithValue("$b", TextOrNull(quote.Bid));
            command.Parameters.AddWithValue("$a", TextOrNull(quote.Ask));
            command.Parameters.AddWithValue("$v", TextOrNull(quote.Volume24h));
            command.Parameters.AddWithValue("$t", quote.TimeMs);
            AddProvenance(command, provenance);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task WriteDexSnapshotAsync(DexPairSnapshot snapshot, Provenance provenance, CancellationToken cancellationToken = default)
    {
        StoreChecks.Admit(snapshot, provenance);

        return ExecuteAsync("""
            INSERT INTO dex_snapshots (chain_id, pair_address, dex_id, base_symbol, quote_symbol, price_usd, price_native, liquidity_usd, volume_24h_usd,
                                       snapshot_time, provider_name, endpoint, latency_ms, fetched_at_utc, fetch_status, error_message)
            VALUES ($c, $a, $d, $bs, $qs, $pu, $pn, $li, $vo, $t, $pr, $en, $l, $f, $s, $e)
            """, command =>
        {
            command.Parameters.AddWithValue("$c", snapshot.ChainId);
            command.Parameters.AddWithValue("$a", snapshot.PairAddress);
            command.Parameters.AddWithValue("$d", snapshot.DexId);
            command.Parameters.AddWithValue("$bs", snapshot.BaseSymbol);
            command.Parameters.AddWithValue("$qs", snapshot.QuoteSymbol);
            command.Parameters.AddWithValue("$pu", TextOrNull(snapshot.PriceUsd));
            command.Parameters.AddWithValue("$pn", TextOrNull(snapshot.PriceNative));
            command.Parameters.AddWithValue("$li", TextOrNull(snapshot.LiquidityUsd));
            command.Parameters.AddWithValue("$vo", TextOrNull(snapshot.Volume24hUsd));
            command.Parameters.AddWithValue("$t", snapshot.TimeMs);
            AddProvenance(command, provenance);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Stored<SpotQuote>>> ReadSpotQuotesAsync(Instrument instrument, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        return ReadAsync("""
            SELECT price, bid, ask, volume_24h, quote_time, provider_name, endpoint, latency_ms, fetched_at_utc, fetch_status, error_message
            FROM spot_quotes WHERE instrument = $i ORDER BY id
            """, command => command.Parameters.AddWithValue("$i", instrument.Symbol), reader => new Stored<SpotQuote>(
                new SpotQuote(instrument, ParseDecimal(reader.GetString(0)), DecimalOrNull(reader, 1), DecimalOrNull(reader, 2), DecimalOrNull(reader, 3), reader.GetInt64(4)),
                ProvenanceAt(reader, 5)), cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Stored<DexPairSnapshot>>> ReadDexSnapshotsAsync(string chainId, string pairAddress, CancellationToken cancellationToken = default)
        => ReadAsync("""
            SELECT chain_id, pair_address, dex_id, base_symbol, quote_symbol, price_usd, price_native, liquidity_usd, volume_24h_usd, snapshot_time,
                   provider_name, endpoint, latency_ms, fetched_at_utc, fetch_status, error_message
            FROM dex_snapshots WHERE chain_id = $c AND pair_address = $a ORDER BY id
            """, command =>
            {
                command.Parameters.AddWithValue("$c", chainId);
                command.Parameters.AddWithValue("$a", pairAddress);
            }, reader => new Stored<DexPairSnapshot>(
                new DexPairSnapshot(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                    DecimalOrNull(reader, 5), DecimalOrNull(reader, 6), DecimalOrNull(reader, 7), DecimalOrNull(reader, 8), reader.GetInt64(9)),
                ProvenanceAt(reader, 10)), cancellationToken);

    /// <inheritdoc />
    public Task RecordGapAsync(IngestGap gap, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(gap);
        return ExecuteAsync("INSERT INTO ingest_gaps (record_key, at_utc, reason) VALUES ($k, $t, $r)", command =>
        {
            command.Parameters.AddWithValue("$k", gap.Key);
            command.Parameters.AddWithValue("$t", gap.At.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$r", gap.Reason);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<IngestGap>> ReadGapsAsync(CancellationToken cancellationToken = default)
        => ReadAsync(
            "SELECT record_key, at_utc, reason FROM ingest_gaps ORDER BY id",
            _ => { },
            reader => new IngestGap(reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), reader.GetString(2)),
            cancellationToken);

    /// <summary>Closes the database file.</summary>
    /// <returns>A task that completes when closed.</returns>
    public async ValueTask DisposeAsync()
    {
        _insert.Dispose();
        await _connection.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }

    private static void Configure(SqliteConnection connection)
    {
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 30000;";
        pragma.ExecuteNonQuery();
    }

    private static void AddKey(SqliteCommand command, SeriesKey key)
    {
        command.Parameters.AddWithValue("$venue", key.Venue);
        command.Parameters.AddWithValue("$instrument", key.Instrument.Symbol);
        command.Parameters.AddWithValue("$timeframe", key.Timeframe.Name);
        command.Parameters.AddWithValue("$step", key.Timeframe.Milliseconds);
    }

    private static decimal ParseDecimal(string text) => decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private async Task<IReadOnlyList<T>> QueryAsync<T>(
        SeriesKey key,
        string sql,
        Func<SqliteDataReader, long, T> map,
        Func<IReadOnlyList<T>, IReadOnlyList<T>> finish,
        CancellationToken cancellationToken,
        TimeRange? range = null)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            AddKey(command, key);
            if (range is { } r)
            {
                command.Parameters.AddWithValue("$from", r.FromMs);
                command.Parameters.AddWithValue("$to", r.ToMs);
            }

            using var reader = command.ExecuteReader();
            var rows = new List<T>();
            while (reader.Read())
            {
                rows.Add(map(reader, key.Timeframe.Milliseconds));
            }

            return finish(rows);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static object TextOrNull(decimal? value) => value is { } v ? v.ToString(CultureInfo.InvariantCulture) : DBNull.Value;

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static decimal? DecimalOrNull(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : ParseDecimal(reader.GetString(ordinal));

    private static DateTimeOffset? Time(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    private static void AddProvenance(SqliteCommand command, Provenance provenance)
    {
        command.Parameters.AddWithValue("$pr", provenance.Provider);
        command.Parameters.AddWithValue("$en", provenance.Endpoint);
        command.Parameters.AddWithValue("$l", provenance.LatencyMs);
        command.Parameters.AddWithValue("$f", provenance.FetchedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$s", provenance.Status.ToText());
        command.Parameters.AddWithValue("$e", (object?)provenance.Error ?? DBNull.Value);
    }

    /// <summary>Reads provider, endpoint, latency, fetched-at, status and error from six columns starting at <paramref name="first"/>.</summary>
    private static Provenance ProvenanceAt(SqliteDataReader reader, int first)
        => new(
            reader.GetString(first),
            reader.GetString(first + 1),
            null,
            reader.GetInt64(first + 2),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(first + 3)),
            FetchStatusText.Parse(reader.GetString(first + 4)),
            reader.IsDBNull(first + 5) ? null : reader.GetString(first + 5));

    private async Task ExecuteAsync(string sql, Action<SqliteCommand> bind, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            bind(command);
            command.ExecuteNonQuery();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<IReadOnlyList<T>> ReadAsync<T>(string sql, Action<SqliteCommand> bind, Func<SqliteDataReader, T> map, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            bind(command);
            using var reader = command.ExecuteReader();
            var rows = new List<T>();
            while (reader.Read())
            {
                rows.Add(map(reader));
            }

            return rows;
        }
        finally
        {
            _gate.Release();
        }
    }

    private long GetOrCreateSeries(SeriesKey key, SqliteTransaction transaction)
    {
        if (_seriesIds.TryGetValue(key, out var id))
        {
            return id;
        }

        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO series (venue, instrument, timeframe) VALUES ($venue, $instrument, $timeframe)
            ON CONFLICT (venue, instrument, timeframe) DO UPDATE SET venue = excluded.venue
            RETURNING id
            """;
        command.Parameters.AddWithValue("$venue", key.Venue);
        command.Parameters.AddWithValue("$instrument", key.Instrument.Symbol);
        command.Parameters.AddWithValue("$timeframe", key.Timeframe.Name);
        id = (long)command.ExecuteScalar()!;
        _seriesIds[key] = id;
        return id;
    }

    private long InsertFetch(Provenance provenance, SqliteTransaction transaction)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO fetches (provider, endpoint, window_from, window_to, latency_ms, fetched_at, status, error)
            VALUES ($p, $e, $wf, $wt, $l, $f, $s, $err)
            RETURNING id
            """;
        command.Parameters.AddWithValue("$p", provenance.Provider);
        command.Parameters.AddWithValue("$e", provenance.Endpoint);
        command.Parameters.AddWithValue("$wf", (object?)provenance.Window?.FromMs ?? DBNull.Value);
        command.Parameters.AddWithValue("$wt", (object?)provenance.Window?.ToMs ?? DBNull.Value);
        command.Parameters.AddWithValue("$l", provenance.LatencyMs);
        command.Parameters.AddWithValue("$f", provenance.FetchedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$s", provenance.Status.ToText());
        command.Parameters.AddWithValue("$err", (object?)provenance.Error ?? DBNull.Value);
        return (long)command.ExecuteScalar()!;
    }
}

using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using CryptoRun.Domain;
using CryptoRun.History;
using CryptoRun.Storage;
using Npgsql;
using NpgsqlTypes;

namespace CryptoRun.Postgres;

/// <summary>
/// The shared store: candles with provenance, fetched windows and materialized bars in a PostgreSQL
/// database, through one <see cref="NpgsqlDataSource"/>. Same tables and semantics as the embedded
/// SQLite store; prices and volumes are <c>numeric</c> (exact, with the venue's scale). Schema
/// migrations run at open. Many processes (workers) may read and write one database concurrently:
/// each write is one transaction, and batches are bulk-loaded with binary COPY.
/// </summary>
public sealed partial class PostgresStore : ICandleStore, IBarStore
{
    private const string CandleColumns = "open_time, open, high, low, close, volume, quote_volume, trades";

    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _time;

    // Series ids are cached only once their row is committed: a cached id always exists.
    private readonly ConcurrentDictionary<SeriesKey, long> _seriesIds = new();

    private PostgresStore(NpgsqlDataSource dataSource, string location, TimeProvider time)
    {
        _dataSource = dataSource;
        Location = location;
        _time = time;
    }

    /// <summary>The server, user and database, as <c>postgresql://USER@HOST:PORT/DB</c> (never the password).</summary>
    public string Location { get; }

    /// <summary>The schema version after the migrations run at open.</summary>
    public int SchemaVersion { get; private set; }

    /// <summary>Connects to a PostgreSQL database and migrates it.</summary>
    /// <param name="uriOrConnectionString">
    /// <c>postgres://USER[:PASSWORD]@HOST[:PORT]/DB</c> (or <c>postgresql://</c>; port 5432 when omitted;
    /// user, password and database percent-encoded; <c>?key=value</c> pairs are Npgsql connection settings,
    /// for example <c>?search_path=research</c>), or an Npgsql connection string (<c>Host=...;Username=...;Database=...</c>).
    /// Tables are created in the first schema of the search path.
    /// </param>
    /// <param name="timeProvider">Clock for migration and materialization timestamps; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <returns>The open store; dispose it to close its connections.</returns>
    /// <exception cref="ArgumentException">The address is empty or malformed, or lacks a host, user or database; the message names the part.</exception>
    /// <exception cref="NpgsqlException">The server cannot be reached or refuses the login.</exception>
    /// <exception cref="StoreException">
    /// The schema holds tables with CryptoRun's names that CryptoRun did not create (<see cref="StoreProblem.NotAStore"/>,
    /// left unchanged), or a newer schema than this build knows (<see cref="StoreProblem.SchemaNewer"/>).
    /// </exception>
    public static async Task<PostgresStore> OpenAsync(
        string uriOrConnectionString,
        TimeProvider? timeProvider = null,
        CancellationToken cancellationToken = default)
    {
        var builder = PostgresConnectionString.Parse(uriOrConnectionString);
        var location = PostgresConnectionString.Describe(builder);
        var time = timeProvider ?? TimeProvider.System;
        var dataSource = new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
        try
        {
            var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var store = new PostgresStore(dataSource, location, time);
                store.SchemaVersion = await PostgresMigrations.ApplyAsync(
                    connection, location, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
                return store;
            }
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// The candles go to a temporary table by binary COPY, then into <c>candles</c> with one
    /// <c>INSERT ... ON CONFLICT DO UPDATE</c>; series, fetch row, candles and window share one transaction.
    /// A database error (for example <see cref="PostgresException"/>) rolls the whole batch back.
    /// </remarks>
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
        cancellationToken.ThrowIfCancellationRequested();

        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var seriesId = await GetOrCreateSeriesAsync(connection, transaction, key, cancellationToken).ConfigureAwait(false);
                var fetchId = await InsertFetchAsync(connection, transaction, provenance, cancellationToken).ConfigureAwait(false);
                var written = 0;
                if (ordered.Count > 0)
                {
                    await LoadAsync(connection, transaction, "candle_load", ordered, static c => c, null, cancellationToken).ConfigureAwait(false);
                    var upsert = new NpgsqlCommand($"""
                        INSERT INTO candles (series_id, {CandleColumns}, provider_name, fetched_at_utc, fetch_status, error_message, fetch_id)
                        SELECT $1, {CandleColumns}, $2, $3, $4, $5, $6 FROM candle_load ORDER BY open_time
                        ON CONFLICT (series_id, open_time) DO UPDATE SET
                            open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
                            volume = excluded.volume, quote_volume = excluded.quote_volume, trades = excluded.trades,
                            provider_name = excluded.provider_name, fetched_at_utc = excluded.fetched_at_utc,
                            fetch_status = excluded.fetch_status, error_message = excluded.error_message,
                            fetch_id = excluded.fetch_id
                        """, connection, transaction);
                    await using (upsert.ConfigureAwait(false))
                    {
                        Add(upsert, seriesId);
                        Add(upsert, provenance.Provider);
                        Add(upsert, provenance.FetchedAt.ToUnixTimeMilliseconds());
                        Add(upsert, provenance.Status.ToText());
                        Add(upsert, provenance.Error);
                        Add(upsert, fetchId);
                        written = await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                if (covered is { IsEmpty: false } window)
                {
                    var insert = new NpgsqlCommand("""
                        INSERT INTO fetched_windows (series_id, from_ms, to_ms, fetch_id) VALUES ($1, $2, $3, $4)
                        ON CONFLICT DO NOTHING
                        """, connection, transaction);
                    await using (insert.ConfigureAwait(false))
                    {
                        Add(insert, seriesId);
                        Add(insert, window.FromMs);
                        Add(insert, window.ToMs);
                        Add(insert, fetchId);
                        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                // Past this check the batch commits whole; a cancellation during the commit itself would leave
                // its outcome unknown, so the commit is not cancellable.
                cancellationToken.ThrowIfCancellationRequested();
                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                _seriesIds.TryAdd(key, seriesId);
                return written;
            }
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<StoredCandle> ReadAsync(
        SeriesKey key,
        TimeRange? range = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var command = new NpgsqlCommand("""
                SELECT c.open_time, c.open, c.high, c.low, c.close, c.volume, c.quote_volume, c.trades,
                       c.provider_name, c.fetched_at_utc, c.fetch_status, c.error_message, f.endpoint, f.latency_ms
                FROM candles c
                JOIN series s ON s.id = c.series_id
                JOIN fetches f ON f.id = c.fetch_id
                WHERE s.venue = $1 AND s.instrument = $2 AND s.timeframe = $3
                  AND c.open_time >= $4 AND c.open_time < $5
                ORDER BY c.open_time
                """, connection);
            await using (command.ConfigureAwait(false))
            {
                AddKey(command, key);
                Add(command, range?.FromMs ?? long.MinValue);
                Add(command, range?.ToMs ?? long.MaxValue);
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        yield return new StoredCandle(
                            ReadCandle(reader, 0),
                            reader.GetString(8),
                            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9)),
                            FetchStatusText.Parse(reader.GetString(10)),
                            reader.IsDBNull(11) ? null : reader.GetString(11),
                            reader.GetString(12),
                            reader.GetInt64(13));
                    }
                }
            }
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<TimeRange>> GetFetchedWindowsAsync(SeriesKey key, CancellationToken cancellationToken = default)
        => QueryAsync(key, """
            SELECT w.from_ms, w.to_ms FROM fetched_windows w JOIN series s ON s.id = w.series_id
            WHERE s.venue = $1 AND s.instrument = $2 AND s.timeframe = $3
            ORDER BY w.from_ms
            """, static (reader, _) => new TimeRange(reader.GetInt64(0), reader.GetInt64(1)),
            static windows => RangeSet.Merge(windows), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<TimeRange>> GetGapsAsync(SeriesKey key, CancellationToken cancellationToken = default)
        => GetGapsAsync(key, new TimeRange(long.MinValue, long.MaxValue), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<TimeRange>> GetGapsAsync(SeriesKey key, TimeRange range, CancellationToken cancellationToken = default)
        => QueryAsync(key, """
            SELECT prev, open_time FROM (
                SELECT c.open_time, LAG(c.open_time) OVER (ORDER BY c.open_time) AS prev
                FROM candles c JOIN series s ON s.id = c.series_id
                WHERE s.venue = $1 AND s.instrument = $2 AND s.timeframe = $3 AND c.open_time >= $5 AND c.open_time < $6) AS stepped
            WHERE open_time - prev > $4
            ORDER BY open_time
            """, static (reader, step) => new TimeRange(reader.GetInt64(0) + step, reader.GetInt64(1)),
            static gaps => gaps, cancellationToken, withStep: true, range);

    /// <inheritdoc />
    public Task<SeriesSummary> GetSummaryAsync(SeriesKey key, CancellationToken cancellationToken = default)
        => GetSummaryAsync(key, new TimeRange(long.MinValue, long.MaxValue), cancellationToken);

    /// <inheritdoc />
    public async Task<SeriesSummary> GetSummaryAsync(SeriesKey key, TimeRange range, CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync(key, """
            SELECT COUNT(*), MIN(c.open_time), MAX(c.open_time)
            FROM candles c JOIN series s ON s.id = c.series_id
            WHERE s.venue = $1 AND s.instrument = $2 AND s.timeframe = $3 AND c.open_time >= $4 AND c.open_time < $5
            """, (reader, _) => new SeriesSummary(
                key,
                reader.GetInt64(0),
                reader.IsDBNull(1) ? null : reader.GetInt64(1),
                reader.IsDBNull(2) ? null : reader.GetInt64(2)),
            static summaries => summaries, cancellationToken, range: range).ConfigureAwait(false);
        return rows[0];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<SeriesKey>> ListSeriesAsync(CancellationToken cancellationToken = default)
    {
        // COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.
        var command = _dataSource.CreateCommand("""
            SELECT venue, instrument, timeframe FROM series s
            WHERE EXISTS (SELECT 1 FROM candles c WHERE c.series_id = s.id)
               OR EXISTS (SELECT 1 FROM fetched_windows w WHERE w.series_id = s.id)
            ORDER BY venue COLLATE "C", instrument COLLATE "C", timeframe COLLATE "C"
            """);
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var keys = new List<SeriesKey>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    keys.Add(new SeriesKey(reader.GetString(0), Instrument.Parse(reader.GetString(1)), Timeframe.Parse(reader.GetString(2))));
                }

                return keys;
            }
        }
    }

    /// <summary>Closes the store's connections (the data source and its pool).</summary>
    /// <returns>A task that completes when closed.</returns>
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    /// <summary>
    /// Creates a temporary table (dropped at commit or rollback) with the candle columns plus
    /// <paramref name="extra"/>'s, and fills it by binary COPY.
    /// </summary>
    private static async Task LoadAsync<T>(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        string table,
        IReadOnlyList<T> rows,
        Func<T, Candle> candleOf,
        (string Definitions, string Names, Func<NpgsqlBinaryImporter, T, CancellationToken, Task> Write)? extra,
        CancellationToken cancellationToken)
    {
        var create = new NpgsqlCommand($"""
            CREATE TEMPORARY TABLE {table} (
                open_time bigint, open numeric, high numeric, low numeric, close numeric, volume numeric,
                quote_volume numeric, trades bigint{(extra is { } e ? ", " + e.Definitions : "")}) ON COMMIT DROP
            """, connection, transaction);
        await using (create.ConfigureAwait(false))
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var columns = extra is { } x ? $"{CandleColumns}, {x.Names}" : CandleColumns;
        var importer = await connection.BeginBinaryImportAsync($"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        await using (importer.ConfigureAwait(false))
        {
            foreach (var row in rows)
            {
                var candle = candleOf(row);
                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(candle.OpenTimeMs, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(candle.Open, NpgsqlDbType.Numeric, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(candle.High, NpgsqlDbType.Numeric, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(candle.Low, NpgsqlDbType.Numeric, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(candle.Close, NpgsqlDbType.Numeric, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(candle.Volume, NpgsqlDbType.Numeric, cancellationToken).ConfigureAwait(false);
                if (candle.QuoteVolume is { } quote)
                {
                    await importer.WriteAsync(quote, NpgsqlDbType.Numeric, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                }

                if (candle.TradeCount is { } trades)
                {
                    await importer.WriteAsync(trades, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                }

                if (extra is { } more)
                {
                    await more.Write(importer, row, cancellationToken).ConfigureAwait(false);
                }
            }

            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static Candle ReadCandle(NpgsqlDataReader reader, int first)
        => new(
            reader.GetInt64(first),
            reader.GetDecimal(first + 1),
            reader.GetDecimal(first + 2),
            reader.GetDecimal(first + 3),
            reader.GetDecimal(first + 4),
            reader.GetDecimal(first + 5),
            reader.IsDBNull(first + 6) ? null : reader.GetDecimal(first + 6),
            reader.IsDBNull(first + 7) ? null : reader.GetInt64(first + 7));

    private static void Add<T>(NpgsqlCommand command, T value)
        => command.Parameters.Add(new NpgsqlParameter<T> { TypedValue = value });

    private static void Add(NpgsqlCommand command, string? value)
        => command.Parameters.Add(new NpgsqlParameter { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });

    private static void Add(NpgsqlCommand command, long? value)
        => command.Parameters.Add(new NpgsqlParameter { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });

    private static void AddKey(NpgsqlCommand command, SeriesKey key)
    {
        Add(command, key.Venue);
        Add(command, key.Instrument.Symbol);
        Add(command, key.Timeframe.Name);
    }

    private async Task<IReadOnlyList<T>> QueryAsync<T>(
        SeriesKey key,
        string sql,
        Func<NpgsqlDataReader, long, T> map,
        Func<IReadOnlyList<T>, IReadOnlyList<T>> finish,
        CancellationToken cancellationToken,
        bool withStep = false,
        TimeRange? range = null)
    {
        var command = _dataSource.CreateCommand(sql);
        await using (command.ConfigureAwait(false))
        {
            AddKey(command, key);
            if (withStep)
            {
                Add(command, key.Timeframe.Milliseconds);
            }

            if (range is { } r)
            {
                Add(command, r.FromMs);
                Add(command, r.ToMs);
            }

            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var rows = new List<T>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add(map(reader, key.Timeframe.Milliseconds));
                }

                return finish(rows);
            }
        }
    }

    private async Task<long> GetOrCreateSeriesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, SeriesKey key, CancellationToken cancellationToken)
    {
        if (_seriesIds.TryGetValue(key, out var id))
        {
            return id;
        }

        // DO NOTHING rather than DO UPDATE: an existing series row is not locked, so writers of one series
        // do not queue behind each other; a concurrent creator's row is found by the SELECT after it commits.
        var command = new NpgsqlCommand("""
            WITH created AS (
                INSERT INTO series (venue, instrument, timeframe) VALUES ($1, $2, $3)
                ON CONFLICT (venue, instrument, timeframe) DO NOTHING
                RETURNING id)
            SELECT id FROM created
            UNION ALL
            SELECT id FROM series WHERE venue = $1 AND instrument = $2 AND timeframe = $3
            LIMIT 1
            """, connection, transaction);
        await using (command.ConfigureAwait(false))
        {
            AddKey(command, key);
            var found = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return found is long value ? value : await SelectSeriesAsync(connection, transaction, key, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<long> SelectSeriesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, SeriesKey key, CancellationToken cancellationToken)
    {
        // The row was inserted by a transaction that committed after this statement's snapshot: a new statement sees it.
        var command = new NpgsqlCommand("SELECT id FROM series WHERE venue = $1 AND instrument = $2 AND timeframe = $3", connection, transaction);
        await using (command.ConfigureAwait(false))
        {
            AddKey(command, key);
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
    }

    private static async Task<long> InsertFetchAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Provenance provenance, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand("""
            INSERT INTO fetches (provider, endpoint, window_from, window_to, latency_ms, fetched_at, status, error)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            RETURNING id
            """, connection, transaction);
        await using (command.ConfigureAwait(false))
        {
            Add(command, provenance.Provider);
            Add(command, provenance.Endpoint);
            Add(command, provenance.Window?.FromMs);
            Add(command, provenance.Window?.ToMs);
            Add(command, provenance.LatencyMs);
            Add(command, provenance.FetchedAt.ToUnixTimeMilliseconds());
            Add(command, provenance.Status.ToText());
            Add(command, provenance.Error);
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
    }
}

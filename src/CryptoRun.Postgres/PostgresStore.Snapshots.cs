using CryptoRun.Domain;
using CryptoRun.Storage;
using Npgsql;
using NpgsqlTypes;

namespace CryptoRun.Postgres;

/// <summary>
/// Seed 002's provider_health, spot_quotes, dex_snapshots and ingest_gaps tables (migration 5), with the
/// SQLite store's semantics: the same quality gate on write, rows read back in insertion order
/// (providers by name), prices and volumes as exact <c>numeric</c>, times as epoch milliseconds.
/// </summary>
public sealed partial class PostgresStore : IProviderHealthStore, ISnapshotStore
{
    /// <inheritdoc />
    public Task UpsertHealthAsync(ProviderHealthRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return ExecuteAsync("""
            INSERT INTO provider_health (provider_name, status, last_ok_at, fail_count, disabled_until, last_error, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (provider_name) DO UPDATE SET
                status = excluded.status, last_ok_at = excluded.last_ok_at, fail_count = excluded.fail_count,
                disabled_until = excluded.disabled_until, last_error = excluded.last_error, updated_at = excluded.updated_at
            """, command =>
        {
            Add(command, record.Provider);
            Add(command, record.Status.ToText());
            Add(command, record.LastOkAt?.ToUnixTimeMilliseconds());
            Add(command, record.FailCount);
            Add(command, record.DisabledUntil?.ToUnixTimeMilliseconds());
            Add(command, record.LastError);
            Add(command, record.UpdatedAt.ToUnixTimeMilliseconds());
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ProviderHealthRecord>> ReadHealthAsync(CancellationToken cancellationToken = default)
        // COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.
        => ReadRowsAsync("""
            SELECT provider_name, status, last_ok_at, fail_count, disabled_until, last_error, updated_at
            FROM provider_health ORDER BY provider_name COLLATE "C"
            """, static _ => { }, static reader => new ProviderHealthRecord(
                reader.GetString(0),
                FetchStatusText.Parse(reader.GetString(1)),
                TimeOrNull(reader, 2),
                reader.GetInt32(3),
                TimeOrNull(reader, 4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6))), cancellationToken);

    /// <inheritdoc />
    public Task WriteSpotQuoteAsync(SpotQuote quote, Provenance provenance, CancellationToken cancellationToken = default)
    {
        StoreChecks.Admit(quote, provenance);

        return ExecuteAsync("""
            INSERT INTO spot_quotes (instrument, price, bid, ask, volume_24h, quote_time, provider_name, endpoint, latency_ms, fetched_at_utc, fetch_status, error_message)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            """, command =>
        {
            Add(command, quote.Instrument.Symbol);
            AddNumeric(command, quote.Price);
            AddNumeric(command, quote.Bid);
            AddNumeric(command, quote.Ask);
            AddNumeric(command, quote.Volume24h);
            Add(command, quote.TimeMs);
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
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
            """, command =>
        {
            Add(command, snapshot.ChainId);
            Add(command, snapshot.PairAddress);
            Add(command, snapshot.DexId);
            Add(command, snapshot.BaseSymbol);
            Add(command, snapshot.QuoteSymbol);
            AddNumeric(command, snapshot.PriceUsd);
            AddNumeric(command, snapshot.PriceNative);
            AddNumeric(command, snapshot.LiquidityUsd);
            AddNumeric(command, snapshot.Volume24hUsd);
            Add(command, snapshot.TimeMs);
            AddProvenance(command, provenance);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Stored<SpotQuote>>> ReadSpotQuotesAsync(Instrument instrument, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        return ReadRowsAsync("""
            SELECT price, bid, ask, volume_24h, quote_time, provider_name, endpoint, latency_ms, fetched_at_utc, fetch_status, error_message
            FROM spot_quotes WHERE instrument = $1 ORDER BY id
            """, command => Add(command, instrument.Symbol), reader => new Stored<SpotQuote>(
                new SpotQuote(instrument, reader.GetDecimal(0), DecimalOrNull(reader, 1), DecimalOrNull(reader, 2), DecimalOrNull(reader, 3), reader.GetInt64(4)),
                ProvenanceAt(reader, 5)), cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Stored<DexPairSnapshot>>> ReadDexSnapshotsAsync(string chainId, string pairAddress, CancellationToken cancellationToken = default)
        => ReadRowsAsync("""
            SELECT chain_id, pair_address, dex_id, base_symbol, quote_symbol, price_usd, price_native, liquidity_usd, volume_24h_usd, snapshot_time,
                   provider_name, endpoint, latency_ms, fetched_at_utc, fetch_status, error_message
            FROM dex_snapshots WHERE chain_id = $1 AND pair_address = $2 ORDER BY id
            """, command =>
            {
                Add(command, chainId);
                Add(command, pairAddress);
            }, static reader => new Stored<DexPairSnapshot>(
                new DexPairSnapshot(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                    DecimalOrNull(reader, 5), DecimalOrNull(reader, 6), DecimalOrNull(reader, 7), DecimalOrNull(reader, 8), reader.GetInt64(9)),
                ProvenanceAt(reader, 10)), cancellationToken);

    /// <inheritdoc />
    public Task RecordGapAsync(IngestGap gap, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(gap);
        return ExecuteAsync("INSERT INTO ingest_gaps (record_key, at_utc, reason) VALUES ($1, $2, $3)", command =>
        {
            Add(command, gap.Key);
            Add(command, gap.At.ToUnixTimeMilliseconds());
            Add(command, gap.Reason);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<IngestGap>> ReadGapsAsync(CancellationToken cancellationToken = default)
        => ReadRowsAsync(
            "SELECT record_key, at_utc, reason FROM ingest_gaps ORDER BY id",
            static _ => { },
            static reader => new IngestGap(reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), reader.GetString(2)),
            cancellationToken);

    private static void AddNumeric(NpgsqlCommand command, decimal? value)
        => command.Parameters.Add(new NpgsqlParameter { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Numeric });

    private static void AddProvenance(NpgsqlCommand command, Provenance provenance)
    {
        Add(command, provenance.Provider);
        Add(command, provenance.Endpoint);
        Add(command, provenance.LatencyMs);
        Add(command, provenance.FetchedAt.ToUnixTimeMilliseconds());
        Add(command, provenance.Status.ToText());
        Add(command, provenance.Error);
    }

    private static decimal? DecimalOrNull(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetDecimal(ordinal);

    private static DateTimeOffset? TimeOrNull(NpgsqlDataReader reader, int ordinal)
        => reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    /// <summary>Reads provider, endpoint, latency, fetched-at, status and error from six columns starting at <paramref name="first"/>.</summary>
    private static Provenance ProvenanceAt(NpgsqlDataReader reader, int first)
        => new(
            reader.GetString(first),
            reader.GetString(first + 1),
            null,
            reader.GetInt64(first + 2),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(first + 3)),
            FetchStatusText.Parse(reader.GetString(first + 4)),
            reader.IsDBNull(first + 5) ? null : reader.GetString(first + 5));

    private async Task ExecuteAsync(string sql, Action<NpgsqlCommand> bind, CancellationToken cancellationToken)
    {
        var command = _dataSource.CreateCommand(sql);
        await using (command.ConfigureAwait(false))
        {
            bind(command);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<IReadOnlyList<T>> ReadRowsAsync<T>(string sql, Action<NpgsqlCommand> bind, Func<NpgsqlDataReader, T> map, CancellationToken cancellationToken)
    {
        var command = _dataSource.CreateCommand(sql);
        await using (command.ConfigureAwait(false))
        {
            bind(command);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var rows = new List<T>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add(map(reader));
                }

                return rows;
            }
        }
    }
}

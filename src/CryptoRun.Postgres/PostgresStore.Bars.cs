using CryptoRun.Bars;
using CryptoRun.Domain;
using CryptoRun.Storage;
using Npgsql;
using NpgsqlTypes;

namespace CryptoRun.Postgres;

/// <summary>Materialized bars in the <c>bars</c> table (migration 2).</summary>
public sealed partial class PostgresStore
{
    private const string BarExtraDefinitions =
        "source_timeframe text, source_candles integer, expected_candles integer, log_return double precision, cum_return double precision, roll_vol double precision";

    private const string BarExtraNames = "source_timeframe, source_candles, expected_candles, log_return, cum_return, roll_vol";

    /// <inheritdoc />
    /// <remarks>Bulk-loaded by binary COPY into a temporary table, then upserted with one <c>INSERT ... ON CONFLICT DO UPDATE</c>.</remarks>
    public async Task<int> WriteBarsAsync(SeriesKey key, Timeframe sourceTimeframe, IReadOnlyList<MaterializedBar> bars, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bars);
        StoreChecks.OrderedBatch(key, bars.Select(b => b.Candle).ToList());
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        cancellationToken.ThrowIfCancellationRequested();

        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var written = 0;
                if (bars.Count > 0)
                {
                    var source = sourceTimeframe.Name;
                    await LoadAsync(connection, transaction, "bar_load", bars, static b => b.Candle, (BarExtraDefinitions, BarExtraNames, async (importer, bar, ct) =>
                    {
                        await importer.WriteAsync(source, NpgsqlDbType.Text, ct).ConfigureAwait(false);
                        await importer.WriteAsync(bar.SourceCandles, NpgsqlDbType.Integer, ct).ConfigureAwait(false);
                        await importer.WriteAsync(bar.ExpectedCandles, NpgsqlDbType.Integer, ct).ConfigureAwait(false);
                        await WriteDoubleAsync(importer, bar.LogReturn, ct).ConfigureAwait(false);
                        await WriteDoubleAsync(importer, bar.CumReturn, ct).ConfigureAwait(false);
                        await WriteDoubleAsync(importer, bar.RollingVolatility, ct).ConfigureAwait(false);
                    }), cancellationToken).ConfigureAwait(false);

                    var upsert = new NpgsqlCommand($"""
                        INSERT INTO bars (venue, instrument, timeframe, open_ms, open, high, low, close, volume, quote_volume, trades,
                                          {BarExtraNames}, materialized_at)
                        SELECT $1, $2, $3, {CandleColumns}, {BarExtraNames}, $4 FROM bar_load ORDER BY open_time
                        ON CONFLICT (venue, instrument, timeframe, open_ms) DO UPDATE SET
                            open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
                            volume = excluded.volume, quote_volume = excluded.quote_volume, trades = excluded.trades,
                            source_timeframe = excluded.source_timeframe, source_candles = excluded.source_candles,
                            expected_candles = excluded.expected_candles, log_return = excluded.log_return,
                            cum_return = excluded.cum_return, roll_vol = excluded.roll_vol, materialized_at = excluded.materialized_at
                        """, connection, transaction);
                    await using (upsert.ConfigureAwait(false))
                    {
                        AddKey(upsert, key);
                        Add(upsert, now);
                        written = await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                cancellationToken.ThrowIfCancellationRequested();
                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                return written;
            }
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StoredBar>> ReadBarsAsync(SeriesKey key, TimeRange? range = null, CancellationToken cancellationToken = default)
    {
        var command = _dataSource.CreateCommand("""
            SELECT open_ms, open, high, low, close, volume, quote_volume, trades, source_timeframe, source_candles,
                   expected_candles, log_return, cum_return, roll_vol, materialized_at
            FROM bars
            WHERE venue = $1 AND instrument = $2 AND timeframe = $3 AND open_ms >= $4 AND open_ms < $5
            ORDER BY open_ms
            """);
        await using (command.ConfigureAwait(false))
        {
            AddKey(command, key);
            Add(command, range?.FromMs ?? long.MinValue);
            Add(command, range?.ToMs ?? long.MaxValue);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var rows = new List<StoredBar>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add(new StoredBar(
                        new MaterializedBar(
                            ReadCandle(reader, 0),
                            reader.GetInt32(9),
                            reader.GetInt32(10),
                            reader.IsDBNull(11) ? null : reader.GetDouble(11),
                            reader.IsDBNull(12) ? null : reader.GetDouble(12),
                            reader.IsDBNull(13) ? null : reader.GetDouble(13)),
                        Timeframe.Parse(reader.GetString(8)),
                        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(14))));
                }

                return rows;
            }
        }
    }

    private static async Task WriteDoubleAsync(NpgsqlBinaryImporter importer, double? value, CancellationToken cancellationToken)
    {
        if (value is { } v)
        {
            await importer.WriteAsync(v, NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}

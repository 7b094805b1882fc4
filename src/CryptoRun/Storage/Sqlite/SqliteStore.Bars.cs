using CryptoRun.Bars;
using CryptoRun.Domain;

namespace CryptoRun.Storage.Sqlite;

/// <summary>Materialized bars in the <c>bars</c> table (migration 4).</summary>
public sealed partial class SqliteStore
{
    /// <inheritdoc />
    public async Task<int> WriteBarsAsync(SeriesKey key, Timeframe sourceTimeframe, IReadOnlyList<MaterializedBar> bars, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bars);
        StoreChecks.OrderedBatch(key, bars.Select(b => b.Candle).ToList());
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var transaction = _connection.BeginTransaction();
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO bars (venue, instrument, timeframe, open_ms, open, high, low, close, volume, quote_volume, trades,
                                  source_timeframe, source_candles, expected_candles, log_return, cum_return, roll_vol, materialized_at)
                VALUES ($venue, $instrument, $timeframe, $o, $op, $hi, $lo, $cl, $vo, $qv, $tr, $src, $n, $exp, $lr, $cr, $rv, $at)
                ON CONFLICT (venue, instrument, timeframe, open_ms) DO UPDATE SET
                    open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
                    volume = excluded.volume, quote_volume = excluded.quote_volume, trades = excluded.trades,
                    source_timeframe = excluded.source_timeframe, source_candles = excluded.source_candles,
                    expected_candles = excluded.expected_candles, log_return = excluded.log_return,
                    cum_return = excluded.cum_return, roll_vol = excluded.roll_vol, materialized_at = excluded.materialized_at
                """;
            AddKey(command, key);
            string[] names = ["$o", "$op", "$hi", "$lo", "$cl", "$vo", "$qv", "$tr", "$src", "$n", "$exp", "$lr", "$cr", "$rv", "$at"];
            var p = names.ToDictionary(n => n, n => command.Parameters.AddWithValue(n, DBNull.Value));
            command.Prepare();
            foreach (var bar in bars)
            {
                var c = bar.Candle;
                p["$o"].Value = c.OpenTimeMs;
                p["$op"].Value = Text(c.Open);
                p["$hi"].Value = Text(c.High);
                p["$lo"].Value = Text(c.Low);
                p["$cl"].Value = Text(c.Close);
                p["$vo"].Value = Text(c.Volume);
                p["$qv"].Value = TextOrNull(c.QuoteVolume);
                p["$tr"].Value = (object?)c.TradeCount ?? DBNull.Value;
                p["$src"].Value = sourceTimeframe.Name;
                p["$n"].Value = bar.SourceCandles;
                p["$exp"].Value = bar.ExpectedCandles;
                p["$lr"].Value = (object?)bar.LogReturn ?? DBNull.Value;
                p["$cr"].Value = (object?)bar.CumReturn ?? DBNull.Value;
                p["$rv"].Value = (object?)bar.RollingVolatility ?? DBNull.Value;
                p["$at"].Value = now;
                command.ExecuteNonQuery();
            }

            cancellationToken.ThrowIfCancellationRequested();
            transaction.Commit();
            return bars.Count;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<StoredBar>> ReadBarsAsync(SeriesKey key, TimeRange? range = null, CancellationToken cancellationToken = default)
        => ReadAsync(
            """
            SELECT open_ms, open, high, low, close, volume, quote_volume, trades, source_timeframe, source_candles,
                   expected_candles, log_return, cum_return, roll_vol, materialized_at
            FROM bars
            WHERE venue = $venue AND instrument = $instrument AND timeframe = $timeframe AND open_ms >= $from AND open_ms < $to
            ORDER BY open_ms
            """,
            command =>
            {
                AddKey(command, key);
                command.Parameters.AddWithValue("$from", range?.FromMs ?? long.MinValue);
                command.Parameters.AddWithValue("$to", range?.ToMs ?? long.MaxValue);
            },
            reader => new StoredBar(
                new MaterializedBar(
                    new Candle(
                        reader.GetInt64(0),
                        ParseDecimal(reader.GetString(1)),
                        ParseDecimal(reader.GetString(2)),
                        ParseDecimal(reader.GetString(3)),
                        ParseDecimal(reader.GetString(4)),
                        ParseDecimal(reader.GetString(5)),
                        DecimalOrNull(reader, 6),
                        reader.IsDBNull(7) ? null : reader.GetInt64(7)),
                    reader.GetInt32(9),
                    reader.GetInt32(10),
                    reader.IsDBNull(11) ? null : reader.GetDouble(11),
                    reader.IsDBNull(12) ? null : reader.GetDouble(12),
                    reader.IsDBNull(13) ? null : reader.GetDouble(13)),
                Timeframe.Parse(reader.GetString(8)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(14))),
            cancellationToken);
}

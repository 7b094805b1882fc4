using System.Globalization;
using System.Text;
using CryptoRun.Domain;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace CryptoRun.Storage.Sqlite;

/// <summary>
/// The candle upsert, on SQLite's own prepared-statement API (SQLitePCLRaw, which Microsoft.Data.Sqlite
/// is built on) over the store's connection and inside its transaction.
/// </summary>
/// <remarks>
/// Why not <c>SqliteCommand</c>: binding its named parameters costs more than SQLite's insert itself.
/// Measured on the AVAX month (44,640 rows, one transaction): SqliteCommand 8.9 µs/row; positional
/// binding with decimals formatted straight to UTF-8, 64 rows per statement, 2.0 µs/row.
/// </remarks>
internal sealed class SqliteCandleInsert : IDisposable
{
    private const int RowsPerStatement = 64;

    // Per-row parameters follow the six shared ones: ?1 series, ?2 provider, ?3 fetched-at, ?4 status, ?5 error, ?6 fetch id.
    private const int Shared = 6;
    private const int PerRow = 8;

    private readonly sqlite3 _db;
    private readonly Dictionary<int, sqlite3_stmt> _statements = [];
    private readonly byte[] _text = new byte[64];

    internal SqliteCandleInsert(SqliteConnection connection)
        => _db = connection.Handle ?? throw new InvalidOperationException("the store's connection is not open");

    /// <summary>Upserts candles, in statements of up to 64 rows, within the connection's current transaction.</summary>
    /// <returns>Rows written.</returns>
    /// <exception cref="SqliteException">SQLite refused a row (constraint, disk, lock).</exception>
    internal int Write(long seriesId, long fetchId, Provenance provenance, List<Candle> candles)
    {
        var written = 0;
        for (var offset = 0; offset < candles.Count; offset += RowsPerStatement)
        {
            var rows = Math.Min(RowsPerStatement, candles.Count - offset);
            var statement = Statement(rows);
            Check(raw.sqlite3_bind_int64(statement, 1, seriesId));
            Check(raw.sqlite3_bind_text(statement, 2, provenance.Provider));
            Check(raw.sqlite3_bind_int64(statement, 3, provenance.FetchedAt.ToUnixTimeMilliseconds()));
            Check(raw.sqlite3_bind_text(statement, 4, provenance.Status.ToText()));
            Check(provenance.Error is { } error ? raw.sqlite3_bind_text(statement, 5, error) : raw.sqlite3_bind_null(statement, 5));
            Check(raw.sqlite3_bind_int64(statement, 6, fetchId));
            for (var i = 0; i < rows; i++)
            {
                var candle = candles[offset + i];
                var p = Shared + (i * PerRow);
                Check(raw.sqlite3_bind_int64(statement, p + 1, candle.OpenTimeMs));
                BindDecimal(statement, p + 2, candle.Open);
                BindDecimal(statement, p + 3, candle.High);
                BindDecimal(statement, p + 4, candle.Low);
                BindDecimal(statement, p + 5, candle.Close);
                BindDecimal(statement, p + 6, candle.Volume);
                if (candle.QuoteVolume is { } quote)
                {
                    BindDecimal(statement, p + 7, quote);
                }
                else
                {
                    Check(raw.sqlite3_bind_null(statement, p + 7));
                }

                Check(candle.TradeCount is { } trades ? raw.sqlite3_bind_int64(statement, p + 8, trades) : raw.sqlite3_bind_null(statement, p + 8));
            }

            var result = raw.sqlite3_step(statement);
            raw.sqlite3_reset(statement);
            if (result != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(result, _db);
            }

            written += rows;
        }

        return written;
    }

    public void Dispose()
    {
        foreach (var statement in _statements.Values)
        {
            statement.Dispose();
        }

        _statements.Clear();
    }

    private void BindDecimal(sqlite3_stmt statement, int index, decimal value)
    {
        // The venue's digits as UTF-8 text, without an intermediate string.
        if (!value.TryFormat(_text, out var length, default, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException($"decimal {value} does not fit the text buffer");
        }

        Check(raw.sqlite3_bind_text(statement, index, _text.AsSpan(0, length)));
    }

    private sqlite3_stmt Statement(int rows)
    {
        if (_statements.TryGetValue(rows, out var cached))
        {
            return cached;
        }

        var sql = new StringBuilder("""
            INSERT INTO candles (series_id, open_time, open, high, low, close, volume, quote_volume, trades,
                                 provider_name, fetched_at_utc, fetch_status, error_message, fetch_id)
            VALUES
            """);
        for (var i = 0; i < rows; i++)
        {
            var p = Shared + (i * PerRow);
            sql.Append(i == 0 ? " " : ", ").Append(CultureInfo.InvariantCulture,
                $"(?1, ?{p + 1}, ?{p + 2}, ?{p + 3}, ?{p + 4}, ?{p + 5}, ?{p + 6}, ?{p + 7}, ?{p + 8}, ?2, ?3, ?4, ?5, ?6)");
        }

        sql.Append("""

            ON CONFLICT (series_id, open_time) DO UPDATE SET
                open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
                volume = excluded.volume, quote_volume = excluded.quote_volume, trades = excluded.trades,
                provider_name = excluded.provider_name, fetched_at_utc = excluded.fetched_at_utc,
                fetch_status = excluded.fetch_status, error_message = excluded.error_message,
                fetch_id = excluded.fetch_id
            """);
        var rc = raw.sqlite3_prepare_v2(_db, sql.ToString(), out var statement);
        if (rc != raw.SQLITE_OK)
        {
            statement.Dispose();
            SqliteException.ThrowExceptionForRC(rc, _db);
        }

        _statements[rows] = statement;
        return statement;
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }
}

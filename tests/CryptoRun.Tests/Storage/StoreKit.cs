using System.Globalization;
using CryptoRun.CandleFiles;
using CryptoRun.Domain;
using CryptoRun.Storage;
using CryptoRun.Storage.Sqlite;
using CryptoRun.Tests.TestSupport;
using Microsoft.Data.Sqlite;

namespace CryptoRun.Tests.Storage;

/// <summary>Real candles from the recordings, a real SQLite store in a temp folder, and raw SQLite access to check what the file holds.</summary>
internal static class StoreKit
{
    internal static readonly Instrument Avax = Instrument.Parse("AVAX/USDT:USDT");

    internal static readonly Instrument BtcUsd = Instrument.Parse("BTC/USD");

    internal static readonly SeriesKey AvaxKey = new("binance-usdm", Avax, Timeframe.M1);

    internal static readonly DateTimeOffset FetchTime = new(2026, 8, 1, 9, 30, 15, 123, TimeSpan.Zero);

    /// <summary>A Raydium SOL/USDC pool on Solana, every field set, prices with trailing zeros.</summary>
    internal static readonly DexPairSnapshot SolUsdc = new(
        "solana", "58oQChx4yWmvKdwLLZzBi4ChoCc2fqCUWBkwMihLYQo2", "raydium", "SOL", "USDC",
        PriceUsd: 142.3150m, PriceNative: 142.3150m, LiquidityUsd: 9_876_543.21m, Volume24hUsd: 123_456_789.00m, TimeMs: Ms("2026-08-01T09:30:00Z"));

    private static readonly Lazy<IReadOnlyList<Candle>> AvaxCandles =
        new(() => CandleFileReader.Read(TestData.AvaxMonth, Avax).Rows.Select(r => r.Candle).ToList());

    private static readonly Lazy<IReadOnlyList<Candle>> CoinbaseCandles =
        new(() => CandleFileReader.Read(TestData.CoinbaseMinute, BtcUsd).Rows.Select(r => r.Candle).ToList());

    /// <summary>Binance USD-M AVAXUSDT 1m, July 2026: 44,640 candles, no gaps, oldest first.</summary>
    internal static IReadOnlyList<Candle> AvaxMonth => AvaxCandles.Value;

    /// <summary>Coinbase BTC/USD 1m (CryptoDataDownload export): 27,950 candles with one real missing minute, no trade counts.</summary>
    internal static IReadOnlyList<Candle> CoinbaseMinute => CoinbaseCandles.Value;

    internal static List<Candle> AvaxSlice(int skip, int count) => AvaxMonth.Skip(skip).Take(count).ToList();

    /// <summary>Open time of the AVAX candle at <paramref name="index"/> (index 44,640 is the end of July).</summary>
    internal static long AvaxOpen(int index) => AvaxMonth[0].OpenTimeMs + (index * 60_000L);

    internal static long Ms(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    internal static Provenance Provenance(
        string endpoint = "GET /fapi/v1/klines",
        long latencyMs = 42,
        DateTimeOffset? fetchedAt = null,
        FetchStatus status = FetchStatus.Ok,
        string? error = null,
        string provider = "binance-usdm")
        => new(provider, endpoint, null, latencyMs, fetchedAt ?? FetchTime, status, error);

    internal static Task<SqliteStore> OpenAsync(TempDir dir, TimeProvider? time = null)
        => SqliteStore.OpenAsync(DbPath(dir), time);

    internal static string DbPath(TempDir dir) => dir.File("candles.db");

    internal static async Task<List<StoredCandle>> ReadAllAsync(ICandleStore store, SeriesKey key, TimeRange? range = null)
    {
        var rows = new List<StoredCandle>();
        await foreach (var row in store.ReadAsync(key, range))
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>A candle as text, every field with its exact digits: equal text means equal value and equal scale.</summary>
    internal static string Digits(Candle candle)
        => string.Create(
            CultureInfo.InvariantCulture,
            $"{candle.OpenTimeMs} O={candle.Open} H={candle.High} L={candle.Low} C={candle.Close} V={candle.Volume} Q={candle.QuoteVolume?.ToString(CultureInfo.InvariantCulture) ?? "null"} N={candle.TradeCount?.ToString(CultureInfo.InvariantCulture) ?? "null"}");

    internal static void AssertSameDigits(IEnumerable<Candle> expected, IEnumerable<Candle> actual)
        => Assert.Equal(expected.Select(Digits), actual.Select(Digits));

    internal static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A separate Microsoft.Data.Sqlite connection to the file (no pooling, so it really closes).</summary>
    internal static SqliteConnection OpenRaw(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    internal static object? Scalar(string path, string sql)
    {
        using var connection = OpenRaw(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    internal static void Execute(string path, string sql)
    {
        using var connection = OpenRaw(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    internal static long Count(string path, string table)
        => (long)Scalar(path, $"SELECT COUNT(*) FROM {table}")!;
}

using BenchmarkDotNet.Attributes;
using CryptoRun.CandleFiles;
using CryptoRun.Domain;
using CryptoRun.Postgres;
using CryptoRun.Storage;
using Npgsql;

namespace CryptoRun.Benchmarks;

/// <summary>
/// PostgreSQL bulk upsert throughput: the AVAX month (44,640 real candles) written in one call (binary
/// COPY into a temp table, then one INSERT ... ON CONFLICT DO UPDATE, one transaction) into a fresh
/// schema (insert path) and again over itself (update path). Per row (OperationsPerInvoke = 44,640):
/// rows/s = 1e9 / ns. Needs a server: <c>CRYPTORUN_BENCH_POSTGRES</c> or <c>CRYPTORUN_TEST_POSTGRES</c>
/// (a postgres:// URI); Program.cs leaves this class out when neither is set.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 2, iterationCount: 10, invocationCount: 1)]
public class PostgresUpsertBenchmarks
{
    private static readonly SeriesKey Key = new("binance-usdm", Instrument.Parse("AVAX/USDT:USDT"), Timeframe.M1);
    private List<Candle> _candles = [];
    private Provenance _provenance = null!;
    private NpgsqlConnectionStringBuilder _server = null!;
    private string _schema = "";
    private PostgresStore _store = null!;

    /// <summary>The server to benchmark against, or null.</summary>
    public static string? Server =>
        Environment.GetEnvironmentVariable("CRYPTORUN_BENCH_POSTGRES") is { Length: > 0 } bench ? bench
        : Environment.GetEnvironmentVariable("CRYPTORUN_TEST_POSTGRES") is { Length: > 0 } test ? test
        : null;

    [GlobalSetup]
    public void Setup()
    {
        _candles = CandleFileReader.Read(BenchData.AvaxMonth).Rows.Select(r => r.Candle).ToList();
        _provenance = new Provenance("binance-usdm", "GET /fapi/v1/klines", null, 3, DateTimeOffset.UnixEpoch);
        _server = PostgresConnectionString.Parse(Server ?? throw new InvalidOperationException("set CRYPTORUN_BENCH_POSTGRES to a postgres:// URI"));
    }

    [IterationSetup(Target = nameof(InsertFresh))]
    public void FreshStore()
    {
        _schema = "bench_" + Guid.NewGuid().ToString("N");
        Execute($"CREATE SCHEMA {_schema}");
        var builder = new NpgsqlConnectionStringBuilder(_server.ConnectionString) { SearchPath = _schema };
        _store = PostgresStore.OpenAsync(builder.ConnectionString).GetAwaiter().GetResult();
    }

    [IterationSetup(Target = nameof(UpdateExisting))]
    public void FilledStore()
    {
        FreshStore();
        _store.WriteAsync(Key, _candles, _provenance, null).GetAwaiter().GetResult();
    }

    [IterationCleanup]
    public void Close()
    {
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Execute($"DROP SCHEMA {_schema} CASCADE");
    }

    [Benchmark(OperationsPerInvoke = 44_640, Description = "upsert 44,640 rows, fresh schema (insert)")]
    public int InsertFresh() => _store.WriteAsync(Key, _candles, _provenance, null).GetAwaiter().GetResult();

    [Benchmark(OperationsPerInvoke = 44_640, Description = "upsert 44,640 rows over themselves (update)")]
    public int UpdateExisting() => _store.WriteAsync(Key, _candles, _provenance, null).GetAwaiter().GetResult();

    private void Execute(string sql)
    {
        using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_server.ConnectionString) { Pooling = false }.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}

using BenchmarkDotNet.Attributes;
using CryptoRun.CandleFiles;
using CryptoRun.Domain;
using CryptoRun.Storage;
using CryptoRun.Storage.Sqlite;

namespace CryptoRun.Benchmarks;

/// <summary>
/// SQLite upsert throughput: the AVAX month (44,640 real candles) written in one call (one
/// transaction) into a fresh store (insert path) and again over itself (update path). Reported
/// per row (OperationsPerInvoke = 44,640): rows/s = 1e9 / ns.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 2, iterationCount: 10, invocationCount: 1)]
public class SqliteUpsertBenchmarks
{
    private static readonly SeriesKey Key = new("binance-usdm", Instrument.Parse("AVAX/USDT:USDT"), Timeframe.M1);
    private List<Candle> _candles = [];
    private Provenance _provenance = null!;
    private string _folder = "";
    private SqliteStore _store = null!;

    [GlobalSetup]
    public void Setup()
    {
        _candles = CandleFileReader.Read(BenchData.AvaxMonth).Rows.Select(r => r.Candle).ToList();
        _provenance = new Provenance("binance-usdm", "GET /fapi/v1/klines", null, 3, DateTimeOffset.UnixEpoch);
        _folder = Path.Combine(Path.GetTempPath(), "cryptorun-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
    }

    [IterationSetup(Target = nameof(InsertFresh))]
    public void FreshStore() => _store = SqliteStore.OpenAsync(Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".db")).GetAwaiter().GetResult();

    [IterationSetup(Target = nameof(UpdateExisting))]
    public void FilledStore()
    {
        FreshStore();
        _store.WriteAsync(Key, _candles, _provenance, null).GetAwaiter().GetResult();
    }

    [IterationCleanup]
    public void Close() => _store.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(OperationsPerInvoke = 44_640, Description = "upsert 44,640 rows, fresh store (insert)")]
    public int InsertFresh() => _store.WriteAsync(Key, _candles, _provenance, null).GetAwaiter().GetResult();

    [Benchmark(OperationsPerInvoke = 44_640, Description = "upsert 44,640 rows over themselves (update)")]
    public int UpdateExisting() => _store.WriteAsync(Key, _candles, _provenance, null).GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_folder, recursive: true);
}

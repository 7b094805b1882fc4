using BenchmarkDotNet.Attributes;
using CryptoRun.Domain;
using CryptoRun.History;
using CryptoRun.Providers;
using CryptoRun.Replay;
using CryptoRun.Storage.Sqlite;
using CryptoRun.Venues;
using Microsoft.Extensions.DependencyInjection;

namespace CryptoRun.Benchmarks;

/// <summary>
/// The AVAX month end to end: the replay venue serves it as Binance USD-M over loopback, the real
/// connector walks it (30 requests of 1500), the quality gate checks it and a fresh SQLite store
/// receives it. One invocation = the whole month (44,640 candles).
/// </summary>
[SimpleJob(warmupCount: 2, iterationCount: 10, invocationCount: 1)]
public class EndToEndBenchmarks
{
    private ReplayServer _server = null!;
    private ServiceProvider _services = null!;
    private string _folder = "";
    private SqliteStore _store = null!;

    [GlobalSetup]
    public void Setup()
    {
        _server = BenchData.StartReplayAsync().GetAwaiter().GetResult();
        var services = new ServiceCollection();
        services.AddHttpClient("replay", c => c.BaseAddress = _server.BaseAddress);
        _services = services.BuildServiceProvider();
        _folder = Path.Combine(Path.GetTempPath(), "cryptorun-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
    }

    [IterationSetup]
    public void FreshStore() => _store = SqliteStore.OpenAsync(Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".db")).GetAwaiter().GetResult();

    [IterationCleanup]
    public void Close() => _store.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Description = "AVAX month, replay -> Binance USD-M connector -> SQLite")]
    public async Task<long> AvaxMonthOverLoopback()
    {
        var http = _services.GetRequiredService<IHttpClientFactory>().CreateClient("replay");
        var provider = (ICandleProvider)VenueRegistry.Get("binance-usdm").Create(CryptoRun.Providers.VenueConnection.Direct(http, TimeProvider.System));
        var month = new TimeRange(BenchData.AvaxStart, BenchData.AvaxStart + (44_640L * 60_000));
        var report = await new CandleBackfill(_store, TimeProvider.System).RunAsync(provider, Instrument.Parse("AVAX/USDT:USDT"), Timeframe.M1, month);
        return report.CandlesStored == 44_640 ? report.CandlesStored : throw new InvalidOperationException($"stored {report.CandlesStored}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.Dispose();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_folder, recursive: true);
    }
}

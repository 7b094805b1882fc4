using BenchmarkDotNet.Attributes;
using CryptoRun.Configuration;
using CryptoRun.Providers;
using CryptoRun.Resilience;

namespace CryptoRun.Benchmarks;

/// <summary>
/// What the resilience pipeline costs per request when nothing goes wrong: a request through a
/// <see cref="ProviderGate"/> (retry, circuit breaker, rate budget with minute, hour, day and month
/// windows, concurrency limit, attempt timeout) against the same request sent directly. The send
/// itself completes at once, so the difference is the gate's own overhead. The budgets are Binance's
/// seed-000 windows scaled up so that no iteration ever waits.
/// </summary>
[MemoryDiagnoser]
public class GateOverheadBenchmarks : IDisposable
{
    private static readonly Func<CancellationToken, ValueTask<int>> Send = _ => ValueTask.FromResult(42);
    private ProviderGate _gate = null!;
    private ProviderRouter _router = null!;
    private ProviderRegistry _registry = null!;

    [GlobalSetup]
    public void Setup()
    {
        var binance = ProviderDefaults.For(new KnownProvider("binance", new Uri("https://api.binance.com/"), ComplianceClass.ExchangeNative));
        var unlimited = binance with
        {
            RateLimits = new RateLimitOptions
            {
                RequestsPerMinute = int.MaxValue,
                RequestsPerHour = int.MaxValue,
                DailyBudget = int.MaxValue,
                MonthlyBudget = int.MaxValue,
            },
        };
        _gate = new ProviderGate(unlimited, TimeProvider.System);
        _registry = new ProviderRegistry();
        var routed = new ProviderGate(unlimited, TimeProvider.System);
        _registry.Register(new InstantTicker(routed), routed);
        _router = new ProviderRouter(_registry, new Dictionary<DataClass, ChainPolicy>
        {
            [DataClass.Spot] = new(DataClass.Spot, ["binance"], 3, TimeSpan.FromSeconds(1)),
        }, TimeProvider.System);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _router.Dispose();
        _registry.Dispose();
        _gate.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true, Description = "send directly")]
    public async Task<int> Direct() => await Send(CancellationToken.None).ConfigureAwait(false);

    [Benchmark(Description = "send through the provider gate")]
    public async Task<int> ThroughGate() => await _gate.ExecuteAsync(new RequestCost(2), Send, CancellationToken.None).ConfigureAwait(false);

    [Benchmark(Description = "route through a one-member chain, no cache (gate + router)")]
    public async Task<decimal> ThroughRouter()
        => (await _router.ExecuteAsync<ITickerProvider, Domain.SpotQuote>(
            DataClass.Spot, "ticker:BTC/USDT", CacheTier.None, (p, ct) => p.GetSpotQuoteAsync(InstantTicker.Instrument, ct)).ConfigureAwait(false)).Value.Price;

    /// <summary>A ticker provider whose answer is ready at once, sent through its gate.</summary>
    private sealed class InstantTicker(ProviderGate gate) : ITickerProvider, IExchangeNativeProvider
    {
        internal static readonly Domain.Instrument Instrument = Domain.Instrument.Parse("BTC/USDT");
        private static readonly Sourced<Domain.SpotQuote> Answer = new(
            new Domain.SpotQuote(Instrument, 97_000m, null, null, null, 0),
            new Domain.Provenance("binance", "GET /api/v3/ticker/24hr", null, 0, DateTimeOffset.UnixEpoch));

        public string Name => "binance";

        public ComplianceClass Compliance => ComplianceClass.ExchangeNative;

        public Task<Domain.Provenance> ProbeAsync(CancellationToken cancellationToken = default) => Task.FromResult(Answer.Provenance);

        public Task<Domain.MarketCatalog> GetMarketsAsync(CancellationToken cancellationToken = default) => Task.FromResult(new Domain.MarketCatalog("binance", []));

        public Task<Sourced<Domain.SpotQuote>> GetSpotQuoteAsync(Domain.Instrument instrument, CancellationToken cancellationToken = default)
            => gate.ExecuteAsync(new RequestCost(2), _ => ValueTask.FromResult(Answer), cancellationToken).AsTask();
    }
}

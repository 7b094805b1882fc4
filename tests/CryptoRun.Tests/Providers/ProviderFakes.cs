using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Resilience;

namespace CryptoRun.Tests.Providers;

/// <summary>
/// A hand-written ticker provider: every quote goes through its <see cref="ProviderGate"/>, and call
/// <c>n</c> (0-based, counting sends that reached the venue) answers what <see cref="Script"/> says.
/// </summary>
internal sealed class FakeTicker(string name, ComplianceClass compliance, TimeProvider clock) : ITickerProvider
{
    private int _calls;

    public FakeTicker(string name, TimeProvider clock)
        : this(name, ComplianceClass.ExchangeNative, clock)
    {
    }

    public string Name => name;

    public ComplianceClass Compliance => compliance;

    /// <summary>The gate the provider sends through; set when registered.</summary>
    public IRequestGate Gate { get; set; } = OpenGate.Instance;

    /// <summary>What call <c>n</c> answers; defaults to a price of 100.</summary>
    public Func<int, decimal> Script { get; set; } = _ => 100m;

    /// <summary>Sends that reached the venue.</summary>
    public int Calls => Volatile.Read(ref _calls);

    public Task<Provenance> ProbeAsync(CancellationToken cancellationToken = default)
        => Task.FromResult(new Provenance(name, "GET /ping", null, 1, clock.GetUtcNow()));

    public async Task<Sourced<SpotQuote>> GetSpotQuoteAsync(Instrument instrument, CancellationToken cancellationToken = default)
    {
        var price = await Gate.ExecuteAsync(new RequestCost(1), _ =>
        {
            var n = Interlocked.Increment(ref _calls) - 1;
            return ValueTask.FromResult(Script(n));
        }, cancellationToken);
        var now = clock.GetUtcNow();
        return new Sourced<SpotQuote>(
            new SpotQuote(instrument, price, null, null, null, now.ToUnixTimeMilliseconds()),
            new Provenance(name, "GET /ticker", null, 5, now));
    }
}

/// <summary>A provider that serves no capability at all (only probes).</summary>
internal sealed class FakeBareProvider(string name, ComplianceClass compliance = ComplianceClass.ExchangeNative) : IMarketDataProvider
{
    public string Name => name;

    public ComplianceClass Compliance => compliance;

    public Task<Provenance> ProbeAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
}

/// <summary>An aggregator that (wrongly) serves trades: the registry must refuse it.</summary>
internal sealed class FakeAggregatorWithTrades(string name) : IAggregatorProvider, ITradeProvider
{
    public string Name => name;

    public ComplianceClass Compliance => ComplianceClass.Aggregator;

    public Task<Provenance> ProbeAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<MarketCatalog> GetMarketsAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<Sourced<IReadOnlyList<Trade>>> GetRecentTradesAsync(Instrument instrument, int limit, CancellationToken cancellationToken = default)
        => throw new NotSupportedException();
}

/// <summary>A DeFi source that (wrongly) serves order books: the registry must refuse it.</summary>
internal sealed class FakeDeFiWithOrderBook(string name) : IDeFiProvider, IL2BookProvider
{
    public string Name => name;

    public ComplianceClass Compliance => ComplianceClass.DeFi;

    public Task<Provenance> ProbeAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<MarketCatalog> GetMarketsAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<Sourced<L2BookSnapshot>> GetL2BookAsync(Instrument instrument, int depth, CancellationToken cancellationToken = default)
        => throw new NotSupportedException();
}

/// <summary>A type that claims to be exchange-native yet also implements the aggregator contract and trades.</summary>
internal sealed class FakeMislabelledAggregator(string name) : IAggregatorProvider, ITradeProvider
{
    public string Name => name;

    public ComplianceClass Compliance => ComplianceClass.ExchangeNative;

    public Task<Provenance> ProbeAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<MarketCatalog> GetMarketsAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<Sourced<IReadOnlyList<Trade>>> GetRecentTradesAsync(Instrument instrument, int limit, CancellationToken cancellationToken = default)
        => throw new NotSupportedException();
}

/// <summary>An exchange-native venue serving trades and order books.</summary>
internal sealed class FakeExchange(string name) : ITradeProvider, IL2BookProvider, ITickerProvider
{
    public string Name => name;

    public ComplianceClass Compliance => ComplianceClass.ExchangeNative;

    public Task<Provenance> ProbeAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<MarketCatalog> GetMarketsAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<Sourced<IReadOnlyList<Trade>>> GetRecentTradesAsync(Instrument instrument, int limit, CancellationToken cancellationToken = default)
        => throw new NotSupportedException();

    public Task<Sourced<L2BookSnapshot>> GetL2BookAsync(Instrument instrument, int depth, CancellationToken cancellationToken = default)
        => throw new NotSupportedException();

    public Task<Sourced<SpotQuote>> GetSpotQuoteAsync(Instrument instrument, CancellationToken cancellationToken = default)
        => throw new NotSupportedException();
}

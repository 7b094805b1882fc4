using CryptoRun.Providers;
using CryptoRun.Resilience;
using CryptoRun.Tests.Resilience;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Providers;

public sealed class ProviderRegistryTests
{
    private readonly ManualClock _clock = new(GateKit.Start);

    [Fact]
    public void Register_NameTaken_IsRefused()
    {
        using var registry = new ProviderRegistry();
        registry.Register(new FakeTicker("kraken", _clock), Gate("kraken"));

        var error = Assert.Throws<ArgumentException>(() => registry.Register(new FakeTicker("kraken", _clock), Gate("kraken")));

        Assert.Contains("'kraken' is already registered", error.Message, StringComparison.Ordinal);
        Assert.Equal(["kraken"], registry.Names);
    }

    [Fact]
    public void Register_GateOfAnotherProvider_IsRefused()
    {
        using var registry = new ProviderRegistry();
        using var gate = Gate("kraken");

        var error = Assert.Throws<ArgumentException>(() => registry.Register(new FakeTicker("coinbase", _clock), gate));

        Assert.Contains("gate for 'kraken' given to provider 'coinbase'", error.Message, StringComparison.Ordinal);
        Assert.Empty(registry.Names);
    }

    [Fact]
    public void Register_AggregatorServingTrades_IsRefusedNamingTheCapability()
    {
        using var registry = new ProviderRegistry();
        using var gate = Gate("coingecko");

        var error = Assert.Throws<ArgumentException>(() => registry.Register(new FakeAggregatorWithTrades("coingecko"), gate));

        Assert.Contains("coingecko is aggregator", error.Message, StringComparison.Ordinal);
        Assert.Contains("spot-trades", error.Message, StringComparison.Ordinal);
        Assert.Contains("only exchange-native providers may serve microstructure", error.Message, StringComparison.Ordinal);
        Assert.False(registry.TryGet("coingecko", out _));
    }

    [Fact]
    public void Register_DeFiServingOrderBooks_IsRefusedNamingTheCapability()
    {
        using var registry = new ProviderRegistry();
        using var gate = Gate("dexscreener");

        var error = Assert.Throws<ArgumentException>(() => registry.Register(new FakeDeFiWithOrderBook("dexscreener"), gate));

        Assert.Contains("l2-book", error.Message, StringComparison.Ordinal);
        Assert.Contains("defi", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Register_AggregatorTypeClaimingExchangeNative_IsStillRefused()
    {
        using var registry = new ProviderRegistry();
        using var gate = Gate("sneaky");

        var error = Assert.Throws<ArgumentException>(() => registry.Register(new FakeMislabelledAggregator("sneaky"), gate));

        Assert.Contains("spot-trades", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Register_AggregatorWithoutMicrostructure_IsAccepted()
    {
        using var registry = new ProviderRegistry();

        registry.Register(new FakeTicker("coingecko", ComplianceClass.Aggregator, _clock), Gate("coingecko"));

        Assert.True(registry.TryGet("coingecko", out var registered));
        Assert.Equal("coingecko", registered.Gate.Provider);
    }

    [Fact]
    public void HasCapability_ByRegisteredName_ReflectsTheInterfacesImplemented()
    {
        using var registry = new ProviderRegistry();
        registry.Register(new FakeExchange("binance"), Gate("binance"));
        registry.Register(new FakeTicker("coingecko", ComplianceClass.Aggregator, _clock), Gate("coingecko"));

        Assert.True(registry.HasCapability("binance", Capability.SpotTrades));
        Assert.True(registry.HasCapability("binance", Capability.L2Book));
        Assert.True(registry.HasCapability("binance", Capability.Ticker));
        Assert.False(registry.HasCapability("binance", Capability.Candles));
        Assert.True(registry.HasCapability("coingecko", Capability.Ticker));
        Assert.False(registry.HasCapability("coingecko", Capability.SpotTrades));
        Assert.False(registry.HasCapability("kraken", Capability.Ticker));
        Assert.Equal(["binance", "coingecko"], registry.Names);
    }

    [Fact]
    public void Capabilities_Of_ListsImplementedCapabilitiesInStableOrder()
    {
        Assert.Equal([Capability.SpotTrades, Capability.L2Book, Capability.Ticker], Capabilities.Of(new FakeExchange("binance")));
        Assert.Empty(Capabilities.Of(new FakeBareProvider("bare")));
        Assert.Equal(typeof(ITradeProvider), Capabilities.InterfaceOf(Capability.SpotTrades));
        Assert.Equal("l2-book", Capability.L2Book.Name());
        Assert.Equal([Capability.SpotTrades, Capability.L2Book], Capabilities.Microstructure);
    }

    [Fact]
    public void DataClasses_NamesRoundTrip()
    {
        foreach (var dataClass in Enum.GetValues<DataClass>())
        {
            Assert.True(DataClasses.TryParse(dataClass.Name(), out var parsed));
            Assert.Equal(dataClass, parsed);
        }

        Assert.True(DataClasses.TryParse("Protocol-Analytics", out var mixedCase));
        Assert.Equal(DataClass.ProtocolAnalytics, mixedCase);
        Assert.False(DataClasses.TryParse("orderbooks", out _));
        Assert.True(DataClass.Microstructure.IsMicrostructure());
        Assert.False(DataClass.Spot.IsMicrostructure());
    }

    private ProviderGate Gate(string name) => new(GateKit.Policy(name), _clock);
}

using CryptoRun.Providers;
using CryptoRun.Resilience;
using CryptoRun.Venues;

namespace CryptoRun.Tests.Providers;

/// <summary>Seed 000's compliance rules, checked on the built CryptoRun.Venues assembly.</summary>
public sealed class ComplianceTests
{
    private static readonly Type[] ProviderTypes = typeof(VenueRegistry).Assembly.GetTypes()
        .Where(t => t.IsClass && !t.IsAbstract && typeof(IMarketDataProvider).IsAssignableFrom(t))
        .ToArray();

    [Fact]
    public void AggregatorAndDeFiTypes_NeverServeTradesOrOrderBooks()
    {
        var restricted = ProviderTypes
            .Where(t => typeof(IAggregatorProvider).IsAssignableFrom(t) || typeof(IDeFiProvider).IsAssignableFrom(t))
            .ToList();

        Assert.Equal(
            ["CoinGeckoConnector", "CoinPaprikaConnector", "DefiLlamaConnector", "DexScreenerConnector", "TheGraphConnector"],
            restricted.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.All(restricted, t =>
        {
            Assert.False(typeof(ITradeProvider).IsAssignableFrom(t), $"{t.Name} is an aggregator or DeFi provider but serves trades");
            Assert.False(typeof(IL2BookProvider).IsAssignableFrom(t), $"{t.Name} is an aggregator or DeFi provider but serves order books");
        });
    }

    [Fact]
    public void EveryProviderType_IsExactlyOneComplianceKind()
    {
        Assert.All(ProviderTypes, t =>
        {
            var kinds = new[] { typeof(IExchangeNativeProvider), typeof(IAggregatorProvider), typeof(IDeFiProvider) }.Count(k => k.IsAssignableFrom(t));
            Assert.True(kinds == 1, $"{t.Name} implements {kinds} of exchange-native, aggregator and DeFi");
        });
    }

    [Fact]
    public void EveryRegisteredVenue_ConnectorReportsTheRegisteredNameAndCompliance()
    {
        using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:9/") };

        Assert.All(VenueRegistry.All, descriptor =>
        {
            var connector = descriptor.Create(new VenueConnection(http, TimeProvider.System, OpenGate.Instance));
            Assert.Equal(descriptor.Name, connector.Name);
            Assert.Equal(descriptor.Compliance, connector.Compliance);
            Assert.Equal(descriptor.Compliance switch
            {
                ComplianceClass.ExchangeNative => typeof(IExchangeNativeProvider),
                ComplianceClass.Aggregator => typeof(IAggregatorProvider),
                _ => typeof(IDeFiProvider),
            }, new[] { typeof(IExchangeNativeProvider), typeof(IAggregatorProvider), typeof(IDeFiProvider) }.Single(k => k.IsInstanceOfType(connector)));
            Assert.Equal("https", descriptor.DefaultBaseAddress.Scheme);
        });
        Assert.Equal(VenueRegistry.All.Count, VenueRegistry.All.Select(v => v.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void EveryConnectorType_IsPublicSealed()
    {
        Assert.NotEmpty(ProviderTypes);
        Assert.All(ProviderTypes, t =>
        {
            Assert.True(t.IsPublic, $"{t.Name} is not public");
            Assert.True(t.IsSealed, $"{t.Name} is not sealed");
        });
    }

    [Fact]
    public void EveryConnectorType_IsRegistered()
    {
        using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:9/") };
        var registered = VenueRegistry.All
            .Select(d => d.Create(new VenueConnection(http, TimeProvider.System, OpenGate.Instance)).GetType())
            .ToHashSet();

        Assert.All(ProviderTypes, t => Assert.Contains(t, registered));
    }
}

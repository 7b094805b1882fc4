using CryptoRun.Configuration;
using CryptoRun.Providers;

namespace CryptoRun.Tests.Configuration;

/// <summary>The shipped defaults are seed 000's tables (rate limits, circuit breakers, cache tiers, fallback chains) and seed 002's spot chain.</summary>
public sealed class ProviderDefaultsTests
{
    private static readonly ProvidersConfig Defaults = ProvidersConfig.Load(null, ConfigKit.Known, ConfigKit.NoEnvironment);

    // Seed 000, "Rate Limits Per Provider": requests/min, requests/hour, daily budget, monthly budget (null = unlimited).
    public static TheoryData<string, int, int, int?, int?> RateLimitTable => new()
    {
        { "binance", 1200, 7200, 100_000, 2_000_000 },
        { "kraken", 60, 3600, null, null },
        { "okx", 900, 54_000, null, null },
        { "dexscreener", 1800, 108_000, null, null },
        { "coingecko", 600, 36_000, 10_000, 300_000 },
        { "coinpaprika", 6000, 360_000, 25_000, 750_000 },
        { "defillama", 180, 10_800, null, null },
        { "thegraph", 300, 18_000, 100_000, 3_000_000 },
    };

    // Seed 000, "Circuit Breaker Settings": failures, successes, timeout (s), max concurrent, health check (s).
    public static TheoryData<string, int, int, int, int, int> BreakerTable => new()
    {
        { "binance", 5, 3, 120, 10, 30 },
        { "kraken", 2, 1, 240, 2, 60 },
        { "okx", 3, 2, 180, 5, 45 },
        { "dexscreener", 4, 2, 120, 5, 60 },
        { "coingecko", 3, 2, 240, 3, 120 },
        { "coinpaprika", 4, 2, 180, 5, 60 },
        { "defillama", 2, 1, 360, 2, 180 },
        { "thegraph", 3, 2, 480, 3, 120 },
    };

    // Seed 000, "Cache Tier Configuration": warm (min), hot (s), cold (h), degraded (min), max size, compression.
    public static TheoryData<string, int, int, int, int, int, bool> CacheTable => new()
    {
        { "binance", 5, 30, 24, 10, 10_000, true },
        { "kraken", 4, 60, 30, 15, 8_000, true },
        { "okx", 3, 45, 12, 8, 6_000, true },
        { "dexscreener", 5, 120, 12, 10, 5_000, true },
        { "coingecko", 8, 300, 6, 20, 3_000, false },
        { "coinpaprika", 6, 180, 8, 15, 4_000, true },
        { "defillama", 10, 300, 24, 30, 2_000, true },
        { "thegraph", 8, 180, 18, 25, 3_000, true },
    };

    // Seed 000, "Fallback Chain Specifications" (binance futures = binance-usdm), and seed 002's spot chain.
    public static TheoryData<DataClass, string, int, int> ChainTable => new()
    {
        { DataClass.Microstructure, "binance,kraken,okx", 3, 2 },
        { DataClass.Derivatives, "okx,binance-usdm", 2, 3 },
        { DataClass.MarketData, "coingecko,coinpaprika,binance", 2, 4 },
        { DataClass.DeFi, "defillama,thegraph,dexscreener", 2, 8 },
        { DataClass.Dex, "dexscreener,defillama,thegraph", 2, 5 },
        { DataClass.ProtocolAnalytics, "thegraph,defillama", 1, 12 },
        { DataClass.Spot, "coinbase,kraken", 3, 1 },
    };

    [Theory]
    [MemberData(nameof(RateLimitTable))]
    public void Defaults_RateLimits_AreSeed000sTable(string provider, int perMinute, int perHour, int? daily, int? monthly)
    {
        var limits = Defaults.Providers[provider].RateLimits;

        Assert.Equal((perMinute, perHour, daily, monthly), (limits.RequestsPerMinute!.Value, limits.RequestsPerHour!.Value, limits.DailyBudget, limits.MonthlyBudget));
    }

    [Theory]
    [MemberData(nameof(BreakerTable))]
    public void Defaults_CircuitBreakers_AreSeed000sTable(string provider, int failures, int successes, int timeoutSeconds, int concurrent, int healthCheckSeconds)
    {
        var breaker = Defaults.Providers[provider].CircuitBreaker;

        Assert.Equal(failures, breaker.FailureThreshold);
        Assert.Equal(successes, breaker.SuccessThreshold);
        Assert.Equal(TimeSpan.FromSeconds(timeoutSeconds), breaker.OpenTimeout);
        Assert.Equal(concurrent, breaker.MaxConcurrent);
        Assert.Equal(TimeSpan.FromSeconds(healthCheckSeconds), breaker.HealthCheckInterval);
    }

    [Theory]
    [MemberData(nameof(CacheTable))]
    public void Defaults_CacheTiers_AreSeed000sTable(string provider, int warmMinutes, int hotSeconds, int coldHours, int degradedMinutes, int maxSize, bool compression)
    {
        var cache = Defaults.Providers[provider].Cache;

        Assert.Equal(TimeSpan.FromMinutes(warmMinutes), cache.Warm);
        Assert.Equal(TimeSpan.FromSeconds(hotSeconds), cache.Hot);
        Assert.Equal(TimeSpan.FromHours(coldHours), cache.Cold);
        Assert.Equal(TimeSpan.FromMinutes(degradedMinutes), cache.Degraded);
        Assert.Equal(maxSize, cache.MaxSize);
        Assert.Equal(compression, cache.Compression);
    }

    [Theory]
    [MemberData(nameof(ChainTable))]
    public void Defaults_Chains_AreTheSeedsChainsWithTheirRetries(DataClass dataClass, string providers, int maxRetries, int retryDelaySeconds)
    {
        var chain = Defaults.Chains[dataClass];

        Assert.Equal(providers.Split(','), chain.Providers);
        Assert.Equal(maxRetries, chain.MaxRetries);
        Assert.Equal(TimeSpan.FromSeconds(retryDelaySeconds), chain.RetryDelay);
        Assert.Equal(dataClass, chain.DataClass);
    }

    [Fact]
    public void Defaults_EveryDataClassHasAChainOfKnownProviders()
    {
        Assert.Equal(Enum.GetValues<DataClass>().Order(), Defaults.Chains.Keys.Order());
        Assert.All(Defaults.Chains.Values.SelectMany(c => c.Providers), name => Assert.Contains(name, Defaults.Providers.Keys));
        Assert.All(
            Defaults.Chains[DataClass.Microstructure].Providers,
            name => Assert.Equal(ComplianceClass.ExchangeNative, ConfigKit.Known.Single(k => k.Name == name).Compliance));
    }

    [Fact]
    public void Defaults_NoFile_EveryKnownProviderEnabledAtItsRealBaseUrl()
    {
        Assert.Equal("built-in defaults", Defaults.Source);
        Assert.Equal(ConfigKit.Known.Select(k => k.Name).Order(StringComparer.Ordinal), Defaults.Providers.Keys.Order(StringComparer.Ordinal));
        Assert.All(ConfigKit.Known, known =>
        {
            var policy = Defaults.Providers[known.Name];
            Assert.Equal(known.Name, policy.Name);
            Assert.Equal(known.DefaultBaseUrl, policy.BaseUrl);
            Assert.True(policy.Enabled);
        });
        Assert.Equal(TimeSpan.FromSeconds(60), Defaults.Ingest.Interval);
        Assert.Equal(["BTC/USD", "ETH/USD", "SOL/USD"], Defaults.Ingest.Spot.Select(i => i.Symbol));
        Assert.Empty(Defaults.Ingest.DexPairs);
    }

    [Fact]
    public void Defaults_ProviderOutsideTheSeedTables_GetsGenericDefaults()
    {
        var policy = ProviderDefaults.For(new KnownProvider("newvenue", new Uri("https://api.newvenue.test/"), ComplianceClass.ExchangeNative));

        Assert.Equal("newvenue", policy.Name);
        Assert.Equal(new Uri("https://api.newvenue.test/"), policy.BaseUrl);
        Assert.Equal(5, policy.CircuitBreaker.FailureThreshold);
        Assert.Null(policy.RateLimits.RequestsPerMinute);
        Assert.Equal(TimeSpan.FromSeconds(10), policy.AttemptTimeout);
        Assert.Equal(3, policy.MaxRetries);
    }
}

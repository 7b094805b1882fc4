using CryptoRun.Providers;
using CryptoRun.Resilience;

namespace CryptoRun.Configuration;

/// <summary>A provider the build knows: its name, real base URL and compliance class.</summary>
/// <param name="Name">The provider name.</param>
/// <param name="DefaultBaseUrl">The real REST base URL.</param>
/// <param name="Compliance">Exchange-native, aggregator or DeFi.</param>
public sealed record KnownProvider(string Name, Uri DefaultBaseUrl, ComplianceClass Compliance);

/// <summary>
/// The shipped defaults: seed 000's tables (rate limits, circuit breakers, cache TTLs, fallback chains)
/// and seed 002's spot chain; providers the seeds do not list get their venues' documented limits.
/// </summary>
public static class ProviderDefaults
{
    private static readonly Dictionary<string, ProviderPolicy> Seeded = new(StringComparer.Ordinal)
    {
        // Seed 000: requests/min, /hour, daily, monthly | breaker failure, success, timeout, max concurrent, health check | cache warm, hot, cold, degraded, size, compression.
        ["binance"] = Policy("binance", new() { RequestsPerMinute = 1200, RequestsPerHour = 7200, DailyBudget = 100_000, MonthlyBudget = 2_000_000 },
            Breaker(5, 3, TimeSpan.FromMinutes(2), 10, TimeSpan.FromSeconds(30)), Cache(5, 30, 24, 10, 10_000, true)),
        ["kraken"] = Policy("kraken", new() { RequestsPerSecond = 1, RequestsPerMinute = 60, RequestsPerHour = 3600 },
            Breaker(2, 1, TimeSpan.FromMinutes(4), 2, TimeSpan.FromMinutes(1)), Cache(4, 60, 30, 15, 8_000, true)),
        ["okx"] = Policy("okx", new() { RequestsPerSecond = 10, RequestsPerMinute = 900, RequestsPerHour = 54_000 },
            Breaker(3, 2, TimeSpan.FromMinutes(3), 5, TimeSpan.FromSeconds(45)), Cache(3, 45, 12, 8, 6_000, true)),
        ["dexscreener"] = Policy("dexscreener", new() { RequestsPerMinute = 1800, RequestsPerHour = 108_000 },
            Breaker(4, 2, TimeSpan.FromMinutes(2), 5, TimeSpan.FromMinutes(1)), Cache(5, 120, 12, 10, 5_000, true)),
        ["coingecko"] = Policy("coingecko", new() { RequestsPerMinute = 600, RequestsPerHour = 36_000, DailyBudget = 10_000, MonthlyBudget = 300_000 },
            Breaker(3, 2, TimeSpan.FromMinutes(4), 3, TimeSpan.FromMinutes(2)), Cache(8, 300, 6, 20, 3_000, false)),
        ["coinpaprika"] = Policy("coinpaprika", new() { RequestsPerMinute = 6000, RequestsPerHour = 360_000, DailyBudget = 25_000, MonthlyBudget = 750_000 },
            Breaker(4, 2, TimeSpan.FromMinutes(3), 5, TimeSpan.FromMinutes(1)), Cache(6, 180, 8, 15, 4_000, true)),
        ["defillama"] = Policy("defillama", new() { RequestsPerMinute = 180, RequestsPerHour = 10_800 },
            Breaker(2, 1, TimeSpan.FromMinutes(6), 2, TimeSpan.FromMinutes(3)), Cache(10, 300, 24, 30, 2_000, true)),
        ["thegraph"] = Policy("thegraph", new() { RequestsPerMinute = 300, RequestsPerHour = 18_000, DailyBudget = 100_000, MonthlyBudget = 3_000_000 },
            Breaker(3, 2, TimeSpan.FromMinutes(8), 3, TimeSpan.FromMinutes(2)), Cache(8, 180, 18, 25, 3_000, true)),

        // Not in seed 000's tables; from the venues' documentation.
        ["binance-usdm"] = Policy("binance-usdm", new() { RequestsPerMinute = 2400 },
            Breaker(5, 3, TimeSpan.FromMinutes(2), 10, TimeSpan.FromSeconds(30)), Cache(5, 30, 24, 10, 10_000, true)),
        ["coinbase"] = Policy("coinbase", new() { RequestsPerSecond = 10 },
            Breaker(3, 2, TimeSpan.FromMinutes(2), 5, TimeSpan.FromMinutes(1)), Cache(5, 30, 24, 10, 8_000, true)),
        ["hyperliquid"] = Policy("hyperliquid", new() { RequestsPerMinute = 1200 },
            Breaker(3, 2, TimeSpan.FromMinutes(2), 5, TimeSpan.FromMinutes(1)), Cache(5, 30, 24, 10, 5_000, true)),
    };

    /// <summary>Seed 000's fallback chains and seed 002's spot chain, with their retry settings.</summary>
    public static IReadOnlyList<ChainPolicy> Chains { get; } =
    [
        new(DataClass.Microstructure, ["binance", "kraken", "okx"], 3, TimeSpan.FromSeconds(2)),
        new(DataClass.Derivatives, ["okx", "binance-usdm"], 2, TimeSpan.FromSeconds(3)),
        new(DataClass.MarketData, ["coingecko", "coinpaprika", "binance"], 2, TimeSpan.FromSeconds(4)),
        new(DataClass.DeFi, ["defillama", "thegraph", "dexscreener"], 2, TimeSpan.FromSeconds(8)),
        new(DataClass.Dex, ["dexscreener", "defillama", "thegraph"], 2, TimeSpan.FromSeconds(5)),
        new(DataClass.ProtocolAnalytics, ["thegraph", "defillama"], 1, TimeSpan.FromSeconds(12)),
        new(DataClass.Spot, ["coinbase", "kraken"], 3, TimeSpan.FromSeconds(1)),
    ];

    /// <summary>The default policy of a provider: its seed row, else generic defaults.</summary>
    /// <param name="provider">The provider.</param>
    /// <returns>The policy, with the provider's real base URL.</returns>
    public static ProviderPolicy For(KnownProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var policy = Seeded.TryGetValue(provider.Name, out var seeded) ? seeded : new ProviderPolicy { Name = provider.Name };
        return policy with { BaseUrl = provider.DefaultBaseUrl };
    }

    private static ProviderPolicy Policy(string name, RateLimitOptions limits, CircuitBreakerOptions breaker, CacheTtlOptions cache)
        => new() { Name = name, RateLimits = limits, CircuitBreaker = breaker, Cache = cache };

    private static CircuitBreakerOptions Breaker(int failures, int successes, TimeSpan open, int concurrent, TimeSpan healthCheck)
        => new() { FailureThreshold = failures, SuccessThreshold = successes, OpenTimeout = open, MaxConcurrent = concurrent, HealthCheckInterval = healthCheck };

    private static CacheTtlOptions Cache(int warmMinutes, int hotSeconds, int coldHours, int degradedMinutes, int size, bool compression)
        => new()
        {
            Warm = TimeSpan.FromMinutes(warmMinutes),
            Hot = TimeSpan.FromSeconds(hotSeconds),
            Cold = TimeSpan.FromHours(coldHours),
            Degraded = TimeSpan.FromMinutes(degradedMinutes),
            MaxSize = size,
            Compression = compression,
        };
}

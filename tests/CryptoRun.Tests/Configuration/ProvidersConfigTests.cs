using CryptoRun.Configuration;
using CryptoRun.Providers;
using CryptoRun.Tests.TestSupport;
using static CryptoRun.Tests.Configuration.ConfigKit;

namespace CryptoRun.Tests.Configuration;

/// <summary>config/providers.yaml over the defaults, environment overrides over both, and errors that say file and line.</summary>
public sealed class ProvidersConfigTests
{
    [Fact]
    public void Load_YamlOverrides_ReplaceOnlyTheKeysGiven()
    {
        using var dir = new TempDir();
        var path = dir.Write("providers.yaml", """
            providers:
              kraken:
                base_url: http://127.0.0.1:8080
                enabled: false
                timeout: 5s
                max_retries: 0
                retry_delay: 250ms
                rate_limits:
                  requests_per_minute: 30
                circuit_breaker:
                  failure_threshold: 4
                cache:
                  hot_ttl: 90s
                  compression: no
              coingecko:
                rate_limits:
                  daily_budget: unlimited
            chains:
              spot:
                providers: [kraken, coinbase]
                max_retries: 1
                retry_delay: 500ms
            ingest:
              interval: 30s
              spot: [BTC/USD]
              dex_pairs:
                - chain: solana
                  pair: 58oQChx4yWmvKdwLLZzBi4ChoCc2fqCUWBkwMihLYQo2
            """);

        var config = Load(path);

        var kraken = config.Providers["kraken"];
        Assert.Equal(new Uri("http://127.0.0.1:8080/"), kraken.BaseUrl);
        Assert.False(kraken.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(5), kraken.AttemptTimeout);
        Assert.Equal(0, kraken.MaxRetries);
        Assert.Equal(TimeSpan.FromMilliseconds(250), kraken.RetryDelay);
        Assert.Equal(30, kraken.RateLimits.RequestsPerMinute);
        Assert.Equal(3600, kraken.RateLimits.RequestsPerHour);
        Assert.Equal(1, kraken.RateLimits.RequestsPerSecond);
        Assert.Equal(4, kraken.CircuitBreaker.FailureThreshold);
        Assert.Equal(1, kraken.CircuitBreaker.SuccessThreshold);
        Assert.Equal(TimeSpan.FromMinutes(4), kraken.CircuitBreaker.OpenTimeout);
        Assert.Equal(TimeSpan.FromSeconds(90), kraken.Cache.Hot);
        Assert.Equal(TimeSpan.FromMinutes(4), kraken.Cache.Warm);
        Assert.False(kraken.Cache.Compression);
        Assert.Null(config.Providers["coingecko"].RateLimits.DailyBudget);
        Assert.Equal(300_000, config.Providers["coingecko"].RateLimits.MonthlyBudget);
        var spot = config.Chains[DataClass.Spot];
        Assert.Equal((1, TimeSpan.FromMilliseconds(500)), (spot.MaxRetries, spot.RetryDelay));
        Assert.Equal(["kraken", "coinbase"], spot.Providers);
        Assert.Equal(["binance", "kraken", "okx"], config.Chains[DataClass.Microstructure].Providers);
        Assert.Equal(TimeSpan.FromSeconds(30), config.Ingest.Interval);
        Assert.Equal(["BTC/USD"], config.Ingest.Spot.Select(i => i.Symbol));
        Assert.Equal([new DexPairRef("solana", "58oQChx4yWmvKdwLLZzBi4ChoCc2fqCUWBkwMihLYQo2")], config.Ingest.DexPairs);
        Assert.Equal(path, config.Source);
        Assert.Equal(ProviderDefaults.For(Known.Single(k => k.Name == "okx")), config.Providers["okx"]);
    }

    [Fact]
    public void Load_EnvironmentOverrides_SetLimitsChainsAndEndpoints()
    {
        var config = Load(
            null,
            ("CRYPTORUN__PROVIDERS__BINANCE_USDM__RATE_LIMITS__REQUESTS_PER_MINUTE", "600"),
            ("CRYPTORUN__CHAINS__SPOT__PROVIDERS", "kraken, coinbase"),
            ("CRYPTORUN_ENDPOINT_OKX", "http://127.0.0.1:5000"),
            ("CRYPTORUN_ENDPOINT_BINANCE_USDM", "http://127.0.0.1:5001/fapi-replay"),
            ("CRYPTORUN__CHAINS__PROTOCOL_ANALYTICS__MAX_RETRIES", "0"),
            ("UNRELATED", "x"));

        Assert.Equal(600, config.Providers["binance-usdm"].RateLimits.RequestsPerMinute);
        Assert.Equal(["kraken", "coinbase"], config.Chains[DataClass.Spot].Providers);
        Assert.Equal(3, config.Chains[DataClass.Spot].MaxRetries);
        Assert.Equal(new Uri("http://127.0.0.1:5000/"), config.Providers["okx"].BaseUrl);
        Assert.Equal(new Uri("http://127.0.0.1:5001/fapi-replay/"), config.Providers["binance-usdm"].BaseUrl);
        Assert.Equal(0, config.Chains[DataClass.ProtocolAnalytics].MaxRetries);
        Assert.Equal(1200, config.Providers["binance"].RateLimits.RequestsPerMinute);
    }

    [Fact]
    public void Load_EnvironmentOverridesTheFile_KeepingTheFilesOtherKeys()
    {
        using var dir = new TempDir();
        var path = dir.Write("providers.yaml", """
            providers:
              binance-usdm:
                base_url: http://127.0.0.1:7000
                rate_limits:
                  requests_per_minute: 1000
                  daily_budget: 50000
              okx:
                base_url: http://127.0.0.1:7001
            """);

        var config = Load(
            path,
            ("CRYPTORUN__PROVIDERS__BINANCE_USDM__RATE_LIMITS__REQUESTS_PER_MINUTE", "600"),
            ("CRYPTORUN_ENDPOINT_OKX", "http://127.0.0.1:5000"));

        var usdm = config.Providers["binance-usdm"];
        Assert.Equal(600, usdm.RateLimits.RequestsPerMinute);
        Assert.Equal(50_000, usdm.RateLimits.DailyBudget);
        Assert.Equal(new Uri("http://127.0.0.1:7000/"), usdm.BaseUrl);
        Assert.Equal(new Uri("http://127.0.0.1:5000/"), config.Providers["okx"].BaseUrl);
    }

    [Fact]
    public void Load_EnvironmentNamesAreCaseInsensitiveInsideThePath()
    {
        var config = Load(null, ("CRYPTORUN__Providers__Kraken__Enabled", "false"));

        Assert.False(config.Providers["kraken"].Enabled);
    }

    [Fact]
    public void Load_EnvironmentOverrideInvalid_IsRefusedNamingTheValue()
    {
        var error = Assert.Throws<ConfigException>(() => Load(null, ("CRYPTORUN__PROVIDERS__OKX__TIMEOUT", "soon")));

        Assert.Contains("timeout: 'soon' is not a duration (500ms, 30s, 2m, 24h, 1d)", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("built-in defaults", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EnvironmentOverrideInvalid_ErrorSaysItCameFromTheEnvironmentNotALineOfTheFile()
    {
        using var dir = new TempDir();
        var path = dir.Write("providers.yaml", "# okx settings\nproviders:\n  okx:\n    timeout: 5s\n");

        var error = Assert.Throws<ConfigException>(() => Load(path, ("CRYPTORUN__PROVIDERS__OKX__TIMEOUT", "soon")));

        Assert.Equal($"{path} (environment override CRYPTORUN__PROVIDERS__OKX__TIMEOUT): timeout: 'soon' is not a duration (500ms, 30s, 2m, 24h, 1d)", error.Message);
    }

    [Fact]
    public void Load_EnvironmentOverrideNamesAnUnknownKey_ErrorNamesTheVariable()
    {
        var error = Assert.Throws<ConfigException>(() => Load(null, ("CRYPTORUN__PROVIDERS__OKX__TIMOUT", "5s")));

        Assert.StartsWith("built-in defaults (environment override CRYPTORUN__PROVIDERS__OKX__TIMOUT): providers.okx: unknown key 'timout'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EnvironmentPutsAnAggregatorInMicrostructure_IsRefused()
    {
        var error = Assert.Throws<ConfigException>(() => Load(null, ("CRYPTORUN__CHAINS__MICROSTRUCTURE__PROVIDERS", "binance,coinpaprika")));

        Assert.Contains("chains.microstructure names coinpaprika, an aggregator", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api_key")]
    [InlineData("secret")]
    [InlineData("token")]
    public void Load_SecretInTheFile_IsRefusedWithFileAndLineWithoutEchoingIt(string key)
    {
        using var dir = new TempDir();
        var path = dir.Write("providers.yaml", $"""
            providers:
              coingecko:
                base_url: https://api.coingecko.com/api/v3
                {key}: CG-s3cr3t-value
            """);

        var error = Assert.Throws<ConfigException>(() => Load(path));

        Assert.StartsWith($"{path}:4: providers.coingecko.{key}: secrets come only from the environment (CRYPTORUN_COINGECKO_API_KEY), never from a file", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_AggregatorInTheMicrostructureChain_IsRefusedWithFileAndLine()
    {
        using var dir = new TempDir();
        var path = dir.Write("providers.yaml", """
            chains:
              microstructure:
                providers:
                  - binance
                  - coingecko
            """);

        var error = Assert.Throws<ConfigException>(() => Load(path));

        Assert.Equal(
            $"{path}:5: chains.microstructure names coingecko, an aggregator; only exchange-native providers may serve microstructure (order books, trades)",
            error.Message);
    }

    [Fact]
    public void Load_DeFiProviderInTheMicrostructureChain_IsRefused()
    {
        using var dir = new TempDir();
        var path = dir.Write("providers.yaml", "chains:\n  microstructure:\n    providers: [kraken, dexscreener]\n");

        var error = Assert.Throws<ConfigException>(() => Load(path));

        Assert.StartsWith($"{path}:3: chains.microstructure names dexscreener, a DeFi provider", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_AggregatorInTheMarketDataChain_IsAllowed()
    {
        using var dir = new TempDir();
        var path = dir.Write("providers.yaml", "chains:\n  market-data:\n    providers: [coinpaprika, coingecko]\n");

        Assert.Equal(["coinpaprika", "coingecko"], Load(path).Chains[DataClass.MarketData].Providers);
    }

    public static TheoryData<string, string> Invalid => new()
    {
        { "providers:\n  kraken:\n    rate_limit:\n      requests_per_minute: 10\n", ":3: providers.kraken: unknown key 'rate_limit'; known: base_url, enabled," },
        { "providers:\n  kraken:\n    rate_limits:\n      requests_per_day: 10\n", ":4: providers.kraken.rate_limits: unknown key 'requests_per_day'" },
        { "provider:\n  kraken: {}\n", ":1: top level: unknown key 'provider'; known: providers, chains, ingest" },
        { "providers:\n  binance:\n    enabled: true\n  krakn:\n    enabled: true\n", ":4: unknown provider 'krakn'; known: binance, " },
        { "chains:\n  orderbook:\n    providers: [binance]\n", ":2: unknown data class 'orderbook'; known: microstructure, derivatives, market-data, defi, dex, protocol-analytics, spot" },
        { "chains:\n  spot:\n    providers: [coinbase, bitstamp]\n", ":3: chains.spot names unknown provider 'bitstamp'" },
        { "chains:\n  spot:\n    providers: coinbase\n", ":3: chains.spot.providers: expected a list of provider names" },
        { "providers:\n  okx:\n    circuit_breaker:\n      open_timeout: 2 minutes\n", ":4: open_timeout: '2 minutes' is not a duration (500ms, 30s, 2m, 24h, 1d)" },
        { "providers:\n  okx:\n    timeout: 0s\n", ":3: timeout: '0s' is not a duration" },
        { "providers:\n  okx:\n    circuit_breaker:\n      failure_threshold: 0\n", ":4: failure_threshold: '0' is not a positive whole number" },
        { "providers:\n  okx:\n    max_retries: -1\n", ":3: max_retries: '-1' is not a non-negative whole number" },
        { "providers:\n  okx:\n    enabled: maybe\n", ":3: enabled: 'maybe' is not true or false" },
        { "providers:\n  okx:\n    base_url: ftp://okx.example\n", ":3: providers.okx.base_url: 'ftp://okx.example' is not an absolute http(s) URL" },
        { "ingest:\n  spot: [BTCUSD]\n", ":2: ingest.spot: 'BTCUSD' is not a unified symbol (BASE/QUOTE)" },
        { "ingest:\n  dex_pairs:\n    - chain: solana\n", ":3: ingest.dex_pairs item: no pair" },
        { "- providers\n- chains\n", ":1: expected a mapping with providers, chains and ingest" },
        { "providers:\n  kraken: [unclosed\n", ":" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Load_InvalidFile_IsRefusedNamingFileAndLine(string yaml, string expected)
    {
        using var dir = new TempDir();
        var path = dir.Write("providers.yaml", yaml);

        var error = Assert.Throws<ConfigException>(() => Load(path));

        Assert.StartsWith(path + ":", error.Message, StringComparison.Ordinal);
        Assert.Contains(path + expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_IsRefusedNamingIt()
    {
        using var dir = new TempDir();
        var path = dir.File("nowhere.yaml");

        var error = Assert.Throws<ConfigException>(() => Load(path));

        Assert.Equal($"config file '{path}' does not exist", error.Message);
    }

    [Fact]
    public void Load_Directory_IsRefusedSayingItIsADirectory()
    {
        using var dir = new TempDir();

        var error = Assert.Throws<ConfigException>(() => Load(dir.Path));

        Assert.Equal($"config file '{dir.Path}' is a directory, not a file", error.Message);
    }

    [Fact]
    public void Load_EnvironmentOverrideNamingNoSetting_IsRefusedNamingTheVariable()
    {
        var error = Assert.Throws<ConfigException>(() => Load(null, ("CRYPTORUN__", "x")));

        Assert.StartsWith("environment override CRYPTORUN__: names no setting", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EmptyFile_GivesTheDefaults()
    {
        using var dir = new TempDir();
        var path = dir.Write("providers.yaml", "# nothing configured yet\n");

        var config = Load(path);

        Assert.Equal(path, config.Source);
        var defaults = Load(null);
        Assert.All(defaults.Providers, p => Assert.Equal(p.Value, config.Providers[p.Key]));
        Assert.Equal(defaults.Chains.Keys.Order(), config.Chains.Keys.Order());
    }

    [Fact]
    public void Load_TheShippedConfigFile_IsValid()
    {
        var path = Path.Combine(RepositoryRoot(), "config", "providers.yaml");

        var config = Load(path);

        Assert.Equal(path, config.Source);
        Assert.All(config.Providers.Values, p => Assert.NotNull(p.BaseUrl));
    }

    [Fact]
    public void WithBaseUrl_ReplacesOneProvidersUrlOnly()
    {
        var config = Load(null);

        var replaced = config.WithBaseUrl("kraken", new Uri("http://127.0.0.1:9000/"));

        Assert.Equal(new Uri("http://127.0.0.1:9000/"), replaced.Providers["kraken"].BaseUrl);
        Assert.Equal(config.Providers["kraken"] with { BaseUrl = null }, replaced.Providers["kraken"] with { BaseUrl = null });
        Assert.Equal(config.Providers["okx"], replaced.Providers["okx"]);
        Assert.NotEqual(new Uri("http://127.0.0.1:9000/"), config.Providers["kraken"].BaseUrl);
        Assert.Throws<ArgumentException>(() => config.WithBaseUrl("bitstamp", new Uri("http://127.0.0.1:9000/")));
    }
}

using CryptoRun.Cli;
using CryptoRun.Configuration;
using CryptoRun.Providers;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Cli;

public sealed class ShippedProvidersYamlTests
{
    private static readonly Dictionary<string, string> NoEnvironment = [];

    [Fact]
    public void ShippedFile_StatesExactlyTheBuiltInDefaults()
    {
        // config/providers.yaml says every value in it is also the built-in default: deleting a key changes nothing.
        var shipped = ProvidersConfig.Load(Path.Combine(TestData.RepositoryRoot, ProviderHost.DefaultConfigPath), ProviderHost.Known, NoEnvironment);
        var defaults = ProvidersConfig.Load(null, ProviderHost.Known, NoEnvironment);

        Assert.Equal(defaults.Providers.Keys.Order(), shipped.Providers.Keys.Order());
        foreach (var (name, policy) in defaults.Providers)
        {
            Assert.Equal(policy, shipped.Providers[name]);
        }

        Assert.Equal(defaults.Chains.Keys.Order(), shipped.Chains.Keys.Order());
        foreach (var (dataClass, chain) in defaults.Chains)
        {
            var read = shipped.Chains[dataClass];
            Assert.Equal(chain.Providers, read.Providers);
            Assert.Equal((chain.MaxRetries, chain.RetryDelay), (read.MaxRetries, read.RetryDelay));
        }

        Assert.Equal(defaults.Ingest.Interval, shipped.Ingest.Interval);
        Assert.Equal(defaults.Ingest.Spot, shipped.Ingest.Spot);
    }

    [Fact]
    public void ShippedFile_ListsSeedZeroChainsWithPrimariesFirst()
    {
        var shipped = ProvidersConfig.Load(Path.Combine(TestData.RepositoryRoot, ProviderHost.DefaultConfigPath), ProviderHost.Known, NoEnvironment);

        Assert.Equal(["binance", "kraken", "okx"], shipped.Chains[DataClass.Microstructure].Providers);
        Assert.Equal(["okx", "binance-usdm"], shipped.Chains[DataClass.Derivatives].Providers);
        Assert.Equal(["coinbase", "kraken"], shipped.Chains[DataClass.Spot].Providers);
        Assert.Equal(1200, shipped.Providers["binance"].RateLimits.RequestsPerMinute);
        Assert.Equal(2, shipped.Providers["kraken"].CircuitBreaker.FailureThreshold);
    }
}

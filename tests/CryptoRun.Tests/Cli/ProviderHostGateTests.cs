using CryptoRun.Cli;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues;

namespace CryptoRun.Tests.Cli;

/// <summary>The gates the CLI gives the hot tier's REST calls: the connector's own, or one per stream-only REST provider.</summary>
public sealed class ProviderHostGateTests
{
    [Fact]
    public void RestConnection_CarriesTheConnectorsOwnGate_StreamOnlyVenuesGetOneGatePerRestProvider()
    {
        using var dir = new TempDir();
        using var output = new StringWriter();
        var environment = new CliEnvironment(output, output, interactive: false, new ManualClock(ReplayFixture.Now), dir.Path, new Dictionary<string, string>());
        using var host = ProviderHost.Create(environment, ["all=http://127.0.0.1:5077"], null);

        Assert.True(host.Registry.TryGet("binance", out var binance));
        var rest = host.RestConnection("binance");
        Assert.Same(binance.Gate, rest.Gate);
        Assert.Equal(new Uri("http://127.0.0.1:5077/"), rest.Http.BaseAddress);
        Assert.Same(environment.TimeProvider, rest.TimeProvider);

        var bybit = host.StreamOnlyGate(VenueStreams.Get("bybit"));
        Assert.Same(bybit, host.StreamOnlyGate(VenueStreams.Get("bybit-linear")));
        Assert.Same(bybit, host.StreamOnlyGate(VenueStreams.Get("bybit-v2")));
        Assert.Equal("bybit", bybit.Provider);
        Assert.NotSame(bybit, host.StreamOnlyGate(VenueStreams.Get("bitstamp")));
        Assert.Throws<ArgumentException>(() => host.StreamOnlyGate(VenueStreams.Get("binance")));
    }
}

using System.Text;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues.Hyperliquid;

namespace CryptoRun.Tests.Venues.Hyperliquid;

/// <summary>How the Hyperliquid connector maps /info failures, against a loopback stub answering them.</summary>
public sealed class HyperliquidErrorTests
{
    private static async Task<(StubVenue Stub, HyperliquidConnector Connector, Http Http)> StartAsync(int status, string body, params (string, string)[] headers)
    {
        var stub = await StubVenue.StartAsync(new Dictionary<string, (int, byte[], (string, string)[])>
        {
            ["/info"] = (status, Encoding.UTF8.GetBytes(body), headers),
        });
        var http = new Http(stub.BaseAddress);
        return (stub, new HyperliquidConnector(VenueConnection.Direct(http.Client(), new ManualClock(DateTimeOffset.UnixEpoch))), http);
    }

    [Fact]
    public async Task Probe_422PlainText_RequestExceptionQuotingTheVenue()
    {
        var (stub, connector, http) = await StartAsync(422, "Failed to deserialize the JSON body into the target type: unknown variant `metaa`");
        await using var _ = stub;
        using var __ = http;

        var error = await Assert.ThrowsAsync<VenueRequestException>(() => connector.ProbeAsync());

        Assert.Equal(422, error.StatusCode);
        Assert.Contains("Failed to deserialize the JSON body", error.Message, StringComparison.Ordinal);
        Assert.Contains("POST /info {\"type\":\"meta\"}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_429WithRetryAfter_RateLimitedWithTheWait()
    {
        var (stub, connector, http) = await StartAsync(429, "null", ("Retry-After", "7"));
        await using var _ = stub;
        using var __ = http;

        var error = await Assert.ThrowsAsync<VenueRateLimitedException>(() => connector.ProbeAsync());

        Assert.Equal(TimeSpan.FromSeconds(7), error.RetryAfter);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task Probe_500_UnavailableAndTransient()
    {
        var (stub, connector, http) = await StartAsync(500, "null");
        await using var _ = stub;
        using var __ = http;

        var error = await Assert.ThrowsAsync<VenueUnavailableException>(() => connector.ProbeAsync());

        Assert.Equal(500, error.StatusCode);
    }

    [Fact]
    public async Task GetMarkets_MetaWithoutUniverse_DataExceptionNamingEndpointAndField()
    {
        var (stub, connector, http) = await StartAsync(200, """{"universes":[]}""");
        await using var _ = stub;
        using var __ = http;

        var error = await Assert.ThrowsAsync<VenueDataException>(() => connector.GetMarketsAsync());

        Assert.Equal("hyperliquid POST /info {\"type\":\"meta\"}: malformed response: meta: no 'universe'", error.Message);
    }
}

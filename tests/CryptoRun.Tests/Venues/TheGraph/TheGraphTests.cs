using System.Text;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues.TheGraph;

namespace CryptoRun.Tests.Venues.TheGraph;

/// <summary>
/// The Graph: nothing is recorded, so answers follow the Uniswap v3 subgraph schema (Uniswap/v3-subgraph
/// schema.graphql) and the gateway's documented error shape; the key is passed through the constructor seam
/// because the environment is process-wide.
/// </summary>
public sealed class TheGraphTests
{
    private const string Key = "f00dfeedc0ffee42";
    private const string Pool = "0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640";

    private static readonly DateTimeOffset Now = new(2026, 9, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly string SubgraphPath = $"/api/{Key}/subgraphs/id/{TheGraphConnector.UniswapV3SubgraphId}";

    // Block time 1756728000 = 2025-09-01T12:00:00Z; hourly buckets at 12:00, 11:00 and 2025-08-31T12:00 (24 h back: outside the block hour and the 23 before it).
    private const string PoolAnswer = """
        {"data":{"pool":{"id":"0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640","feeTier":"500",
          "token0":{"symbol":"USDC","derivedETH":"0.0004"},"token1":{"symbol":"WETH"},
          "token0Price":"2500.5","token1Price":"0.00039992","totalValueLockedUSD":"123456789.123456",
          "poolHourData":[{"periodStartUnix":1756728000,"volumeUSD":"1000.5"},{"periodStartUnix":1756724400,"volumeUSD":"2000.25"},
                          {"periodStartUnix":1756641600,"volumeUSD":"999999"}]},
          "bundle":{"ethPriceUSD":"2500"},"_meta":{"block":{"number":23000000,"timestamp":1756728000}}}}
        """;

    private static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);

    private static async Task<(StubVenue Stub, Http Http)> StubAsync(int status, string body)
    {
        var stub = await StubVenue.StartAsync(new Dictionary<string, (int, byte[], (string, string)[])> { [SubgraphPath] = (status, Utf8(body), []) });
        return (stub, new Http(stub.BaseAddress));
    }

    private static TheGraphConnector Connector(Http http, string? key) => new(VenueConnection.Direct(http.Client(), new ManualClock(Now)), key);

    [Fact]
    public async Task EveryCall_WithoutKey_RequestExceptionSayingToSetItAndNothingSent()
    {
        var (stub, http) = await StubAsync(200, "{}");
        await using var _ = stub;
        using var __ = http;
        var connector = Connector(http, null);

        var errors = new List<VenueRequestException>
        {
            await Assert.ThrowsAsync<VenueRequestException>(() => connector.ProbeAsync()),
            await Assert.ThrowsAsync<VenueRequestException>(() => connector.GetProtocolTvlAsync("uniswap")),
            await Assert.ThrowsAsync<VenueRequestException>(() => connector.GetPairAsync("ethereum", Pool)),
            await Assert.ThrowsAsync<VenueRequestException>(() => connector.SearchPairsAsync("USDC")),
        };

        Assert.All(errors, e => Assert.Contains("set the environment variable CRYPTORUN_THEGRAPH_API_KEY", e.Message, StringComparison.Ordinal));
        Assert.Equal(0, stub.RequestCount);
        Assert.False(connector.HasApiKey);
    }

    [Fact]
    public async Task GetProtocolTvl_WithKey_KeyInThePathButNeverInProvenance()
    {
        var (stub, http) = await StubAsync(200, """{"data":{"factory":{"totalValueLockedUSD":"4123456789.123456789"},"_meta":{"block":{"number":23000000,"timestamp":1756728000}}}}""");
        await using var _ = stub;
        using var __ = http;

        var tvl = await Connector(http, Key).GetProtocolTvlAsync("uniswap");

        Assert.Equal(SubgraphPath, Assert.Single(stub.Requests).PathAndQuery);
        Assert.Equal("POST", stub.Requests[0].Method);
        Assert.DoesNotContain(Key, tvl.Provenance.Endpoint, StringComparison.Ordinal);
        Assert.StartsWith($"POST /api/***/subgraphs/id/{TheGraphConnector.UniswapV3SubgraphId} ", tvl.Provenance.Endpoint, StringComparison.Ordinal);
        Assert.Equal(new TvlPoint("uniswap", 1756728000000, 4123456789.123456789m), tvl.Value);
    }

    [Fact]
    public async Task GetProtocolTvl_GatewayAuthErrorEchoingTheKey_RequestExceptionWithoutTheKey()
    {
        // The gateway answers auth errors with HTTP 200 and GraphQL errors (graphprotocol/gateway issue 965).
        var (stub, http) = await StubAsync(200, $$"""{"errors":[{"message":"auth error: API key not found: {{Key}}"}]}""");
        await using var _ = stub;
        using var __ = http;

        var error = await Assert.ThrowsAsync<VenueRequestException>(() => Connector(http, Key).GetProtocolTvlAsync("uniswap"));

        Assert.Contains("auth error: API key not found: ***", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetProtocolTvl_ServerErrorEchoingTheUrl_UnavailableWithoutTheKey()
    {
        var (stub, http) = await StubAsync(500, $"upstream failed for {SubgraphPath}");
        await using var _ = stub;
        using var __ = http;

        var error = await Assert.ThrowsAsync<VenueUnavailableException>(() => Connector(http, Key).GetProtocolTvlAsync("uniswap"));

        Assert.DoesNotContain(Key, error.Message, StringComparison.Ordinal);
        Assert.Contains("/api/***/subgraphs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetProtocolTvl_GatewayUnreachable_UnavailableWithoutTheKey()
    {
        Uri closed;
        await using (var stub = await StubVenue.StartAsync(new Dictionary<string, (int, byte[], (string, string)[])>()))
        {
            closed = stub.BaseAddress;
        }

        using var http = new Http(closed);

        var error = await Assert.ThrowsAsync<VenueUnavailableException>(() => Connector(http, Key).GetProtocolTvlAsync("uniswap"));

        Assert.DoesNotContain(Key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetProtocolTvl_OtherProtocol_RequestExceptionAndNothingSent()
    {
        var (stub, http) = await StubAsync(200, "{}");
        await using var _ = stub;
        using var __ = http;

        var error = await Assert.ThrowsAsync<VenueRequestException>(() => Connector(http, Key).GetProtocolTvlAsync("aave"));

        Assert.Contains("'uniswap' only", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, stub.RequestCount);
    }

    [Fact]
    public async Task GetPair_UniswapPool_PricesLiquidityAndTheLast24HourlyVolumes()
    {
        var (stub, http) = await StubAsync(200, PoolAnswer);
        await using var _ = stub;
        using var __ = http;

        var pair = await Connector(http, Key).GetPairAsync("ethereum", "0x88E6A0c2dDD26FEEb64F039a2c41296FcB3f5640");

        Assert.Equal(new DexPairSnapshot("ethereum", Pool, "uniswap-v3", "USDC", "WETH", 1.0000m, 0.00039992m, 123456789.123456m, 3000.75m, 1756728000000), pair.Value);
        Assert.DoesNotContain(Key, pair.Provenance.Endpoint, StringComparison.Ordinal);
        Assert.Contains(Pool, pair.Provenance.Endpoint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetPair_PoolUnknown_RequestExceptionNamingThePool()
    {
        var (stub, http) = await StubAsync(200, """{"data":{"pool":null,"bundle":{"ethPriceUSD":"2500"},"_meta":{"block":{"number":1,"timestamp":1}}}}""");
        await using var _ = stub;
        using var __ = http;

        var error = await Assert.ThrowsAsync<VenueRequestException>(() => Connector(http, Key).GetPairAsync("ethereum", "0xdead"));

        Assert.Contains("no pool 0xdead", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetPair_OtherChain_RequestExceptionAndNothingSent()
    {
        var (stub, http) = await StubAsync(200, "{}");
        await using var _ = stub;
        using var __ = http;

        await Assert.ThrowsAsync<VenueRequestException>(() => Connector(http, Key).GetPairAsync("solana", Pool));

        Assert.Equal(0, stub.RequestCount);
    }

    [Fact]
    public async Task SearchPairs_WithKey_RequestExceptionSayingTheGraphDoesNotSearch()
    {
        var (stub, http) = await StubAsync(200, "{}");
        await using var _ = stub;
        using var __ = http;

        var error = await Assert.ThrowsAsync<VenueRequestException>(() => Connector(http, Key).SearchPairsAsync("USDC"));

        Assert.Contains("does not search", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, stub.RequestCount);
    }

    [Fact]
    public void ParseFactoryTvl_DataWithoutFactory_FormatException()
    {
        var error = Assert.Throws<FormatException>(() => TheGraphParser.ParseFactoryTvl("thegraph", "uniswap", Utf8("""{"data":{"factory":null}}"""), 0, s => s));

        Assert.Equal("factory: the subgraph answered no factory", error.Message);
    }

    [Fact]
    public void ParseFactoryTvl_NoMetaTimestamp_UsesTheReadTime()
    {
        var point = TheGraphParser.ParseFactoryTvl("thegraph", "uniswap", Utf8("""{"data":{"factory":{"totalValueLockedUSD":"1.5"}}}"""), 99, s => s);

        Assert.Equal(99, point.TimeMs);
    }
}

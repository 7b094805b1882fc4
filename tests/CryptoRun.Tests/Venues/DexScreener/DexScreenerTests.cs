using System.Text;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues.DexScreener;

namespace CryptoRun.Tests.Venues.DexScreener;

/// <summary>DEX Screener: nothing is recorded, so the parser runs on bodies following the documented shape and the connector against loopback stubs.</summary>
public sealed class DexScreenerTests
{
    private const string Pair = "JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN";

    // Follows the documented /latest/dex/pairs/{chainId}/{pairId} answer (docs.dexscreener.com "API Reference", Pair Lookup).
    private const string Pairs = """
        {"schemaVersion":"1.0.0","pairs":[{"chainId":"solana","dexId":"raydium","url":"https://dexscreener.com/solana/jup-usdc",
          "pairAddress":"JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN","labels":["v4"],
          "baseToken":{"address":"JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN","name":"Jupiter","symbol":"JUP"},
          "quoteToken":{"address":"EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v","name":"USD Coin","symbol":"USDC"},
          "priceNative":"0.8500","priceUsd":"0.8501","txns":{"h24":{"buys":124,"sells":97}},
          "volume":{"h24":2500000.51,"h6":600000,"h1":90000,"m5":1200},"priceChange":{"h24":3.5},
          "liquidity":{"usd":3500000.25,"base":1800000,"quote":1700000},"fdv":950000000,"marketCap":850000000,"pairCreatedAt":1680300000000}]}
        """;

    private static readonly DateTimeOffset Now = new(2026, 9, 1, 12, 0, 0, TimeSpan.Zero);

    private static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);

    private static async Task<(StubVenue Stub, Http Http)> StubAsync(string path, int status, string body)
    {
        var stub = await StubVenue.StartAsync(new Dictionary<string, (int, byte[], (string, string)[])> { [path] = (status, Utf8(body), []) });
        return (stub, new Http(stub.BaseAddress));
    }

    private static DexScreenerConnector Connector(Http http) => new(VenueConnection.Direct(http.Client(), new ManualClock(Now)));

    [Fact]
    public void ParsePairs_DocumentedShape_MapsPriceLiquidityAndVolume()
    {
        var pair = Assert.Single(DexScreenerParser.ParsePairs(Utf8(Pairs), 42));

        Assert.Equal(new DexPairSnapshot("solana", Pair, "raydium", "JUP", "USDC", 0.8501m, 0.8500m, 3500000.25m, 2500000.51m, 42), pair);
    }

    [Fact]
    public void ParsePairs_NewPairWithoutPriceOrLiquidity_NullsNotZeros()
    {
        var json = Utf8("""{"schemaVersion":"1.0.0","pairs":[{"chainId":"base","dexId":"uniswap","pairAddress":"0xabc","baseToken":{"symbol":"NEW"},"quoteToken":{"symbol":"WETH"},"priceNative":"0.001"}]}""");

        var pair = Assert.Single(DexScreenerParser.ParsePairs(json, 0));

        Assert.Null(pair.PriceUsd);
        Assert.Null(pair.LiquidityUsd);
        Assert.Null(pair.Volume24hUsd);
        Assert.Equal(0.001m, pair.PriceNative);
    }

    [Fact]
    public void ParsePairs_PairsNull_Empty()
        => Assert.Empty(DexScreenerParser.ParsePairs(Utf8("""{"schemaVersion":"1.0.0","pairs":null}"""), 0));

    [Fact]
    public void ParsePairs_PriceNotANumber_FormatExceptionNamingPairAndField()
    {
        var error = Assert.Throws<FormatException>(() => DexScreenerParser.ParsePairs(Utf8(Pairs.Replace("\"0.8501\"", "\"n/a\"", StringComparison.Ordinal)), 0));

        Assert.Equal("pair 0 priceUsd: expected a decimal number, found \"n/a\"", error.Message);
    }

    [Fact]
    public async Task GetPair_KnownPair_SnapshotAtTheFetchTime()
    {
        var (stub, http) = await StubAsync($"/latest/dex/pairs/solana/{Pair}", 200, Pairs);
        await using var _ = stub;
        using var __ = http;

        var pair = await Connector(http).GetPairAsync("solana", Pair);

        Assert.Equal("JUP", pair.Value.BaseSymbol);
        Assert.Equal(Now.ToUnixTimeMilliseconds(), pair.Value.TimeMs);
        Assert.Equal($"GET /latest/dex/pairs/solana/{Pair}", pair.Provenance.Endpoint);
    }

    [Fact]
    public async Task GetPair_PairUnknown_RequestExceptionNamingThePair()
    {
        var (stub, http) = await StubAsync("/latest/dex/pairs/solana/NoSuchPair", 200, """{"schemaVersion":"1.0.0","pairs":null}""");
        await using var _ = stub;
        using var __ = http;

        var error = await Assert.ThrowsAsync<VenueRequestException>(() => Connector(http).GetPairAsync("solana", "NoSuchPair"));

        Assert.Contains("no pair NoSuchPair on solana", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SearchPairs_EscapesTheQueryAndReturnsEveryPair()
    {
        var (stub, http) = await StubAsync("/latest/dex/search", 200, Pairs);
        await using var _ = stub;
        using var __ = http;

        var pairs = await Connector(http).SearchPairsAsync("JUP/USDC");

        Assert.Single(pairs.Value);
        Assert.Equal("/latest/dex/search?q=JUP%2FUSDC", Assert.Single(stub.Requests).PathAndQuery);
    }

    [Fact]
    public async Task SearchPairs_429_RateLimited()
    {
        var (stub, http) = await StubAsync("/latest/dex/search", 429, """{"message":"Too many requests"}""");
        await using var _ = stub;
        using var __ = http;

        await Assert.ThrowsAsync<VenueRateLimitedException>(() => Connector(http).SearchPairsAsync("SOL"));
    }
}

using System.Globalization;
using System.Text;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues.CoinGecko;

namespace CryptoRun.Tests.Venues.CoinGecko;

/// <summary>The CoinGecko connector over the replay venue (recorded /global, documented /ping) and over loopback stubs.</summary>
public sealed class CoinGeckoConnectorTests(ReplayFixture replay) : IClassFixture<ReplayFixture>
{
    private const string Key = "CG-test-key-4f1d";

    private static async Task<(StubVenue Stub, Http Http)> StubAsync(string path, int status, string body, params (string, string)[] headers)
    {
        var stub = await StubVenue.StartAsync(new Dictionary<string, (int, byte[], (string, string)[])>
        {
            [path] = (status, Encoding.UTF8.GetBytes(body), headers),
        });
        return (stub, new Http(stub.BaseAddress));
    }

    private static CoinGeckoConnector Connector(Http http, string? key = null, IReadOnlyDictionary<string, string>? ids = null)
        => new(VenueConnection.Direct(http.Client(), new ManualClock(ReplayFixture.Now)), ids, key);

    [Fact]
    public async Task GetGlobal_OverReplay_TheRecordedFigures()
    {
        var global = await replay.Http.Connect<CoinGeckoConnector>("coingecko", replay.Clock).GetGlobalAsync();

        Assert.Equal(13574, global.Value.ActiveCryptocurrencies);
        Assert.Equal("2114966447287.8857", global.Value.TotalMarketCap["usd"].ToString(CultureInfo.InvariantCulture));
        Assert.Equal("GET /api/v3/global", global.Provenance.Endpoint);
        Assert.Equal("coingecko", global.Provenance.Provider);
    }

    [Fact]
    public async Task Probe_OverReplay_SharedApiV3PingAnswersOk()
    {
        var provenance = await replay.Http.Connect<IMarketDataProvider>("coingecko", replay.Clock).ProbeAsync();

        Assert.Equal("GET /api/v3/ping", provenance.Endpoint);
        Assert.Equal(FetchStatus.Ok, provenance.Status);
    }

    [Fact]
    public async Task GetSpotQuote_OverReplay_NotRecordedSoRequestException()
    {
        var error = await Assert.ThrowsAsync<VenueRequestException>(() =>
            replay.Http.Connect<ITickerProvider>("coingecko", replay.Clock).GetSpotQuoteAsync(Instrument.Parse("BTC/USD")));

        Assert.Equal(404, error.StatusCode);
    }

    [Fact]
    public async Task GetSpotQuote_WithKey_SendsTheDemoHeaderAndKeepsTheKeyOutOfProvenance()
    {
        var (stub, http) = await StubAsync("/api/v3/simple/price", 200, """{"avalanche-2":{"usd":35.12,"usd_24h_vol":3.2e8,"last_updated_at":1711356300}}""");
        await using var _ = stub;
        using var __ = http;

        var quote = await Connector(http, Key).GetSpotQuoteAsync(Instrument.Parse("AVAX/USD"));

        var request = Assert.Single(stub.Requests);
        Assert.Equal(Key, request.Headers["x-cg-demo-api-key"]);
        Assert.Equal("/api/v3/simple/price?ids=avalanche-2&vs_currencies=usd&include_24hr_vol=true&include_last_updated_at=true", request.PathAndQuery);
        Assert.DoesNotContain(Key, quote.Provenance.Endpoint, StringComparison.Ordinal);
        Assert.Equal(35.12m, quote.Value.Price);
    }

    [Fact]
    public async Task GetSpotQuote_WithoutKey_SendsNoKeyHeader()
    {
        var (stub, http) = await StubAsync("/api/v3/simple/price", 200, """{"bitcoin":{"usd":1,"last_updated_at":1}}""");
        await using var _ = stub;
        using var __ = http;

        var connector = Connector(http);
        await connector.GetSpotQuoteAsync(Instrument.Parse("BTC/USD"));

        Assert.False(connector.HasApiKey);
        Assert.False(Assert.Single(stub.Requests).Headers.ContainsKey("x-cg-demo-api-key"));
    }

    [Fact]
    public async Task GetSupply_OverriddenCoinId_AsksForTheOverride()
    {
        var (stub, http) = await StubAsync("/api/v3/coins/markets", 200, """[{"id":"pepe","circulating_supply":420690000000000,"total_supply":420690000000000,"max_supply":420690000000000,"last_updated":"2024-04-07T16:49:31.736Z"}]""");
        await using var _ = stub;
        using var __ = http;

        var supply = await Connector(http, ids: new Dictionary<string, string> { ["pepe"] = "pepe" }).GetSupplyAsync("PEPE");

        Assert.Equal("/api/v3/coins/markets?vs_currency=usd&ids=pepe", Assert.Single(stub.Requests).PathAndQuery);
        Assert.Equal(420690000000000m, supply.Value.Max);
        Assert.Equal("PEPE", supply.Value.Asset);
    }

    [Fact]
    public async Task GetSupply_AssetWithoutCoinId_RequestExceptionAndNothingSent()
    {
        var (stub, http) = await StubAsync("/api/v3/coins/markets", 200, "[]");
        await using var _ = stub;
        using var __ = http;

        var error = await Assert.ThrowsAsync<VenueRequestException>(() => Connector(http).GetSupplyAsync("WIF"));

        Assert.Contains("'WIF'", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, stub.RequestCount);
    }

    [Fact]
    public async Task GetSpotQuote_Perpetual_RequestExceptionAndNothingSent()
    {
        var (stub, http) = await StubAsync("/api/v3/simple/price", 200, "{}");
        await using var _ = stub;
        using var __ = http;

        await Assert.ThrowsAsync<VenueRequestException>(() => Connector(http).GetSpotQuoteAsync(Instrument.Parse("BTC/USDT:USDT")));

        Assert.Equal(0, stub.RequestCount);
    }

    [Fact]
    public async Task Probe_429StatusEnvelope_RateLimitedWithCodeMessageAndRetryAfter()
    {
        var (stub, http) = await StubAsync("/api/v3/ping", 429, """{"status":{"error_code":429,"error_message":"You've exceeded the Rate Limit. Please visit https://www.coingecko.com/en/api/pricing to subscribe to our API plans for higher rate limits."}}""", ("Retry-After", "60"));
        await using var _ = stub;
        using var __ = http;

        var error = await Assert.ThrowsAsync<VenueRateLimitedException>(() => Connector(http).ProbeAsync());

        Assert.Equal("429", error.VenueCode);
        Assert.Equal(TimeSpan.FromSeconds(60), error.RetryAfter);
        Assert.Contains("exceeded the Rate Limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_401NestedKeyError_RequestExceptionWithTheCoinGeckoCode()
    {
        var (stub, http) = await StubAsync("/api/v3/ping", 401, """{"error":{"status":{"timestamp":"2024-04-07T16:49:31.736+00:00","error_code":10002,"error_message":"API Key Missing"}}}""");
        await using var _ = stub;
        using var __ = http;

        var error = await Assert.ThrowsAsync<VenueRequestException>(() => Connector(http).ProbeAsync());

        Assert.Equal("10002", error.VenueCode);
        Assert.Equal(401, error.StatusCode);
        Assert.Contains("API Key Missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetSupply_404FlatError_RequestExceptionQuotingIt()
    {
        var (stub, http) = await StubAsync("/api/v3/coins/markets", 404, """{"error":"coin not found"}""");
        await using var _ = stub;
        using var __ = http;

        var error = await Assert.ThrowsAsync<VenueRequestException>(() => Connector(http).GetSupplyAsync("BTC"));

        Assert.Contains("coin not found", error.Message, StringComparison.Ordinal);
        Assert.Equal(404, error.StatusCode);
    }

    [Fact]
    public async Task Probe_503_UnavailableAndTransient()
    {
        var (stub, http) = await StubAsync("/api/v3/ping", 503, "<html>maintenance</html>");
        await using var _ = stub;
        using var __ = http;

        var error = await Assert.ThrowsAsync<VenueUnavailableException>(() => Connector(http).ProbeAsync());

        Assert.True(error.IsTransient);
    }
}

using System.Globalization;
using System.Text;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues.CoinPaprika;

namespace CryptoRun.Tests.Venues.CoinPaprika;

/// <summary>The CoinPaprika parsers (recorded search, documented ticker shape) and connector (replay and loopback stubs).</summary>
public sealed class CoinPaprikaTests(ReplayFixture replay) : IClassFixture<ReplayFixture>
{
    // Follows the documented ticker answer (docs.coinpaprika.com quickstart, GET /v1/tickers/btc-bitcoin, Free plan:
    // no circulating_supply).
    private const string Ticker = """
        {"id":"btc-bitcoin","name":"Bitcoin","symbol":"BTC","rank":1,"total_supply":19883231,"max_supply":21000000,
         "beta_value":0.879448,"first_data_at":"2010-07-17T00:00:00Z","last_updated":"2025-06-25T10:47:48Z",
         "quotes":{"USD":{"price":107077.69661924685,"volume_24h":23175936198.924427,"volume_24h_change_24h":-44.15,
         "market_cap":2129051326372,"percent_change_15m":0.04}}}
        """;

    private static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);

    private static byte[] RecordedSearch => File.ReadAllBytes(TestData.RestSample("coinpaprika", "search_q-ethereum.response.json"));

    private static async Task<(StubVenue Stub, Http Http)> StubAsync(Dictionary<string, (int, byte[], (string, string)[])> routes)
    {
        var stub = await StubVenue.StartAsync(routes);
        return (stub, new Http(stub.BaseAddress));
    }

    private static CoinPaprikaConnector Connector(Http http, IReadOnlyDictionary<string, string>? ids = null)
        => new(VenueConnection.Direct(http.Client(), new ManualClock(ReplayFixture.Now)), ids);

    [Fact]
    public void ParseSearchCurrencies_Recorded_46CurrenciesInCoinPaprikasOrder()
    {
        var currencies = CoinPaprikaParser.ParseSearchCurrencies(RecordedSearch);

        Assert.Equal(46, currencies.Count);
        Assert.Equal(new CoinPaprikaCurrency("eth-ethereum", "Ethereum", "ETH", 2, true, false, "coin"), currencies[0]);
        Assert.Equal(new CoinPaprikaCurrency("etc-ethereum-classic", "Ethereum Classic", "ETC", 39, true, false, "coin"), currencies[1]);
        Assert.Equal("token", currencies[2].Type);
    }

    [Fact]
    public void ParseSearchCurrencies_NoCurrenciesCategory_Empty()
        => Assert.Empty(CoinPaprikaParser.ParseSearchCurrencies(Utf8("""{"exchanges":[],"tags":[]}""")));

    [Fact]
    public void ParseSearchCurrencies_CurrencyWithoutId_FormatExceptionNamingIt()
    {
        var error = Assert.Throws<FormatException>(() => CoinPaprikaParser.ParseSearchCurrencies(Utf8("""{"currencies":[{"name":"X","symbol":"X"}]}""")));

        Assert.Equal("search currency 0: no 'id'", error.Message);
    }

    [Fact]
    public void ParseQuote_DocumentedTicker_PriceWithAllItsDigits()
    {
        var quote = CoinPaprikaParser.ParseQuote("coinpaprika", Instrument.Parse("BTC/USD"), "USD", Utf8(Ticker));

        Assert.Equal("107077.69661924685", quote.Price.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(DateTimeOffset.Parse("2025-06-25T10:47:48Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), quote.TimeMs);
        Assert.Null(quote.Volume24h);
    }

    [Fact]
    public void ParseQuote_QuoteNotInTheTicker_RequestExceptionNamingIt()
    {
        var error = Assert.Throws<VenueRequestException>(() => CoinPaprikaParser.ParseQuote("coinpaprika", Instrument.Parse("BTC/USDT"), "USDT", Utf8(Ticker)));

        Assert.Contains("no USDT quote", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseSupply_FreePlanTicker_CirculatingNullTotalAndMaxAsSent()
    {
        var supply = CoinPaprikaParser.ParseSupply("BTC", Utf8(Ticker));

        Assert.Null(supply.Circulating);
        Assert.Equal(19883231m, supply.Total);
        Assert.Equal(21000000m, supply.Max);
        Assert.Equal(DateTimeOffset.Parse("2025-06-25T10:47:48Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), supply.TimeMs);
    }

    [Fact]
    public void ParseSupply_LastUpdatedNotATime_FormatException()
    {
        var error = Assert.Throws<FormatException>(() => CoinPaprikaParser.ParseSupply("BTC", Utf8("""{"total_supply":1,"last_updated":"yesterday"}""")));

        Assert.Equal("ticker last_updated: 'yesterday' is not an ISO-8601 time", error.Message);
    }

    [Fact]
    public async Task SearchCurrencies_OverReplay_TheRecordedCurrencies()
    {
        var found = await replay.Http.Connect<CoinPaprikaConnector>("coinpaprika", replay.Clock).SearchCurrenciesAsync("ethereum");

        Assert.Equal(46, found.Value.Count);
        Assert.Equal("eth-ethereum", found.Value[0].Id);
        Assert.Equal("GET /v1/search?q=ethereum&c=currencies&limit=100", found.Provenance.Endpoint);
    }

    [Fact]
    public async Task GetSpotQuote_AssetOutsideTheTable_ResolvedBySymbolThroughSearch()
    {
        var (stub, http) = await StubAsync(new()
        {
            ["/v1/search"] = (200, RecordedSearch, []),
            ["/v1/tickers/etc-ethereum-classic"] = (200, Utf8(Ticker.Replace("btc-bitcoin", "etc-ethereum-classic", StringComparison.Ordinal)), []),
        });
        await using var _ = stub;
        using var __ = http;

        var quote = await Connector(http).GetSpotQuoteAsync(Instrument.Parse("ETC/USD"));

        Assert.Equal(["/v1/search?q=ETC&c=currencies&limit=100", "/v1/tickers/etc-ethereum-classic?quotes=USD"], stub.Requests.Select(r => r.PathAndQuery));
        Assert.Equal(107077.69661924685m, quote.Value.Price);
    }

    [Fact]
    public async Task GetSupply_TableAsset_NoSearchAndTheResolvedIdKept()
    {
        var (stub, http) = await StubAsync(new()
        {
            ["/v1/tickers/btc-bitcoin"] = (200, Utf8(Ticker), []),
        });
        await using var _ = stub;
        using var __ = http;
        var connector = Connector(http);

        await connector.GetSupplyAsync("btc");
        await connector.GetSupplyAsync("BTC");

        Assert.All(stub.Requests, r => Assert.Equal("/v1/tickers/btc-bitcoin?quotes=USD", r.PathAndQuery));
        Assert.Equal(2, stub.RequestCount);
    }

    [Fact]
    public async Task GetSupply_NoActiveCurrencyWithTheSymbol_RequestException()
    {
        var (stub, http) = await StubAsync(new() { ["/v1/search"] = (200, RecordedSearch, []) });
        await using var _ = stub;
        using var __ = http;

        var error = await Assert.ThrowsAsync<VenueRequestException>(() => Connector(http).GetSupplyAsync("ZZZ"));

        Assert.Contains("symbol 'ZZZ'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetSupply_404IdNotFound_RequestExceptionWithTheVenueText()
    {
        var (stub, http) = await StubAsync(new() { ["/v1/tickers/gone-coin"] = (404, Utf8("""{"error":"id not found"}"""), []) });
        await using var _ = stub;
        using var __ = http;

        var error = await Assert.ThrowsAsync<VenueRequestException>(() => Connector(http, new Dictionary<string, string> { ["GONE"] = "gone-coin" }).GetSupplyAsync("GONE"));

        Assert.Equal("id not found", error.VenueCode);
        Assert.Equal(404, error.StatusCode);
    }

    [Fact]
    public async Task Probe_429_RateLimited()
    {
        var (stub, http) = await StubAsync(new() { ["/v1/global"] = (429, Utf8("""{"error":"Too Many Requests"}"""), []) });
        await using var _ = stub;
        using var __ = http;

        var error = await Assert.ThrowsAsync<VenueRateLimitedException>(() => Connector(http).ProbeAsync());

        Assert.Contains("Too Many Requests", error.Message, StringComparison.Ordinal);
    }
}

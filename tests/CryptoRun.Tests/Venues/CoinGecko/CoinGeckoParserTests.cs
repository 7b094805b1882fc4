using System.Globalization;
using System.Text;
using CryptoRun.Domain;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues.CoinGecko;

namespace CryptoRun.Tests.Venues.CoinGecko;

public sealed class CoinGeckoParserTests
{
    private static readonly Instrument BtcUsd = Instrument.Parse("BTC/USD");

    private static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public void ParseGlobal_Recorded_ExactFiguresFromTheFile()
    {
        var global = CoinGeckoParser.ParseGlobal(File.ReadAllBytes(TestData.RestSample("coingecko", "global.response.json")));

        Assert.Equal(13574, global.ActiveCryptocurrencies);
        Assert.Equal(788, global.Markets);
        Assert.Equal("2114966447287.8857", Text(global.TotalMarketCap["usd"]));
        Assert.Equal("48189463.10125694", Text(global.TotalMarketCap["btc"]));
        Assert.Equal("147078026244.73453", Text(global.TotalVolume["usd"]));
        Assert.Equal("39.437194139609666", Text(global.MarketCapPercentage["btc"]));
        Assert.Equal("18.276794489674206", Text(global.MarketCapPercentage["eth"]));
        Assert.Equal("-5.539341145294831", Text(global.MarketCapChangePercentage24hUsd!.Value));
        Assert.Equal(1649276905000, global.UpdatedAtMs);
        Assert.Equal(61, global.TotalMarketCap.Count);
        Assert.Equal(10, global.MarketCapPercentage.Count);
        Assert.Equal((0, 49, 3376), (global.UpcomingIcos, global.OngoingIcos, global.EndedIcos));
    }

    [Fact]
    public void ParseGlobal_NoDataObject_FormatException()
    {
        var error = Assert.Throws<FormatException>(() => CoinGeckoParser.ParseGlobal(Utf8("""{"status":"ok"}""")));

        Assert.Equal("global: no 'data'", error.Message);
    }

    [Fact]
    public void ParseSimplePrice_DocumentedShape_PriceAndUpdateTimeInMilliseconds()
    {
        // Follows the documented /simple/price answer with include_24hr_vol and include_last_updated_at
        // (docs.coingecko.com "Coin Price by IDs"): {id: {vs: price, vs_24h_vol: volume, last_updated_at: unix s}}.
        var json = Utf8("""{"bitcoin":{"usd":67187.3358936566,"usd_24h_vol":31260929299.5248,"last_updated_at":1711356300}}""");

        var quote = CoinGeckoParser.ParseSimplePrice("coingecko", BtcUsd, "bitcoin", "usd", json);

        Assert.Equal("67187.3358936566", Text(quote.Price));
        Assert.Equal(1711356300000, quote.TimeMs);
        Assert.Null(quote.Volume24h);
        Assert.Null(quote.Bid);
    }

    [Fact]
    public void ParseSimplePrice_ExponentPrice_KeepsItsValue()
    {
        var quote = CoinGeckoParser.ParseSimplePrice("coingecko", Instrument.Parse("PEPE/USD"), "pepe", "usd", Utf8("""{"pepe":{"usd":1.2e-05,"last_updated_at":1711356300}}"""));

        Assert.Equal(0.000012m, quote.Price);
    }

    [Fact]
    public void ParseSimplePrice_UnknownId_RequestExceptionNamingTheId()
    {
        // CoinGecko answers an id it does not know with an empty object.
        var error = Assert.Throws<VenueRequestException>(() => CoinGeckoParser.ParseSimplePrice("coingecko", BtcUsd, "bitcoinn", "usd", Utf8("{}")));

        Assert.Contains("'bitcoinn'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseSimplePrice_CurrencyNotQuoted_RequestExceptionNamingTheCurrency()
    {
        var error = Assert.Throws<VenueRequestException>(() =>
            CoinGeckoParser.ParseSimplePrice("coingecko", Instrument.Parse("BTC/USDT"), "bitcoin", "usdt", Utf8("""{"bitcoin":{"last_updated_at":1711356300}}""")));

        Assert.Contains("no 'usdt' price", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseMarkets_DocumentedShape_SuppliesWithNullMaxAndIsoTime()
    {
        // Follows the documented /coins/markets entry (docs.coingecko.com "Coins List with Market Data").
        var json = Utf8("""
            [{"id":"ethereum","symbol":"eth","name":"Ethereum","current_price":3395.91,"circulating_supply":120070270.7906,
              "total_supply":120070270.7906,"max_supply":null,"roi":null,"last_updated":"2024-04-07T16:49:31.736Z"}]
            """);

        var supply = CoinGeckoParser.ParseMarkets("coingecko", "ETH", "ethereum", json);

        Assert.Equal("ETH", supply.Asset);
        Assert.Equal("120070270.7906", Text(supply.Circulating!.Value));
        Assert.Equal(supply.Circulating, supply.Total);
        Assert.Null(supply.Max);
        Assert.Equal(DateTimeOffset.Parse("2024-04-07T16:49:31.736Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), supply.TimeMs);
    }

    [Fact]
    public void ParseMarkets_EmptyAnswer_RequestException()
        => Assert.Throws<VenueRequestException>(() => CoinGeckoParser.ParseMarkets("coingecko", "ETH", "ethereum", Utf8("[]")));

    [Fact]
    public void ParseMarkets_SupplyNotANumber_FormatExceptionNamingTheField()
    {
        var error = Assert.Throws<FormatException>(() => CoinGeckoParser.ParseMarkets(
            "coingecko", "ETH", "ethereum", Utf8("""[{"id":"ethereum","circulating_supply":"lots","last_updated":"2024-04-07T16:49:31.736Z"}]""")));

        Assert.Equal("coins/markets 0 circulating_supply: expected a decimal number, found \"lots\"", error.Message);
    }

    [Fact]
    public void ParsePing_DocumentedBody_ReturnsWhatGeckoSays()
        => Assert.Equal("(V3) To the Moon!", CoinGeckoParser.ParsePing(Utf8("""{"gecko_says":"(V3) To the Moon!"}""")));

    [Fact]
    public void ParsePing_NotAnObject_FormatException()
        => Assert.Equal("ping: expected an object, found an array", Assert.Throws<FormatException>(() => CoinGeckoParser.ParsePing(Utf8("[]"))).Message);
}

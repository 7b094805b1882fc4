using System.Globalization;
using System.Text;
using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Venues.Binance;

namespace CryptoRun.Tests.Venues.Binance;

/// <summary>Binance parsers on small bodies written after the documented shapes.</summary>
public sealed class BinanceParserTests
{
    // GET /api/v3/klines: [openTime, open, high, low, close, volume, closeTime, quoteVolume, trades, takerBase, takerQuote, ignore]
    private const string TwoKlines = """
        [
          [1782864000000,"6.5340","6.5430","6.5300","6.5400","33013",1782864059999,"215829.8910",365,"30518","199515.0150","0"],
          [1782864060000,"6.5390","6.5390","6.5310","6.5340","6177",1782864119999,"40359.0740",259,"2004","13093.1430","0"]
        ]
        """;

    private static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public void ParseKlines_TwelveElementRows_MapsEachFieldInOrder()
    {
        var candles = BinanceParser.ParseKlines(Utf8(TwoKlines));

        Assert.Equal(2, candles.Count);
        var first = candles[0];
        Assert.Equal(1782864000000, first.OpenTimeMs);
        Assert.Equal("6.5340", Text(first.Open));
        Assert.Equal("6.5430", Text(first.High));
        Assert.Equal("6.5300", Text(first.Low));
        Assert.Equal("6.5400", Text(first.Close));
        Assert.Equal("33013", Text(first.Volume));
        Assert.Equal("215829.8910", Text(first.QuoteVolume!.Value));
        Assert.Equal(365, first.TradeCount);
        Assert.Equal(1782864060000, candles[1].OpenTimeMs);
        Assert.Equal(259, candles[1].TradeCount);
    }

    [Fact]
    public void ParseKlines_EmptyArray_IsNoCandles()
        => Assert.Empty(BinanceParser.ParseKlines("[]"u8));

    [Fact]
    public void ParseKlines_ExtraTrailingFieldsInRow_AreIgnored()
    {
        const string json = """
            [[1782864000000,"6.5340","6.5430","6.5300","6.5400","33013",1782864059999,"215829.8910",365,"30518","199515.0150","0","new",{"x":[1,2]},[3]],
             [1782864060000,"6.5390","6.5390","6.5310","6.5340","6177",1782864119999,"40359.0740",259,"2004","13093.1430","0"]]
            """;

        var candles = BinanceParser.ParseKlines(Utf8(json));

        Assert.Equal(2, candles.Count);
        Assert.Equal("6.5400", Text(candles[0].Close));
        Assert.Equal("6.5390", Text(candles[1].Open));
    }

    [Fact]
    public void ParseKlines_NumbersInsteadOfStrings_AreRead()
    {
        var candles = BinanceParser.ParseKlines("[[1782864000000,6.5340,6.5430,6.5300,6.5400,33013,1782864059999,215829.8910,\"365\",1,2,0]]"u8);

        Assert.Equal("6.5340", Text(candles[0].Open));
        Assert.Equal(365, candles[0].TradeCount);
    }

    [Fact]
    public void ParseKlines_TextPrice_ThrowsNamingKlineAndField()
    {
        var json = TwoKlines.Replace("\"6.5340\",\"6.5430\"", "\"abc\",\"6.5430\"", StringComparison.Ordinal);

        var error = Assert.Throws<FormatException>(() => BinanceParser.ParseKlines(Utf8(json)));

        Assert.Contains("kline 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("open", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"abc\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseKlines_BadValueInSecondRow_NamesKline1()
    {
        var json = TwoKlines.Replace("\"6177\"", "\"1,5\"", StringComparison.Ordinal);

        var error = Assert.Throws<FormatException>(() => BinanceParser.ParseKlines(Utf8(json)));

        Assert.Contains("kline 1 volume", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseKlines_NumberWhereRowExpected_ThrowsNamingKline()
    {
        var error = Assert.Throws<FormatException>(() => BinanceParser.ParseKlines("[1782864000000]"u8));

        Assert.Contains("kline 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("expected an array, found a number", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseKlines_ObjectInsteadOfArray_ThrowsNamingKlines()
    {
        var error = Assert.Throws<FormatException>(() => BinanceParser.ParseKlines("""{"code":-1121,"msg":"Invalid symbol."}"""u8));

        Assert.Contains("klines: expected an array, found an object", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseKlines_ShortRow_ThrowsNamingMissingField()
    {
        var error = Assert.Throws<FormatException>(() => BinanceParser.ParseKlines("""[[1782864000000,"1","2","0.5","1.5"]]"""u8));

        Assert.Contains("kline 0 volume", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseKlines_Truncated_ThrowsJsonOrFormatException()
    {
        var truncated = TwoKlines[..(TwoKlines.IndexOf("\"6.5430\"", StringComparison.Ordinal) + 4)];

        var error = Record.Exception(() => BinanceParser.ParseKlines(Utf8(truncated)));

        Assert.True(error is FormatException or JsonException, $"got {error?.GetType().Name ?? "no exception"}");
    }

    [Fact]
    public void ParseKlines_EmptyBody_Throws()
    {
        var error = Record.Exception(() => BinanceParser.ParseKlines(""u8));

        Assert.True(error is FormatException or JsonException, $"got {error?.GetType().Name ?? "no exception"}");
    }

    [Fact]
    public void ParseKlines_FractionalOpenTime_ThrowsNamingOpenTime()
    {
        var error = Assert.Throws<FormatException>(() => BinanceParser.ParseKlines("""[[1782864000000.5,"1","2","0.5","1.5","3",1782864059999,"4",1,"0","0","0"]]"""u8));

        Assert.Contains("kline 0 open time", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseAggTrades_MakerFlag_GivesTakerSide()
    {
        const string json = """
            [{"a":26129,"p":"0.01633102","q":"4.70443515","f":27781,"l":27781,"T":1498793709153,"m":true,"M":true},
             {"a":26130,"p":"0.01633103","q":"1.00000000","f":27782,"l":27782,"T":1498793709200,"m":false,"M":true,"new":{"nested":[1,2]}}]
            """;

        var trades = BinanceParser.ParseAggTrades(Utf8(json));

        Assert.Equal(2, trades.Count);
        Assert.Equal("26129", trades[0].Id);
        Assert.Equal(1498793709153, trades[0].TimeMs);
        Assert.Equal("0.01633102", Text(trades[0].Price));
        Assert.Equal("4.70443515", Text(trades[0].Size));
        Assert.Equal(TradeSide.Sell, trades[0].Side);
        Assert.Equal(TradeSide.Buy, trades[1].Side);
        Assert.Equal("1.00000000", Text(trades[1].Size));
    }

    [Fact]
    public void ParseAggTrades_NoMakerFlag_SideUnknown()
    {
        var trades = BinanceParser.ParseAggTrades("""[{"a":1,"p":"2.5","q":"3","T":1498793709153}]"""u8);

        Assert.Equal(TradeSide.Unknown, Assert.Single(trades).Side);
    }

    [Fact]
    public void ParseAggTrades_MissingPrice_ThrowsNamingTrade()
    {
        var error = Assert.Throws<FormatException>(() => BinanceParser.ParseAggTrades("""[{"a":1,"q":"3","T":1498793709153,"m":true}]"""u8));

        Assert.Contains("aggTrade 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseDepth_UnknownPropertiesAndExtraLevelFields_AreIgnored()
    {
        const string json = """
            {"lastUpdateId":1027024,"E":1589436922972,"T":1589436922959,"note":{"a":[1]},
             "bids":[["4.00000000","431.00000000","x"]],"asks":[["4.00000200","12.00000000"]],"more":[[1]]}
            """;

        var book = BinanceParser.ParseDepth(Instrument.Parse("BNB/BTC"), Utf8(json));

        Assert.Equal(1027024, book.Sequence);
        Assert.Equal(1589436922959, book.TimeMs);
        Assert.Equal("4.00000000", Text(Assert.Single(book.Bids).Price));
        Assert.Equal("12.00000000", Text(Assert.Single(book.Asks).Size));
    }

    [Fact]
    public void ParseDepth_MissingAsks_Throws()
    {
        var error = Assert.Throws<FormatException>(() => BinanceParser.ParseDepth(Instrument.Parse("BNB/BTC"), """{"lastUpdateId":1,"bids":[]}"""u8));

        Assert.Contains("asks", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseDepth_TextSize_ThrowsNamingLevel()
    {
        var error = Assert.Throws<FormatException>(() => BinanceParser.ParseDepth(Instrument.Parse("BNB/BTC"), """{"lastUpdateId":1,"bids":[["4.0","1"],["3.9","abc"]],"asks":[]}"""u8));

        Assert.Contains("bids level 1 size", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseExchangeInfo_NoSymbols_Throws()
    {
        var error = Assert.Throws<FormatException>(() => BinanceParser.ParseExchangeInfo("binance", Utf8("""{"rateLimits":[]}""")));

        Assert.Contains("symbols", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseExchangeInfo_UnknownContractTypeAndExtraFields_LeftOutWithoutFailing()
    {
        const string json = """
            {"futuresType":"U_MARGINED","symbols":[
              {"symbol":"BTCUSDT","pair":"BTCUSDT","contractType":"PERPETUAL","status":"TRADING","baseAsset":"BTC","quoteAsset":"USDT","marginAsset":"USDT","newField":[1]},
              {"symbol":"BTCUSDT_260925","contractType":"NEXT_QUARTER","status":"TRADING","baseAsset":"BTC","quoteAsset":"USDT","marginAsset":"USDT"},
              {"symbol":"XYZUSDT","contractType":"TRADIFI_PERPETUAL","status":"SETTLING","baseAsset":"XYZ","quoteAsset":"USDT","marginAsset":"USDT"}]}
            """;

        var (catalog, limits) = BinanceParser.ParseExchangeInfo("binance-usdm", Utf8(json));

        Assert.Equal("BTCUSDT", Assert.Single(catalog.Markets).VenueSymbol);
        Assert.Empty(limits);
    }

    [Fact]
    public void ParseExchangeInfo_SymbolWithNonAsciiBaseAsset_IsKeptWithTheOthers()
    {
        // Binance USD-M lists trading perpetuals whose base asset is not ASCII (币安人生USDT, 龙虾USDT).
        const string json = """
            {"symbols":[
              {"symbol":"BTCUSDT","contractType":"PERPETUAL","status":"TRADING","baseAsset":"BTC","quoteAsset":"USDT","marginAsset":"USDT"},
              {"symbol":"币安人生USDT","contractType":"PERPETUAL","status":"TRADING","baseAsset":"币安人生","quoteAsset":"USDT","marginAsset":"USDT"},
              {"symbol":"ETHUSDT","contractType":"PERPETUAL","status":"TRADING","baseAsset":"ETH","quoteAsset":"USDT","marginAsset":"USDT"}]}
            """;

        var (catalog, _) = BinanceParser.ParseExchangeInfo("binance-usdm", Utf8(json));

        Assert.Equal(["BTCUSDT", "币安人生USDT", "ETHUSDT"], catalog.Markets.Select(m => m.VenueSymbol));
        Assert.True(catalog.TryGet(Instrument.Parse("币安人生/USDT:USDT"), out var market));
        Assert.Equal("币安人生USDT", market.VenueSymbol);
    }

    [Fact]
    public void ReadError_BinanceErrorBody_GivesRequestExceptionWithVenueCode()
    {
        var error = BinanceParser.ReadError("binance", 400, Utf8("""{"code":-1121,"msg":"Invalid symbol."}"""), "GET /api/v3/klines?symbol=FOOBAR");

        var request = Assert.IsType<VenueRequestException>(error);
        Assert.Equal("-1121", request.VenueCode);
        Assert.Equal(400, request.StatusCode);
        Assert.Equal("binance", request.Venue);
        Assert.False(request.IsTransient);
        Assert.Contains("Invalid symbol.", request.Message, StringComparison.Ordinal);
        Assert.Contains("GET /api/v3/klines?symbol=FOOBAR", request.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadError_GatewayHtml_IsNullForDefaultMapping()
        => Assert.Null(BinanceParser.ReadError("binance", 502, Utf8("<html><body>Bad Gateway</body></html>"), "GET /api/v3/klines"));

    [Fact]
    public void ReadError_JsonWithoutCode_IsNull()
        => Assert.Null(BinanceParser.ReadError("binance", 400, Utf8("""{"error":"nope"}"""), "GET /api/v3/klines"));
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues.Kraken;

namespace CryptoRun.Tests.Venues.Kraken;

public sealed class KrakenParserTests
{
    private static readonly Lazy<MarketCatalog> Recorded =
        new(() => KrakenParser.ParseAssetPairs("kraken", TestData.RecordedResponse("KRAKEN.0", "/0/public/AssetPairs")));

    // GET /0/public/OHLC: rows [time (s), open, high, low, close, vwap, volume, count]; "last" = last committed open time.
    private const string Ohlc = """
        {"error":[],"result":{"XXBTZUSD":[
          [1688671200,"30306.1","30306.2","30305.7","30305.8","30306.0","3.39243896",23],
          [1688671260,"30304.5","30304.9","30300.0","30300.1","30301.7","4.42996871",18],
          [1688671320,"30300.3","30300.4","30291.4","30291.5","30294.7","2.13024789",25]],
          "last":1688671260}}
        """;

    private static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public void ParseAssetPairs_Recorded_MapsXxbtzusdToBtcUsdBothWays()
    {
        var catalog = Recorded.Value;

        var market = catalog.Get(Instrument.Parse("BTC/USD"));
        Assert.Equal("XXBTZUSD", market.VenueSymbol);
        Assert.Equal(MarketKind.Spot, market.Kind);
        Assert.True(market.IsTrading);
        Assert.True(catalog.TryGetByVenueSymbol("XXBTZUSD", out var byName));
        Assert.Equal(Instrument.Parse("BTC/USD"), byName.Instrument);
    }

    [Theory]
    [InlineData("XBTUSD")]
    [InlineData("XBT/USD")]
    [InlineData("xxbtzusd")]
    public void ParseAssetPairs_Recorded_AltnameAndWsnameFindTheSameMarket(string name)
    {
        Assert.True(Recorded.Value.TryGetByVenueSymbol(name, out var market));
        Assert.Equal("XXBTZUSD", market.VenueSymbol);
    }

    [Fact]
    public void ParseAssetPairs_Recorded_MapsXdgToDoge()
    {
        var catalog = Recorded.Value;

        Assert.Equal("XDGUSD", catalog.Get(Instrument.Parse("DOGE/USD")).VenueSymbol);
        Assert.Equal("XXDGXXBT", catalog.Get(Instrument.Parse("DOGE/BTC")).VenueSymbol);
        Assert.True(catalog.TryGetByVenueSymbol("XDG/EUR", out var euro));
        Assert.Equal(Instrument.Parse("DOGE/EUR"), euro.Instrument);
    }

    [Fact]
    public void ParseAssetPairs_Recorded_XbtAsQuoteIsBtc()
        => Assert.Equal("XETHXXBT", Recorded.Value.Get(Instrument.Parse("ETH/BTC")).VenueSymbol);

    [Fact]
    public void ParseAssetPairs_Recorded_LeavesOutDarkPoolsAndUnrepresentablePairs()
    {
        var catalog = Recorded.Value;

        // 304 pairs: 11 dark-pool ".d" pairs have no wsname, and ETH2.S/ETH is not a unified symbol.
        Assert.Equal(292, catalog.Markets.Count);
        Assert.False(catalog.TryGetByVenueSymbol("XXBTZUSD.d", out _));
        Assert.DoesNotContain(catalog.Markets, m => m.Instrument.Base == "XBT" || m.Instrument.Quote == "XBT" || m.Instrument.Base == "XDG");
    }

    [Theory]
    [InlineData("BTC", "XBT")]
    [InlineData("DOGE", "XDG")]
    [InlineData("ETH", "ETH")]
    public void ToKrakenAsset_CommonTicker_GivesKrakenName(string common, string kraken)
        => Assert.Equal(kraken, KrakenParser.ToKrakenAsset(common));

    [Fact]
    public void ParseAssetPairs_StatusNotOnline_IsNotTrading()
    {
        const string json = """
            {"error":[],"result":{
              "XXBTZUSD":{"altname":"XBTUSD","wsname":"XBT/USD","base":"XXBT","quote":"ZUSD","status":"online"},
              "XETHZUSD":{"altname":"ETHUSD","wsname":"ETH/USD","base":"XETH","quote":"ZUSD","status":"cancel_only","new_field":{"a":1}}}}
            """;

        var catalog = KrakenParser.ParseAssetPairs("kraken", Utf8(json));

        Assert.True(catalog.Get(Instrument.Parse("BTC/USD")).IsTrading);
        Assert.False(catalog.Get(Instrument.Parse("ETH/USD")).IsTrading);
    }

    [Fact]
    public void ParseOhlc_Rows_MapVolumeNotVwapAndCount()
    {
        var (candles, _) = KrakenParser.ParseOhlc("kraken", Utf8(Ohlc));

        Assert.Equal(3, candles.Count);
        var first = candles[0];
        Assert.Equal(1688671200000, first.OpenTimeMs);
        Assert.Equal("30306.1", Text(first.Open));
        Assert.Equal("30306.2", Text(first.High));
        Assert.Equal("30305.7", Text(first.Low));
        Assert.Equal("30305.8", Text(first.Close));
        Assert.Equal("3.39243896", Text(first.Volume));
        Assert.Null(first.QuoteVolume);
        Assert.Equal(23, first.TradeCount);
    }

    [Fact]
    public void ParseOhlc_RowAfterLast_IsTheCandleInProgress()
    {
        var (candles, lastCommittedMs) = KrakenParser.ParseOhlc("kraken", Utf8(Ohlc));

        Assert.Equal(1688671260000, lastCommittedMs);
        Assert.Equal([1688671200000, 1688671260000], candles.Where(c => c.OpenTimeMs <= lastCommittedMs).Select(c => c.OpenTimeMs));
        Assert.Equal(1688671320000, Assert.Single(candles, c => c.OpenTimeMs > lastCommittedMs).OpenTimeMs);
    }

    [Fact]
    public void ParseOhlc_LastAsStringAndExtraRowFieldAndUnknownObject_AreTolerated()
    {
        const string json = """
            {"error":[],"result":{"meta":{"source":"x"},"XXBTZUSD":[[1688671200,"1.5","2","1","1.8","1.6","10",3,"extra"]],"last":"1688671200"}}
            """;

        var (candles, last) = KrakenParser.ParseOhlc("kraken", Utf8(json));

        Assert.Equal("1.8", Text(Assert.Single(candles).Close));
        Assert.Equal(1688671200000, last);
    }

    [Fact]
    public void ParseOhlc_NoLast_Throws()
    {
        var error = Assert.Throws<FormatException>(() => KrakenParser.ParseOhlc("kraken", Utf8("""{"error":[],"result":{"XXBTZUSD":[]}}""")));

        Assert.Contains("last", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseOhlc_TextPrice_ThrowsNamingRowAndField()
    {
        var json = Ohlc.Replace("\"30304.9\"", "\"abc\"", StringComparison.Ordinal);

        var error = Assert.Throws<FormatException>(() => KrakenParser.ParseOhlc("kraken", Utf8(json)));

        Assert.Contains("OHLC row 1 high", error.Message, StringComparison.Ordinal);
        Assert.Contains("abc", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseOhlc_ShortRow_ThrowsNamingExpectedShape()
    {
        var error = Assert.Throws<FormatException>(() => KrakenParser.ParseOhlc("kraken", Utf8("""{"error":[],"result":{"XXBTZUSD":[[1688671200,"1","2"]],"last":1}}""")));

        Assert.Contains("OHLC row 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("[time, open, high, low, close, vwap, volume, count]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseOhlc_NumberWhereRowExpected_Throws()
    {
        var error = Assert.Throws<FormatException>(() => KrakenParser.ParseOhlc("kraken", Utf8("""{"error":[],"result":{"XXBTZUSD":[1688671200],"last":1}}""")));

        Assert.Contains("OHLC row 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseOhlc_Truncated_ThrowsJsonException()
        => Assert.ThrowsAny<JsonException>(() => KrakenParser.ParseOhlc("kraken", Utf8(Ohlc[..120])));

    [Fact]
    public void ParseOhlc_UnknownAssetPair_ThrowsRequestExceptionWithKrakenCode()
    {
        var error = Assert.Throws<VenueRequestException>(() => KrakenParser.ParseOhlc("kraken", Utf8("""{"error":["EQuery:Unknown asset pair"]}""")));

        Assert.Equal("EQuery:Unknown asset pair", error.VenueCode);
        Assert.Equal("kraken", error.Venue);
        Assert.False(error.IsTransient);
        Assert.Contains("EQuery:Unknown asset pair", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseOhlc_RateLimitError_ThrowsRateLimitedException()
    {
        var error = Assert.Throws<VenueRateLimitedException>(() => KrakenParser.ParseOhlc("kraken", Utf8("""{"error":["EAPI:Rate limit exceeded"],"result":{}}""")));

        Assert.True(error.IsTransient);
        Assert.Equal("EAPI:Rate limit exceeded", error.VenueCode);
    }

    [Fact]
    public void ParseAssetPairs_TemporaryLockout_ThrowsRateLimitedException()
        => Assert.Throws<VenueRateLimitedException>(() => KrakenParser.ParseAssetPairs("kraken", Utf8("""{"error":["EGeneral:Temporary lockout"]}""")));

    [Fact]
    public void ParseTrades_ServiceUnavailable_ThrowsUnavailableException()
    {
        var error = Assert.Throws<VenueUnavailableException>(() => KrakenParser.ParseTrades("kraken", Utf8("""{"error":["EService:Unavailable"]}""")));

        Assert.True(error.IsTransient);
    }

    [Fact]
    public void ParseOhlc_WarningOnlyErrorArrayWithResult_ReturnsCandles()
    {
        // Kraken: "result and error for successful requests or those with warnings"; severity W is a warning.
        var json = Ohlc.Replace("\"error\":[]", "\"error\":[\"WGeneral:Deprecated parameter\"]", StringComparison.Ordinal);

        var (candles, last) = KrakenParser.ParseOhlc("kraken", Utf8(json));

        Assert.Equal(3, candles.Count);
        Assert.Equal(1688671260000, last);
    }

    [Fact]
    public void ParseDepth_LevelWithoutVolume_ThrowsFormatExceptionNamingLevel()
    {
        const string json = """{"error":[],"result":{"XXBTZUSD":{"asks":[["30384.10000","2.059",1688671659]],"bids":[["30384.00000"]]}}}""";

        var error = Assert.Throws<FormatException>(() => KrakenParser.ParseDepth("kraken", Instrument.Parse("BTC/USD"), Utf8(json)));

        Assert.Contains("bids level 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseOhlc_EmptyErrorArrayWithoutResult_ThrowsFormatException()
        => Assert.Throws<FormatException>(() => KrakenParser.ParseOhlc("kraken", Utf8("""{"error":[]}""")));

    [Fact]
    public void ParseTrades_Rows_MapPriceVolumeTimeSideAndId()
    {
        const string json = """
            {"error":[],"result":{"XXBTZUSD":[
              ["30243.40000","0.34507674",1688669597.8277369,"b","m","",61044952],
              ["30243.30000","0.00376960",1688669598.2804108,"s","l","",61044953]],
              "last":"1688671969993150842"}}
            """;

        var trades = KrakenParser.ParseTrades("kraken", Utf8(json));

        Assert.Equal(2, trades.Count);
        Assert.Equal("61044952", trades[0].Id);
        Assert.Equal(1688669597827, trades[0].TimeMs);
        Assert.Equal("30243.40000", Text(trades[0].Price));
        Assert.Equal("0.34507674", Text(trades[0].Size));
        Assert.Equal(TradeSide.Buy, trades[0].Side);
        Assert.Equal("b", trades[0].RawSide);
        Assert.Equal(TradeSide.Sell, trades[1].Side);
    }

    [Fact]
    public void ParseTrades_OldRowsWithoutTradeId_UseTimeAsId()
    {
        var trades = KrakenParser.ParseTrades("kraken", Utf8("""{"error":[],"result":{"XXBTZUSD":[["1.5","2",1688669597.5,"x","l",""]],"last":"1"}}"""));

        var trade = Assert.Single(trades);
        Assert.Equal("1688669597.5", trade.Id);
        Assert.Equal(TradeSide.Unknown, trade.Side);
        Assert.Equal(1688669597500, trade.TimeMs);
    }

    [Fact]
    public void ParseDepth_Book_KeepsVenueDigits()
    {
        const string json = """
            {"error":[],"result":{"XXBTZUSD":{"asks":[["30384.10000","2.059",1688671659]],
              "bids":[["30384.00000","1.000",1688671658],["30383.90000","0.500",1688671650]]}}}
            """;

        var book = KrakenParser.ParseDepth("kraken", Instrument.Parse("BTC/USD"), Utf8(json));

        Assert.Equal("30384.10000", Text(Assert.Single(book.Asks).Price));
        Assert.Equal(2, book.Bids.Count);
        Assert.Equal("30384.00000", Text(book.Bids[0].Price));
        Assert.Equal("1.000", Text(book.Bids[0].Size));
        Assert.Null(book.Sequence);
    }

    [Fact]
    public void ParseDepth_NoBook_Throws()
        => Assert.Throws<FormatException>(() => KrakenParser.ParseDepth("kraken", Instrument.Parse("BTC/USD"), Utf8("""{"error":[],"result":{}}""")));

    [Fact]
    public void ReadError_EnvelopeOnHttpError_KeepsStatusAndCode()
    {
        var error = KrakenParser.ReadError("kraken", 400, Utf8("""{"error":["EQuery:Unknown asset pair"]}"""));

        var request = Assert.IsType<VenueRequestException>(error);
        Assert.Equal(400, request.StatusCode);
        Assert.Contains("EQuery:Unknown asset pair", request.VenueCode, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadError_NotJson_IsNull()
        => Assert.Null(KrakenParser.ReadError("kraken", 503, Utf8("Service Unavailable")));
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues.Okx;

namespace CryptoRun.Tests.Venues.Okx;

public sealed class OkxParserTests
{
    private static readonly Lazy<List<Market>> RecordedSpot =
        new(() => OkxParser.ParseInstruments("okx", TestData.RecordedResponse("OKX.0", "instType=SPOT")));

    private static readonly Lazy<List<Market>> RecordedSwap =
        new(() => OkxParser.ParseInstruments("okx", TestData.RecordedResponse("OKX.0", "instType=SWAP")));

    // GET /api/v5/market/candles: rows [ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm] as strings, newest first.
    private const string Candles = """
        {"code":"0","msg":"","data":[
          ["1782864060000","8533.02","8553.74","8527.17","8548.26","45247","529.5858061","4529585.8061","0"],
          ["1782864000000","8531.87","8538.0","8526.0","8533.02","1234","10.5","89500.12","1"]]}
        """;

    private static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static MarketCatalog Catalog() => new("okx", RecordedSpot.Value.Concat(RecordedSwap.Value));

    [Fact]
    public void ParseInstruments_RecordedSpot_MapsBtcUsdtBothWays()
    {
        var catalog = Catalog();

        var market = catalog.Get(Instrument.Parse("BTC/USDT"));
        Assert.Equal("BTC-USDT", market.VenueSymbol);
        Assert.Equal(MarketKind.Spot, market.Kind);
        Assert.Equal("SPOT", market.RawKind);
        Assert.True(market.IsTrading);
        Assert.True(catalog.TryGetByVenueSymbol("BTC-USDT", out var byId));
        Assert.Equal(Instrument.Parse("BTC/USDT"), byId.Instrument);
        Assert.Equal(513, RecordedSpot.Value.Count);
    }

    [Fact]
    public void ParseInstruments_RecordedLinearSwap_IsPerpetualSettledInUsdt()
    {
        var catalog = Catalog();

        Assert.True(catalog.TryGetByVenueSymbol("BTC-USDT-SWAP", out var market));
        Assert.Equal(Instrument.Parse("BTC/USDT:USDT"), market.Instrument);
        Assert.Equal(MarketKind.Perpetual, market.Kind);
        Assert.Equal("SWAP", market.RawKind);
        Assert.Equal("BTC-USDT-SWAP", catalog.Get(Instrument.Parse("BTC/USDT:USDT")).VenueSymbol);
    }

    [Fact]
    public void ParseInstruments_RecordedInverseSwap_SettlesInBase()
    {
        var catalog = Catalog();

        Assert.Equal("BTC-USD-SWAP", catalog.Get(Instrument.Parse("BTC/USD:BTC")).VenueSymbol);
        Assert.Equal("ETH-USD-SWAP", catalog.Get(Instrument.Parse("ETH/USD:ETH")).VenueSymbol);
    }

    [Fact]
    public void ParseInstruments_RecordedSwaps_AllPerpetualAndCounted()
    {
        // 166 swaps: 126 linear (USDT) and 40 inverse (coin-settled).
        Assert.Equal(166, RecordedSwap.Value.Count);
        Assert.Equal(126, RecordedSwap.Value.Count(m => m.Instrument.Settle == "USDT"));
        Assert.All(RecordedSwap.Value, m => Assert.True(m.Instrument.IsPerpetual));
    }

    [Fact]
    public void ParseInstruments_RecordedFutures_AreLeftOut()
        => Assert.Empty(OkxParser.ParseInstruments("okx", TestData.RecordedResponse("OKX.0", "instType=FUTURES")));

    [Fact]
    public void ParseInstruments_SuspendedState_IsNotTrading()
    {
        const string json = """
            {"code":"0","msg":"","data":[{"instType":"SPOT","instId":"LUNA-USDT","baseCcy":"LUNA","quoteCcy":"USDT","state":"suspend","newField":{"a":1}}]}
            """;

        Assert.False(Assert.Single(OkxParser.ParseInstruments("okx", Utf8(json))).IsTrading);
    }

    [Fact]
    public void ParseInstruments_UnknownInstrumentCode_ThrowsRequestException()
    {
        var error = Assert.Throws<VenueRequestException>(() => OkxParser.ParseInstruments("okx", Utf8("""{"code":"51001","msg":"Instrument ID does not exist","data":[]}""")));

        Assert.Equal("51001", error.VenueCode);
    }

    [Fact]
    public void ParseCandles_NewestFirstRows_ReturnedOldestFirstWithConfirmFlag()
    {
        var rows = OkxParser.ParseCandles("okx", Utf8(Candles));

        Assert.Equal(2, rows.Count);
        Assert.Equal(1782864000000, rows[0].Candle.OpenTimeMs);
        Assert.True(rows[0].Confirmed);
        Assert.Equal(1782864060000, rows[1].Candle.OpenTimeMs);
        Assert.False(rows[1].Confirmed);
    }

    [Fact]
    public void ParseCandles_Row_MapsVolAndVolCcyQuote()
    {
        var candle = OkxParser.ParseCandles("okx", Utf8(Candles))[0].Candle;

        Assert.Equal("8531.87", Text(candle.Open));
        Assert.Equal("8538.0", Text(candle.High));
        Assert.Equal("8526.0", Text(candle.Low));
        Assert.Equal("8533.02", Text(candle.Close));
        Assert.Equal("1234", Text(candle.Volume));
        Assert.Equal("89500.12", Text(candle.QuoteVolume!.Value));
        Assert.Null(candle.TradeCount);
    }

    [Fact]
    public void ParseCandles_ExtraTrailingFieldAndUnknownProperty_AreTolerated()
    {
        const string json = """
            {"code":"0","msg":"","extra":{"a":[1,2]},"data":[["1782864000000","1","2","0.5","1.5","10","15","15","1","new"]]}
            """;

        var row = Assert.Single(OkxParser.ParseCandles("okx", Utf8(json)));

        Assert.True(row.Confirmed);
        Assert.Equal(1.5m, row.Candle.Close);
    }

    [Fact]
    public void ParseCandles_UnknownInstrumentWithHttp200_ThrowsRequestException()
    {
        var error = Assert.Throws<VenueRequestException>(() => OkxParser.ParseCandles("okx", """{"code":"51001","msg":"Instrument ID does not exist","data":[]}"""u8));

        Assert.Equal("51001", error.VenueCode);
        Assert.Equal("okx", error.Venue);
        Assert.False(error.IsTransient);
        Assert.Contains("Instrument ID does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseCandles_TooManyRequests_ThrowsRateLimitedException()
    {
        var error = Assert.Throws<VenueRateLimitedException>(() => OkxParser.ParseCandles("okx", """{"msg":"Too Many Requests","code":"50011","data":[]}"""u8));

        Assert.Equal("50011", error.VenueCode);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public void ParseTrades_ServiceUnavailable_ThrowsUnavailableException()
        => Assert.Throws<VenueUnavailableException>(() => OkxParser.ParseTrades("okx", Utf8("""{"code":"50001","msg":"Service temporarily unavailable","data":[]}""")));

    [Fact]
    public void ParseCandles_NoCode_Throws()
    {
        var error = Assert.Throws<FormatException>(() => OkxParser.ParseCandles("okx", """{"data":[]}"""u8));

        Assert.Contains("code", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseCandles_TextPrice_ThrowsNamingCandleAndField()
    {
        var json = Candles.Replace("\"8538.0\"", "\"abc\"", StringComparison.Ordinal);

        var error = Assert.Throws<FormatException>(() => OkxParser.ParseCandles("okx", Utf8(json)));

        Assert.Contains("candle 1 h", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"abc\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseCandles_NumberWhereRowExpected_ThrowsNamingCandle()
    {
        var error = Assert.Throws<FormatException>(() => OkxParser.ParseCandles("okx", """{"code":"0","msg":"","data":[1782864000000]}"""u8));

        Assert.Contains("candle 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseCandles_Truncated_ThrowsJsonOrFormatException()
    {
        var error = Record.Exception(() => OkxParser.ParseCandles("okx", Utf8(Candles[..80])));

        Assert.True(error is FormatException or JsonException, $"got {error?.GetType().Name ?? "no exception"}");
    }

    [Fact]
    public void ParseTrades_NewestFirst_ReturnedOldestFirstWithTakerSide()
    {
        const string json = """
            {"code":"0","msg":"","data":[
              {"instId":"BTC-USDT","tradeId":"338476321","px":"30242.1","sz":"0.001","side":"sell","ts":"1652459227300"},
              {"instId":"BTC-USDT","tradeId":"338476320","px":"30242","sz":"0.00100","side":"buy","ts":"1652459227219","count":"1"}]}
            """;

        var trades = OkxParser.ParseTrades("okx", Utf8(json));

        Assert.Equal(2, trades.Count);
        Assert.Equal("338476320", trades[0].Id);
        Assert.Equal(1652459227219, trades[0].TimeMs);
        Assert.Equal(TradeSide.Buy, trades[0].Side);
        Assert.Equal("0.00100", Text(trades[0].Size));
        Assert.Equal(TradeSide.Sell, trades[1].Side);
        Assert.Equal("30242.1", Text(trades[1].Price));
    }

    [Fact]
    public void ParseTrades_TextPrice_ThrowsNamingTrade()
    {
        var error = Assert.Throws<FormatException>(() => OkxParser.ParseTrades("okx", Utf8("""{"code":"0","msg":"","data":[{"tradeId":"1","px":"abc","sz":"1","side":"buy","ts":"1"}]}""")));

        Assert.Contains("trade 0 px", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseBook_FirstDataEntry_ReadsLevelsOrdersAndTime()
    {
        const string json = """
            {"code":"0","msg":"","data":[{"asks":[["41006.8","0.60038921","0","1"]],"bids":[["41006.3","0.30178218","0","2"],["41006.1","0.10000000","0","3"]],"ts":"1629966436396"}]}
            """;

        var book = OkxParser.ParseBook("okx", Instrument.Parse("BTC/USDT"), Utf8(json));

        Assert.Equal(1629966436396, book.TimeMs);
        Assert.Null(book.Sequence);
        Assert.Equal("41006.8", Text(Assert.Single(book.Asks).Price));
        Assert.Equal(1, book.Asks[0].OrderCount);
        Assert.Equal(2, book.Bids.Count);
        Assert.Equal("0.30178218", Text(book.Bids[0].Size));
        Assert.Equal(3, book.Bids[1].OrderCount);
    }

    [Fact]
    public void ParseBook_LevelWithoutSize_ThrowsFormatExceptionNamingLevel()
    {
        var error = Assert.Throws<FormatException>(() => OkxParser.ParseBook("okx", Instrument.Parse("BTC/USDT"), Utf8("""{"code":"0","msg":"","data":[{"asks":[["41006.8"]],"bids":[],"ts":"1629966436396"}]}""")));

        Assert.Contains("asks level 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseBook_EmptyData_Throws()
        => Assert.Throws<FormatException>(() => OkxParser.ParseBook("okx", Instrument.Parse("BTC/USDT"), Utf8("""{"code":"0","msg":"","data":[]}""")));

    [Fact]
    public void ReadError_EnvelopeOn400_KeepsStatusAndCode()
    {
        var error = OkxParser.ReadError("okx", 400, Utf8("""{"code":"51000","msg":"Parameter bar error","data":[]}"""), "GET /api/v5/market/candles?instId=BTC-USDT&bar=7m");

        var request = Assert.IsType<VenueRequestException>(error);
        Assert.Equal(400, request.StatusCode);
        Assert.Equal("51000", request.VenueCode);
        Assert.Contains("Parameter bar error", request.Message, StringComparison.Ordinal);
        Assert.Contains("GET /api/v5/market/candles", request.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadError_RateLimitEnvelopeOn429_IsRateLimited()
        => Assert.IsType<VenueRateLimitedException>(OkxParser.ReadError("okx", 429, Utf8("""{"code":"50011","msg":"Too Many Requests"}"""), "GET /api/v5/market/candles"));

    [Fact]
    public void ReadError_NotJson_IsNull()
        => Assert.Null(OkxParser.ReadError("okx", 502, Utf8("<html/>"), "GET /api/v5/market/candles"));
}

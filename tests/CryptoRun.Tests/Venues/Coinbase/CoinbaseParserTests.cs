using System.Globalization;
using System.Text;
using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues.Coinbase;

namespace CryptoRun.Tests.Venues.Coinbase;

public sealed class CoinbaseParserTests
{
    private static readonly Lazy<MarketCatalog> Recorded =
        new(() => CoinbaseParser.ParseProducts("coinbase", TestData.RecordedResponse("COINBASE.0", "/products")));

    // GET /products/{id}/candles: rows [time (s), low, high, open, close, volume] as JSON numbers, newest first.
    private const string Candles = """
        [[1607747760,18290.5,18310.25,18299.03,18302.43,0.13180145],
         [1607747700,18280.0,18300.23,18295.01,18298.6,0.40419607]]
        """;

    private static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public void ParseProducts_Recorded_MapsBtcUsdBothWays()
    {
        var catalog = Recorded.Value;

        var market = catalog.Get(Instrument.Parse("BTC/USD"));
        Assert.Equal("BTC-USD", market.VenueSymbol);
        Assert.Equal(MarketKind.Spot, market.Kind);
        Assert.True(market.IsTrading);
        Assert.True(catalog.TryGetByVenueSymbol("BTC-USD", out var byId));
        Assert.Equal(Instrument.Parse("BTC/USD"), byId.Instrument);
    }

    [Fact]
    public void ParseProducts_Recorded_KeepsAllProductsOnline()
    {
        var catalog = Recorded.Value;

        // 162 products in the 2021 recording, all "online" and not trading_disabled.
        Assert.Equal(162, catalog.Markets.Count);
        Assert.All(catalog.Markets, m => Assert.True(m.IsTrading, m.VenueSymbol));
        Assert.Equal("WBTC-BTC", catalog.Get(Instrument.Parse("WBTC/BTC")).VenueSymbol);
    }

    [Fact]
    public void ParseProducts_TradingFlags_DecideIsTrading()
    {
        const string json = """
            [{"id":"BTC-USD","base_currency":"BTC","quote_currency":"USD","status":"online","trading_disabled":false},
             {"id":"ETH-USD","base_currency":"ETH","quote_currency":"USD","status":"online","trading_disabled":true},
             {"id":"XRP-USD","base_currency":"XRP","quote_currency":"USD","status":"delisted","trading_disabled":false},
             {"id":"SOL-USD","base_currency":"SOL","quote_currency":"USD","fx_stablecoin":false,"new":{"a":[1]}}]
            """;

        var catalog = CoinbaseParser.ParseProducts("coinbase", Utf8(json));

        Assert.True(catalog.Get(Instrument.Parse("BTC/USD")).IsTrading);
        Assert.False(catalog.Get(Instrument.Parse("ETH/USD")).IsTrading);
        Assert.False(catalog.Get(Instrument.Parse("XRP/USD")).IsTrading);
        Assert.True(catalog.Get(Instrument.Parse("SOL/USD")).IsTrading);
    }

    [Fact]
    public void ParseProducts_EntryWithoutId_Throws()
    {
        var error = Assert.Throws<FormatException>(() => CoinbaseParser.ParseProducts("coinbase", Utf8("""[{"base_currency":"BTC","quote_currency":"USD"}]""")));

        Assert.Contains("without id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseCandles_NewestFirstRows_ReturnedOldestFirstWithLowHighOpenCloseOrder()
    {
        var candles = CoinbaseParser.ParseCandles(Utf8(Candles));

        Assert.Equal(2, candles.Count);
        Assert.Equal(1607747700000, candles[0].OpenTimeMs);
        Assert.Equal(1607747760000, candles[1].OpenTimeMs);
        var newest = candles[1];
        Assert.Equal("18299.03", Text(newest.Open));
        Assert.Equal("18310.25", Text(newest.High));
        Assert.Equal("18290.5", Text(newest.Low));
        Assert.Equal("18302.43", Text(newest.Close));
        Assert.Equal("0.13180145", Text(newest.Volume));
        Assert.Null(newest.QuoteVolume);
        Assert.Null(newest.TradeCount);
    }

    [Fact]
    public void ParseCandles_JsonNumbers_KeepTheirWrittenDigits()
    {
        var oldest = CoinbaseParser.ParseCandles(Utf8(Candles))[0];

        Assert.Equal("18280.0", Text(oldest.Low));
        Assert.Equal("18298.6", Text(oldest.Close));
    }

    [Fact]
    public void ParseCandles_ExponentVolume_IsRead()
        => Assert.Equal(0.000015m, CoinbaseParser.ParseCandles("[[1607747760,1,2,1.5,1.6,1.5e-5]]"u8)[0].Volume);

    [Fact]
    public void ParseCandles_ExtraTrailingField_IsIgnored()
    {
        var candle = Assert.Single(CoinbaseParser.ParseCandles("[[1607747760,1,2,1.5,1.6,7,\"extra\",[1]]]"u8));

        Assert.Equal(7m, candle.Volume);
    }

    [Fact]
    public void ParseCandles_TextLow_ThrowsNamingCandleAndField()
    {
        var error = Assert.Throws<FormatException>(() => CoinbaseParser.ParseCandles("""[[1607747760,"abc",2,1.5,1.6,7]]"""u8));

        Assert.Contains("candle 0 low", error.Message, StringComparison.Ordinal);
        Assert.Contains("abc", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseCandles_ErrorObjectInsteadOfArray_Throws()
    {
        var error = Assert.Throws<FormatException>(() => CoinbaseParser.ParseCandles("""{"message":"NotFound"}"""u8));

        Assert.Contains("candles", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseCandles_Truncated_ThrowsJsonOrFormatException()
    {
        var error = Record.Exception(() => CoinbaseParser.ParseCandles(Utf8(Candles[..40])));

        Assert.True(error is FormatException or JsonException, $"got {error?.GetType().Name ?? "no exception"}");
    }

    [Fact]
    public void ParseTrades_MakerSide_GivesOppositeTakerSideOldestFirst()
    {
        const string json = """
            [{"time":"2021-04-17T16:43:37.270697Z","trade_id":82008,"price":"0.5762","size":"335","side":"sell"},
             {"time":"2021-04-17T16:43:36.100Z","trade_id":82007,"price":"0.5760","size":"10.50","side":"buy","new":1}]
            """;

        var trades = CoinbaseParser.ParseTrades(Utf8(json));

        Assert.Equal(2, trades.Count);
        Assert.Equal("82007", trades[0].Id);
        Assert.Equal(1618677816100, trades[0].TimeMs);
        Assert.Equal(TradeSide.Sell, trades[0].Side);
        Assert.Equal("buy", trades[0].RawSide);
        Assert.Equal("10.50", Text(trades[0].Size));
        Assert.Equal("82008", trades[1].Id);
        Assert.Equal(1618677817270, trades[1].TimeMs);
        Assert.Equal(TradeSide.Buy, trades[1].Side);
        Assert.Equal("0.5762", Text(trades[1].Price));
    }

    [Fact]
    public void ParseTrades_BadTime_ThrowsNamingTrade()
    {
        var error = Assert.Throws<FormatException>(() => CoinbaseParser.ParseTrades(Utf8("""[{"time":"yesterday","trade_id":1,"price":"1","size":"1","side":"buy"}]""")));

        Assert.Contains("trade 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("yesterday", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseBook_Level2_ReadsSequenceAndOrderCounts()
    {
        const string json = """
            {"bids":[["18299.03","0.5",3],["18299.00","1.00000000",1]],"asks":[["18299.04","1.25",1]],"sequence":13051505638,"auction_mode":false,"auction":null,"time":"2020-12-12T04:36:01.123Z"}
            """;

        var book = CoinbaseParser.ParseBook(Instrument.Parse("BTC/USD"), Utf8(json));

        Assert.Equal(13051505638, book.Sequence);
        Assert.Equal(DateTimeOffset.Parse("2020-12-12T04:36:01.123Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), book.TimeMs);
        Assert.Equal("18299.03", Text(book.Bids[0].Price));
        Assert.Equal(3, book.Bids[0].OrderCount);
        Assert.Equal("1.00000000", Text(book.Bids[1].Size));
        Assert.Equal("1.25", Text(Assert.Single(book.Asks).Size));
    }

    [Fact]
    public void ParseBook_LevelWithoutSize_ThrowsFormatExceptionNamingLevel()
    {
        var error = Assert.Throws<FormatException>(() => CoinbaseParser.ParseBook(Instrument.Parse("BTC/USD"), Utf8("""{"bids":[["18299.03"]],"asks":[],"sequence":1}""")));

        Assert.Contains("bids level 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadError_MessageBody_GivesRequestException()
    {
        var error = CoinbaseParser.ReadError("coinbase", 404, Utf8("""{"message":"NotFound"}"""), "GET /products/FOO-BAR/candles");

        var request = Assert.IsType<VenueRequestException>(error);
        Assert.Equal(404, request.StatusCode);
        Assert.Equal("NotFound", request.VenueCode);
        Assert.Contains("GET /products/FOO-BAR/candles", request.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadError_NotJson_IsNull()
        => Assert.Null(CoinbaseParser.ReadError("coinbase", 502, Utf8("<html>bad gateway</html>"), "GET /products"));
}

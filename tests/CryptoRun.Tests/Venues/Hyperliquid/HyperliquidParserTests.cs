using System.Globalization;
using System.Text;
using CryptoRun.Domain;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues.Hyperliquid;

namespace CryptoRun.Tests.Venues.Hyperliquid;

/// <summary>The Hyperliquid /info parsers on the recorded hyperliquid-python-sdk answers (rest-samples/hyperliquid).</summary>
public sealed class HyperliquidParserTests
{
    private static byte[] Recorded(string file) => File.ReadAllBytes(TestData.RestSample("hyperliquid", file));

    private static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public void ParseMeta_Recorded_Lists28PerpetualsSettledInUsdc()
    {
        var markets = HyperliquidParser.ParseMeta(Recorded("test_get_l2_snapshot.0.meta.response.json"));
        var catalog = new MarketCatalog("hyperliquid", markets);

        Assert.Equal(28, markets.Count);
        Assert.All(markets, m => Assert.Equal(MarketKind.Perpetual, m.Kind));
        Assert.All(markets, m => Assert.True(m.IsTrading));
        Assert.Equal("BTC", catalog.Get(Instrument.Parse("BTC/USDC:USDC")).VenueSymbol);
        Assert.Equal("DYDX", catalog.Get(Instrument.Parse("DYDX/USDC:USDC")).VenueSymbol);
    }

    [Fact]
    public void ParseMeta_RecordedLowerCaseCoin_IsUpperCasedButKeepsItsVenueName()
    {
        var catalog = new MarketCatalog("hyperliquid", HyperliquidParser.ParseMeta(Recorded("test_get_l2_snapshot.0.meta.response.json")));

        Assert.Equal("kPEPE", catalog.Get(Instrument.Parse("KPEPE/USDC:USDC")).VenueSymbol);
        Assert.True(catalog.TryGetByVenueSymbol("kPEPE", out var market));
        Assert.Equal("KPEPE/USDC:USDC", market.Instrument.Symbol);
    }

    [Fact]
    public void ParseMeta_DelistedAndBuilderDexCoins_DelistedIsNotTradingAndDexPrefixedIsLeftOut()
    {
        // Follows the documented meta shape (hyperliquid-docs, Info endpoint / Perpetuals): universe entries with
        // name, szDecimals, maxLeverage and the optional isDelisted; newer fields are ignored.
        var json = Utf8("""
            {"universe":[{"name":"BTC","szDecimals":5,"maxLeverage":40,"marginTableId":56},
                         {"name":"LUNA","szDecimals":1,"maxLeverage":3,"isDelisted":true},
                         {"name":"xyz:HOOD","szDecimals":2,"maxLeverage":10}],
             "marginTables":[[56,{"description":"","marginTiers":[]}]]}
            """);

        var markets = HyperliquidParser.ParseMeta(json);

        Assert.Equal(["BTC", "LUNA"], markets.Select(m => m.VenueSymbol));
        Assert.True(markets[0].IsTrading);
        Assert.False(markets[1].IsTrading);
    }

    [Fact]
    public void ParseMeta_EntryWithoutName_FormatExceptionNamingTheEntry()
    {
        var error = Assert.Throws<FormatException>(() => HyperliquidParser.ParseMeta(Utf8("""{"universe":[{"name":"BTC"},{"szDecimals":2}]}""")));

        Assert.Equal("meta universe 1: no 'name'", error.Message);
    }

    [Fact]
    public void ParseAllMids_Recorded_KeepsTheVenueDigits()
    {
        var mids = HyperliquidParser.ParseAllMids(Recorded("test_get_all_mids.0.allMids.response.json"));

        Assert.Equal(28, mids.Count);
        Assert.Equal("30135.0", Text(mids["BTC"]));
        Assert.Equal("0.001565", Text(mids["kPEPE"]));
        Assert.Equal("1903.95", Text(mids["ETH"]));
    }

    [Fact]
    public void ParseL2Book_RecordedDydx_TwentyLevelsPerSideBestFirstWithOrderCounts()
    {
        var instrument = Instrument.Parse("DYDX/USDC:USDC");

        var book = HyperliquidParser.ParseL2Book("hyperliquid", instrument, "DYDX", Recorded("test_get_l2_snapshot.1.l2Book.response.json"));

        Assert.Equal(20, book.Bids.Count);
        Assert.Equal(20, book.Asks.Count);
        Assert.Equal(1689630203930, book.TimeMs);
        Assert.Null(book.Sequence);
        Assert.Equal(new BookLevel(2.111m, 134.4m, 1), book.BestBid);
        Assert.Equal("134.4", Text(book.BestBid!.Value.Size));
        Assert.Equal(new BookLevel(2.1124m, 352.3m, 2), book.BestAsk);
        Assert.Equal("2397.0", Text(book.Bids[^1].Size));
        Assert.True(book.Bids.Zip(book.Bids.Skip(1)).All(p => p.First.Price > p.Second.Price));
        Assert.True(book.Asks.Zip(book.Asks.Skip(1)).All(p => p.First.Price < p.Second.Price));
    }

    [Fact]
    public void ParseL2Book_VenueAnswersNull_RequestExceptionNamingTheCoin()
    {
        var error = Assert.Throws<VenueRequestException>(() =>
            HyperliquidParser.ParseL2Book("hyperliquid", Instrument.Parse("NOPE/USDC:USDC"), "NOPE", Utf8("null")));

        Assert.Contains("'NOPE'", error.Message, StringComparison.Ordinal);
        Assert.Equal("hyperliquid", error.Venue);
    }

    [Fact]
    public void ParseL2Book_LevelWithoutPrice_FormatExceptionNamingTheLevel()
    {
        var error = Assert.Throws<FormatException>(() => HyperliquidParser.ParseL2Book(
            "hyperliquid", Instrument.Parse("BTC/USDC:USDC"), "BTC", Utf8("""{"coin":"BTC","time":1,"levels":[[{"px":"1.0","sz":"2","n":1}],[{"sz":"2","n":1}]]}""")));

        Assert.Equal("ask level 0: no 'px'", error.Message);
    }

    [Fact]
    public void ParseCandles_RecordedKpepe1h_24CandlesWithVenueDigitsAndTradeCounts()
    {
        var candles = HyperliquidParser.ParseCandles("hyperliquid", "kPEPE", Recorded("test_get_candles_snapshot.1.candleSnapshot.response.json"));

        Assert.Equal(24, candles.Count);
        Assert.Equal(new Candle(1684699200000, 0.001601m, 0.001616m, 0.001601m, 0.001604m, 520665683.0m, null, 709), candles[0]);
        Assert.Equal("520665683.0", Text(candles[0].Volume));
        Assert.Equal(1684782000000, candles[^1].OpenTimeMs);
        Assert.Equal("0.00154", Text(candles[^1].Close));
        Assert.Equal(430, candles[^1].TradeCount);
        Assert.True(candles.Zip(candles.Skip(1)).All(p => p.Second.OpenTimeMs - p.First.OpenTimeMs == 3_600_000));
    }

    [Fact]
    public void ParseCandles_PriceNotANumber_FormatExceptionNamingCandleAndField()
    {
        var error = Assert.Throws<FormatException>(() => HyperliquidParser.ParseCandles(
            "hyperliquid", "BTC", Utf8("""[{"t":1,"T":2,"s":"BTC","i":"1m","o":"abc","c":"1","h":"1","l":"1","v":"1","n":1}]""")));

        Assert.Equal("candle 0 o: expected a decimal number, found \"abc\"", error.Message);
    }

    [Fact]
    public void ParseCandles_VenueAnswersNull_RequestException()
        => Assert.Throws<VenueRequestException>(() => HyperliquidParser.ParseCandles("hyperliquid", "NOPE", Utf8("null")));

    [Fact]
    public void ParseFundingHistory_RecordedBtc_34RowsOldestFirstWithExactRates()
    {
        var instrument = Instrument.Parse("BTC/USDC:USDC");

        var rates = HyperliquidParser.ParseFundingHistory(instrument, Recorded("test_get_funding_history1684811870000.1.fundingHistory.response.json"));

        Assert.Equal(34, rates.Count);
        Assert.Equal(new FundingRate(instrument, 1683849600048, -0.00061334m), rates[0]);
        Assert.Equal(new FundingRate(instrument, 1684800000022, -0.00018991m), rates[^1]);
        Assert.Equal("0.0001", Text(rates[16].Rate));
        Assert.True(rates.Zip(rates.Skip(1)).All(p => p.First.TimeMs < p.Second.TimeMs));
    }

    [Fact]
    public void ParseFundingHistory_RowWithoutRate_FormatExceptionNamingTheRow()
    {
        var error = Assert.Throws<FormatException>(() => HyperliquidParser.ParseFundingHistory(
            Instrument.Parse("BTC/USDC:USDC"), Utf8("""[{"coin":"BTC","fundingRate":"0.0001","time":1},{"coin":"BTC","premium":"0","time":2}]""")));

        Assert.Equal("funding 1: no 'fundingRate'", error.Message);
    }

    [Fact]
    public void ParseRecentTrades_DocumentedShape_AggressorSidesOldestFirst()
    {
        // Follows the recentTrades shape in the nktkas/hyperliquid SDK schema and nautilus-hyperliquid's test data:
        // {coin, side "B"|"A" (aggressor), px, sz, time, hash, tid, users}, newest first.
        var json = Utf8("""
            [{"coin":"BTC","side":"A","px":"104320.0","sz":"0.01500","hash":"0x03","time":1769916002000,"tid":300003,"users":["0xb","0xs"]},
             {"coin":"BTC","side":"B","px":"104310.5","sz":"0.02000","hash":"0x02","time":1769916001000,"tid":300002,"users":["0xb","0xs"]},
             {"coin":"BTC","side":"X","px":"104300.0","sz":"0.00500","hash":"0x01","time":1769916000000,"tid":300001,"users":["0xb","0xs"]}]
            """);

        var trades = HyperliquidParser.ParseRecentTrades(json);

        Assert.Equal(["300001", "300002", "300003"], trades.Select(t => t.Id));
        Assert.Equal(TradeSide.Unknown, trades[0].Side);
        Assert.Equal("X", trades[0].RawSide);
        Assert.Equal(TradeSide.Buy, trades[1].Side);
        Assert.Equal(TradeSide.Sell, trades[2].Side);
        Assert.Equal("0.01500", Text(trades[2].Size));
        Assert.Equal(1769916002000, trades[2].TimeMs);
    }
}

using System.Globalization;
using CryptoRun.Domain;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues.Binance;

namespace CryptoRun.Tests.Venues.Binance;

/// <summary>Binance parsers on real responses recorded by cryptofeed (ws-captures/v1).</summary>
public sealed class BinanceParserRecordedTests
{
    private static readonly Lazy<(MarketCatalog Catalog, IReadOnlyList<BinanceRateLimit> RateLimits)> Spot =
        new(() => BinanceParser.ParseExchangeInfo("binance", TestData.RecordedResponse("BINANCE.0", "/api/v3/exchangeInfo")));

    private static readonly Lazy<(MarketCatalog Catalog, IReadOnlyList<BinanceRateLimit> RateLimits)> UsdM =
        new(() => BinanceParser.ParseExchangeInfo("binance-usdm", TestData.RecordedResponse("BINANCE_FUTURES.0", "/fapi/v1/exchangeInfo")));

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public void ParseExchangeInfo_RecordedSpot_MapsBtcUsdtBothWays()
    {
        var catalog = Spot.Value.Catalog;

        var market = catalog.Get(Instrument.Parse("BTC/USDT"));
        Assert.Equal("BTCUSDT", market.VenueSymbol);
        Assert.Equal(MarketKind.Spot, market.Kind);
        Assert.Equal("SPOT", market.RawKind);
        Assert.True(market.IsTrading);

        Assert.True(catalog.TryGetByVenueSymbol("BTCUSDT", out var bySymbol));
        Assert.Equal(Instrument.Parse("BTC/USDT"), bySymbol.Instrument);
    }

    [Fact]
    public void ParseExchangeInfo_RecordedSpot_KeepsEverySymbolWithStatus()
    {
        var catalog = Spot.Value.Catalog;

        // 1695 symbols in the recording, 1262 of them TRADING, the rest on BREAK.
        Assert.Equal(1695, catalog.Markets.Count);
        Assert.Equal(1262, catalog.Markets.Count(m => m.IsTrading));
        Assert.True(catalog.TryGetByVenueSymbol("BCCBTC", out var halted));
        Assert.False(halted.IsTrading);
        Assert.Equal("binance", catalog.Venue);
        Assert.All(catalog.Markets, m => Assert.False(m.Instrument.IsPerpetual));
    }

    [Fact]
    public void ParseExchangeInfo_RecordedSpot_ReadsRequestWeight1200PerMinute()
    {
        var limits = Spot.Value.RateLimits;

        Assert.Equal(4, limits.Count);
        Assert.Equal(new BinanceRateLimit("REQUEST_WEIGHT", "MINUTE", 1, 1200), limits[0]);
        Assert.Contains(new BinanceRateLimit("RAW_REQUESTS", "MINUTE", 5, 6100), limits);
        Assert.Contains(new BinanceRateLimit("ORDERS", "SECOND", 10, 50), limits);
    }

    [Fact]
    public void ParseExchangeInfo_RecordedUsdM_MapsAvaxUsdtToPerpetualBothWays()
    {
        var catalog = UsdM.Value.Catalog;

        Assert.True(catalog.TryGetByVenueSymbol("AVAXUSDT", out var market));
        Assert.Equal(Instrument.Parse("AVAX/USDT:USDT"), market.Instrument);
        Assert.Equal(MarketKind.Perpetual, market.Kind);
        Assert.Equal("PERPETUAL", market.RawKind);
        Assert.True(market.IsTrading);
        Assert.Equal("AVAXUSDT", catalog.Get(Instrument.Parse("AVAX/USDT:USDT")).VenueSymbol);
    }

    [Fact]
    public void ParseExchangeInfo_RecordedUsdM_SettlesInMarginAsset()
    {
        var catalog = UsdM.Value.Catalog;

        Assert.Equal("ETHBUSD", catalog.Get(Instrument.Parse("ETH/BUSD:BUSD")).VenueSymbol);
        Assert.Equal("1000SHIBUSDT", catalog.Get(Instrument.Parse("1000SHIB/USDT:USDT")).VenueSymbol);
    }

    [Fact]
    public void ParseExchangeInfo_RecordedUsdM_LeavesOutQuarterlyDeliveryContracts()
    {
        var catalog = UsdM.Value.Catalog;

        Assert.False(catalog.TryGetByVenueSymbol("BTCUSDT_210924", out _));
        Assert.False(catalog.TryGetByVenueSymbol("ETHUSDT_210924", out _));
        Assert.Equal("BTCUSDT", catalog.Get(Instrument.Parse("BTC/USDT:USDT")).VenueSymbol);

        // 122 symbols: 119 PERPETUAL, 2 CURRENT_QUARTER, 1 with an empty contractType (BTCSTUSDT, pending).
        Assert.Equal(119, catalog.Markets.Count);
        Assert.All(catalog.Markets, m => Assert.Equal(MarketKind.Perpetual, m.Kind));
    }

    [Fact]
    public void ParseExchangeInfo_RecordedUsdM_SpotSymbolSuggestsThePerpetual()
    {
        var error = Assert.Throws<InstrumentNotListedException>(() => UsdM.Value.Catalog.Get(Instrument.Parse("AVAX/USDT")));

        Assert.Contains("did you mean AVAX/USDT:USDT", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseExchangeInfo_RecordedUsdM_ReadsRequestWeight2400PerMinute()
    {
        var limits = UsdM.Value.RateLimits;

        Assert.Equal(3, limits.Count);
        Assert.Equal(new BinanceRateLimit("REQUEST_WEIGHT", "MINUTE", 1, 2400), limits[0]);
        Assert.Contains(new BinanceRateLimit("ORDERS", "MINUTE", 1, 1200), limits);
    }

    [Fact]
    public void ParseDepth_RecordedSpotNknUsdt_KeepsSequenceCountsAndRecordedDigits()
    {
        var body = TestData.RecordedResponse("BINANCE.http.0.0", "depth?symbol=NKNUSDT");

        var book = BinanceParser.ParseDepth(Instrument.Parse("NKN/USDT"), body);

        Assert.Equal(499869752, book.Sequence);
        Assert.Null(book.TimeMs);
        Assert.Equal(609, book.Bids.Count);
        Assert.Equal(1000, book.Asks.Count);
        Assert.Equal("0.35210000", Text(book.Bids[0].Price));
        Assert.Equal("672.00000000", Text(book.Bids[0].Size));
        Assert.Equal("0.35250000", Text(book.Asks[0].Price));
        Assert.Equal("3959.00000000", Text(book.Asks[0].Size));
        Assert.Equal("0.00212000", Text(book.Bids[^1].Price));
        Assert.Equal("0.55060000", Text(book.Asks[^1].Price));
        Assert.Equal(Instrument.Parse("NKN/USDT"), book.Instrument);
    }

    [Fact]
    public void ParseDepth_RecordedUsdMSushiUsdt_ReadsTransactionTimeAndLevels()
    {
        var body = TestData.RecordedResponse("BINANCE_FUTURES.http.0.0", "depth?symbol=SUSHIUSDT");

        var book = BinanceParser.ParseDepth(Instrument.Parse("SUSHI/USDT:USDT"), body);

        Assert.Equal(600859605926, book.Sequence);
        Assert.Equal(1626992741261, book.TimeMs);
        Assert.Equal(1000, book.Bids.Count);
        Assert.Equal(1000, book.Asks.Count);
        Assert.Equal("7.6110", Text(book.BestBid!.Value.Price));
        Assert.Equal("6", Text(book.BestBid!.Value.Size));
        Assert.Equal("7.6120", Text(book.BestAsk!.Value.Price));
        Assert.Equal("297", Text(book.BestAsk!.Value.Size));
    }

    [Fact]
    public void ParseDepth_RecordedSpot_BidsDescendAndAsksAscend()
    {
        var book = BinanceParser.ParseDepth(Instrument.Parse("NKN/USDT"), TestData.RecordedResponse("BINANCE.http.0.0", "depth?symbol=NKNUSDT"));

        for (var i = 1; i < book.Bids.Count; i++)
        {
            Assert.True(book.Bids[i].Price < book.Bids[i - 1].Price, $"bid {i}");
        }

        for (var i = 1; i < book.Asks.Count; i++)
        {
            Assert.True(book.Asks[i].Price > book.Asks[i - 1].Price, $"ask {i}");
        }
    }
}

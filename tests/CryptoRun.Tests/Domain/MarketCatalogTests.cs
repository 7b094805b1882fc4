using CryptoRun.Domain;

namespace CryptoRun.Tests.Domain;

public sealed class MarketCatalogTests
{
    private static readonly Market AvaxPerp = new(Instrument.Parse("AVAX/USDT:USDT"), "AVAXUSDT", MarketKind.Perpetual, true, "PERPETUAL");
    private static readonly Market BtcPerp = new(Instrument.Parse("BTC/USDT:USDT"), "BTCUSDT", MarketKind.Perpetual, true, "PERPETUAL");

    [Fact]
    public void Get_SpotAskedOnVenueListingOnlyThePerpetual_SuggestsThePerpetual()
    {
        var catalog = new MarketCatalog("binance-usdm", [AvaxPerp, BtcPerp]);

        var error = Assert.Throws<InstrumentNotListedException>(() => catalog.Get(Instrument.Parse("AVAX/USDT")));

        Assert.Contains("AVAX/USDT is not listed on binance-usdm", error.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean AVAX/USDT:USDT", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("BTC", error.Message, StringComparison.Ordinal);
        Assert.Equal("binance-usdm", error.Venue);
        Assert.Equal(Instrument.Parse("AVAX/USDT"), error.Instrument);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public void Get_NothingClose_HasNoSuggestion()
    {
        var catalog = new MarketCatalog("binance-usdm", [AvaxPerp]);

        var error = Assert.Throws<InstrumentNotListedException>(() => catalog.Get(Instrument.Parse("DOGE/EUR")));

        Assert.DoesNotContain("did you mean", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Get_Listed_ReturnsMarket()
        => Assert.Equal("AVAXUSDT", new MarketCatalog("x", [AvaxPerp, BtcPerp]).Get(Instrument.Parse("avax/usdt:usdt")).VenueSymbol);

    [Fact]
    public void TryGetByVenueSymbol_IsCaseInsensitiveAndFindsAltSymbols()
    {
        var kraken = new Market(Instrument.Parse("BTC/USD"), "XXBTZUSD", MarketKind.Spot, true, "spot", ["XBTUSD", "XBT/USD"]);
        var catalog = new MarketCatalog("kraken", [kraken]);

        Assert.True(catalog.TryGetByVenueSymbol("xxbtzusd", out var byName));
        Assert.True(catalog.TryGetByVenueSymbol("XBTUSD", out var byAlt));
        Assert.True(catalog.TryGetByVenueSymbol("XBT/USD", out var byWs));
        Assert.Same(kraken, byName);
        Assert.Same(kraken, byAlt);
        Assert.Same(kraken, byWs);
        Assert.False(catalog.TryGetByVenueSymbol("XBTEUR", out _));
    }

    [Fact]
    public void Constructor_TwoMarketsForOneInstrument_TradingOneWins()
    {
        var halted = new Market(Instrument.Parse("BTC/USD"), "BTC-USD-OLD", MarketKind.Spot, false);
        var trading = new Market(Instrument.Parse("BTC/USD"), "BTC-USD", MarketKind.Spot, true);

        var catalog = new MarketCatalog("coinbase", [halted, trading]);

        Assert.Same(trading, catalog.Get(Instrument.Parse("BTC/USD")));
        Assert.Same(trading, catalog.Markets[0]);
        Assert.True(catalog.TryGetByVenueSymbol("BTC-USD-OLD", out var old));
        Assert.Same(halted, old);
    }

    [Fact]
    public void Constructor_TwoTradingMarketsForOneInstrument_FirstWins()
    {
        var first = new Market(Instrument.Parse("ETH/USD"), "XETHZUSD", MarketKind.Spot, true);
        var second = new Market(Instrument.Parse("ETH/USD"), "ETHUSD2", MarketKind.Spot, true);

        Assert.Same(first, new MarketCatalog("kraken", [first, second]).Get(Instrument.Parse("ETH/USD")));
    }
}

using System.Globalization;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Venues;

/// <summary>Each connector's books, trades and market metadata, fetched over loopback from the replay venue serving the recorded traffic.</summary>
public sealed class ConnectorsOverReplayTests(ReplayFixture replay) : IClassFixture<ReplayFixture>
{
    [Fact]
    public async Task BinanceSpotOrderBook_EqualsTheRecordedRestSnapshot()
    {
        var book = await replay.Http.Connect<IL2BookProvider>("binance", replay.Clock).GetL2BookAsync(Instrument.Parse("NKN/USDT"), 5);

        Assert.Equal(499_869_752, book.Value.Sequence);
        Assert.Equal(5, book.Value.Bids.Count);
        Assert.Equal(5, book.Value.Asks.Count);
        Assert.Equal("0.35210000", Text(book.Value.BestBid!.Value.Price));
        Assert.Equal("672.00000000", Text(book.Value.BestBid!.Value.Size));
        Assert.Equal("0.35250000", Text(book.Value.BestAsk!.Value.Price));
        Assert.Equal("binance", book.Provenance.Provider);
        Assert.StartsWith("GET /api/v3/depth?symbol=NKNUSDT", book.Provenance.Endpoint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BinanceUsdmOrderBook_DepthNotAllowed_AsksTheNextAllowedAndCuts()
    {
        var book = await replay.Http.Connect<IL2BookProvider>("binance-usdm", replay.Clock).GetL2BookAsync(Instrument.Parse("SUSHI/USDT:USDT"), 7);

        Assert.Contains("limit=10", book.Provenance.Endpoint, StringComparison.Ordinal);
        Assert.Equal(7, book.Value.Bids.Count);
        Assert.Equal("7.6110", Text(book.Value.BestBid!.Value.Price));
        Assert.True(book.Value.Bids.Zip(book.Value.Bids.Skip(1)).All(p => p.First.Price > p.Second.Price));
    }

    [Fact]
    public async Task KrakenOrderBook_ServesTheRecordedSnapshotLevels()
    {
        var book = await replay.Http.Connect<IL2BookProvider>("kraken", replay.Clock).GetL2BookAsync(Instrument.Parse("BTC/CHF"), 2);

        Assert.Equal(2, book.Value.Asks.Count);
        Assert.Equal("56218.30000", Text(book.Value.BestAsk!.Value.Price));
        Assert.Equal("56119.00000", Text(book.Value.BestBid!.Value.Price));
        Assert.True(book.Value.BestBid!.Value.Price < book.Value.BestAsk!.Value.Price);
    }

    [Fact]
    public async Task CoinbaseAndOkxOrderBooks_AreUncrossedWithRecordedLevels()
    {
        var coinbase = await replay.Http.Connect<IL2BookProvider>("coinbase", replay.Clock).GetL2BookAsync(Instrument.Parse("SKL/USD"), 10);
        var okx = await replay.Http.Connect<IL2BookProvider>("okx", replay.Clock).GetL2BookAsync(Instrument.Parse("BTC/USDT"), 10);

        foreach (var book in new[] { coinbase.Value, okx.Value })
        {
            Assert.Equal(10, book.Bids.Count);
            Assert.Equal(10, book.Asks.Count);
            Assert.True(book.BestBid!.Value.Price < book.BestAsk!.Value.Price);
        }

        Assert.All(okx.Value.Bids, level => Assert.NotNull(level.OrderCount));
    }

    [Theory]
    [InlineData("binance-usdm", "CTK/USDT:USDT")]
    [InlineData("kraken", "SC/EUR")]
    [InlineData("coinbase", "SKL/GBP")]
    [InlineData("okx", "BTC/USDT")]
    public async Task RecentTrades_AreTheRecordedTradesOldestFirstWithATakerSide(string venue, string symbol)
    {
        var trades = await replay.Http.Connect<ITradeProvider>(venue, replay.Clock).GetRecentTradesAsync(Instrument.Parse(symbol), 100);

        Assert.NotEmpty(trades.Value);
        Assert.True(trades.Value.Zip(trades.Value.Skip(1)).All(p => p.First.TimeMs <= p.Second.TimeMs));
        Assert.All(trades.Value, t => Assert.True(t.Price > 0 && t.Size > 0));
        Assert.All(trades.Value, t => Assert.NotEqual(TradeSide.Unknown, t.Side));
        Assert.Equal(venue, trades.Provenance.Provider);
    }

    [Fact]
    public async Task CoinbaseTrade_RecordedMakerSideBecomesTheOppositeTakerSide()
    {
        // COINBASE.ws.28.0: {"type":"match","trade_id":82008,"side":"sell",...,"price":"0.5762","product_id":"SKL-GBP"}
        var trades = await replay.Http.Connect<ITradeProvider>("coinbase", replay.Clock).GetRecentTradesAsync(Instrument.Parse("SKL/GBP"), 1000);

        var trade = Assert.Single(trades.Value, t => t.Id == "82008");
        Assert.Equal("sell", trade.RawSide);
        Assert.Equal(TradeSide.Buy, trade.Side);
        Assert.Equal("0.5762", Text(trade.Price));
    }

    [Fact]
    public async Task Markets_MapVenueSymbolsBothWaysFromTheServedMetadata()
    {
        var usdm = await replay.Http.Connect<IExchangeNativeProvider>("binance-usdm", replay.Clock).GetMarketsAsync();
        var kraken = await replay.Http.Connect<IExchangeNativeProvider>("kraken", replay.Clock).GetMarketsAsync();
        var okx = await replay.Http.Connect<IExchangeNativeProvider>("okx", replay.Clock).GetMarketsAsync();

        Assert.Equal("AVAXUSDT", usdm.Get(Instrument.Parse("AVAX/USDT:USDT")).VenueSymbol);
        Assert.Equal("XXBTZUSD", kraken.Get(Instrument.Parse("BTC/USD")).VenueSymbol);
        Assert.True(kraken.TryGetByVenueSymbol("XBT/USD", out var byWsName));
        Assert.Equal("BTC/USD", byWsName.Instrument.Symbol);
        Assert.Equal("AVAX-USDT-SWAP", okx.Get(Instrument.Parse("AVAX/USDT:USDT")).VenueSymbol);
    }

    [Fact]
    public async Task FetchCandles_InstrumentNotListed_NamesTheVenueAndSuggestsThePerpetual()
    {
        var provider = replay.Http.Connect<ICandleProvider>("binance-usdm", replay.Clock);

        var error = await Assert.ThrowsAsync<InstrumentNotListedException>(async () =>
        {
            await foreach (var _ in provider.FetchCandlesAsync(Instrument.Parse("AVAX/USDT"), Timeframe.M1, new TimeRange(0, 60_000)))
            {
            }
        });

        Assert.Contains("not listed on binance-usdm", error.Message, StringComparison.Ordinal);
        Assert.Contains("AVAX/USDT:USDT", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchCandles_RangeReachingTheOpenCandle_StopsBeforeIt()
    {
        // A clock inside the recording: 2026-07-01T00:10:30Z; the 00:10 candle is still open.
        var clock = new ManualClock(DateTimeOffset.Parse("2026-07-01T00:10:30Z", CultureInfo.InvariantCulture));
        var provider = replay.Http.Connect<ICandleProvider>("binance-usdm", clock);
        var from = DateTimeOffset.Parse("2026-07-01T00:00:00Z", CultureInfo.InvariantCulture);

        var pages = new List<CandlePage>();
        await foreach (var page in provider.FetchCandlesAsync(Instrument.Parse("AVAX/USDT:USDT"), Timeframe.M1, new TimeRange(from, from.AddHours(1))))
        {
            pages.Add(page);
        }

        var page0 = Assert.Single(pages);
        Assert.Equal(10, page0.Candles.Count);
        Assert.Equal(from.AddMinutes(10).ToUnixTimeMilliseconds(), page0.Covered.ToMs);
    }

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}

using System.Text;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues;
using CryptoRun.Venues.Kraken;

namespace CryptoRun.Tests.Venues.Streams;

/// <summary>
/// Market metadata of the stream-only venues, fetched by their descriptors from the replay venue, which serves the
/// recorded responses (Bybit v5 <c>instruments-info</c> 2026-08-09 and v2 <c>symbols</c> 2021-04-17, Kraken Futures
/// <c>instruments</c> 2021-07-22, Bitstamp <c>trading-pairs-info</c> 2022-01-05): exact unified instruments for recorded symbols.
/// </summary>
public sealed class StreamOnlyMarketsTests
{
    [Fact]
    public async Task BybitLinear_RecordedInstrumentsInfo_PerpetualsBySettleCoin_DatedFuturesLeftOut()
    {
        var catalog = await FetchAsync("bybit-linear");
        Assert.Equal("bybit-linear", catalog.Venue);
        AssertMarket(catalog, "BTCUSDT", "BTC/USDT:USDT", MarketKind.Perpetual);
        AssertMarket(catalog, "ETHUSDT", "ETH/USDT:USDT", MarketKind.Perpetual);
        AssertMarket(catalog, "BTCPERP", "BTC/USDC:USDC", MarketKind.Perpetual);
        Assert.False(catalog.TryGetByVenueSymbol("BTCUSDT-25SEP26", out _));
        Assert.All(catalog.Markets, m => Assert.Equal(MarketKind.Perpetual, m.Kind));
        Assert.InRange(catalog.Markets.Count, 700, 760); // 760 LinearPerpetual recorded, 40 LinearFutures left out
    }

    [Fact]
    public async Task BybitSpot_RecordedInstrumentsInfo_BaseAndQuoteCoins()
    {
        var catalog = await FetchAsync("bybit");
        AssertMarket(catalog, "BTCUSDT", "BTC/USDT", MarketKind.Spot);
        AssertMarket(catalog, "ETHUSDT", "ETH/USDT", MarketKind.Spot);
        Assert.All(catalog.Markets, m => Assert.Null(m.Instrument.Settle));
    }

    [Fact]
    public async Task BybitV2_RecordedSymbols_InverseSettleInBase_LinearInUsdt_DatedLeftOut()
    {
        var catalog = await FetchAsync("bybit-v2");
        AssertMarket(catalog, "BTCUSD", "BTC/USD:BTC", MarketKind.Perpetual);
        AssertMarket(catalog, "EOSUSD", "EOS/USD:EOS", MarketKind.Perpetual);
        AssertMarket(catalog, "LTCUSDT", "LTC/USDT:USDT", MarketKind.Perpetual);
        Assert.False(catalog.TryGetByVenueSymbol("BTCUSDM21", out _));
    }

    [Fact]
    public async Task KrakenFutures_RecordedInstruments_InversePerpetualsSettleInBase_FixedMaturitiesAndIndicesLeftOut()
    {
        var catalog = await FetchAsync("kraken-futures");
        AssertMarket(catalog, "PI_XBTUSD", "BTC/USD:BTC", MarketKind.Perpetual);
        AssertMarket(catalog, "PI_ETHUSD", "ETH/USD:ETH", MarketKind.Perpetual);
        AssertMarket(catalog, "PI_LTCUSD", "LTC/USD:LTC", MarketKind.Perpetual);
        Assert.True(catalog.TryGetByVenueSymbol("pi_xbtusd", out _));
        Assert.False(catalog.TryGetByVenueSymbol("FI_XBTUSD_210924", out _));
        Assert.False(catalog.TryGetByVenueSymbol("IN_XBTUSD", out _));
        Assert.Equal(5, catalog.Markets.Count);
    }

    [Fact]
    public void KrakenFutures_FlexiblePerpetualWithBaseAndQuoteFields_SettlesInQuote()
    {
        // The current shape of a multi-collateral perpetual (fields trimmed): base and quote given, no lastTradingTime.
        var json = """{"result":"success","instruments":[{"symbol":"PF_XBTUSD","type":"flexible_futures","underlying":"rr_xbtusd","tradeable":true,"base":"BTC","quote":"USD","pair":"BTC:USD","fundingRateCoefficient":8},{"symbol":"FF_XBTUSD_260925","type":"flexible_futures","tradeable":true,"base":"BTC","quote":"USD","lastTradingTime":"2026-09-25T15:00:00.000Z"}]}""";
        var catalog = KrakenFuturesMarkets.Parse("kraken-futures", Encoding.UTF8.GetBytes(json));
        AssertMarket(catalog, "PF_XBTUSD", "BTC/USD:USD", MarketKind.Perpetual);
        Assert.Single(catalog.Markets);
    }

    [Fact]
    public async Task Bitstamp_RecordedTradingPairs_NameIsTheInstrument_UrlSymbolTheVenueSymbol()
    {
        var catalog = await FetchAsync("bitstamp");
        AssertMarket(catalog, "btcusd", "BTC/USD", MarketKind.Spot);
        AssertMarket(catalog, "ethusd", "ETH/USD", MarketKind.Spot);
        AssertMarket(catalog, "sgbeur", "SGB/EUR", MarketKind.Spot);
        Assert.True(catalog.TryGetByVenueSymbol("BTC/USD", out var byName));
        Assert.Equal("btcusd", byName.VenueSymbol);
    }

    [Fact]
    public async Task MetadataFetch_VenueAnswersError_ThrowsTypedErrorNamingTheEndpoint()
    {
        await using var replay = await ReplayHarness.WithFaultsAsync("""
            rules:
              - venue: kraken-futures
                path: /derivatives/api/v3/instruments
                status: 503
            """);
        var error = await Assert.ThrowsAsync<VenueUnavailableException>(() => VenueStreams.Get("kraken-futures").FetchMarkets!(VenueConnection.Direct(replay.Client(), replay.Clock), CancellationToken.None));
        Assert.Contains("/derivatives/api/v3/instruments", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BitstampOrderBook_NoStreamConnectionYet_ServesTheRecordedSnapshot()
    {
        await using var replay = await ReplayHarness.StartAsync();
        var recorded = CryptoRun.Replay.Recordings.CaptureReader.Read(TestData.Capture("BITSTAMP.http.0.0")).Responses.Single(r => r.Url.EndsWith("/order_book/ethusd", StringComparison.Ordinal));
        var answer = await replay.GetAsync("/api/v2/order_book/ethusd/");
        Assert.Equal(200, answer.Code);
        Assert.Equal(recorded.Body, answer.Body);
        Assert.Equal(404, (await replay.GetAsync("/api/v2/order_book/dogeusd/")).Code);
    }

    [Fact]
    public async Task BitstampOrderBook_AfterAConnectionReplayedItsDiffs_IsThatConnectionsBookWithTheLastDiffsMicrotimestamp()
    {
        await using var replay = await ReplayHarness.StartAsync();
        using (var socket = new System.Net.WebSockets.ClientWebSocket())
        {
            await socket.ConnectAsync(new Uri($"{VenueStreams.Get("bitstamp").ReplayEndpoint(replay.Server.BaseAddress)}?speed=0"), CancellationToken.None);
            var buffer = new byte[1 << 16];
            while ((await socket.ReceiveAsync(buffer, CancellationToken.None)).MessageType != System.Net.WebSockets.WebSocketMessageType.Close)
            {
            }
        }

        var recorded = CryptoRun.Replay.Recordings.CaptureReader.Read(TestData.Capture("BITSTAMP.http.0.0")).Responses.Single(r => r.Url.EndsWith("/order_book/ethusd", StringComparison.Ordinal));
        using var snapshot = System.Text.Json.JsonDocument.Parse(recorded.Body);
        var micro = long.Parse(snapshot.RootElement.GetProperty("microtimestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var naive = new NaiveBook();
        naive.Apply(Levels(snapshot.RootElement.GetProperty("bids")), Levels(snapshot.RootElement.GetProperty("asks")));
        var last = micro;
        foreach (var frame in Streaming.StreamReplayKit.Frames("BITSTAMP.ws.1.0").Where(f => f.Contains("\"channel\":\"diff_order_book_ethusd\"", StringComparison.Ordinal) && f.Contains("\"event\":\"data\"", StringComparison.Ordinal)))
        {
            using var document = System.Text.Json.JsonDocument.Parse(frame);
            var data = document.RootElement.GetProperty("data");
            var at = long.Parse(data.GetProperty("microtimestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            if (at > micro)
            {
                naive.Apply(Levels(data.GetProperty("bids")), Levels(data.GetProperty("asks")));
                last = at;
            }
        }

        Assert.True(last > micro, "the recording has ethusd diffs after the snapshot");
        var answer = (await replay.GetAsync("/api/v2/order_book/ethusd/")).Json;
        Assert.Equal(last.ToString(System.Globalization.CultureInfo.InvariantCulture), answer.GetProperty("microtimestamp").GetString());
        Assert.Equal(naive.Bids, Levels(answer.GetProperty("bids")));
        Assert.Equal(naive.Asks, Levels(answer.GetProperty("asks")));
    }

    private static List<(decimal Price, decimal Size)> Levels(System.Text.Json.JsonElement side)
        => side.EnumerateArray().Select(l => (NaiveBook.Dec(l[0].GetString()!), NaiveBook.Dec(l[1].GetString()!))).ToList();

    private static async Task<MarketCatalog> FetchAsync(string venue)
    {
        await using var replay = await ReplayHarness.StartAsync();
        return await VenueStreams.Get(venue).FetchMarkets!(VenueConnection.Direct(replay.Client(), replay.Clock), CancellationToken.None);
    }

    private static void AssertMarket(MarketCatalog catalog, string venueSymbol, string unified, MarketKind kind)
    {
        Assert.True(catalog.TryGetByVenueSymbol(venueSymbol, out var market), $"{catalog.Venue} lists no {venueSymbol}");
        Assert.Equal(unified, market.Instrument.Symbol);
        Assert.Equal(kind, market.Kind);
        Assert.True(catalog.TryGet(Instrument.Parse(unified), out var byInstrument));
        Assert.Equal(market, byInstrument);
    }
}

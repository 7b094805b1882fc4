using System.Globalization;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues;
using CryptoRun.Venues.Hyperliquid;

namespace CryptoRun.Tests.Venues.Hyperliquid;

/// <summary>The Hyperliquid connector over loopback against the replay venue serving the recorded /info answers.</summary>
public sealed class HyperliquidOverReplayTests(ReplayFixture replay) : IClassFixture<ReplayFixture>
{
    // The cassettes were recorded on Mon, 17 Jul 2023 21:43:2x GMT; a clock there keeps the kPEPE May candles
    // inside the venue's 5000 most recent 1h candles.
    private static readonly DateTimeOffset RecordedAt = new(2023, 7, 17, 21, 43, 24, TimeSpan.Zero);

    private static readonly Instrument Kpepe = Instrument.Parse("KPEPE/USDC:USDC");
    private static readonly Instrument Btc = Instrument.Parse("BTC/USDC:USDC");

    private static byte[] Recorded(string file) => File.ReadAllBytes(TestData.RestSample("hyperliquid", file));

    private HyperliquidConnector Connect(TimeProvider? time = null, RecordingGate? gate = null)
        => (HyperliquidConnector)VenueRegistry.Get("hyperliquid").Create(new VenueConnection(replay.Http.Client(), time ?? new ManualClock(RecordedAt), gate ?? new RecordingGate()));

    [Fact]
    public async Task GetMarkets_ServedRecordedMeta_MapsUnifiedPerpetualsToCoinNames()
    {
        var catalog = await Connect().GetMarketsAsync();

        Assert.Equal(28, catalog.Markets.Count);
        Assert.Equal("kPEPE", catalog.Get(Kpepe).VenueSymbol);
        Assert.Equal("BTC", catalog.Get(Btc).VenueSymbol);
        Assert.Throws<InstrumentNotListedException>(() => catalog.Get(Instrument.Parse("BTC/USDT:USDT")));
    }

    [Fact]
    public async Task FetchCandles_RecordedKpepe1hWindow_EqualsTheRecordingInOnePage()
    {
        var expected = HyperliquidParser.ParseCandles("hyperliquid", "kPEPE", Recorded("test_get_candles_snapshot.1.candleSnapshot.response.json"));
        var range = new TimeRange(1684699200000, 1684785600000);

        var pages = new List<CandlePage>();
        await foreach (var page in Connect().FetchCandlesAsync(Kpepe, Timeframe.H1, range))
        {
            pages.Add(page);
        }

        var only = Assert.Single(pages);
        Assert.Equal(expected, only.Candles);
        Assert.Equal(range, only.Covered);
        Assert.Equal("hyperliquid", only.Provenance.Provider);
        Assert.StartsWith("POST /info {\"type\":\"candleSnapshot\",\"req\":{\"coin\":\"kPEPE\",\"interval\":\"1h\",\"startTime\":1684699200000,\"endTime\":1684785599999}", only.Provenance.Endpoint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchCandles_ClockInsideTheRecording_StopsBeforeTheOpenCandle()
    {
        // 2023-05-22T10:30Z: the 10:00 candle is still open; the venue's answer includes it, the connector does not.
        var clock = new ManualClock(DateTimeOffset.Parse("2023-05-22T10:30:00Z", CultureInfo.InvariantCulture));
        var from = DateTimeOffset.Parse("2023-05-22T00:00:00Z", CultureInfo.InvariantCulture);

        var candles = new List<Candle>();
        TimeRange? covered = null;
        await foreach (var page in Connect(clock).FetchCandlesAsync(Kpepe, Timeframe.H1, new TimeRange(from, from.AddHours(20))))
        {
            candles.AddRange(page.Candles);
            covered = page.Covered;
        }

        Assert.Equal(10, candles.Count);
        Assert.Equal(from.AddHours(9).ToUnixTimeMilliseconds(), candles[^1].OpenTimeMs);
        Assert.Equal(from.AddHours(10).ToUnixTimeMilliseconds(), covered!.Value.ToMs);
    }

    [Fact]
    public async Task FetchCandles_StatesTheDocumentedWeights()
    {
        var gate = new RecordingGate();

        await foreach (var _ in Connect(gate: gate).FetchCandlesAsync(Kpepe, Timeframe.H1, new TimeRange(1684699200000, 1684785600000)))
        {
        }

        // meta 20; candleSnapshot 20 plus 1 per 60 slots (24 slots: 1).
        Assert.Equal([20, 21], gate.Costs.Select(c => c.Weight));
    }

    [Fact]
    public async Task FetchCandles_SixHours_RequestExceptionListingTheServedTimeframes()
    {
        var error = await Assert.ThrowsAsync<VenueRequestException>(async () =>
        {
            await foreach (var _ in Connect().FetchCandlesAsync(Kpepe, Timeframe.Parse("6h"), new TimeRange(1684699200000, 1684785600000)))
            {
            }
        });

        Assert.Contains("no 6h candles", error.Message, StringComparison.Ordinal);
        Assert.Contains("8h", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetOrderBook_RecordedDydx_CutToDepthWithWeightTwo()
    {
        var gate = new RecordingGate();

        var book = await Connect(gate: gate).GetL2BookAsync(Instrument.Parse("DYDX/USDC:USDC"), 5);

        Assert.Equal(5, book.Value.Bids.Count);
        Assert.Equal(5, book.Value.Asks.Count);
        Assert.Equal(new BookLevel(2.111m, 134.4m, 1), book.Value.BestBid);
        Assert.Equal(new BookLevel(2.1124m, 352.3m, 2), book.Value.BestAsk);
        Assert.Equal(1689630203930, book.Value.TimeMs);
        Assert.Equal([20, 2], gate.Costs.Select(c => c.Weight));
    }

    [Fact]
    public async Task GetOrderBook_ListedCoinNotRecorded_RequestExceptionFromTheReplays404()
    {
        var error = await Assert.ThrowsAsync<VenueRequestException>(() => Connect().GetL2BookAsync(Btc, 5));

        Assert.Equal(404, error.StatusCode);
        Assert.Contains("no recording", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetFundingHistory_RecordedBtcWindow_EqualsTheRecording()
    {
        var expected = HyperliquidParser.ParseFundingHistory(Btc, Recorded("test_get_funding_history1684811870000.1.fundingHistory.response.json"));

        var rates = await Connect().GetFundingHistoryAsync(Btc, new TimeRange(1681923833000, 1684811870000));

        Assert.Equal(expected, rates.Value);
        Assert.Equal(new TimeRange(1681923833000, 1684811870000), rates.Provenance.Window);
    }

    [Fact]
    public async Task GetFundingHistory_HalfOpenRange_LeavesOutTheRowAtItsEnd()
    {
        // The recorded row at 1684800000022 is the range's exclusive end: it is not returned.
        var rates = await Connect().GetFundingHistoryAsync(Btc, new TimeRange(1684771200000, 1684800000022));

        Assert.Equal([1684771200159L], rates.Value.Select(r => r.TimeMs));
    }

    [Fact]
    public async Task GetFundingHistory_RangeOutsideTheRecording_RequestExceptionFromTheReplays404()
    {
        var error = await Assert.ThrowsAsync<VenueRequestException>(() => Connect().GetFundingHistoryAsync(Btc, new TimeRange(1684811870000, 1684900000000)));

        Assert.Contains("fundingHistory BTC", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetSpotQuote_RecordedAllMids_MidPriceWithoutBidOrAsk()
    {
        var quote = await Connect().GetSpotQuoteAsync(Btc);

        Assert.Equal("30135.0", quote.Value.Price.ToString(CultureInfo.InvariantCulture));
        Assert.Null(quote.Value.Bid);
        Assert.Null(quote.Value.Ask);
        Assert.Null(quote.Value.Volume24h);
        Assert.Equal(RecordedAt.ToUnixTimeMilliseconds(), quote.Value.TimeMs);
    }

    [Fact]
    public async Task Probe_AsksMetaAndNamesIt()
    {
        var provenance = await Connect().ProbeAsync();

        Assert.Equal("POST /info {\"type\":\"meta\"}", provenance.Endpoint);
        Assert.Equal(FetchStatus.Ok, provenance.Status);
    }

    [Fact]
    public async Task GetRecentTrades_NotRecorded_RequestExceptionFromTheReplays404()
    {
        var error = await Assert.ThrowsAsync<VenueRequestException>(() => Connect().GetRecentTradesAsync(Btc, 10));

        Assert.Contains("recentTrades", error.Message, StringComparison.Ordinal);
    }
}

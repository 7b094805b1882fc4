using System.Globalization;
using System.Text.Json;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Replay.Recordings;
using CryptoRun.Streaming;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues.Kraken;

namespace CryptoRun.Tests.Venues.Streams;

/// <summary>
/// Kraken Futures' v1 public stream read through <see cref="KrakenFuturesStreamProtocol"/> from the real 2021
/// recording (<c>ws-captures/v1/KRAKEN_FUTURES.ws.1.0</c>: book, trade and ticker_lite of 10 products): every event
/// counted against the capture read independently, books in sync with no gap and equal to the level changes
/// applied naively, known values, a dropped book message caught, and the documented request JSON.
/// </summary>
public sealed class KrakenFuturesStreamProtocolTests
{
    private static readonly string[] Products =
    [
        "FI_ETHUSD_211231", "PI_XRPUSD", "PI_LTCUSD", "FI_BCHUSD_210730", "PI_ETHUSD",
        "FI_XBTUSD_210924", "FI_ETHUSD_210730", "FI_BCHUSD_210924", "FI_XRPUSD_210924", "FI_XBTUSD_210730",
    ];

    // Fixed-maturity futures have no unified form yet; distinct test instruments stand in for them.
    private static readonly Dictionary<string, Instrument> Symbols = Products.ToDictionary(
        p => p,
        p => new Instrument(p.Replace("_", "", StringComparison.Ordinal), "USD", p[3..6] == "XBT" ? "BTC" : p[3..6]),
        StringComparer.OrdinalIgnoreCase);

    private static readonly Lazy<List<string>> Capture = new(
        () => CaptureReader.Read(TestData.Capture("KRAKEN_FUTURES.ws.1.0")).Frames.Select(f => f.Payload).ToList());

    private static List<string> Frames() => [.. Capture.Value];

    private static ProtocolSink Replay(IEnumerable<string>? frames = null)
    {
        var sink = new ProtocolSink(new KrakenFuturesStreamProtocol(), Symbols);
        sink.FeedAll(frames ?? Frames());
        return sink;
    }

    [Fact]
    public void RecordedConnection_EveryEventCountedAsTheCaptureHasIt()
    {
        int trades = 0, tickers = 0, snapshots = 0, deltas = 0;
        foreach (var frame in Frames())
        {
            using var doc = JsonDocument.Parse(frame);
            if (!doc.RootElement.TryGetProperty("feed", out var feed) || doc.RootElement.TryGetProperty("event", out _))
            {
                continue;
            }

            switch (feed.GetString())
            {
                case "trade": trades++; break;
                case "trade_snapshot": trades += doc.RootElement.GetProperty("trades").GetArrayLength(); break;
                case "ticker_lite": tickers++; break;
                case "book_snapshot": snapshots++; break;
                case "book": deltas++; break;
            }
        }

        var sink = Replay();

        Assert.Equal(trades, sink.Of<TradeEvent>().Count());
        Assert.Equal(tickers, sink.Of<TickerEvent>().Count());
        Assert.Empty(sink.Of<FundingUpdateEvent>()); // ticker_lite carries no funding
        Assert.Equal(snapshots, sink.Results.Count(r => r.Snapshot));
        Assert.Equal(deltas, sink.Results.Count(r => !r.Snapshot));
        Assert.Equal((10, 7014, 107), (snapshots, deltas, tickers)); // FORMAT.md's counts of this file
        Assert.True(trades > 3, $"{trades} trades");
    }

    [Fact]
    public void RecordedBooks_SyncedWithNoGapAndEqualToTheLevelChangesAppliedNaively()
    {
        var frames = Frames();
        var sink = Replay(frames);

        Assert.All(sink.Results, r => Assert.Equal(BookApplyResult.Applied, r.Result));
        Assert.Equal(0, sink.Stats.Gaps);
        Assert.Equal(10, sink.Books.Count);
        var naive = new Dictionary<string, (SortedDictionary<decimal, decimal> Bids, SortedDictionary<decimal, decimal> Asks)>(StringComparer.OrdinalIgnoreCase);
        foreach (var frame in frames)
        {
            using var doc = JsonDocument.Parse(frame);
            var root = doc.RootElement;
            var feed = root.TryGetProperty("feed", out var f) && !root.TryGetProperty("event", out _) ? f.GetString() : null;
            if (feed == "book_snapshot")
            {
                var book = (new SortedDictionary<decimal, decimal>(), new SortedDictionary<decimal, decimal>());
                foreach (var level in root.GetProperty("bids").EnumerateArray())
                {
                    Set(book.Item1, level);
                }

                foreach (var level in root.GetProperty("asks").EnumerateArray())
                {
                    Set(book.Item2, level);
                }

                naive[root.GetProperty("product_id").GetString()!] = book;
            }
            else if (feed == "book")
            {
                var book = naive[root.GetProperty("product_id").GetString()!];
                Set(root.GetProperty("side").GetString() == "buy" ? book.Bids : book.Asks, root);
            }
        }

        foreach (var (product, (bids, asks)) in naive)
        {
            var book = sink.Books[Symbols[product]];
            Assert.True(book.IsSynced);
            Assert.Equal(bids.Reverse().ToList(), book.Bids.Select(l => new KeyValuePair<decimal, decimal>(l.Price, l.Size)).ToList());
            Assert.Equal(asks.ToList(), book.Asks.Select(l => new KeyValuePair<decimal, decimal>(l.Price, l.Size)).ToList());
            Assert.True(book.Bids.Count > 0 && book.Asks.Count > 0 && book.Bids[0].Price < book.Asks[0].Price, $"{product} empty or crossed");
        }

        static void Set(SortedDictionary<decimal, decimal> side, JsonElement level)
        {
            var price = decimal.Parse(level.GetProperty("price").GetRawText(), CultureInfo.InvariantCulture);
            var qty = decimal.Parse(level.GetProperty("qty").GetRawText(), CultureInfo.InvariantCulture);
            if (qty == 0)
            {
                side.Remove(price);
            }
            else
            {
                side[price] = qty;
            }
        }
    }

    [Fact]
    public void RecordedFrames_CarryTheirValues()
    {
        var sink = Replay();

        // {"feed":"trade","product_id":"PI_LTCUSD","uid":"e2429e31-...","side":"buy","type":"fill","seq":5956,"time":1626994929946,"qty":320.0,"price":119.44}
        var trade = Assert.Single(sink.Of<TradeEvent>(), t => t.Trade.Id == "e2429e31-8b9d-4195-900e-fd42be2dec89");
        Assert.Equal(Symbols["PI_LTCUSD"], trade.Instrument);
        Assert.Equal(new Trade("e2429e31-8b9d-4195-900e-fd42be2dec89", 1626994929946, 119.44m, 320.0m, TradeSide.Buy, "buy"), trade.Trade);
        Assert.Equal(5956, trade.Provenance.Sequence);

        // {"feed":"ticker_lite","product_id":"FI_BCHUSD_210730","bid":439.3,"ask":439.6,...,"volume":3413476.0,...}
        var ticker = sink.Of<TickerEvent>().First(t => t.Instrument == Symbols["FI_BCHUSD_210730"]);
        Assert.Equal((439.3m, 439.6m, 3413476.0m), (ticker.BidPrice!.Value, ticker.AskPrice!.Value, ticker.Volume24h!.Value));
        Assert.Null(ticker.BidSize);
        Assert.Null(ticker.LastPrice);

        // The FI_BCHUSD_210730 book_snapshot: seq 91192, timestamp 1626994925378, best bid 439.3 x 20108.0, best ask 439.6 x 50.0.
        var first = sink.Results.First(r => r.Instrument == Symbols["FI_BCHUSD_210730"]);
        Assert.True(first.Snapshot);
        var replayed = Replay(Frames().Take((int)first.Frame));
        var book = replayed.Books[Symbols["FI_BCHUSD_210730"]];
        Assert.Equal(91192, book.Sequence);
        Assert.Equal(1626994925378, book.TimeMs);
        Assert.Equal(new BookEntry(439.3m, 20108.0m, "439.3", "20108.0"), book.Bids[0]);
        Assert.Equal(new BookEntry(439.6m, 50.0m, "439.6", "50.0"), book.Asks[0]);
        Assert.Equal(11, book.Bids.Count);
        Assert.Equal(12, book.Asks.Count);
    }

    [Fact]
    public void DroppedBookMessage_IsAGapForThatProductAloneAndLaterOnesWaitForASnapshot()
    {
        var frames = Frames();
        var pi = frames.Select((f, i) => (f, i)).Where(x => x.f.StartsWith("""{"feed":"book","product_id":"PI_ETHUSD",""", StringComparison.Ordinal)).ToList();
        var next = pi[201].i - 1;
        frames.RemoveAt(pi[200].i);

        var sink = Replay(frames);

        var eth = Symbols["PI_ETHUSD"];
        var gap = Assert.Single(sink.Results, r => r.Result == BookApplyResult.Gap);
        Assert.Equal(eth, gap.Instrument);
        Assert.Equal(next + 1, gap.Frame);
        Assert.All(sink.Results.Where(r => r.Instrument == eth && r.Frame > gap.Frame), r => Assert.Equal(BookApplyResult.AwaitingSnapshot, r.Result));
        Assert.False(sink.Books[eth].IsSynced);
        Assert.All(sink.Results.Where(r => r.Instrument != eth), r => Assert.Equal(BookApplyResult.Applied, r.Result));
    }

    [Fact]
    public void TickerFeed_PublishesTickerAndFunding()
    {
        var sink = new ProtocolSink(new KrakenFuturesStreamProtocol(), new Dictionary<string, Instrument> { ["PF_XBTUSD"] = Instrument.Parse("BTC/USD:USD") });

        sink.Feed("""{"time":1700000000000,"product_id":"PF_XBTUSD","funding_rate":1.2,"funding_rate_prediction":0.5,"relative_funding_rate":0.0000125,"relative_funding_rate_prediction":0.00001,"next_funding_rate_time":1700003600000,"feed":"ticker","bid":36000.5,"ask":36001,"bid_size":1.5,"ask_size":0.25,"volume":1234.5,"dtm":0,"leverage":"50x","index":36000,"premium":0.1,"last":36000.7,"change":1.2,"suspended":false,"tag":"perpetual","pair":"XBT:USD","openInterest":4567.8,"markPrice":36000.9,"maturityTime":0,"post_only":false,"volumeQuote":44444444.4}""");

        var ticker = Assert.Single(sink.Of<TickerEvent>());
        Assert.Equal((36000.5m, 1.5m, 36001m, 0.25m, 36000.7m, 1234.5m), (ticker.BidPrice!.Value, ticker.BidSize!.Value, ticker.AskPrice!.Value, ticker.AskSize!.Value, ticker.LastPrice!.Value, ticker.Volume24h!.Value));
        var funding = Assert.Single(sink.Of<FundingUpdateEvent>());
        Assert.Equal(0.0000125m, funding.FundingRate);
        Assert.Equal(1700003600000, funding.NextFundingTimeMs);
        Assert.Equal(36000.9m, funding.MarkPrice);
        Assert.Equal(4567.8m, funding.OpenInterest);
        Assert.Equal(1700000000000, funding.Provenance.ExchangeTimeMs);
    }

    [Theory]
    [InlineData("""{"event":"info","version":1}""")]
    [InlineData("""{"event":"subscribed","feed":"book","product_ids":["PI_XRPUSD"]}""")]
    [InlineData("""{"event":"alert","message":"Bad request"}""")]
    [InlineData("""{"feed":"heartbeat","time":1626994929946}""")]
    [InlineData("""{"feed":"spread","product_id":"PI_XRPUSD","bid":1}""")]
    [InlineData("""{"feed":"book","product_id":"PI_DOTUSD","side":"buy","seq":3,"price":1.0,"qty":2.0,"timestamp":1}""")]
    public void EventsHeartbeatsUnknownFeedsAndUnsubscribedProducts_ProduceNothing(string frame)
    {
        var sink = new ProtocolSink(new KrakenFuturesStreamProtocol(), Symbols);

        sink.Feed(frame);

        Assert.Empty(sink.Events);
        Assert.Empty(sink.Results);
    }

    [Theory]
    [InlineData("""{"feed":"book","product_id":"PI_XRPUSD","side":"up","seq":3,"price":1.0,"qty":2.0,"timestamp":1}""", "side must be buy or sell")]
    [InlineData("""{"feed":"book","product_id":"PI_XRPUSD","side":"buy","seq":3,"qty":2.0,"timestamp":1}""", "missing price")]
    [InlineData("""{"feed":"book","product_id":"PI_XRPUSD","side":"buy","seq":"x","price":1.0,"qty":2.0}""", "kraken-futures seq")]
    [InlineData("""{"feed":"book_snapshot","product_id":"PI_XRPUSD","seq":1,"bids":[{"price":"a","qty":1}],"asks":[]}""", "kraken-futures book_snapshot bids 0 price")]
    [InlineData("""{"feed":"book_snapshot","product_id":"PI_XRPUSD","seq":1,"bids":[],"asks":{}}""", "kraken-futures book_snapshot asks")]
    [InlineData("""{"feed":"trade","product_id":"PI_XRPUSD","side":"buy","seq":1,"time":1,"qty":1,"price":1}""", "missing uid")]
    [InlineData("""{"feed":"ticker_lite","product_id":"PI_XRPUSD","bid":"cheap"}""", "kraken-futures bid")]
    [InlineData("""["book"]""", "kraken-futures frame")]
    public void MalformedFrame_ThrowsFormatExceptionNamingThePart(string frame, string part)
    {
        var sink = new ProtocolSink(new KrakenFuturesStreamProtocol(), Symbols);

        var error = Assert.Throws<FormatException>(() => sink.Feed(frame));

        Assert.Contains(part, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SubscribeMessages_AreKrakensDocumentedJsonOnePerFeed()
    {
        var protocol = new KrakenFuturesStreamProtocol();
        var xbt = Instrument.Parse("BTC/USD:USD");
        var eth = Instrument.Parse("ETH/USD:USD");
        var subscriptions = new List<VenueSubscription>
        {
            new(StreamChannel.Book, xbt, "PF_XBTUSD"),
            new(StreamChannel.Trades, xbt, "PF_XBTUSD"),
            new(StreamChannel.Book, eth, "PF_ETHUSD"),
            new(StreamChannel.Ticker, eth, "PF_ETHUSD"),
            new(StreamChannel.Funding, eth, "PF_ETHUSD"),
        };

        Assert.Equal(
            [
                """{"event":"subscribe","feed":"book","product_ids":["PF_XBTUSD","PF_ETHUSD"]}""",
                """{"event":"subscribe","feed":"trade","product_ids":["PF_XBTUSD"]}""",
                """{"event":"subscribe","feed":"ticker_lite","product_ids":["PF_ETHUSD"]}""",
                """{"event":"subscribe","feed":"ticker","product_ids":["PF_ETHUSD"]}""",
            ],
            protocol.SubscribeMessages(subscriptions));
        Assert.Equal(
            [
                """{"event":"unsubscribe","feed":"book","product_ids":["PF_ETHUSD"]}""",
                """{"event":"subscribe","feed":"book","product_ids":["PF_ETHUSD"]}""",
            ],
            protocol.ResubscribeBookMessages(subscriptions[2]));
    }

    [Fact]
    public async Task ProtocolFacts_VenueEndpointKeepAliveAndNoRestSnapshot()
    {
        var protocol = new KrakenFuturesStreamProtocol();

        Assert.Equal("kraken-futures", protocol.Venue);
        Assert.Equal(new Uri("wss://futures.kraken.com/ws/v1"), protocol.DefaultEndpoint);
        Assert.Null(protocol.PingMessage);
        Assert.True(protocol.PingInterval < TimeSpan.FromSeconds(60));
        Assert.Equal(0, protocol.BookDepth);
        Assert.IsNotAssignableFrom<IRestSnapshotProtocol>(protocol); // snapshots come on the stream
        Assert.False(protocol.Supports(StreamChannel.Candles));
        Assert.True(protocol.Supports(StreamChannel.Funding));
        Assert.Throws<NotSupportedException>(() => KrakenFuturesStreamProtocol.Feed(StreamChannel.Candles));
        Assert.Equal("PF_XBTUSD", protocol.StreamSymbol(new Market(Instrument.Parse("BTC/USD:USD"), "PF_XBTUSD", MarketKind.Perpetual, true)));
    }
}

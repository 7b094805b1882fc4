using System.Text.Json;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Replay.Recordings;
using CryptoRun.Streaming;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues.Coinbase;

namespace CryptoRun.Tests.Venues.Streams;

/// <summary>
/// The recorded Coinbase Advanced Trade connection (v2 capture, 2026-08-09: level2, market_trades, ticker, candles,
/// heartbeats for BTC-USD and ETH-USD) read through <see cref="CoinbaseAdvancedStreamProtocol"/>, against counts and
/// books computed independently from the capture with JsonDocument.
/// </summary>
public sealed class CoinbaseAdvancedStreamProtocolTests
{
    private static readonly Instrument Btc = new("BTC", "USD");
    private static readonly Instrument Eth = new("ETH", "USD");
    private static readonly Dictionary<string, Instrument> Symbols = new() { ["BTC-USD"] = Btc, ["ETH-USD"] = Eth };
    private static readonly Lazy<List<string>> Recorded = new(() =>
        CaptureV2Reader.Read(Path.Combine(TestData.Root, "ws-captures", "v2", "COINBASE.jsonl.zst")).Frames
            .Where(f => f.Connection == "COINBASE.ws.2").Select(f => f.Payload).ToList());

    [Fact]
    public void RecordedConnection_EveryEventCountedAndBooksSynced()
    {
        var frames = Frames();
        var (sink, parser) = Replay(frames);

        int trades = 0, tickers = 0, candles = 0, snapshots = 0, updates = 0;
        foreach (var frame in frames)
        {
            using var doc = JsonDocument.Parse(frame);
            var channel = doc.RootElement.GetProperty("channel").GetString();
            foreach (var e in doc.RootElement.GetProperty("events").EnumerateArray())
            {
                switch (channel)
                {
                    case "market_trades": trades += e.GetProperty("trades").GetArrayLength(); break;
                    case "ticker": tickers += e.GetProperty("tickers").GetArrayLength(); break;
                    case "candles": candles += e.GetProperty("candles").GetArrayLength(); break;
                    case "l2_data" when e.GetProperty("type").GetString() == "snapshot": snapshots++; break;
                    case "l2_data": updates++; break;
                }
            }
        }

        Assert.Equal(1030, frames.Count);
        Assert.Equal(279, trades);
        Assert.Equal(trades, sink.Of<TradeEvent>().Count());
        Assert.Equal(tickers, sink.Of<TickerEvent>().Count());
        Assert.Equal(candles, sink.Of<CandleEvent>().Count());
        Assert.Equal(2, snapshots);
        Assert.Equal(snapshots, sink.Snapshots);
        Assert.Equal(updates, sink.Deltas);
        Assert.Equal(snapshots + updates, sink.Results.Count);
        Assert.Equal(0, sink.Stats.Gaps);
        Assert.Equal(0, parser.SequenceJumps);
        Assert.All(sink.Books.Values, b => Assert.True(b.IsSynced && b.Bids.Count > 0 && b.Asks.Count > 0));
        Assert.All(sink.Of<CandleEvent>(), c => Assert.Equal("5m", c.Timeframe.Name));
    }

    [Fact]
    public void RecordedConnection_FinalBooksEqualTheRecordingAppliedNaively()
    {
        var frames = Frames();
        var (sink, _) = Replay(frames);
        var naive = new Dictionary<string, NaiveBook>();
        foreach (var frame in frames)
        {
            using var doc = JsonDocument.Parse(frame);
            if (doc.RootElement.GetProperty("channel").GetString() != "l2_data")
            {
                continue;
            }

            foreach (var e in doc.RootElement.GetProperty("events").EnumerateArray())
            {
                var product = e.GetProperty("product_id").GetString()!;
                var book = naive.TryGetValue(product, out var b) ? b : naive[product] = new NaiveBook();
                if (e.GetProperty("type").GetString() == "snapshot")
                {
                    book.Clear();
                }

                foreach (var u in e.GetProperty("updates").EnumerateArray())
                {
                    book.Set(u.GetProperty("side").GetString() == "bid", NaiveBook.Dec(u.GetProperty("price_level").GetString()!), NaiveBook.Dec(u.GetProperty("new_quantity").GetString()!));
                }
            }
        }

        Assert.Equal(2, naive.Count);
        naive["BTC-USD"].AssertEqual(sink.Books[Btc]);
        naive["ETH-USD"].AssertEqual(sink.Books[Eth]);
    }

    [Fact]
    public void RecordedConnection_FirstAndLastTradesKeepTheVenueValuesWithTheTakerSide()
    {
        var (sink, _) = Replay(Frames());
        var trades = sink.Of<TradeEvent>().ToList();

        var first = trades[0];
        Assert.Equal(Btc, first.Instrument);
        Assert.Equal(new Trade("1068572090", Ms("2026-08-09T21:05:42.514318Z"), 65083.67m, 0.002186m, TradeSide.Buy, "SELL"), first.Trade);
        Assert.Equal(0, first.Provenance.Sequence); // the market_trades snapshot is the connection's first frame

        var last = trades[^1];
        Assert.Equal(Eth, last.Instrument);
        Assert.Equal(new Trade("833140810", Ms("2026-08-09T21:06:12.197444Z"), 1919.38m, 0.02066532m, TradeSide.Buy, "SELL"), last.Trade);
        Assert.Equal(last.Trade.TimeMs, last.Provenance.ExchangeTimeMs);
    }

    [Fact]
    public void DroppedBookFrame_IsAGapForEveryBookOnTheConnection()
    {
        var frames = Frames();
        var dropped = frames.FindIndex(500, f => f.Contains("\"l2_data\"", StringComparison.Ordinal));
        frames.RemoveAt(dropped);

        var (sink, parser) = Replay(frames);

        Assert.Equal(1, parser.SequenceJumps);
        Assert.Equal(2, sink.Stats.Gaps); // BTC-USD and ETH-USD, at once
        Assert.All(sink.Books.Values, b => Assert.False(b.IsSynced)); // no new snapshot in the recording: both must resubscribe
        Assert.True(sink.Count(BookApplyResult.AwaitingSnapshot) > 0);
    }

    [Fact]
    public void DroppedTickerFrame_AlsoGapsTheBooks_BecauseSequenceNumCountsEveryChannel()
    {
        var frames = Frames();
        frames.RemoveAt(frames.FindIndex(500, f => f.Contains("\"channel\":\"ticker\"", StringComparison.Ordinal)));

        var (sink, _) = Replay(frames);

        Assert.Equal(2, sink.Stats.Gaps);
    }

    [Fact]
    public void ReorderedBookFrames_AreDetectedAsAGap()
    {
        var frames = Frames();
        var at = frames.FindIndex(300, f => f.Contains("\"l2_data\"", StringComparison.Ordinal));
        (frames[at], frames[at + 1]) = (frames[at + 1], frames[at]);

        var (sink, parser) = Replay(frames);

        Assert.True(parser.SequenceJumps >= 1);
        Assert.True(sink.Stats.Gaps >= 1);
    }

    [Fact]
    public void SubscribeMessages_AreCoinbasesDocumentedRequests()
    {
        var protocol = new CoinbaseAdvancedStreamProtocol();
        List<VenueSubscription> subscriptions =
        [
            new(StreamChannel.Book, Btc, "BTC-USD"), new(StreamChannel.Trades, Btc, "BTC-USD"),
            new(StreamChannel.Book, Eth, "ETH-USD"), new(StreamChannel.Candles, Eth, "ETH-USD"), new(StreamChannel.Ticker, Eth, "ETH-USD"),
        ];

        Assert.Equal(
            [
                """{"type":"subscribe","channel":"heartbeats"}""",
                """{"type":"subscribe","product_ids":["BTC-USD","ETH-USD"],"channel":"level2"}""",
                """{"type":"subscribe","product_ids":["BTC-USD"],"channel":"market_trades"}""",
                """{"type":"subscribe","product_ids":["ETH-USD"],"channel":"candles"}""",
                """{"type":"subscribe","product_ids":["ETH-USD"],"channel":"ticker"}""",
            ],
            protocol.SubscribeMessages(subscriptions));
        Assert.Equal(
            [
                """{"type":"unsubscribe","product_ids":["BTC-USD"],"channel":"level2"}""",
                """{"type":"subscribe","product_ids":["BTC-USD"],"channel":"level2"}""",
            ],
            protocol.ResubscribeBookMessages(subscriptions[0]));
        Assert.Equal("wss://advanced-trade-ws.coinbase.com/", protocol.DefaultEndpoint.ToString());
        Assert.False(protocol.Supports(StreamChannel.Funding));
        Assert.Null(protocol.PingMessage);
        Assert.IsNotAssignableFrom<IRestSnapshotProtocol>(protocol); // level2 sends its own snapshots
    }

    [Fact]
    public void UnknownFieldsAndValues_NeverFailAFrame_AndFieldsMayComeInAnyOrder()
    {
        var (sink, parser) = NewSink();
        sink.Feed(parser, """{"events":[{"type":"snapshot","product_id":"BTC-USD","new":1,"updates":[{"side":"bid","price_level":"10","new_quantity":"1"},{"side":"middle","price_level":"11","new_quantity":"1"},{"side":"offer","price_level":"12","new_quantity":"2","extra":[1]}]}],"channel":"l2_data","timestamp":"2026-08-09T21:05:48.483587501Z","sequence_num":0}""");
        sink.Feed(parser, """{"channel":"market_trades","timestamp":"2026-08-09T21:05:48Z","sequence_num":1,"events":[{"type":"update","trades":[{"product_id":"BTC-USD","trade_id":"7","price":"11","size":"0.5","time":"2026-08-09T21:05:48.1Z","side":"SIDEWAYS","venue":"x"}]}]}""");
        sink.Feed(parser, """{"channel":"status","timestamp":"2026-08-09T21:05:48Z","sequence_num":2,"events":[{"products":[]}]}""");
        sink.Feed(parser, """{"type":"error","message":"failure to subscribe"}""");

        var book = sink.Books[Btc];
        Assert.Equal([(10m, 1m)], book.Bids.Select(l => (l.Price, l.Size)));
        Assert.Equal([(12m, 2m)], book.Asks.Select(l => (l.Price, l.Size)));
        Assert.Equal(TradeSide.Unknown, Assert.Single(sink.Of<TradeEvent>()).Trade.Side);
        Assert.Equal(0, parser.SequenceJumps);
    }

    [Theory]
    [InlineData("""{"channel":"l2_data","timestamp":"2026-08-09T21:05:48Z","sequence_num":0,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","price_level":"abc","new_quantity":"1"}]}]}""", "updates")]
    [InlineData("""{"channel":"market_trades","timestamp":"2026-08-09T21:05:48Z","sequence_num":0,"events":[{"type":"update","trades":[{"product_id":"BTC-USD","trade_id":"1","price":"1","size":"1","time":"yesterday"}]}]}""", "trade 0 time")]
    [InlineData("""{"channel":"l2_data","timestamp":"2026-08-09T21:05:48Z","sequence_num":"x","events":[]}""", "sequence_num")]
    [InlineData("""[1,2]""", "coinbase-advanced frame")]
    public void MalformedFrame_ThrowsFormatExceptionNamingThePart(string frame, string part)
    {
        var (sink, parser) = NewSink();
        var error = Assert.Throws<FormatException>(() => sink.Feed(parser, frame));
        Assert.Contains(part, error.Message, StringComparison.Ordinal);
    }

    private static long Ms(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    private static List<string> Frames() => [.. Recorded.Value];

    private static (RecordingSink Sink, CoinbaseAdvancedParser Parser) NewSink()
    {
        var protocol = new CoinbaseAdvancedStreamProtocol();
        return (new RecordingSink(protocol.Venue, Symbols, protocol.CreateBookSync()), (CoinbaseAdvancedParser)protocol.CreateParser());
    }

    private static (RecordingSink Sink, CoinbaseAdvancedParser Parser) Replay(List<string> frames)
    {
        var (sink, parser) = NewSink();
        foreach (var frame in frames)
        {
            sink.Feed(parser, frame);
        }

        return (sink, parser);
    }
}

using System.Globalization;
using System.Text.Json;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Replay.Recordings;
using CryptoRun.Streaming;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues.Bybit;

namespace CryptoRun.Tests.Venues.Streams;

/// <summary>
/// Bybit v5's public stream read through <see cref="BybitStreamProtocol"/> from the real 2026 recording
/// (<c>ws-captures/v2/BYBIT.jsonl.zst</c>: linear on <c>BYBIT.ws.2</c>, spot on <c>BYBIT.ws.3</c>): every event counted
/// against the capture read independently, books in sync with no gap and equal to the deltas applied naively,
/// known ticker and funding values, a dropped delta caught, and the documented request JSON.
/// </summary>
public sealed class BybitStreamProtocolTests
{
    private const string Linear = "BYBIT.ws.2";
    private const string Spot = "BYBIT.ws.3";

    private static readonly Instrument BtcPerp = Instrument.Parse("BTC/USDT:USDT");

    private static readonly Dictionary<string, Instrument> LinearSymbols = new()
    {
        ["BTCUSDT"] = BtcPerp,
        ["ETHUSDT"] = Instrument.Parse("ETH/USDT:USDT"),
        ["SOLUSDT"] = Instrument.Parse("SOL/USDT:USDT"),
        ["DOGEUSDT"] = Instrument.Parse("DOGE/USDT:USDT"),
    };

    private static readonly Dictionary<string, Instrument> SpotSymbols = new()
    {
        ["BTCUSDT"] = Instrument.Parse("BTC/USDT"),
        ["ETHUSDT"] = Instrument.Parse("ETH/USDT"),
    };

    private static readonly Lazy<List<RecordedFrame>> Capture = new(
        () => CaptureV2Reader.Read(Path.Combine(TestData.Root, "ws-captures", "v2", "BYBIT.jsonl.zst")).Frames.ToList());

    private static List<string> Frames(string connection)
        => Capture.Value.Where(f => f.Connection == connection).Select(f => f.Payload).ToList();

    private static (ProtocolSink Sink, BybitStreamProtocol Protocol) Replay(string connection, IEnumerable<string>? frames = null)
    {
        var protocol = connection == Linear ? new BybitStreamProtocol(BybitCategory.Linear) : new BybitStreamProtocol(BybitCategory.Spot);
        var sink = new ProtocolSink(protocol, connection == Linear ? LinearSymbols : SpotSymbols);
        sink.FeedAll(frames ?? Frames(connection));
        return (sink, protocol);
    }

    [Theory]
    [InlineData(Linear)]
    [InlineData(Spot)]
    public void RecordedConnection_EveryEventCountedAsTheCaptureHasIt(string connection)
    {
        var expected = Count(Frames(connection), connection == Linear);

        var (sink, _) = Replay(connection);

        Assert.Equal(expected.Trades, sink.Of<TradeEvent>().Count());
        Assert.Equal(expected.Tickers, sink.Of<TickerEvent>().Count());
        Assert.Equal(expected.Funding, sink.Of<FundingUpdateEvent>().Count());
        Assert.Equal(expected.Candles, sink.Of<CandleEvent>().Count());
        Assert.Equal(expected.ClosedCandles, sink.Of<CandleEvent>().Count(c => c.IsClosed));
        Assert.Equal(expected.Snapshots, sink.Results.Count(r => r.Snapshot));
        Assert.Equal(expected.Deltas, sink.Results.Count(r => !r.Snapshot));
        Assert.True(expected.Trades > 0 && expected.Tickers > 0 && expected.Candles > 0 && expected.Deltas > 500, $"{expected}");
        if (connection == Linear)
        {
            Assert.True(expected.Funding > 0, "linear tickers carry funding");
        }
        else
        {
            Assert.Equal(0, expected.Funding);
        }
    }

    [Theory]
    [InlineData(Linear, 4)]
    [InlineData(Spot, 2)]
    public void RecordedBooks_SyncedWithNoGapAndEqualToTheDeltasAppliedNaively(string connection, int books)
    {
        var frames = Frames(connection);
        var (sink, protocol) = Replay(connection, frames);

        Assert.All(sink.Results, r => Assert.Equal(BookApplyResult.Applied, r.Result));
        Assert.Equal(0, sink.Stats.Gaps);
        Assert.Equal(books, sink.Books.Count);
        var naive = NaiveBooks(frames);
        var symbols = connection == Linear ? LinearSymbols : SpotSymbols;
        Assert.Equal(books, naive.Count);
        foreach (var (symbol, (bids, asks)) in naive)
        {
            var book = sink.Books[symbols[symbol]];
            Assert.True(book.IsSynced);
            Assert.Equal(bids.Reverse().Take(protocol.BookDepth).ToList(), book.Bids.Select(l => new KeyValuePair<decimal, decimal>(l.Price, l.Size)).ToList());
            Assert.Equal(asks.Take(protocol.BookDepth).ToList(), book.Asks.Select(l => new KeyValuePair<decimal, decimal>(l.Price, l.Size)).ToList());
            Assert.True(book.Bids[0].Price < book.Asks[0].Price, $"{symbol} crossed");
        }
    }

    [Fact]
    public void LinearTickerSnapshot_PublishesFundingRateMarkPriceAndOpenInterest()
    {
        // The first frame of BYBIT.ws.2 with a fundingRate: tickers.BTCUSDT snapshot, fundingRate 0.0001, markPrice 65117.44.
        var frames = Frames(Linear);
        var index = frames.FindIndex(f => f.Contains("\"fundingRate\"", StringComparison.Ordinal));
        Assert.StartsWith("""{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT",""", frames[index], StringComparison.Ordinal);

        var (sink, _) = Replay(Linear, frames.Take(index + 1));

        var funding = Assert.Single(sink.Of<FundingUpdateEvent>(), e => e.Instrument == BtcPerp);
        Assert.Equal(0.0001m, funding.FundingRate);
        Assert.Equal(65117.44m, funding.MarkPrice);
        Assert.Equal(1786320000000, funding.NextFundingTimeMs);
        Assert.Equal(59891.732m, funding.OpenInterest);
        Assert.Equal(index + 1, funding.Provenance.Frame);
        var ticker = sink.Of<TickerEvent>().Last(e => e.Instrument == BtcPerp);
        Assert.Equal("65114.30", ticker.LastPrice!.Value.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(65114.20m, ticker.BidPrice);
        Assert.Equal(17573.9120m, ticker.Volume24h);
    }

    [Fact]
    public void LinearTickerDelta_KeepsTheSnapshotsValuesForFieldsItDoesNotCarry()
    {
        var frames = Frames(Linear);
        var delta = frames.FindIndex(f => f.StartsWith("""{"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","bid1Price":"65114.20","bid1Size":"6.054",""", StringComparison.Ordinal));
        Assert.True(delta > 0);

        var (sink, _) = Replay(Linear, frames.Take(delta + 1));

        var ticker = sink.Of<TickerEvent>().Last();
        Assert.Equal(delta + 1, ticker.Provenance.Frame);
        Assert.Equal(6.054m, ticker.BidSize);
        Assert.Equal(65114.30m, ticker.LastPrice); // from the snapshot: the delta has no lastPrice
        Assert.Equal(17573.9120m, ticker.Volume24h);
        Assert.Equal(1786310817883, ticker.Provenance.ExchangeTimeMs);
        Assert.DoesNotContain(sink.Of<FundingUpdateEvent>(), e => e.Provenance.Frame == delta + 1); // no funding field in this delta
    }

    [Fact]
    public void RecordedTradesAndCandles_CarryTheFramesValues()
    {
        var (sink, _) = Replay(Linear);

        var trade = sink.Of<TradeEvent>().First(t => t.Trade.Id == "a9188a0a-82bc-50de-be60-03eedbe3cdd7");
        Assert.Equal(BtcPerp, trade.Instrument);
        Assert.Equal(new Trade("a9188a0a-82bc-50de-be60-03eedbe3cdd7", 1786310819680, 65114.20m, 0.004m, TradeSide.Sell, "Sell"), trade.Trade);
        Assert.Equal(753843954913, trade.Provenance.Sequence);
        var candle = sink.Of<CandleEvent>().First(c => c.Instrument == BtcPerp);
        Assert.Equal(Timeframe.M1, candle.Timeframe);
        Assert.Equal(new Candle(1786310760000, 65119.9m, 65119.9m, 65114.2m, 65114.3m, 1.576m, 102627.995m), candle.Candle);
        Assert.False(candle.IsClosed);
        Assert.Equal(1786310818440, candle.Provenance.ExchangeTimeMs);
    }

    [Fact]
    public void DroppedBookDelta_IsAGapForThatBookAloneAndLaterDeltasWaitForASnapshot()
    {
        var frames = Frames(Linear);
        var deltas = frames.Select((f, i) => (f, i)).Where(x => x.f.StartsWith("""{"topic":"orderbook.200.ETHUSDT","type":"delta""", StringComparison.Ordinal)).ToList();
        var dropped = deltas[100].i;
        var next = deltas[101].i - 1; // its index once the dropped frame is gone
        frames.RemoveAt(dropped);

        var (sink, _) = Replay(Linear, frames);

        var eth = LinearSymbols["ETHUSDT"];
        var gap = Assert.Single(sink.Results, r => r.Result == BookApplyResult.Gap);
        Assert.Equal(eth, gap.Instrument);
        Assert.Equal(next + 1, gap.Frame); // the first delta after the dropped one (frames count from 1)
        Assert.Equal(1, sink.Stats.Gaps);
        Assert.All(sink.Results.Where(r => r.Instrument == eth && r.Frame > gap.Frame), r => Assert.Equal(BookApplyResult.AwaitingSnapshot, r.Result));
        Assert.False(sink.Books[eth].IsSynced);
        Assert.All(sink.Results.Where(r => r.Instrument != eth), r => Assert.Equal(BookApplyResult.Applied, r.Result));
    }

    [Fact]
    public void RepeatedDelta_IsStaleAndLeavesTheBookSynced()
    {
        var frames = Frames(Spot);
        var delta = frames.FindIndex(f => f.StartsWith("""{"topic":"orderbook.200.BTCUSDT","ts":""", StringComparison.Ordinal) && f.Contains("\"type\":\"delta\"", StringComparison.Ordinal));
        frames.Insert(delta + 1, frames[delta]);

        var (sink, _) = Replay(Spot, frames);

        Assert.Equal(BookApplyResult.Stale, Assert.Single(sink.Results, r => r.Result != BookApplyResult.Applied).Result);
        Assert.Equal(0, sink.Stats.Gaps);
        Assert.All(sink.Books.Values, b => Assert.True(b.IsSynced));
    }

    [Fact]
    public void SnapshotAfterAGap_ResyncsTheBook()
    {
        var protocol = new BybitStreamProtocol(BybitCategory.Spot, 50);
        var sink = new ProtocolSink(protocol, SpotSymbols);
        sink.Feed("""{"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1,"data":{"s":"BTCUSDT","b":[["100","1"]],"a":[["101","2"]],"u":10,"seq":5}}""");
        sink.Feed("""{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":2,"data":{"s":"BTCUSDT","b":[["100","0"],["99.5","3"]],"a":[],"u":12,"seq":7}}""");
        sink.Feed("""{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":3,"data":{"s":"BTCUSDT","b":[],"a":[["101","0"]],"u":1,"seq":9}}""");

        Assert.Equal([BookApplyResult.Applied, BookApplyResult.Gap, BookApplyResult.Applied], sink.Results.Select(r => r.Result));
        var book = sink.Books[SpotSymbols["BTCUSDT"]];
        Assert.True(book.IsSynced); // u = 1: Bybit restarted the book, a snapshot whatever the type says
        Assert.Equal(1, book.Sequence);
        Assert.Equal(3, book.TimeMs);
        Assert.Empty(book.Bids);
        Assert.Empty(book.Asks);
    }

    [Fact]
    public void KeysInAnyOrder_TopicAfterDataStillReadsTheFrame()
    {
        var sink = new ProtocolSink(new BybitStreamProtocol(BybitCategory.Spot), SpotSymbols);

        sink.Feed("""{"type":"snapshot","data":[{"start":60000,"end":119999,"interval":"1","open":"1.5","close":"2","high":"2.5","low":"1","volume":"10","turnover":"15","confirm":true,"timestamp":119999}],"ts":120000,"topic":"kline.1.ETHUSDT","new":{"x":[1]}}""");
        sink.Feed("""{"data":{"s":"ETHUSDT","b":[["10","1"]],"a":[["11","1"]],"u":7},"ts":5,"type":"snapshot","topic":"orderbook.200.ETHUSDT"}""");

        var candle = Assert.Single(sink.Of<CandleEvent>());
        Assert.True(candle.IsClosed);
        Assert.Equal(new Candle(60000, 1.5m, 2.5m, 1m, 2m, 10m, 15m), candle.Candle);
        var result = Assert.Single(sink.Results);
        Assert.Equal(BookApplyResult.Applied, result.Result);
        Assert.True(result.Snapshot);
    }

    [Theory]
    [InlineData("""{"success":true,"ret_msg":"","conn_id":"x","req_id":"","op":"subscribe"}""")]
    [InlineData("""{"success":true,"ret_msg":"pong","conn_id":"x","op":"ping"}""")]
    [InlineData("""{"op":"pong","args":["1786310819000"],"conn_id":"x"}""")]
    [InlineData("""{"topic":"allLiquidation.BTCUSDT","type":"snapshot","ts":1,"data":[{"T":1,"s":"BTCUSDT","S":"Sell","v":"1","p":"2"}]}""")]
    [InlineData("""{"topic":"kline.M.BTCUSDT","type":"snapshot","ts":1,"data":[{"start":1}]}""")]
    [InlineData("""{"topic":"publicTrade.XRPUSDT","type":"snapshot","ts":1,"data":[{"T":1,"s":"XRPUSDT","S":"Buy","v":"1","p":"2","i":"7"}]}""")]
    public void ControlFramesUnknownTopicsAndUnsubscribedSymbols_ProduceNothing(string frame)
    {
        var sink = new ProtocolSink(new BybitStreamProtocol(), LinearSymbols);

        sink.Feed(frame);

        Assert.Empty(sink.Events);
        Assert.Empty(sink.Results);
    }

    [Fact]
    public void UnknownSideAndNewFields_DoNotFailATrade()
    {
        var sink = new ProtocolSink(new BybitStreamProtocol(), LinearSymbols);

        sink.Feed("""{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[{"T":5,"s":"BTCUSDT","S":"Cross","v":"0.5","p":"100.10","i":"t1","future":{"a":[1,2]},"seq":9}]}""");

        var trade = Assert.Single(sink.Of<TradeEvent>()).Trade;
        Assert.Equal(TradeSide.Unknown, trade.Side);
        Assert.Equal("Cross", trade.RawSide);
        Assert.Equal(100.10m, trade.Price);
    }

    [Theory]
    [InlineData("""{"topic":"orderbook.200.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":"x","a":[],"u":2}}""", "bybit book bids")]
    [InlineData("""{"topic":"orderbook.200.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[],"a":[["1","abc"]],"u":2}}""", "bybit book asks")]
    [InlineData("""{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[{"T":1,"s":"BTCUSDT","S":"Buy","v":"1","p":"x","i":"7"}]}""", "bybit trade 0 p")]
    [InlineData("""{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[{"T":1,"s":"BTCUSDT","S":"Buy","v":"1","i":"7"}]}""", "bybit trade 0: missing p")]
    [InlineData("""{"topic":"tickers.BTCUSDT","type":"delta","ts":1,"data":{"symbol":"BTCUSDT","markPrice":"1.2.3"}}""", "bybit ticker markPrice")]
    [InlineData("""{"topic":"kline.1.BTCUSDT","type":"snapshot","ts":1,"data":{"start":1}}""", "bybit kline data")]
    [InlineData("""{"topic":"tickers.BTCUSDT","ts":"soon"}""", "bybit ts")]
    [InlineData("""[1,2]""", "bybit frame")]
    [InlineData("""{"topic":"tickers.BTCUSDT","data":{""", "bybit frame")]
    public void MalformedFrame_ThrowsFormatExceptionNamingThePart(string frame, string part)
    {
        var sink = new ProtocolSink(new BybitStreamProtocol(), LinearSymbols);

        var error = Assert.Throws<FormatException>(() => sink.Feed(frame));

        Assert.Contains(part, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SubscribeMessages_AreBybitsDocumentedJsonWithTenTopicsPerRequest()
    {
        var linear = new BybitStreamProtocol(BybitCategory.Linear);
        var btc = new List<VenueSubscription>
        {
            new(StreamChannel.Book, BtcPerp, "BTCUSDT"),
            new(StreamChannel.Trades, BtcPerp, "BTCUSDT"),
            new(StreamChannel.Ticker, BtcPerp, "BTCUSDT"),
            new(StreamChannel.Funding, BtcPerp, "BTCUSDT"),
            new(StreamChannel.Candles, BtcPerp, "BTCUSDT"),
        };

        Assert.Equal(
            ["""{"op":"subscribe","args":["orderbook.200.BTCUSDT","publicTrade.BTCUSDT","tickers.BTCUSDT","kline.1.BTCUSDT"]}"""],
            linear.SubscribeMessages(btc));
        Assert.Equal(
            ["""{"op":"unsubscribe","args":["orderbook.200.BTCUSDT"]}""", """{"op":"subscribe","args":["orderbook.200.BTCUSDT"]}"""],
            linear.ResubscribeBookMessages(btc[0]));

        var spot = new BybitStreamProtocol(BybitCategory.Spot, 50);
        var many = Enumerable.Range(1, 12).Select(i => new VenueSubscription(StreamChannel.Trades, Instrument.Parse($"A{i}/USDT"), $"A{i}USDT")).ToList();
        var messages = spot.SubscribeMessages(many);
        Assert.Equal(2, messages.Count);
        using (var first = JsonDocument.Parse(messages[0]))
        {
            Assert.Equal(10, first.RootElement.GetProperty("args").GetArrayLength());
        }

        Assert.Equal("""{"op":"subscribe","args":["publicTrade.A11USDT","publicTrade.A12USDT"]}""", messages[1]);
        Assert.Equal("orderbook.50.BTCUSDT", spot.Topic(new VenueSubscription(StreamChannel.Book, SpotSymbols["BTCUSDT"], "BTCUSDT")));
    }

    [Fact]
    public async Task ProtocolFacts_VenueEndpointsPingAndNoRestSnapshot()
    {
        var linear = new BybitStreamProtocol();
        var spot = new BybitStreamProtocol(BybitCategory.Spot);

        Assert.Equal(("bybit-linear", "bybit"), (linear.Venue, spot.Venue));
        Assert.Equal(new Uri("wss://stream.bybit.com/v5/public/linear"), linear.DefaultEndpoint);
        Assert.Equal(new Uri("wss://stream.bybit.com/v5/public/spot"), spot.DefaultEndpoint);
        Assert.Equal("""{"op":"ping"}""", linear.PingMessage);
        Assert.Equal(TimeSpan.FromSeconds(20), linear.PingInterval);
        Assert.Equal(200, linear.BookDepth);
        Assert.IsNotAssignableFrom<IRestSnapshotProtocol>(linear); // snapshots come on the stream
        Assert.True(linear.Supports(StreamChannel.Funding));
        Assert.False(spot.Supports(StreamChannel.Funding));
        Assert.Throws<NotSupportedException>(() => spot.Topic(new VenueSubscription(StreamChannel.Funding, SpotSymbols["BTCUSDT"], "BTCUSDT")));
        Assert.Equal("BTCUSDT", linear.StreamSymbol(new Market(BtcPerp, "BTCUSDT", MarketKind.Perpetual, true)));
        var endpoint = new Uri("ws://127.0.0.1:5000/ws/bybit");
        Assert.Equal(endpoint, linear.ConnectUri(endpoint, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BybitStreamProtocol(BybitCategory.Spot, 25));
        Assert.Equal(500, linear.Limits.MaxConnectsPerWindow);
        Assert.Equal(TimeSpan.FromMinutes(5), linear.Limits.ConnectWindow);
    }

    private sealed record Counts(int Trades, int Tickers, int Funding, int Candles, int ClosedCandles, int Snapshots, int Deltas);

    // Independent of the parser: JsonDocument over every frame, by topic and type.
    private static Counts Count(List<string> frames, bool linear)
    {
        int trades = 0, tickers = 0, funding = 0, candles = 0, closed = 0, snapshots = 0, deltas = 0;
        string[] fundingFields = ["fundingRate", "nextFundingTime", "markPrice", "openInterest"];
        foreach (var frame in frames)
        {
            using var doc = JsonDocument.Parse(frame);
            var root = doc.RootElement;
            if (!root.TryGetProperty("topic", out var topicElement))
            {
                continue;
            }

            var topic = topicElement.GetString()!;
            var data = root.GetProperty("data");
            if (topic.StartsWith("publicTrade.", StringComparison.Ordinal))
            {
                trades += data.GetArrayLength();
            }
            else if (topic.StartsWith("kline.", StringComparison.Ordinal))
            {
                candles += data.GetArrayLength();
                closed += data.EnumerateArray().Count(k => k.GetProperty("confirm").GetBoolean());
            }
            else if (topic.StartsWith("tickers.", StringComparison.Ordinal))
            {
                tickers++;
                if (linear && fundingFields.Any(f => data.TryGetProperty(f, out var v) && v.GetString() is { Length: > 0 }))
                {
                    funding++;
                }
            }
            else if (topic.StartsWith("orderbook.", StringComparison.Ordinal))
            {
                if (root.GetProperty("type").GetString() == "snapshot")
                {
                    snapshots++;
                }
                else
                {
                    deltas++;
                }
            }
        }

        return new Counts(trades, tickers, funding, candles, closed, snapshots, deltas);
    }

    // Independent of L2Book: sorted dictionaries; a snapshot replaces, a delta sets or (size 0) removes.
    private static Dictionary<string, (SortedDictionary<decimal, decimal> Bids, SortedDictionary<decimal, decimal> Asks)> NaiveBooks(List<string> frames)
    {
        var books = new Dictionary<string, (SortedDictionary<decimal, decimal>, SortedDictionary<decimal, decimal>)>();
        foreach (var frame in frames)
        {
            using var doc = JsonDocument.Parse(frame);
            var root = doc.RootElement;
            if (!root.TryGetProperty("topic", out var topic) || !topic.GetString()!.StartsWith("orderbook.", StringComparison.Ordinal))
            {
                continue;
            }

            var data = root.GetProperty("data");
            var symbol = data.GetProperty("s").GetString()!;
            if (root.GetProperty("type").GetString() == "snapshot" || !books.TryGetValue(symbol, out var book))
            {
                book = (new SortedDictionary<decimal, decimal>(), new SortedDictionary<decimal, decimal>());
                books[symbol] = book;
            }

            var (bids, asks) = book;
            Set(bids, data.GetProperty("b"));
            Set(asks, data.GetProperty("a"));
        }

        return books;

        static void Set(SortedDictionary<decimal, decimal> side, JsonElement levels)
        {
            foreach (var level in levels.EnumerateArray())
            {
                var price = decimal.Parse(level[0].GetString()!, CultureInfo.InvariantCulture);
                var size = decimal.Parse(level[1].GetString()!, CultureInfo.InvariantCulture);
                if (size == 0)
                {
                    side.Remove(price);
                }
                else
                {
                    side[price] = size;
                }
            }
        }
    }
}

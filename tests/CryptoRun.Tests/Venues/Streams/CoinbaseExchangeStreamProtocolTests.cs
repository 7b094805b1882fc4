using System.Text.Json;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Replay.Recordings;
using CryptoRun.Streaming;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues.Coinbase;

namespace CryptoRun.Tests.Venues.Streams;

/// <summary>
/// The recorded Coinbase Exchange ("Pro") feed (v1 capture <c>COINBASE.ws.28.0</c>, 2021-04-17: level2, ticker,
/// matches for 10 products) read through <see cref="CoinbaseExchangeStreamProtocol"/>, against counts and books
/// computed independently from the capture with JsonDocument.
/// </summary>
public sealed class CoinbaseExchangeStreamProtocolTests
{
    private static readonly Lazy<List<string>> Recorded = new(() => CaptureReader.Read(TestData.Capture("COINBASE.ws.28.0")).Frames.Select(f => f.Payload).ToList());

    private static readonly string[] Products = ["SKL-USD", "SKL-BTC", "BAND-GBP", "NMR-EUR", "BAND-BTC", "YFI-BTC", "DASH-BTC", "NU-GBP", "CRV-EUR", "SKL-GBP"];

    private static readonly Dictionary<string, Instrument> Symbols = Products.ToDictionary(p => p, p => new Instrument(p.Split('-')[0], p.Split('-')[1]));

    [Fact]
    public void RecordedFeed_EveryEventCountedAndBooksSynced()
    {
        var frames = Recorded.Value;
        var sink = Replay(frames);

        var types = frames.Select(TypeOf).GroupBy(t => t).ToDictionary(g => g.Key!, g => g.Count());
        Assert.Equal(9946, frames.Count);
        Assert.Equal(types["match"] + types["last_match"], sink.Of<TradeEvent>().Count());
        Assert.Equal(107, sink.Of<TradeEvent>().Count());
        Assert.Equal(types["ticker"], sink.Of<TickerEvent>().Count());
        Assert.Equal(10, types["snapshot"]);
        Assert.Equal(types["snapshot"], sink.Snapshots);
        Assert.Equal(types["l2update"], sink.Deltas);
        Assert.Equal(sink.Results.Count, sink.Count(BookApplyResult.Applied));
        Assert.Equal(0, sink.Stats.Gaps);
        Assert.Equal(10, sink.Books.Count);
        Assert.All(sink.Books.Values, b => Assert.True(b.IsSynced && b.Bids.Count > 0 && b.Asks.Count > 0));
    }

    [Fact]
    public void RecordedFeed_FinalBooksEqualTheRecordingAppliedNaively()
    {
        var frames = Recorded.Value;
        var sink = Replay(frames);
        var naive = new Dictionary<string, NaiveBook>();
        foreach (var frame in frames)
        {
            using var doc = JsonDocument.Parse(frame);
            var root = doc.RootElement;
            var type = root.GetProperty("type").GetString();
            if (type is not ("snapshot" or "l2update"))
            {
                continue;
            }

            var product = root.GetProperty("product_id").GetString()!;
            var book = naive.TryGetValue(product, out var b) ? b : naive[product] = new NaiveBook();
            if (type == "snapshot")
            {
                book.Clear();
                foreach (var l in root.GetProperty("bids").EnumerateArray())
                {
                    book.Set(true, NaiveBook.Dec(l[0].GetString()!), NaiveBook.Dec(l[1].GetString()!));
                }

                foreach (var l in root.GetProperty("asks").EnumerateArray())
                {
                    book.Set(false, NaiveBook.Dec(l[0].GetString()!), NaiveBook.Dec(l[1].GetString()!));
                }
            }
            else
            {
                foreach (var c in root.GetProperty("changes").EnumerateArray())
                {
                    book.Set(c[0].GetString() == "buy", NaiveBook.Dec(c[1].GetString()!), NaiveBook.Dec(c[2].GetString()!));
                }
            }
        }

        Assert.Equal(10, naive.Count);
        foreach (var (product, book) in naive)
        {
            book.AssertEqual(sink.Books[Symbols[product]]);
        }
    }

    [Fact]
    public void RecordedFeed_FirstAndLastTradesKeepTheVenueValuesWithTheTakerSide()
    {
        var trades = Replay(Recorded.Value).Of<TradeEvent>().ToList();

        var first = trades[0]; // the last_match sent at subscription
        Assert.Equal(Symbols["BAND-GBP"], first.Instrument);
        Assert.Equal(new Trade("881613", Ms("2021-04-17T16:43:30.244075Z"), 14.7775m, 0.04m, TradeSide.Buy, "sell"), first.Trade);
        Assert.Equal(333938798, first.Provenance.Sequence);

        var last = trades[^1];
        Assert.Equal(Symbols["SKL-USD"], last.Instrument);
        Assert.Equal(new Trade("1568319", Ms("2021-04-17T16:44:06.669388Z"), 0.7902m, 18m, TradeSide.Sell, "buy"), last.Trade);
        Assert.Equal(201393867, last.Provenance.Sequence);
    }

    [Fact]
    public void RecordedFeed_TickersCarryTopOfBookLastPriceAndVolume()
    {
        var ticker = Replay(Recorded.Value).Of<TickerEvent>().First();

        Assert.Equal(Symbols["BAND-GBP"], ticker.Instrument);
        Assert.Equal((14.7550m, 14.8060m, 14.7775m, 94381.28m), (ticker.BidPrice, ticker.AskPrice, ticker.LastPrice, ticker.Volume24h));
    }

    [Fact]
    public void UpdateBeforeItsSnapshot_WaitsForTheSnapshot()
    {
        var frames = Recorded.Value.ToList();
        var snapshot = frames.FindIndex(f => f.Contains("\"type\":\"snapshot\"", StringComparison.Ordinal) && f.Contains("\"SKL-USD\"", StringComparison.Ordinal));
        var update = frames.FindIndex(snapshot, f => f.Contains("\"l2update\"", StringComparison.Ordinal) && f.Contains("\"SKL-USD\"", StringComparison.Ordinal));
        (frames[snapshot], frames[update]) = (frames[update], frames[snapshot]);

        var sink = Replay(frames);

        Assert.Equal(1, sink.Count(BookApplyResult.AwaitingSnapshot));
        Assert.True(sink.Books[Symbols["SKL-USD"]].IsSynced);
    }

    [Fact]
    public void SubscribeMessages_AreCoinbasesDocumentedRequests()
    {
        var protocol = new CoinbaseExchangeStreamProtocol();
        var skl = Symbols["SKL-USD"];
        var band = Symbols["BAND-GBP"];
        List<VenueSubscription> subscriptions = [new(StreamChannel.Book, skl, "SKL-USD"), new(StreamChannel.Book, band, "BAND-GBP"), new(StreamChannel.Trades, skl, "SKL-USD"), new(StreamChannel.Ticker, band, "BAND-GBP")];

        Assert.Equal(
            [
                """{"type":"subscribe","product_ids":["SKL-USD","BAND-GBP"],"channels":["level2_batch"]}""",
                """{"type":"subscribe","product_ids":["SKL-USD"],"channels":["matches"]}""",
                """{"type":"subscribe","product_ids":["BAND-GBP"],"channels":["ticker"]}""",
                """{"type":"subscribe","product_ids":["SKL-USD","BAND-GBP"],"channels":["heartbeat"]}""",
            ],
            protocol.SubscribeMessages(subscriptions));
        Assert.Equal(
            [
                """{"type":"unsubscribe","product_ids":["SKL-USD"],"channels":["level2_batch"]}""",
                """{"type":"subscribe","product_ids":["SKL-USD"],"channels":["level2_batch"]}""",
            ],
            protocol.ResubscribeBookMessages(subscriptions[0]));
        Assert.Equal("coinbase", protocol.Venue);
        Assert.False(protocol.Supports(StreamChannel.Candles));
    }

    [Fact]
    public void UnknownFieldsAndValues_NeverFailAFrame()
    {
        var sink = NewSink(out var parser);
        sink.Feed(parser, """{"product_id":"SKL-USD","bids":[["1.0","2"]],"asks":[["1.1","3","x"]],"type":"snapshot","new":{"a":1}}""");
        sink.Feed(parser, """{"type":"l2update","product_id":"SKL-USD","changes":[["both","1.05","1"],["buy","1.01","4"]],"time":"2021-04-17T16:43:37.077621Z"}""");
        sink.Feed(parser, """{"type":"status","products":[]}""");
        sink.Feed(parser, """{"type":"match","trade_id":1,"side":"neither","size":"1","price":"1","product_id":"SKL-USD","time":"2021-04-17T16:43:37Z"}""");

        var book = sink.Books[Symbols["SKL-USD"]];
        Assert.Equal([1.01m, 1.0m], book.Bids.Select(l => l.Price));
        Assert.Equal([1.1m], book.Asks.Select(l => l.Price));
        Assert.Equal(TradeSide.Unknown, Assert.Single(sink.Of<TradeEvent>()).Trade.Side);
    }

    [Theory]
    [InlineData("""{"type":"l2update","product_id":"SKL-USD","changes":[["buy","1.0"]]}""", "changes")]
    [InlineData("""{"type":"match","product_id":"SKL-USD","trade_id":1,"price":"1","size":"1"}""", "match")]
    [InlineData("""{"type":"ticker","product_id":"SKL-USD","time":"17 April"}""", "time")]
    [InlineData("""{"type":"l2update","changes":[]}""", "product_id")]
    public void MalformedFrame_ThrowsFormatExceptionNamingThePart(string frame, string part)
    {
        var sink = NewSink(out var parser);
        var error = Assert.Throws<FormatException>(() => sink.Feed(parser, frame));
        Assert.Contains(part, error.Message, StringComparison.Ordinal);
    }

    private static string? TypeOf(string frame)
    {
        using var doc = JsonDocument.Parse(frame);
        return doc.RootElement.GetProperty("type").GetString();
    }

    private static long Ms(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    private static RecordingSink NewSink(out IStreamParser parser)
    {
        var protocol = new CoinbaseExchangeStreamProtocol();
        parser = protocol.CreateParser();
        return new RecordingSink(protocol.Venue, Symbols, protocol.CreateBookSync());
    }

    private static RecordingSink Replay(List<string> frames)
    {
        var sink = NewSink(out var parser);
        foreach (var frame in frames)
        {
            sink.Feed(parser, frame);
        }

        return sink;
    }
}

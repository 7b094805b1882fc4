using System.Net;
using System.Text;
using System.Text.Json;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Replay.Recordings;
using CryptoRun.Streaming;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues.Bitstamp;

namespace CryptoRun.Tests.Venues.Streams;

/// <summary>
/// The recorded Bitstamp connection (v1 capture <c>BITSTAMP.ws.1.0</c>, 2022-01-05: diff_order_book and live_trades of
/// 10 pairs) with the recorded REST order books (<c>BITSTAMP.http.0.0</c>) read through
/// <see cref="BitstampStreamProtocol"/>: diffs at or before a snapshot's microtimestamp are dropped as stale, the rest
/// apply, and the books equal the recording applied naively.
/// </summary>
public sealed class BitstampStreamProtocolTests
{
    private static readonly Lazy<List<string>> Recorded = new(() => CaptureReader.Read(TestData.Capture("BITSTAMP.ws.1.0")).Frames.Select(f => f.Payload).ToList());

    private static readonly Lazy<Dictionary<string, string>> Snapshots = new(() =>
        CaptureReader.Read(TestData.Capture("BITSTAMP.http.0.0")).Responses.ToDictionary(r => r.Url[(r.Url.LastIndexOf('/') + 1)..], r => r.Body));

    // Instruments from the recorded trading-pairs-info: url_symbol -> name ("BTC/USD").
    private static readonly Lazy<Dictionary<string, Instrument>> Symbols = new(() =>
    {
        using var doc = JsonDocument.Parse(TestData.RecordedResponse("BITSTAMP.0", "trading-pairs-info"));
        return doc.RootElement.EnumerateArray().ToDictionary(p => p.GetProperty("url_symbol").GetString()!, p => Instrument.Parse(p.GetProperty("name").GetString()!));
    });

    [Fact]
    public void RecordedConnection_RestSnapshotsThenDiffs_StaleDiffsDroppedAndEveryOtherApplied()
    {
        var frames = Recorded.Value;
        var sink = Replay(frames);

        int trades = 0, diffs = 0, stale = 0;
        foreach (var frame in frames)
        {
            using var doc = JsonDocument.Parse(frame);
            var root = doc.RootElement;
            switch (root.GetProperty("event").GetString())
            {
                case "trade":
                    trades++;
                    break;
                case "data":
                    diffs++;
                    var pair = root.GetProperty("channel").GetString()!["diff_order_book_".Length..];
                    stale += long.Parse(root.GetProperty("data").GetProperty("microtimestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture) <= SnapshotMicro(pair) ? 1 : 0;
                    break;
            }
        }

        Assert.Equal(747, frames.Count);
        Assert.Equal(10, trades);
        Assert.Equal(trades, sink.Of<TradeEvent>().Count());
        Assert.Equal(717, diffs);
        Assert.Equal(102, stale);
        Assert.Equal(10, sink.Snapshots);
        Assert.Equal(stale, sink.Count(BookApplyResult.Stale));
        Assert.Equal(diffs - stale, sink.Deltas);
        Assert.Equal(0, sink.Stats.Gaps);
        Assert.All(sink.Books.Values, b => Assert.True(b.IsSynced && b.Bids.Count > 0 && b.Asks.Count > 0));
    }

    [Fact]
    public void RecordedConnection_BooksEqualTheRestSnapshotPlusLaterDiffsAppliedNaively()
    {
        var frames = Recorded.Value;
        var sink = Replay(frames);
        var naive = new Dictionary<string, NaiveBook>();
        foreach (var (pair, body) in Snapshots.Value)
        {
            using var doc = JsonDocument.Parse(body);
            var book = naive[pair] = new NaiveBook();
            foreach (var l in doc.RootElement.GetProperty("bids").EnumerateArray())
            {
                book.Set(true, NaiveBook.Dec(l[0].GetString()!), NaiveBook.Dec(l[1].GetString()!));
            }

            foreach (var l in doc.RootElement.GetProperty("asks").EnumerateArray())
            {
                book.Set(false, NaiveBook.Dec(l[0].GetString()!), NaiveBook.Dec(l[1].GetString()!));
            }
        }

        foreach (var frame in frames)
        {
            using var doc = JsonDocument.Parse(frame);
            var root = doc.RootElement;
            if (root.GetProperty("event").GetString() != "data")
            {
                continue;
            }

            var pair = root.GetProperty("channel").GetString()!["diff_order_book_".Length..];
            var data = root.GetProperty("data");
            if (long.Parse(data.GetProperty("microtimestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture) <= SnapshotMicro(pair))
            {
                continue;
            }

            foreach (var l in data.GetProperty("bids").EnumerateArray())
            {
                naive[pair].Set(true, NaiveBook.Dec(l[0].GetString()!), NaiveBook.Dec(l[1].GetString()!));
            }

            foreach (var l in data.GetProperty("asks").EnumerateArray())
            {
                naive[pair].Set(false, NaiveBook.Dec(l[0].GetString()!), NaiveBook.Dec(l[1].GetString()!));
            }
        }

        Assert.Equal(10, naive.Count);
        foreach (var (pair, book) in naive)
        {
            book.AssertEqual(sink.Books[Symbols.Value[pair]]);
        }
    }

    [Fact]
    public void RecordedConnection_FirstAndLastTradesKeepTheVenueValues()
    {
        var trades = Replay(Recorded.Value).Of<TradeEvent>().ToList();
        var eth = new Instrument("ETH", "USD");

        Assert.Equal(eth, trades[0].Instrument);
        Assert.Equal(new Trade("216000477", 1641343699596, 3805.44m, 0.0792m, TradeSide.Buy, "0"), trades[0].Trade);
        Assert.Equal(1641343699596000, trades[0].Provenance.Sequence);
        Assert.Equal(eth, trades[^1].Instrument);
        Assert.Equal(new Trade("216000506", 1641343721269, 3800.80m, 2.73248242m, TradeSide.Sell, "1"), trades[^1].Trade);
        Assert.Equal(1641343721269, trades[^1].Provenance.ExchangeTimeMs);
    }

    [Fact]
    public void DiffReplayedAfterLaterDiffs_IsDroppedAsStaleAndLeavesTheBookUnchanged()
    {
        var frames = Recorded.Value;
        var sink = Replay(frames);
        var book = sink.Books[Symbols.Value["ethusd"]];
        var before = book.Bids.Concat(book.Asks).ToList();
        var old = frames.Last(f => f.Contains("diff_order_book_ethusd", StringComparison.Ordinal) && f.Contains("\"event\":\"data\"", StringComparison.Ordinal));
        var staleBefore = sink.Count(BookApplyResult.Stale);

        sink.Feed(new BitstampStreamProtocol().CreateParser(), old);

        Assert.Equal(staleBefore + 1, sink.Count(BookApplyResult.Stale));
        Assert.Equal(before, book.Bids.Concat(book.Asks).ToList());
    }

    [Fact]
    public void DiffBeforeAnySnapshot_WaitsForTheRestSnapshot()
    {
        var protocol = new BitstampStreamProtocol();
        var sink = new RecordingSink(protocol.Venue, Symbols.Value, protocol.CreateBookSync());
        sink.Feed(protocol.CreateParser(), Recorded.Value.First(f => f.Contains("diff_order_book_", StringComparison.Ordinal) && f.Contains("\"event\":\"data\"", StringComparison.Ordinal)));

        Assert.Equal(BookApplyResult.AwaitingSnapshot, Assert.Single(sink.Results).Result);
    }

    [Fact]
    public async Task FetchBookSnapshot_ReadsTheRecordedRestBodyWithItsMicrotimestamp()
    {
        var body = Snapshots.Value["ethusd"];
        using var handler = new RecordedHandler(body);
        using var http = new HttpClient(handler) { BaseAddress = BitstampStreamProtocol.DefaultRestBaseAddress };
        var into = new BookMessage();

        await new BitstampStreamProtocol().FetchBookSnapshotAsync(VenueConnection.Direct(http, TimeProvider.System), new VenueSubscription(StreamChannel.Book, new Instrument("ETH", "USD"), "ethusd"), into);

        Assert.Equal("https://www.bitstamp.net/api/v2/order_book/ethusd", handler.RequestedUri?.ToString());
        Assert.True(into.IsSnapshot);
        Assert.Equal(1641343695681418, into.Sequence);
        Assert.Equal(1641343695681, into.TimeMs);
        using var doc = JsonDocument.Parse(body);
        Assert.Equal(doc.RootElement.GetProperty("bids").GetArrayLength(), into.Bids.Count);
        Assert.Equal(doc.RootElement.GetProperty("asks").GetArrayLength(), into.Asks.Count);
        Assert.Equal(("3802.90", "0.60000000"), (into.Bids[0].PriceText, into.Bids[0].SizeText));
    }

    [Fact]
    public void SubscribeMessages_AreBitstampsDocumentedRequests()
    {
        var protocol = new BitstampStreamProtocol();
        var btc = new Instrument("BTC", "USD");
        List<VenueSubscription> subscriptions = [new(StreamChannel.Book, btc, "btcusd"), new(StreamChannel.Trades, btc, "btcusd")];

        Assert.Equal(
            [
                """{"event":"bts:subscribe","data":{"channel":"diff_order_book_btcusd"}}""",
                """{"event":"bts:subscribe","data":{"channel":"live_trades_btcusd"}}""",
            ],
            protocol.SubscribeMessages(subscriptions));
        Assert.Empty(protocol.ResubscribeBookMessages(subscriptions[0]));
        Assert.IsAssignableFrom<IRestSnapshotProtocol>(protocol);
        Assert.Equal("btcusd", protocol.StreamSymbol(new Market(btc, "BTC/USD", MarketKind.Spot, true)));
        Assert.Equal("btcusd", protocol.StreamSymbol(new Market(btc, "btcusd", MarketKind.Spot, true)));
        Assert.False(protocol.Supports(StreamChannel.Ticker));
    }

    [Fact]
    public void ControlEventsAndUnknownFields_ProduceNothingAndNeverFail()
    {
        var protocol = new BitstampStreamProtocol();
        var sink = new RecordingSink(protocol.Venue, Symbols.Value, protocol.CreateBookSync());
        var parser = protocol.CreateParser();
        sink.Feed(parser, """{"event":"bts:subscription_succeeded","channel":"live_trades_ethusd","data":{}}""");
        sink.Feed(parser, """{"event":"bts:request_reconnect","channel":"","data":""}""");
        sink.Feed(parser, """{"event":"bts:heartbeat","channel":"","data":{"status":"success"}}""");
        sink.Feed(parser, """{"data":{"id":1,"amount_str":"1","price_str":"2","type":7,"microtimestamp":"1641343721269000","new":[1]},"channel":"live_trades_ethusd","event":"trade"}""");

        Assert.Equal(TradeSide.Unknown, Assert.IsType<TradeEvent>(Assert.Single(sink.Events)).Trade.Side);
    }

    [Theory]
    [InlineData("""{"data":{"bids":[],"asks":[]},"channel":"diff_order_book_ethusd","event":"data"}""", "microtimestamp")]
    [InlineData("""{"data":{"microtimestamp":"1","bids":[["x","1"]],"asks":[]},"channel":"diff_order_book_ethusd","event":"data"}""", "bitstamp diff bids")]
    [InlineData("""{"data":{"id":1,"price_str":"1"},"channel":"live_trades_ethusd","event":"trade"}""", "live_trades_ethusd")]
    public void MalformedFrame_ThrowsFormatExceptionNamingThePart(string frame, string part)
    {
        var protocol = new BitstampStreamProtocol();
        var sink = new RecordingSink(protocol.Venue, Symbols.Value, protocol.CreateBookSync());
        var error = Assert.Throws<FormatException>(() => sink.Feed(protocol.CreateParser(), frame));
        Assert.Contains(part, error.Message, StringComparison.Ordinal);
    }

    private static long SnapshotMicro(string pair)
    {
        using var doc = JsonDocument.Parse(Snapshots.Value[pair]);
        return long.Parse(doc.RootElement.GetProperty("microtimestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
    }

    // The stream client's procedure: each book's REST snapshot (recorded before the diffs arrived), then the frames in order.
    private static RecordingSink Replay(List<string> frames)
    {
        var protocol = new BitstampStreamProtocol();
        var sink = new RecordingSink(protocol.Venue, Symbols.Value, protocol.CreateBookSync());
        foreach (var (pair, body) in Snapshots.Value)
        {
            BitstampBookSync.ParseSnapshot(Encoding.UTF8.GetBytes(body), pair, sink.Book);
            sink.ApplyBook(Symbols.Value[pair]);
        }

        var parser = protocol.CreateParser();
        foreach (var frame in frames)
        {
            sink.Feed(parser, frame);
        }

        return sink;
    }

    private sealed class RecordedHandler(string body) : HttpMessageHandler
    {
        public Uri? RequestedUri { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            RequestedUri = request.RequestUri;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
        }
    }
}

using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Replay;
using CryptoRun.Replay.Recordings;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues.Binance;
using CryptoRun.Venues.Kraken;
using CryptoRun.Venues.Okx;

namespace CryptoRun.Tests.Replay;

/// <summary>
/// A client resyncing one book against the replay venue, over real loopback WebSockets and REST: a Kraken
/// or OKX book subscribe sent mid-stream is answered with the venue's ack and a snapshot equal to the book
/// the recorded frames sent so far build (computed here independently, from the capture files), and the
/// recorded deltas that follow apply to it with every checksum passing; Binance REST depth answers the
/// book the connection's depth updates have built, and the following updates apply to it by Binance's
/// documented procedure without a gap.
/// </summary>
/// <remarks>
/// Kraken and OKX run at the recorded pace on a frozen manual clock: the test moves the clock to frame N's
/// time, so the server has sent exactly the frames due by then and waits, and the subscribe is answered
/// at a known point of the stream.
/// </remarks>
public sealed class ReplayBookResyncTests
{
    private static readonly Instrument Unnamed = Instrument.Parse("X/Y");

    [Theory]
    [InlineData("XMR/USD", 1500)]
    [InlineData("ADA/XBT", 3000)]
    public async Task Kraken_SubscribeMidStream_SnapshotIsTheBookSoFar_AndLaterChecksumsPass(string pair, int n)
    {
        var recorded = Recorded("KRAKEN.ws.");
        var clock = new ManualClock(ReplayFixture.Now);
        await using var server = await ReplayServer.StartAsync(new ReplayOptions { TimeProvider = clock, DataRoot = TestData.Root });
        using var timeout = Timeout();
        using var client = await ConnectAsync(server, "kraken?speed=1", timeout.Token);

        var sentBefore = await RunToAsync(client, clock, "KRAKEN.ws.", recorded, n, timeout.Token);
        await SendAsync(client, $$"""{"event":"subscribe","pair":["{{pair}}"],"subscription":{"name":"book","depth":10},"reqid":7}""", timeout.Token);
        var ack = await ReceiveAsync(client, timeout.Token);
        var snapshot = await ReceiveAsync(client, timeout.Token);

        // The book the first sentBefore recorded frames build, by Kraken's own rules.
        var sync = new KrakenBookSync();
        var expected = KrakenBooks(recorded.Take(sentBefore), sync)[pair];
        using (var document = JsonDocument.Parse(ack))
        {
            var root = document.RootElement;
            Assert.Equal("subscriptionStatus", root.GetProperty("event").GetString());
            Assert.Equal("subscribed", root.GetProperty("status").GetString());
            Assert.Equal(pair, root.GetProperty("pair").GetString());
            Assert.Equal("book-1000", root.GetProperty("channelName").GetString());
            Assert.Equal(7, root.GetProperty("reqid").GetInt64());
            Assert.Equal(ChannelId(recorded, pair), root.GetProperty("channelID").GetInt64());
        }

        var message = new BookMessage();
        Assert.True(KrakenBookSync.TryParse(Encoding.UTF8.GetBytes(snapshot), message, out var depth), snapshot[..Math.Min(200, snapshot.Length)]);
        Assert.True(message.IsSnapshot);
        Assert.Equal(1000, depth);
        Assert.Equal(pair, message.Symbol);
        Assert.StartsWith($"[{ChannelId(recorded, pair)},{{\"as\":[[\"", snapshot, StringComparison.Ordinal);
        Assert.Equal(Texts(expected.Asks), message.Asks.Select(l => (l.PriceText, l.SizeText)).ToList());
        Assert.Equal(Texts(expected.Bids), message.Bids.Select(l => (l.PriceText, l.SizeText)).ToList());
        Assert.True(message.Asks.Count > 10 && message.Bids.Count > 10);

        // The client's book from that snapshot, continued with the rest of the stream.
        var book = new L2Book(Unnamed, depth);
        Assert.Equal(BookApplyResult.Applied, sync.Apply(book, message));
        clock.Advance(TimeSpan.FromDays(1));
        var (rest, close) = await ReceiveToCloseAsync(client, timeout.Token);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, close);
        Assert.Equal(recorded.Skip(sentBefore), rest);
        var passes = 0;
        foreach (var frame in rest)
        {
            if (IsKrakenBook(frame) && KrakenBookSync.TryParse(Encoding.UTF8.GetBytes(frame), message, out _) && message.Symbol == pair)
            {
                Assert.Equal(BookApplyResult.Applied, sync.Apply(book, message));
                passes += message.Checksum is null ? 0 : 1;
            }
        }

        Assert.True(passes > 20, $"{passes} checksums after the snapshot");
    }

    [Fact]
    public async Task Kraken_UnsubscribeIsAcked_UnknownPairIsAnError_OtherMessagesIgnored()
    {
        var recorded = Recorded("KRAKEN.ws.");
        var clock = new ManualClock(ReplayFixture.Now);
        await using var server = await ReplayServer.StartAsync(new ReplayOptions { TimeProvider = clock, DataRoot = TestData.Root });
        using var timeout = Timeout();
        using var client = await ConnectAsync(server, "kraken?speed=1", timeout.Token);
        var sentBefore = await RunToAsync(client, clock, "KRAKEN.ws.", recorded, 1000, timeout.Token);

        await SendAsync(client, """{"event":"ping","reqid":1}""", timeout.Token);
        await SendAsync(client, """{"event":"subscribe","pair":["XMR/USD"],"subscription":{"name":"trade"}}""", timeout.Token);
        await SendAsync(client, """{"event":"unsubscribe","pair":["XMR/USD"],"subscription":{"name":"book","depth":1000}}""", timeout.Token);
        await SendAsync(client, """{"event":"subscribe","pair":["DOGE/JPY"],"subscription":{"name":"book","depth":10}}""", timeout.Token);
        var unsubscribed = JsonDocument.Parse(await ReceiveAsync(client, timeout.Token)).RootElement;
        var error = JsonDocument.Parse(await ReceiveAsync(client, timeout.Token)).RootElement;

        Assert.Equal("unsubscribed", unsubscribed.GetProperty("status").GetString());
        Assert.Equal("XMR/USD", unsubscribed.GetProperty("pair").GetString());
        Assert.Equal("error", error.GetProperty("status").GetString());
        Assert.Contains("DOGE/JPY", error.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        clock.Advance(TimeSpan.FromDays(1));
        var (rest, _) = await ReceiveToCloseAsync(client, timeout.Token);
        Assert.Equal(recorded.Skip(sentBefore), rest); // the ping and the trade subscribe got nothing
    }

    [Theory]
    [InlineData("BTC-USDT", 200)]
    [InlineData("UNI-USD-SWAP", 120)]
    public async Task Okx_SubscribeMidStream_SnapshotIsTheBookSoFar_WithOkxChecksum_AndLaterChecksumsPass(string instId, int n)
    {
        var recorded = Recorded("OKX.ws.");
        var clock = new ManualClock(ReplayFixture.Now);
        await using var server = await ReplayServer.StartAsync(new ReplayOptions { TimeProvider = clock, DataRoot = TestData.Root });
        using var timeout = Timeout();
        using var client = await ConnectAsync(server, "okx?speed=1", timeout.Token);

        var sentBefore = await RunToAsync(client, clock, "OKX.ws.", recorded, n, timeout.Token);
        await SendAsync(client, $$"""{"op":"unsubscribe","args":[{"channel":"books","instId":"{{instId}}"}]}""", timeout.Token);
        await SendAsync(client, $$"""{"op":"subscribe","args":[{"channel":"books","instId":"{{instId}}"}]}""", timeout.Token);
        var unsubscribed = await ReceiveAsync(client, timeout.Token);
        var subscribed = await ReceiveAsync(client, timeout.Token);
        var snapshot = await ReceiveAsync(client, timeout.Token);

        Assert.Equal($$$"""{"event":"unsubscribe","arg":{"channel":"books","instId":"{{{instId}}}"}}""", unsubscribed);
        Assert.Equal($$$"""{"event":"subscribe","arg":{"channel":"books","instId":"{{{instId}}}"}}""", subscribed);
        var sync = new OkxBookSync();
        var expected = OkxBooks(recorded.Take(sentBefore), sync)[instId];
        var message = new BookMessage();
        Assert.True(OkxBookSync.TryParse(Encoding.UTF8.GetBytes(snapshot), message));
        Assert.True(message.IsSnapshot);
        Assert.Equal(instId, message.Symbol);
        Assert.Equal(Texts(expected.Asks), message.Asks.Select(l => (l.PriceText, l.SizeText)).ToList());
        Assert.Equal(Texts(expected.Bids), message.Bids.Select(l => (l.PriceText, l.SizeText)).ToList());
        Assert.Equal(expected.TimeMs, message.TimeMs);
        Assert.Equal(OkxBookSync.Checksum(expected), message.Checksum);
        Assert.Equal(OrderCounts(recorded.Take(sentBefore), instId, expected.Asks[0].Price, asks: true), OrderCount(snapshot, "asks"));

        var book = new L2Book(Unnamed);
        Assert.Equal(BookApplyResult.Applied, sync.Apply(book, message)); // its own checksum passes
        clock.Advance(TimeSpan.FromDays(1));
        var (rest, close) = await ReceiveToCloseAsync(client, timeout.Token);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, close);
        Assert.Equal(recorded.Skip(sentBefore), rest);
        var passes = 0;
        foreach (var frame in rest)
        {
            if (OkxBookSync.TryParse(Encoding.UTF8.GetBytes(frame), message) && message.Symbol == instId)
            {
                Assert.Equal(BookApplyResult.Applied, sync.Apply(book, message));
                passes++;
            }
        }

        Assert.True(passes > 10, $"{passes} checksums after the snapshot");
    }

    [Fact]
    public async Task Okx_CorruptFault_ChecksumFails_ResubscribeGetsTheTrueBook_AndLaterChecksumsPass()
    {
        // The k-th frame (a BTC-USDT update) is corrupted in transit (its checksum's last digit): the client's
        // checksum fails, it resubscribes, and the snapshot is the book the uncorrupted recording builds.
        var recorded = Recorded("OKX.ws.");
        var k = recorded.FindIndex(100, f => f.Contains("\"action\":\"update\"", StringComparison.Ordinal) && f.Contains("\"instId\":\"BTC-USDT\"", StringComparison.Ordinal)) + 1;
        var sent = recorded.Select((f, i) => (i + 1) % k == 0 ? CorruptLastDigit(f) : f).ToList();
        var clock = new ManualClock(ReplayFixture.Now);
        await using var server = await ReplayServer.StartAsync(new ReplayOptions { TimeProvider = clock, DataRoot = TestData.Root });
        using var timeout = Timeout();
        using var client = await ConnectAsync(server, $"okx?speed=1&corrupt_every={k}", timeout.Token);

        var sentBefore = await RunToAsync(client, clock, "OKX.ws.", sent, k + 20, timeout.Token);
        var sync = new OkxBookSync();
        var clientBooks = new Dictionary<string, L2Book>();
        var message = new BookMessage();
        var results = new List<BookApplyResult>();
        foreach (var frame in sent.Take(sentBefore))
        {
            if (OkxBookSync.TryParse(Encoding.UTF8.GetBytes(frame), message) && message.Symbol == "BTC-USDT")
            {
                clientBooks.TryAdd(message.Symbol, new L2Book(Unnamed));
                results.Add(sync.Apply(clientBooks[message.Symbol], message));
            }
        }

        Assert.Contains(BookApplyResult.ChecksumFailed, results);
        Assert.False(clientBooks["BTC-USDT"].IsSynced);
        await SendAsync(client, """{"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"}]}""", timeout.Token);
        await ReceiveAsync(client, timeout.Token);
        var snapshot = await ReceiveAsync(client, timeout.Token);

        var expected = OkxBooks(recorded.Take(sentBefore), sync)["BTC-USDT"];
        Assert.True(OkxBookSync.TryParse(Encoding.UTF8.GetBytes(snapshot), message));
        Assert.Equal(Texts(expected.Asks), message.Asks.Select(l => (l.PriceText, l.SizeText)).ToList());
        Assert.Equal(Texts(expected.Bids), message.Bids.Select(l => (l.PriceText, l.SizeText)).ToList());
        var book = clientBooks["BTC-USDT"];
        Assert.Equal(BookApplyResult.Applied, sync.Apply(book, message));
        clock.Advance(TimeSpan.FromDays(1));
        var (rest, _) = await ReceiveToCloseAsync(client, timeout.Token);
        Assert.Equal(sent.Skip(sentBefore), rest);
        var nextCorrupted = (((sentBefore / k) + 1) * k) - 1; // index of the next corrupted frame
        var passes = 0;
        foreach (var frame in sent.Take(nextCorrupted).Skip(sentBefore))
        {
            if (OkxBookSync.TryParse(Encoding.UTF8.GetBytes(frame), message) && message.Symbol == "BTC-USDT")
            {
                Assert.Equal(BookApplyResult.Applied, sync.Apply(book, message));
                passes++;
            }
        }

        Assert.True(passes > 5, $"{passes} checksums after the snapshot");
    }

    [Fact]
    public async Task Okx_ReorderFault_TheVenuesBookKeepsTheRecordingsOrder_SoTheResubscribeSnapshotIsTheTrueBook()
    {
        // Two consecutive BTC-USDT updates that set one price to different sizes: swapped in transit, applied in the
        // swapped order they would leave the other size. The venue's own book moved in the recording's order.
        var recorded = Recorded("OKX.ws.");
        var message = new BookMessage();
        List<LevelChange> Changes(string frame) => OkxBookSync.TryParse(Encoding.UTF8.GetBytes(frame), message) && message.Symbol == "BTC-USDT" && !message.IsSnapshot
            ? [.. message.Bids, .. message.Asks]
            : [];
        var i = Enumerable.Range(100, recorded.Count - 101).First(i =>
        {
            var first = Changes(recorded[i]);
            var second = Changes(recorded[i + 1]);
            return first.Any(a => second.Any(b => a.Price == b.Price && a.Size != b.Size));
        });
        var k = i + 1; // slots count from 1: slot k (frame index i) goes out after slot k + 1
        var sent = recorded.ToList();
        (sent[i], sent[i + 1]) = (sent[i + 1], sent[i]);
        var clock = new ManualClock(ReplayFixture.Now);
        await using var server = await ReplayServer.StartAsync(new ReplayOptions { TimeProvider = clock, DataRoot = TestData.Root });
        using var timeout = Timeout();
        using var client = await ConnectAsync(server, $"okx?speed=1&reorder_every={k}", timeout.Token);

        var sentBefore = await RunToAsync(client, clock, "OKX.ws.", sent, k + 20, timeout.Token);
        await SendAsync(client, """{"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"}]}""", timeout.Token);
        await ReceiveAsync(client, timeout.Token);
        var snapshot = await ReceiveAsync(client, timeout.Token);

        var sync = new OkxBookSync();
        var expected = OkxBooks(recorded.Take(sentBefore), sync)["BTC-USDT"];
        Assert.True(OkxBookSync.TryParse(Encoding.UTF8.GetBytes(snapshot), message));
        Assert.Equal(Texts(expected.Asks), message.Asks.Select(l => (l.PriceText, l.SizeText)).ToList());
        Assert.Equal(Texts(expected.Bids), message.Bids.Select(l => (l.PriceText, l.SizeText)).ToList());
        var swapped = new NaiveBook();
        foreach (var frame in sent.Take(sentBefore))
        {
            if (OkxBookSync.TryParse(Encoding.UTF8.GetBytes(frame), message) && message.Symbol == "BTC-USDT")
            {
                if (message.IsSnapshot)
                {
                    swapped.Clear();
                }

                swapped.Apply(message.Bids.Select(l => (l.Price, l.Size)), message.Asks.Select(l => (l.Price, l.Size)));
            }
        }

        Assert.NotEqual([.. expected.Bids.Select(l => (l.Price, l.Size)), .. expected.Asks.Select(l => (l.Price, l.Size))], [.. swapped.Bids, .. swapped.Asks]);
    }

    private static string CorruptLastDigit(string frame)
    {
        var at = frame.AsSpan().LastIndexOfAnyInRange('0', '9');
        return at < 0 ? frame : string.Concat(frame.AsSpan(0, at), ((char)('0' + ((frame[at] - '0' + 1) % 10))).ToString(), frame.AsSpan(at + 1));
    }

    [Fact]
    public async Task Okx_UnknownInstrument_IsAnError_OtherChannelsIgnored()
    {
        var clock = new ManualClock(ReplayFixture.Now);
        await using var server = await ReplayServer.StartAsync(new ReplayOptions { TimeProvider = clock, DataRoot = TestData.Root });
        using var timeout = Timeout();
        using var client = await ConnectAsync(server, "okx?speed=1", timeout.Token);
        await ReceiveAsync(client, timeout.Token);
        await clock.WhenTimersPendingAsync().WaitAsync(timeout.Token);

        await SendAsync(client, """{"op":"subscribe","args":[{"channel":"tickers","instId":"BTC-USDT"}]}""", timeout.Token);
        await SendAsync(client, """{"op":"subscribe","args":[{"channel":"books","instId":"DOGE-JPY"}]}""", timeout.Token);
        var error = JsonDocument.Parse(await ReceiveAsync(client, timeout.Token)).RootElement;

        Assert.Equal("error", error.GetProperty("event").GetString());
        Assert.Equal("60018", error.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("BINANCE", "binance", "/api/v3/depth", 5000, false, 150)]
    [InlineData("BINANCE_FUTURES", "binance-usdm", "/fapi/v1/depth", 1000, true, 700)]
    public async Task Binance_RestDepthAfterKFrames_IsTheConnectionsBook_AndLaterUpdatesFollowWithoutAGap(
        string capture, string stream, string path, int limit, bool futures, int k)
    {
        var recorded = Recorded(capture + ".ws.");
        var snapshots = RecordedDepth(capture);
        var clock = new ManualClock(ReplayFixture.Now);
        await using var server = await ReplayServer.StartAsync(new ReplayOptions { TimeProvider = clock, DataRoot = TestData.Root });
        using var timeout = Timeout();
        using var client = await ConnectAsync(server, $"{stream}?speed=0&silent_after={k}", timeout.Token);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        Assert.Equal(recorded.Take(k), await ReceiveCountAsync(client, k, timeout.Token));

        // The books the recorded snapshots and the first k updates build, by Binance's procedure.
        var sync = new BinanceBookSync(futures);
        var message = new BookMessage();
        var books = new Dictionary<string, (L2Book Book, int Applied)>();
        foreach (var (symbol, body) in snapshots)
        {
            var book = new L2Book(Unnamed);
            BinanceBookSync.ParseSnapshot(Encoding.UTF8.GetBytes(body), symbol, message);
            sync.Apply(book, message);
            books[symbol] = (book, 0);
        }

        foreach (var frame in recorded.Take(k))
        {
            if (BinanceBookSync.TryParseUpdate(Encoding.UTF8.GetBytes(frame), message) && books.TryGetValue(message.Symbol, out var entry))
            {
                var result = sync.Apply(entry.Book, message);
                Assert.NotEqual(BookApplyResult.Gap, result);
                books[message.Symbol] = (entry.Book, entry.Applied + (result == BookApplyResult.Applied ? 1 : 0));
            }
        }

        Assert.Contains(books.Values, b => b.Applied > 0);
        var followed = 0;
        foreach (var (symbol, (expected, applied)) in books)
        {
            var body = await http.GetStringAsync(new Uri($"{path}?symbol={symbol}&limit={limit}", UriKind.Relative), timeout.Token);
            var served = new BookMessage();
            BinanceBookSync.ParseSnapshot(Encoding.UTF8.GetBytes(body), symbol, served);
            Assert.Equal(expected.Sequence, served.Sequence);
            Assert.Equal(Texts(expected.Bids).Take(limit), served.Bids.Select(l => (l.PriceText, l.SizeText)));
            Assert.Equal(Texts(expected.Asks).Take(limit), served.Asks.Select(l => (l.PriceText, l.SizeText)));
            if (applied == 0)
            {
                // The stream has not gone past the recorded snapshot: that snapshot, as before.
                Assert.StartsWith(snapshots[symbol][..30], body, StringComparison.Ordinal);
                continue;
            }

            // A client that buffered the stream takes this body as its snapshot and goes on.
            var book = new L2Book(Unnamed);
            sync.Apply(book, served);
            var results = new List<BookApplyResult>();
            foreach (var frame in recorded)
            {
                if (BinanceBookSync.TryParseUpdate(Encoding.UTF8.GetBytes(frame), message) && message.Symbol == symbol)
                {
                    results.Add(sync.Apply(book, message));
                }
            }

            Assert.DoesNotContain(BookApplyResult.Gap, results);
            Assert.Contains(BookApplyResult.Applied, results);
            followed++;
        }

        Assert.True(followed > 0);
    }

    [Fact]
    public async Task Binance_RestDepth_AnswersFromTheMostRecentlyOpenedConnection_EvenAfterItCloses()
    {
        var recorded = Recorded("BINANCE.ws.");
        var clock = new ManualClock(ReplayFixture.Now);
        await using var server = await ReplayServer.StartAsync(new ReplayOptions { TimeProvider = clock, DataRoot = TestData.Root });
        using var timeout = Timeout();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var symbol = RecordedDepth("BINANCE").Keys.Order(StringComparer.Ordinal).First(s => LastUpdateIds(recorded.Take(60), s).Count > 0 && LastUpdateIds(recorded.Take(200), s).Count > LastUpdateIds(recorded.Take(60), s).Count);
        async Task<long> LastUpdateIdAsync()
        {
            var body = await http.GetStringAsync(new Uri($"/api/v3/depth?symbol={symbol}&limit=100", UriKind.Relative), timeout.Token);
            using var document = JsonDocument.Parse(body);
            return document.RootElement.GetProperty("lastUpdateId").GetInt64();
        }

        using var older = await ConnectAsync(server, "binance?speed=0&silent_after=200", timeout.Token);
        await ReceiveCountAsync(older, 200, timeout.Token);
        Assert.Equal(LastUpdateIds(recorded.Take(200), symbol)[^1], await LastUpdateIdAsync());

        using var newer = await ConnectAsync(server, "binance?speed=0&silent_after=60", timeout.Token);
        await ReceiveCountAsync(newer, 60, timeout.Token);
        Assert.Equal(LastUpdateIds(recorded.Take(60), symbol)[^1], await LastUpdateIdAsync()); // the newer one, behind the older

        await newer.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
        Assert.Equal(LastUpdateIds(recorded.Take(60), symbol)[^1], await LastUpdateIdAsync()); // still the newer one
    }

    [Fact]
    public async Task Binance_Looping_RestDepthStartsAgainFromTheRecordedSnapshotEachCycle()
    {
        var recorded = Recorded("BINANCE.ws.");
        var clock = new ManualClock(ReplayFixture.Now);
        await using var server = await ReplayServer.StartAsync(new ReplayOptions { TimeProvider = clock, DataRoot = TestData.Root });
        using var timeout = Timeout();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var symbol = RecordedDepth("BINANCE").Keys.Order(StringComparer.Ordinal).First(s => LastUpdateIds(recorded.Take(60), s).Count > 0 && LastUpdateIds(recorded, s)[^1] > LastUpdateIds(recorded.Take(60), s)[^1]);

        using var client = await ConnectAsync(server, $"binance?speed=0&loop=true&silent_after={recorded.Count + 60}", timeout.Token);
        await ReceiveCountAsync(client, recorded.Count + 60, timeout.Token);
        var body = await http.GetStringAsync(new Uri($"/api/v3/depth?symbol={symbol}&limit=100", UriKind.Relative), timeout.Token);

        using var document = JsonDocument.Parse(body);
        Assert.Equal(LastUpdateIds(recorded.Take(60), symbol)[^1], document.RootElement.GetProperty("lastUpdateId").GetInt64());
    }

    /// <summary>The <c>u</c> of each of <paramref name="symbol"/>'s depth updates in the frames, past the recorded snapshot.</summary>
    private static List<long> LastUpdateIds(IEnumerable<string> frames, string symbol)
    {
        var message = new BookMessage();
        var snapshot = new BookMessage();
        BinanceBookSync.ParseSnapshot(Encoding.UTF8.GetBytes(RecordedDepth("BINANCE")[symbol]), symbol, snapshot);
        return frames.Where(f => BinanceBookSync.TryParseUpdate(Encoding.UTF8.GetBytes(f), message) && message.Symbol == symbol && message.Sequence > snapshot.Sequence)
            .Select(_ => message.Sequence!.Value)
            .ToList();
    }

    private static CancellationTokenSource Timeout() => new(TimeSpan.FromSeconds(60)); // a guard against hangs, not a timing

    /// <summary>
    /// Lets the server send the frames due by recorded frame <paramref name="n"/>'s time (on a frozen clock at speed 1),
    /// checks they are the recording's, and returns how many were sent; the server then waits for the next frame's time.
    /// </summary>
    private static async Task<int> RunToAsync(ClientWebSocket client, ManualClock clock, string prefix, List<string> recorded, int n, CancellationToken cancellationToken)
    {
        var times = RecordedTimes(prefix);
        Assert.Equal(recorded.Count, times.Count);
        var due = Due(times, n - 1);
        var count = Enumerable.Range(0, times.Count).Count(i => Due(times, i) <= due);
        var first = Enumerable.Range(0, times.Count).Count(i => Due(times, i) == 0);
        Assert.Equal(recorded.Take(first), await ReceiveCountAsync(client, first, cancellationToken));
        await clock.WhenTimersPendingAsync().WaitAsync(cancellationToken);
        clock.Advance(TimeSpan.FromTicks(due));
        Assert.Equal(recorded.Skip(first).Take(count - first), await ReceiveCountAsync(client, count - first, cancellationToken));
        await clock.WhenTimersPendingAsync().WaitAsync(cancellationToken);
        return count;
    }

    private static long Due(List<double> times, int i) => (long)Math.Round((times[i] - times[0]) * TimeSpan.TicksPerSecond);

    /// <summary>
    /// The frames of every connection of the recording in send order: connections in file (= opening) order,
    /// then a stable sort by receive time, as the server merges them.
    /// </summary>
    private static List<string> Recorded(string prefix) => RecordedWithTimes(prefix).Select(f => f.Payload).ToList();

    private static List<double> RecordedTimes(string prefix) => RecordedWithTimes(prefix).Select(f => f.ReceivedAt).ToList();

    private static List<RecordedFrame> RecordedWithTimes(string prefix)
    {
        var folder = Path.Combine(TestData.Root, "ws-captures", "v1");
        return Directory.GetFiles(folder, prefix + "*").Order(StringComparer.Ordinal)
            .SelectMany(file => CaptureReader.Read(file).Frames)
            .OrderBy(f => f.ReceivedAt)
            .ToList();
    }

    private static Dictionary<string, string> RecordedDepth(string capture)
    {
        var (responses, _) = CaptureReader.Read(TestData.Capture(capture + ".http.0.0"));
        return responses.Where(r => r.Url.Contains("/depth?", StringComparison.Ordinal))
            .ToDictionary(r => r.Url.Split("symbol=")[1].Split('&')[0], r => r.Body);
    }

    private static Dictionary<string, L2Book> KrakenBooks(IEnumerable<string> frames, KrakenBookSync sync)
    {
        var books = new Dictionary<string, L2Book>();
        var message = new BookMessage();
        foreach (var frame in frames)
        {
            if (IsKrakenBook(frame) && KrakenBookSync.TryParse(Encoding.UTF8.GetBytes(frame), message, out var depth))
            {
                if (!books.TryGetValue(message.Symbol, out var book))
                {
                    books[message.Symbol] = book = new L2Book(Unnamed, depth);
                }

                Assert.Equal(BookApplyResult.Applied, sync.Apply(book, message));
            }
        }

        return books;
    }

    private static Dictionary<string, L2Book> OkxBooks(IEnumerable<string> frames, OkxBookSync sync)
    {
        var books = new Dictionary<string, L2Book>();
        var message = new BookMessage();
        foreach (var frame in frames)
        {
            if (OkxBookSync.TryParse(Encoding.UTF8.GetBytes(frame), message))
            {
                if (!books.TryGetValue(message.Symbol, out var book))
                {
                    books[message.Symbol] = book = new L2Book(Unnamed);
                }

                Assert.Equal(BookApplyResult.Applied, sync.Apply(book, message));
            }
        }

        return books;
    }

    // The merged stream has ticker frames ([id,{"a":[price,..],..},"ticker",PAIR]) the book parser does not take.
    private static bool IsKrakenBook(string frame) => frame.Contains("\"book-", StringComparison.Ordinal);

    private static long ChannelId(List<string> recorded, string pair)
        => recorded.Where(f => f.StartsWith('[') && IsKrakenBook(f) && f.EndsWith($"\"{pair}\"]", StringComparison.Ordinal))
            .Select(f => long.Parse(f[1..f.IndexOf(',', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture))
            .First();

    /// <summary>The order count (4th item) OKX last sent for the level at <paramref name="price"/>.</summary>
    private static string OrderCounts(IEnumerable<string> frames, string instId, decimal price, bool asks)
    {
        string? count = null;
        foreach (var frame in frames.Where(f => f.Contains($"\"channel\":\"books\",\"instId\":\"{instId}\"", StringComparison.Ordinal) && f.Contains("\"data\"", StringComparison.Ordinal)))
        {
            using var document = JsonDocument.Parse(frame);
            foreach (var level in document.RootElement.GetProperty("data")[0].GetProperty(asks ? "asks" : "bids").EnumerateArray())
            {
                if (decimal.Parse(level[0].GetString()!, System.Globalization.CultureInfo.InvariantCulture) == price)
                {
                    count = level[3].GetString();
                }
            }
        }

        return count!;
    }

    private static string OrderCount(string snapshot, string side)
    {
        using var document = JsonDocument.Parse(snapshot);
        return document.RootElement.GetProperty("data")[0].GetProperty(side)[0][3].GetString()!;
    }

    private static List<(string, string)> Texts(IReadOnlyList<BookEntry> side) => side.Select(l => (l.PriceText, l.SizeText)).ToList();

    private static async Task<ClientWebSocket> ConnectAsync(ReplayServer server, string streamAndQuery, CancellationToken cancellationToken)
    {
        var client = new ClientWebSocket();
        await client.ConnectAsync(new Uri($"ws://{server.BaseAddress.Authority}/ws/{streamAndQuery}"), cancellationToken);
        return client;
    }

    private static Task SendAsync(ClientWebSocket client, string text, CancellationToken cancellationToken)
        => client.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    private static async Task<string> ReceiveAsync(ClientWebSocket client, CancellationToken cancellationToken)
    {
        var (type, text) = await ReceiveAnyAsync(client, cancellationToken);
        Assert.Equal(WebSocketMessageType.Text, type);
        return text;
    }

    private static async Task<(WebSocketMessageType Type, string Text)> ReceiveAnyAsync(ClientWebSocket client, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await client.ReceiveAsync(buffer.AsMemory(), cancellationToken);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return (result.MessageType, Encoding.UTF8.GetString(message.ToArray()));
            }
        }
    }

    private static async Task<List<string>> ReceiveCountAsync(ClientWebSocket client, int count, CancellationToken cancellationToken)
    {
        var frames = new List<string>();
        while (frames.Count < count)
        {
            frames.Add(await ReceiveAsync(client, cancellationToken));
        }

        return frames;
    }

    private static async Task<(List<string> Frames, WebSocketCloseStatus? Close)> ReceiveToCloseAsync(ClientWebSocket client, CancellationToken cancellationToken)
    {
        var frames = new List<string>();
        while (true)
        {
            var (type, text) = await ReceiveAnyAsync(client, cancellationToken);
            if (type == WebSocketMessageType.Close)
            {
                await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", cancellationToken);
                return (frames, client.CloseStatus);
            }

            frames.Add(text);
        }
    }
}

using CryptoRun.Streaming;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Replay.Recordings;
using CryptoRun.Venues;
using CryptoRun.Venues.Kraken;
using CryptoRun.Venues.Okx;

namespace CryptoRun.Tests.Streaming;

/// <summary>
/// Books that lose sync on the replay venue's corrupted frames resync by themselves through the stream client: a
/// checksum failure, a resubscribe on the same connection, a fresh snapshot, and a book equal to the uncorrupted
/// recording's, while the connection's other subscriptions carry on undisturbed.
/// </summary>
public sealed class StreamBookResyncTests
{

    /// <remarks>
    /// Corrupted frames fail OKX's checksum; so do reordered ones, as the recording (May 2022) predates OKX's
    /// <c>seqId</c>/<c>prevSeqId</c> (a reorder of two frames of different books or channels breaks nothing).
    /// </remarks>
    [Theory]
    [InlineData("corrupt_every=37", GapReason.ChecksumFailed, 3)]
    [InlineData("reorder_every=7", GapReason.ChecksumFailed, 3)]
    public async Task Okx_CorruptedOrReorderedFrames_EachFailureResyncsThatBookOnly_AndTheBookEndsEqualToTheCleanRecording(string fault, GapReason reason, int atLeast)
    {
        await using var replay = await ReplayHarness.StartAsync();
        var okx = replay.Connect<OkxConnector>("okx");
        await using var client = StreamClientReplayTests.Client(replay, "okx", new OkxStreamProtocol(), okx.GetMarketsAsync, query: $"speed=1&{fault}");
        var markets = await okx.GetMarketsAsync();
        var btc = markets.Markets.Single(m => m.VenueSymbol == "BTC-USDT").Instrument;
        var uni = markets.Markets.Single(m => m.VenueSymbol == "UNI-USD-SWAP").Instrument;
        var btcBook = client.Subscribe(StreamChannel.Book, btc);
        var uniBook = client.Subscribe(StreamChannel.Book, uni);
        var btcTrades = client.Subscribe(StreamChannel.Trades, btc);
        await client.StartAsync();

        var frames = StreamReplayKit.Frames("OKX.ws.1.0");
        var naive = StreamReplayKit.OkxNaive(frames);
        var recordedTrades = frames.Count(f => f.Contains("\"channel\":\"trades\",\"instId\":\"BTC-USDT\"", StringComparison.Ordinal) && f.Contains("\"data\"", StringComparison.Ordinal));
        var read = await ReadHeldAsync(replay, client, TimeSpan.FromMilliseconds(500), btcBook, uniBook, btcTrades);
        var failures = 0;
        foreach (var (events, id) in new[] { (read[0], "BTC-USDT"), (read[1], "UNI-USD-SWAP") })
        {
            failures += AssertEachGapResynced(events, reason, lastMayBeOpen: false, out _);
            var rebuilt = StreamReplayKit.Rebuild(events);
            Assert.Equal(naive[id].Bids, rebuilt.Bids);
            Assert.Equal(naive[id].Asks, rebuilt.Asks);
        }

        var tradeEvents = read[2];
        Assert.True(failures >= atLeast, $"{failures} books lost sync");
        Assert.Equal(failures, reason == GapReason.ChecksumFailed ? client.BookStats.ChecksumFailures : client.BookStats.Gaps);
        Assert.Equal(failures, client.BookStats.Resyncs);

        // Every resync happened on the one connection: it closed only when the recording ended.
        Assert.Contains("end of recording", ((StreamStatusEvent)tradeEvents[^1]).Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(tradeEvents, e => e is GapEvent);
        Assert.Equal(recordedTrades, tradeEvents.OfType<TradeEvent>().Select(t => t.Provenance.Frame).Distinct().Count());
        Assert.Equal("okx#1", tradeEvents.OfType<TradeEvent>().Last().Provenance.Connection);
    }

    /// <remarks>
    /// A reordered pair of one book's updates fails Kraken's checksum on the first to arrive (its checksum counts the
    /// other); the book resubscribes on the same connection and the replay answers with the book so far.
    /// </remarks>
    [Fact]
    public async Task Kraken_ReorderedFrames_EachFailureResyncsThatBookOnly_AndTheBooksEndEqualToTheRecording()
    {
        await using var replay = await ReplayHarness.StartAsync();
        var kraken = replay.Connect<KrakenConnector>("kraken");
        var protocol = new KrakenStreamProtocol();
        await using var client = StreamClientReplayTests.Client(replay, "kraken", protocol, kraken.GetMarketsAsync, query: "speed=1&reorder_every=5");
        var markets = await kraken.GetMarketsAsync();
        var frames = StreamClientReplayTests.KrakenFiles.SelectMany(StreamReplayKit.Frames).ToList();
        var naive = StreamReplayKit.KrakenNaive(frames, protocol.BookDepth);
        var books = markets.Markets.Where(m => naive.ContainsKey(protocol.StreamSymbol(m)))
            .ToDictionary(m => protocol.StreamSymbol(m), m => client.Subscribe(StreamChannel.Book, m.Instrument));
        Assert.Equal(10, books.Count);
        await client.StartAsync();

        // The recording's 31 s in 50 ms steps: few frames go out together, so a failure holds the clock before the last ones.
        var read = await ReadHeldAsync(replay, client, TimeSpan.FromMilliseconds(50), [.. books.Values]);
        var failures = AssertBooksResynced(client, books.Keys.Zip(read), naive, GapReason.ChecksumFailed, protocol.BookDepth);
        Assert.True(failures >= 10, $"{failures} books lost sync");
        Assert.Equal(failures, client.BookStats.ChecksumFailures);
    }

    /// <remarks>
    /// Bybit v5 and Kraken Futures have no checksum: a reordered pair of one book's deltas breaks its <c>u</c> + 1
    /// (<c>seq</c> + 1) chain, the book resubscribes on the same connection and the replay answers with a snapshot of
    /// the book so far (its <c>u</c>, <c>seq</c>). Each recording runs in 50 ms steps, held while a book resyncs.
    /// </remarks>
    [Theory]
    [InlineData("bybit-linear", "BTC/USDT:USDT,ETH/USDT:USDT,SOL/USDT:USDT,DOGE/USDT:USDT")]
    [InlineData("kraken-futures", "ETH/USD:ETH,LTC/USD:LTC,XRP/USD:XRP")]
    public async Task SequencedVenue_ReorderedFrames_EachSequenceGapResyncsThatBookOnly_AndTheBooksEndEqualToTheRecording(string venue, string symbols)
    {
        await using var replay = await ReplayHarness.StartAsync();
        var descriptor = VenueStreams.Get(venue);
        var protocol = descriptor.Create();
        await using var client = new StreamClient(protocol, ct => descriptor.FetchMarkets!(VenueConnection.Direct(replay.Client(), replay.Clock), ct), new StreamClientOptions
        {
            Endpoint = new Uri($"{descriptor.ReplayEndpoint(replay.Server.BaseAddress)}?speed=1&reorder_every=5"),
            TimeProvider = replay.Clock,
        });
        var catalog = await descriptor.FetchMarkets!(VenueConnection.Direct(replay.Client(), replay.Clock), CancellationToken.None);
        var books = symbols.Split(',').Select(s => catalog.Get(Instrument.Parse(s)))
            .ToDictionary(m => m.VenueSymbol, m => client.Subscribe(StreamChannel.Book, m.Instrument));
        await client.StartAsync();
        var naive = venue == "kraken-futures"
            ? StreamReplayKit.KrakenFuturesNaive(StreamReplayKit.Frames("KRAKEN_FUTURES.ws.1.0"))
            : StreamReplayKit.BybitNaive(
                CaptureV2Reader.Read(Path.Combine(TestData.Root, "ws-captures", "v2", "BYBIT.jsonl.zst")).Frames
                    .Where(f => f.Connection == "BYBIT.ws.2").Select(f => f.Payload),
                protocol.BookDepth);

        var read = await ReadHeldAsync(replay, client, TimeSpan.FromMilliseconds(50), [.. books.Values]);
        var failures = AssertBooksResynced(client, books.Keys.Zip(read), naive, GapReason.SequenceGap, protocol.BookDepth, atLeastCompared: books.Count - 1);
        Assert.True(failures >= 3, $"{failures} books lost sync");
        Assert.Equal(failures, client.BookStats.Gaps);
    }

    /// <summary>
    /// Each book's gaps all have <paramref name="reason"/> and were each resynced, and the book rebuilt from its events
    /// equals the recording's. Frames due at the same moment go out together, so a failure among the recording's very
    /// last frames can end the stream before its resubscribe is answered: that book ends out of sync, with its gap
    /// open, and is not compared (at least <paramref name="atLeastCompared"/> are). Returns the gaps in all.
    /// </summary>
    private static int AssertBooksResynced(StreamClient client, IEnumerable<(string Symbol, List<StreamEvent> Events)> books, Dictionary<string, NaiveBook> naive, GapReason reason, int depth, int atLeastCompared = 8)
    {
        var failures = 0;
        var compared = 0;
        var open = 0;
        foreach (var (symbol, events) in books)
        {
            failures += AssertEachGapResynced(events, reason, lastMayBeOpen: true, out var ended);
            if (ended)
            {
                open++;
                continue;
            }

            var rebuilt = StreamReplayKit.Rebuild(events, depth);
            Assert.Equal(naive[symbol].Bids, rebuilt.Bids);
            Assert.Equal(naive[symbol].Asks, rebuilt.Asks);
            compared++;
        }

        Assert.True(compared >= atLeastCompared, $"{compared} books compared");
        Assert.Equal(failures - open, client.BookStats.Resyncs);
        return failures;
    }

    /// <summary>
    /// Reads each subscriber to the end of the recording (its reconnect), moving the replay clock a
    /// <paramref name="step"/> at a time and holding it while a book is resyncing: each resubscribe is answered before the recording moves on
    /// (otherwise, on a loaded machine, the last failures race the end of the recording). A resync that never comes
    /// (5 s) lets the clock go on, and the caller's assertions fail.
    /// </summary>
    private static async Task<List<StreamEvent>[]> ReadHeldAsync(ReplayHarness replay, StreamClient client, TimeSpan step, params StreamSubscriber[] subscribers)
    {
        var reading = Task.WhenAll(subscribers.Select(s => StreamReplayKit.ReadUntilAsync(s, StreamReplayKit.IsReconnecting)));
        var stats = client.BookStats;
        var held = 0;
        while (!reading.IsCompleted)
        {
            if (stats.ChecksumFailures + stats.Gaps > stats.Resyncs && ++held < 2_500)
            {
                await Task.Delay(2);
                continue;
            }

            held = 0;
            replay.Clock.Advance(step);
            await Task.Delay(2);
        }

        return await reading;
    }

    /// <summary>
    /// Every gap of a book's events has the reason and is followed by a snapshot before any delta and by a "resynced"
    /// status; returns how many gaps there were. With <paramref name="lastMayBeOpen"/>, the last gap may have nothing after
    /// it (it came in the recording's last frames, which end the stream before the resubscribe is answered); then
    /// <paramref name="open"/> is true.
    /// </summary>
    private static int AssertEachGapResynced(List<StreamEvent> events, GapReason reason, bool lastMayBeOpen, out bool open)
    {
        var gaps = events.OfType<GapEvent>().ToList();
        Assert.All(gaps, g => Assert.Equal(reason, g.Reason));
        var resynced = events.OfType<StreamStatusEvent>().Count(s => s.State == StreamState.Live && s.Detail.Contains("resynced", StringComparison.Ordinal));
        var last = events.FindLastIndex(e => e is GapEvent);
        open = lastMayBeOpen && last >= 0 && !events.Skip(last + 1).Any(e => e is BookSnapshotEvent or BookDeltaEvent);
        Assert.Equal(gaps.Count - (open ? 1 : 0), resynced);
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i] is GapEvent && (i != last || !open))
            {
                Assert.IsType<BookSnapshotEvent>(events.Skip(i + 1).First(e => e is BookSnapshotEvent or BookDeltaEvent));
            }
        }

        return gaps.Count;
    }
}

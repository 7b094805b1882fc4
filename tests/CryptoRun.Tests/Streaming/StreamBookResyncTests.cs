using CryptoRun.Streaming;
using CryptoRun.Tests.TestSupport;
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
        // The recording's 240 s at its own pace on the replay clock, moved half a second at a time, and held while a book
        // is resyncing: each resubscribe is answered before the recording moves on (otherwise, on a loaded machine, the
        // last corrupted frames race the end of the recording). A resync that never comes fails the assertions below.
        var reading = Task.WhenAll(
            StreamReplayKit.ReadUntilAsync(btcBook, StreamReplayKit.IsReconnecting),
            StreamReplayKit.ReadUntilAsync(uniBook, StreamReplayKit.IsReconnecting),
            StreamReplayKit.ReadUntilAsync(btcTrades, StreamReplayKit.IsReconnecting));
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
            replay.Clock.Advance(TimeSpan.FromMilliseconds(500));
            await Task.Delay(2);
        }

        var read = await reading;
        var failures = 0;
        foreach (var (events, id) in new[] { (read[0], "BTC-USDT"), (read[1], "UNI-USD-SWAP") })
        {
            var gaps = events.OfType<GapEvent>().ToList();
            Assert.All(gaps, g => Assert.Equal(reason, g.Reason));
            var resynced = events.OfType<StreamStatusEvent>().Count(s => s.State == StreamState.Live && s.Detail.Contains("resynced", StringComparison.Ordinal));
            Assert.Equal(gaps.Count, resynced);
            failures += gaps.Count;

            // After every gap the next book event is a snapshot (nothing is applied to a book out of sync).
            for (var i = 0; i < events.Count; i++)
            {
                if (events[i] is GapEvent)
                {
                    Assert.IsType<BookSnapshotEvent>(events.Skip(i + 1).First(e => e is BookSnapshotEvent or BookDeltaEvent));
                }
            }

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
}

using System.Globalization;
using CryptoRun.Domain;
using CryptoRun.Streaming;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues.Kraken;

namespace CryptoRun.Tests.Streaming;

/// <summary>
/// The stream client under the replay venue's injected WebSocket faults (dropped connections, silence) and under a slow
/// consumer: every loss of continuity is an explicit gap, books come back in sync, and nothing stalls or grows.
/// </summary>
public sealed class StreamFaultTests
{
    private static readonly Instrument Xmr = Instrument.Parse("XMR/USD");

    [Fact]
    public async Task DroppedConnection_ReconnectsWithAGapPerSubscription_AndTheBookResyncsFromTheNewSnapshot()
    {
        await using var replay = await ReplayHarness.StartAsync();
        var kraken = replay.Connect<KrakenConnector>("kraken");
        await using var client = StreamClientReplayTests.Client(replay, "kraken", new KrakenStreamProtocol(), kraken.GetMarketsAsync, query: "speed=0&drop_after=2000");
        var book = client.Subscribe(StreamChannel.Book, Xmr);
        var trades = client.Subscribe(StreamChannel.Trades, Xmr);
        await client.StartAsync();

        var gaps = 0;
        var events = await StreamReplayKit.ReadUntilAsync(book, e => e is GapEvent && ++gaps == 2);
        var tradeEvents = await StreamReplayKit.ReadUntilAsync(trades, e => e is GapEvent);

        var firstGap = events.OfType<GapEvent>().First();
        Assert.Equal(GapReason.Disconnected, firstGap.Reason);
        Assert.NotNull(firstGap.To);
        Assert.True(firstGap.To >= firstGap.From);
        var afterGap = events.SkipWhile(e => e != firstGap).Skip(1).ToList();
        Assert.IsType<BookSnapshotEvent>(afterGap.First(e => e is BookSnapshotEvent or BookDeltaEvent));
        Assert.Equal("kraken#1", afterGap.OfType<BookSnapshotEvent>().First().Provenance.Connection);
        Assert.Contains(events, e => e is StreamStatusEvent { State: StreamState.Reconnecting });
        Assert.Equal(GapReason.Disconnected, tradeEvents.OfType<GapEvent>().Single().Reason);
        Assert.Equal(0, client.BookStats.ChecksumFailures);
        Assert.True(client.Health().Reconnects >= 2, client.Health().ToString());
    }

    [Fact]
    public async Task SilentConnection_IsStaleAfterTheLimit_DroppedAndReopened_WithAStaleGap()
    {
        await using var replay = await ReplayHarness.StartAsync();
        var kraken = replay.Connect<KrakenConnector>("kraken");
        await using var client = new StreamClient(new KrakenStreamProtocol(), kraken.GetMarketsAsync, new StreamClientOptions
        {
            Endpoint = new Uri($"{replay.Server.Streams.Single(s => s.Name == "kraken").Address}?speed=0&silent_after=1000"),
            Time = replay.Clock,
            StaleAfter = TimeSpan.FromSeconds(20),
        });
        var book = client.Subscribe(StreamChannel.Book, Xmr);
        await client.StartAsync();

        using var driving = new CancellationTokenSource();
        var clock = Task.Run(async () =>
        {
            while (!driving.IsCancellationRequested)
            {
                await Task.Delay(50);
                replay.Clock.Advance(TimeSpan.FromSeconds(2));
            }
        });
        var events = await StreamReplayKit.ReadUntilAsync(book, e => e is GapEvent);
        await driving.CancelAsync();
        await clock;

        var gap = events.OfType<GapEvent>().Single();
        Assert.Equal(GapReason.Stale, gap.Reason);
        var reconnecting = events.OfType<StreamStatusEvent>().Single(s => s.State == StreamState.Reconnecting);
        Assert.StartsWith("stale: no frame for 20 s", reconnecting.Detail, StringComparison.Ordinal);
        Assert.True(gap.To - gap.From >= TimeSpan.FromSeconds(20), $"{gap.From} -> {gap.To}");
    }

    [Fact]
    public async Task SlowConsumer_GetsAGapCountingWhatItLost_WhileAFastConsumerOfTheSameBookLosesNothing()
    {
        await using var replay = await ReplayHarness.StartAsync();
        var kraken = replay.Connect<KrakenConnector>("kraken");
        await using var client = new StreamClient(new KrakenStreamProtocol(), kraken.GetMarketsAsync, new StreamClientOptions
        {
            Endpoint = new Uri($"{replay.Server.Streams.Single(s => s.Name == "kraken").Address}?speed=0"),
            Time = replay.Clock,
        });
        var fast = client.Subscribe(StreamChannel.Book, Xmr, bufferSize: 10_000);
        var slow = client.Subscribe(StreamChannel.Book, Xmr, bufferSize: 50);
        await client.StartAsync();

        // The fast consumer reads the whole recording (to the end-of-recording reconnect) while the slow one reads nothing.
        var fastEvents = await StreamReplayKit.ReadUntilAsync(fast, StreamReplayKit.IsReconnecting);
        var slowEvents = await StreamReplayKit.ReadUntilAsync(slow, e => e is GapEvent);

        Assert.DoesNotContain(fastEvents, e => e is GapEvent);
        Assert.Equal(50, slowEvents.Count - 1);
        Assert.Equal(fastEvents.Take(50), slowEvents.Take(50));
        var gap = (GapEvent)slowEvents[^1];
        Assert.Equal(GapReason.SlowConsumer, gap.Reason);
        Assert.True(gap.Dropped >= fastEvents.Count - 50, $"dropped {gap.Dropped} of {fastEvents.Count}");
        Assert.Equal(gap.Dropped, slow.Dropped);
        Assert.Equal(0, fast.Dropped);
        Assert.Equal(slow.Dropped, client.Health().DroppedForSlowConsumers);
    }
}

/// <summary>Trades lost in a disconnect window are supplied again from the venue's REST recent trades.</summary>
public sealed class StreamTradeBackfillTests
{
    private static readonly string[] KrakenFiles = ["KRAKEN.ws.48.0", "KRAKEN.ws.49.0", "KRAKEN.ws.50.0"];

    [Fact]
    public async Task DroppedConnection_TradesAfterTheLastReceivedOne_AreBackfilledFromRest_AndTheGapCountsThem()
    {
        var recordedAt = new DateTimeOffset(2021, 4, 17, 16, 50, 0, TimeSpan.Zero);
        await using var replay = await ReplayHarness.StartAsync(recordedAt);
        var kraken = replay.Connect<KrakenConnector>("kraken");
        var xmr = Instrument.Parse("XMR/USD");

        // Drop the connection just before the second recorded XMR/USD trade frame (frames go out in receive-time order).
        var frames = KrakenFiles
            .SelectMany(f => CryptoRun.Replay.Recordings.CaptureReader.Read(TestData.Capture(f)).Frames).ToList();
        var xmrTrades = frames.Where(f => f.Payload.EndsWith(",\"trade\",\"XMR/USD\"]", StringComparison.Ordinal)).OrderBy(f => f.ReceivedAt).ToList();
        var dropAfter = frames.Count(f => f.ReceivedAt < xmrTrades[1].ReceivedAt);
        await using var client = new StreamClient(new KrakenStreamProtocol(), kraken.GetMarketsAsync, new StreamClientOptions
        {
            Endpoint = new Uri($"{replay.Server.Streams.Single(s => s.Name == "kraken").Address}?speed=0&drop_after={dropAfter}"),
            Time = replay.Clock,
            TradeBackfill = kraken,
        });
        var trades = client.Subscribe(StreamChannel.Trades, xmr);
        await client.StartAsync();

        var events = await StreamReplayKit.ReadUntilAsync(trades, e => e is GapEvent);

        var firstLive = Assert.IsType<TradeEvent>(events.First(e => e is TradeEvent));
        var rest = (await replay.GetAsync("/0/public/Trades?pair=XXMRZUSD")).Json.GetProperty("result").GetProperty("XXMRZUSD").EnumerateArray()
            .Select(t => (Price: decimal.Parse(t[0].GetString()!, CultureInfo.InvariantCulture), TimeMs: (long)(decimal.Parse(t[2].GetRawText(), CultureInfo.InvariantCulture) * 1000m)))
            .Where(t => t.TimeMs > firstLive.Trade.TimeMs && t.TimeMs <= recordedAt.ToUnixTimeMilliseconds())
            .ToList();
        var backfilled = events.OfType<TradeEvent>().Where(t => t.Provenance.Connection == "kraken:rest").ToList();
        var gap = events.OfType<GapEvent>().Single();
        Assert.NotEmpty(rest);
        Assert.Equal(rest.Select(t => t.Price), backfilled.Select(t => t.Trade.Price));
        Assert.Equal(GapReason.Disconnected, gap.Reason);
        Assert.Equal(rest.Count, gap.Backfilled);
        Assert.Equal(StreamChannel.Trades, gap.Channel);
    }
}

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
        await using var clock = StreamReplayKit.DriveClock(replay.Clock);

        // Read past two drops, to the snapshot that follows the second. How many frames a dropped connection delivered is not
        // fixed: a drop ends the TCP connection, and a message the client sends after it (its subscribe, on a connection the
        // replay at speed=0 has already filled and dropped) draws a TCP reset that discards the frames it had not read yet, as
        // a real venue's drop loses what is in flight. So a reconnected connection may itself be dropped before its book
        // snapshot; what must hold whatever was lost is that after every gap the book's first event is a fresh snapshot.
        var gaps = 0;
        bool PastTheSecondDrop(StreamEvent e)
        {
            gaps += e is GapEvent ? 1 : 0;
            return gaps >= 2 && e is BookSnapshotEvent;
        }

        var events = await StreamReplayKit.ReadUntilAsync(book, PastTheSecondDrop);
        var tradeEvents = await StreamReplayKit.ReadUntilAsync(trades, e => e is GapEvent);

        var firstGap = events.OfType<GapEvent>().First();
        Assert.Equal(GapReason.Disconnected, firstGap.Reason);
        Assert.NotNull(firstGap.To);
        Assert.True(firstGap.To >= firstGap.From);
        foreach (var gap in events.OfType<GapEvent>())
        {
            var next = events.SkipWhile(e => e != gap).Skip(1).FirstOrDefault(e => e is BookSnapshotEvent or BookDeltaEvent);
            Assert.Equal("kraken#1", Assert.IsType<BookSnapshotEvent>(next).Provenance.Connection);
        }

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
            TimeProvider = replay.Clock,
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
            TimeProvider = replay.Clock,
        });
        var fast = client.Subscribe(StreamChannel.Book, Xmr, bufferSize: 10_000);
        var slow = client.Subscribe(StreamChannel.Book, Xmr, bufferSize: 50);
        await client.StartAsync();

        // The fast consumer reads the whole recording (to the end-of-recording reconnect) while the slow one reads nothing.
        var fastEvents = await StreamReplayKit.ReadUntilAsync(fast, StreamReplayKit.IsReconnecting);
        var slowEvents = await StreamReplayKit.ReadUntilAsync(slow, e => e is GapEvent);

        // The slow consumer holds the first events up to its 50, then one gap counting what it lost (the gap is written as soon
        // as the consumer has made room for one event, so it may come after fewer than 50 as the reader catches up).
        Assert.DoesNotContain(fastEvents, e => e is GapEvent);
        var kept = slowEvents.Count - 1;
        Assert.InRange(kept, 1, 50);
        Assert.Equal(fastEvents.Take(kept), slowEvents.Take(kept));
        var gap = (GapEvent)slowEvents[^1];
        Assert.Equal(GapReason.SlowConsumer, gap.Reason);
        Assert.True(gap.Dropped >= fastEvents.Count - 50, $"dropped {gap.Dropped} of {fastEvents.Count}");
        // The stream goes on after the recording's end (it reconnects): stop it so that the counters hold still to compare.
        await client.StopAsync();
        Assert.True(slow.Dropped >= gap.Dropped, $"{slow.Dropped} dropped in all, {gap.Dropped} in the gap");
        Assert.Equal(0, fast.Dropped);
        Assert.Equal(slow.Dropped, client.Health().DroppedForSlowConsumers);
    }
}

/// <summary>Trades lost in a disconnect window are supplied again from the venue's REST recent trades.</summary>
public sealed class StreamTradeBackfillTests
{
    [Fact]
    public async Task DroppedConnection_TradesAfterTheLastReceivedOne_AreBackfilledFromRest_AndTheGapCountsThem()
    {
        var recordedAt = new DateTimeOffset(2021, 4, 17, 16, 50, 0, TimeSpan.Zero);
        await using var replay = await ReplayHarness.StartAsync(recordedAt);
        var kraken = replay.Connect<KrakenConnector>("kraken");
        var xmr = Instrument.Parse("XMR/USD");
        await using var client = new StreamClient(new KrakenStreamProtocol(), kraken.GetMarketsAsync, new StreamClientOptions
        {
            Endpoint = new Uri($"{replay.Server.Streams.Single(s => s.Name == "kraken").Address}?speed=1"),
            TimeProvider = replay.Clock,
            TradeBackfill = kraken,
        });
        var trades = client.Subscribe(StreamChannel.Trades, xmr);
        await client.StartAsync();

        // The recording at its own pace on the replay clock, moved 100 ms at a time until the first of its three XMR/USD
        // trades (16:49:02) has come through; the clock then holds (the second is 3 s later) and the connection drops, as a
        // network would drop it (a drop the venue makes at a frame count loses what was still in flight, which is timing).
        var reading = StreamReplayKit.ReadUntilAsync(trades, e => e is TradeEvent);
        while (!reading.IsCompleted)
        {
            replay.Clock.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(5);
        }

        var live = await reading;
        Assert.True(client.DropConnection(trades.Subscription));
        var events = live.Concat(await StreamReplayKit.ReadUntilAsync(trades, e => e is GapEvent)).ToList();

        var gap = events.OfType<GapEvent>().Single();
        // The window starts after the last trade the dropped connection delivered (later ones come from the new connection).
        var dropped = events.FindIndex(StreamReplayKit.IsReconnecting);
        var lastLive = events.Take(dropped).OfType<TradeEvent>().Last();
        var rest = (await replay.GetAsync("/0/public/Trades?pair=XXMRZUSD")).Json.GetProperty("result").GetProperty("XXMRZUSD").EnumerateArray()
            .Select(t => (Price: decimal.Parse(t[0].GetString()!, CultureInfo.InvariantCulture), TimeMs: (long)(decimal.Parse(t[2].GetRawText(), CultureInfo.InvariantCulture) * 1000m)))
            .Where(t => t.TimeMs > lastLive.Trade.TimeMs && t.TimeMs <= gap.To!.Value.ToUnixTimeMilliseconds())
            .ToList();
        var backfilled = events.OfType<TradeEvent>().Where(t => t.Provenance.Connection == "kraken:rest").ToList();
        Assert.NotEmpty(rest);
        Assert.True(gap.Backfilled == rest.Count, $"{gap.Backfilled} of {rest.Count} backfilled; {client.Health()}");
        Assert.Equal(rest.Select(t => t.Price), backfilled.Select(t => t.Trade.Price));
        Assert.All(backfilled, t => Assert.InRange(t.Trade.TimeMs, lastLive.Trade.TimeMs + 1, gap.To!.Value.ToUnixTimeMilliseconds()));
        Assert.Equal(GapReason.Disconnected, gap.Reason);
        Assert.Equal(StreamChannel.Trades, gap.Channel);
    }
}

using System.Collections.Concurrent;
using System.Net.WebSockets;
using CryptoRun.Configuration;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Replay;
using CryptoRun.Resilience;
using CryptoRun.Streaming;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues;
using CryptoRun.Venues.Binance;
using CryptoRun.Venues.Kraken;

namespace CryptoRun.Tests.Streaming;

/// <summary>
/// The hot tier's REST calls inside the provider gate, and streams that report their failures, against the replay venue
/// with its rate limits on and on its manual clock: every request the replay sees during a stream is counted against
/// the venue's weight limit, through a 429 with <c>Retry-After</c> and a 418 ban injected on the book snapshot; failed
/// connects and drops are counted.
/// </summary>
public sealed class StreamRestGateTests
{
    private static readonly Instrument Nkn = Instrument.Parse("NKN/USDT");
    private static readonly Instrument Xmr = Instrument.Parse("XMR/USD");

    [Fact]
    public async Task BinanceBook_SnapshotAnswered429ThenBanned_NothingReachesTheVenueInsideRetryAfterOrBan_OneFetchAtATime_TheBookSaysWhyItWaits()
    {
        await using var replay = await ReplayHarness.WithFaultsAsync("""
            rules:
              - name: depth-429
                venue: binance
                path: /api/v3/depth
                status: 429
                retry_after: 30
                count: 1
              - name: depth-418
                venue: binance
                path: /api/v3/depth
                status: 418
                retry_after: 120
                count: 1
            """);
        var clock = replay.Clock;
        using var gate = new ProviderGate(ProviderDefaults.For(new KnownProvider("binance", new Uri("https://api.binance.com/"), ComplianceClass.ExchangeNative)), clock);
        var rest = new VenueConnection(replay.Client(), clock, gate);
        var connector = (BinanceConnector)VenueRegistry.Get("binance").Create(rest);
        await using var client = new StreamClient(BinanceStreamProtocol.Spot, connector.GetMarketsAsync, new StreamClientOptions
        {
            // The recording loops on the replay clock, so nothing but the client could close the connection.
            Endpoint = new Uri($"{replay.Server.Streams.Single(s => s.Name == "binance").Address}?speed=1&loop=true"),
            TimeProvider = clock,
            Rest = rest,
            StaleAfter = TimeSpan.FromHours(1),
        });
        var events = new ConcurrentQueue<StreamEvent>();
        var book = client.Subscribe(StreamChannel.Book, Nkn);
        var reading = Task.Run(async () =>
        {
            await foreach (var item in book)
            {
                events.Enqueue(item);
            }
        });
        await client.StartAsync();

        // The first fetch meets the 429: the book says it waits, and why, and for how long.
        var tooMany = await WaitForRequestAsync(replay, r => r.Fault == "depth-429");
        await WaitForAsync(() => Waiting(events, "after HTTP 429") is not null);
        Assert.Contains("retrying in 30 s", Waiting(events, "after HTTP 429")!.Detail, StringComparison.Ordinal);

        // Another caller of the same gate (a history fetch's trades) is held by the 429's Retry-After too.
        var other = Task.Run(() => connector.GetRecentTradesAsync(Nkn, 10));
        await StepAsync(clock, TimeSpan.FromSeconds(29));
        Assert.DoesNotContain(RestRequests(replay), r => r.Time > tooMany.Time);
        Assert.False(other.IsCompleted);

        await StepAsync(clock, TimeSpan.FromSeconds(2));
        var banned = await WaitForRequestAsync(replay, r => r.Fault == "depth-418");
        Assert.True(banned.Time - tooMany.Time >= TimeSpan.FromSeconds(30), $"{tooMany.Time:O} -> {banned.Time:O}");
        await WaitForAsync(() => other.IsCompleted);
        if (RestRequests(replay).SingleOrDefault(r => r.Path == "/api/v3/aggTrades") is { } trades)
        {
            Assert.True(trades.Time - tooMany.Time >= TimeSpan.FromSeconds(30), $"{tooMany.Time:O} -> {trades.Time:O}");
        }
        else
        {
            // The ban came back first: the gate refused it without sending.
            Assert.Equal(UnavailableReason.Banned, Assert.IsType<ProviderUnavailableException>(other.Exception?.InnerException).Reason);
        }

        // The ban: the book says until when; the same gate refuses the connector's calls without sending anything.
        var banEnd = banned.Time + TimeSpan.FromSeconds(120);
        await WaitForAsync(() => Waiting(events, "banned until") is not null);
        var bannedUntil = client.Health().BannedUntil!.Value; // from when the client read the 418, a clock step after it arrived at most
        Assert.InRange(bannedUntil, banEnd, banEnd + TimeSpan.FromSeconds(2));
        Assert.Contains($"binance banned until {TimeRange.Format(bannedUntil.ToUnixTimeMilliseconds())}", Waiting(events, "banned until")!.Detail, StringComparison.Ordinal);
        Assert.True(gate.Status.Breaker.Banned);
        var refused = await Assert.ThrowsAsync<ProviderUnavailableException>(() => connector.GetRecentTradesAsync(Nkn, 10));
        Assert.Equal(UnavailableReason.Banned, refused.Reason);

        // Past the resync timeout (15 s) many times over: the connection is not reopened, and nothing reaches the venue.
        await StepAsync(clock, TimeSpan.FromSeconds(117));
        Assert.DoesNotContain(RestRequests(replay), r => r.Time > banned.Time);
        Assert.Equal(0, client.Health().Reconnects);

        await StepAsync(clock, TimeSpan.FromSeconds(5));
        var synced = await WaitForRequestAsync(replay, r => r.Path == "/api/v3/depth" && r.Status == 200);
        Assert.True(synced.Time >= banEnd, $"{synced.Time:O} before the ban's end {banEnd:O}");
        await WaitForAsync(() => events.Any(e => e is StreamStatusEvent { State: StreamState.Live } s && s.Detail.Contains("REST snapshot", StringComparison.Ordinal)));
        Assert.Contains(events, e => e is StreamStatusEvent { State: StreamState.Live, Detail: "book in sync from the REST snapshot after 2 failed fetches" });
        Assert.Contains(events, e => e is BookSnapshotEvent);

        // One fetch at a time, each failed one followed by its wait: the first three snapshot requests are the 429, the 418
        // and the one that synced; every request of the stream counted against Binance's weight limit stays under it.
        var depth = RestRequests(replay).Where(r => r.Path == "/api/v3/depth").Take(3).ToList();
        Assert.Equal([429, 418, 200], depth.Select(r => r.Status));
        Assert.All(RestRequests(replay).GroupBy(r => r.Time.UtcTicks / TimeSpan.TicksPerMinute), minute => Assert.InRange(minute.Sum(r => r.Weight), 0, 1200));
        Assert.Equal(1, client.Health().ConnectAttempts);
        Assert.Equal(0, client.Health().Reconnects);
        await client.StopAsync();
        await reading;
    }

    [Fact]
    public async Task StreamNeverOpens_EveryAttemptAndFailureCounted_WithTheLastConnectErrorAndAStatusPerFailure()
    {
        await using var replay = await ReplayHarness.StartAsync();
        var kraken = replay.Connect<KrakenConnector>("kraken");
        await using var client = new StreamClient(new KrakenStreamProtocol(), kraken.GetMarketsAsync, new StreamClientOptions
        {
            Endpoint = new Uri($"{replay.Server.BaseAddress.ToString().Replace("http", "ws", StringComparison.Ordinal)}ws/no-such-stream"),
            TimeProvider = replay.Clock,
            ReconnectDelay = TimeSpan.FromSeconds(1),
            MaxReconnectDelay = TimeSpan.FromSeconds(1),
        });
        var book = client.Subscribe(StreamChannel.Book, Xmr);
        await client.StartAsync();

        await WaitForAsync(() => client.Health().ConnectFailures >= 1);
        for (var i = 0; i < 3; i++)
        {
            var failures = client.Health().ConnectFailures;
            await StepAsync(replay.Clock, TimeSpan.FromSeconds(2));
            await WaitForAsync(() => client.Health().ConnectFailures > failures);
        }

        var health = client.Health();
        Assert.InRange(health.ConnectFailures, 4, health.ConnectAttempts);
        Assert.InRange(health.ConnectAttempts, health.ConnectFailures, health.ConnectFailures + 1); // one may be under way
        Assert.Contains("404", health.LastConnectError, StringComparison.Ordinal);
        Assert.StartsWith("kraken#1: ", health.LastConnectError, StringComparison.Ordinal);
        Assert.False(health.EverOpened);
        Assert.Equal(0, health.Reconnects);
        var statuses = await StreamReplayKit.ReadUntilAsync(book, e => e is StreamStatusEvent { State: StreamState.Reconnecting });
        Assert.Contains("connect attempt failed: The server returned status code '404'", Assert.IsType<StreamStatusEvent>(statuses[^1]).Detail, StringComparison.Ordinal);
        Assert.InRange(replay.Server.Requests.Count(r => r.Path == "/ws/no-such-stream"), health.ConnectFailures, health.ConnectAttempts);
    }

    [Fact]
    public async Task VenueDropsTheConnection_ReconnectCountedAtTheDrop_WhileReopeningKeepsFailing()
    {
        await using var replay = await ReplayHarness.StartAsync();
        var kraken = replay.Connect<KrakenConnector>("kraken");
        var opened = 0;
        await using var client = new StreamClient(new KrakenStreamProtocol(), kraken.GetMarketsAsync, new StreamClientOptions
        {
            Endpoint = new Uri($"{replay.Server.Streams.Single(s => s.Name == "kraken").Address}?speed=0&drop_after=500"),
            TimeProvider = replay.Clock,
            ReconnectDelay = TimeSpan.FromSeconds(1),
            MaxReconnectDelay = TimeSpan.FromSeconds(1),

            // The first connection opens and the venue drops it after 500 frames; every later attempt is refused.
            Connect = async (uri, cancellationToken) =>
            {
                if (Interlocked.Increment(ref opened) > 1)
                {
                    throw new WebSocketException(WebSocketError.Faulted, "connection refused");
                }

                var socket = new ClientWebSocket();
                await socket.ConnectAsync(uri, cancellationToken);
                return socket;
            },
        });
        var book = client.Subscribe(StreamChannel.Book, Xmr);
        await client.StartAsync();

        var events = await StreamReplayKit.ReadUntilAsync(book, e => e is StreamStatusEvent { State: StreamState.Reconnecting } s && s.Detail.StartsWith("connect attempt failed", StringComparison.Ordinal));
        await StepAsync(replay.Clock, TimeSpan.FromSeconds(3));
        await WaitForAsync(() => client.Health().ConnectFailures >= 2);

        var health = client.Health();
        Assert.Equal(1, health.Reconnects);
        Assert.Equal(0, health.Open);
        Assert.True(health.EverOpened);
        Assert.Contains("connection refused", health.LastConnectError, StringComparison.Ordinal);
        Assert.Contains(events, e => e is StreamStatusEvent { State: StreamState.Reconnecting } s && !s.Detail.StartsWith("connect attempt failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StreamOnlyVenue_MetadataAndBookSnapshots_GoThroughOneGate_OfItsDocumentedLimits()
    {
        await using var replay = await ReplayHarness.StartAsync();
        var descriptor = VenueStreams.Get("bitstamp");
        var gate = new RecordingGate();
        var rest = new VenueConnection(replay.Client(), replay.Clock, gate);
        await using var client = new StreamClient(descriptor.Create(), ct => descriptor.FetchMarkets!(rest, ct), new StreamClientOptions
        {
            Endpoint = new Uri($"{descriptor.ReplayEndpoint(replay.Server.BaseAddress)}?speed=0&loop=true"),
            TimeProvider = replay.Clock,
            Rest = rest,
        });
        client.Subscribe(StreamChannel.Book, Instrument.Parse("ETH/USD"));
        await client.StartAsync();
        await WaitForRequestAsync(replay, r => r.Path.StartsWith("/api/v2/order_book/", StringComparison.Ordinal));
        await client.StopAsync();

        // The gate is asked before each request is sent: the replay can have seen no more than it let through.
        var seen = replay.Server.Requests.Where(r => r.Venue == "bitstamp" && r.Path.StartsWith("/api/", StringComparison.Ordinal)).ToList();
        Assert.Contains(seen, r => r.Path == "/api/v2/trading-pairs-info/");
        Assert.InRange(seen.Count, 2, gate.Costs.Count);

        // Every stream-only venue has a policy; Bybit's three streams share one REST provider (one IP limit).
        Assert.All(VenueStreams.All.Where(v => v.RestVenue is null), v => Assert.NotNull(v.RestPolicy));
        Assert.Equal("bitstamp", descriptor.RestPolicy!.Name);
        Assert.Equal(["bybit"], VenueStreams.All.Where(v => v.Name.StartsWith("bybit", StringComparison.Ordinal)).Select(v => v.RestPolicy!.Name).Distinct());
        Assert.Equal(100, VenueStreams.Get("bybit-linear").RestPolicy!.RateLimits.RequestsPerSecond);
    }

    private static IEnumerable<ReplayRequest> RestRequests(ReplayHarness replay)
        => replay.Server.Requests.Where(r => r.Venue == "binance" && r.Path.StartsWith("/api/", StringComparison.Ordinal));

    private static StreamStatusEvent? Waiting(IEnumerable<StreamEvent> events, string cause)
        => events.OfType<StreamStatusEvent>().FirstOrDefault(s => s.State == StreamState.Resyncing && s.Detail.StartsWith("waiting for the REST snapshot", StringComparison.Ordinal) && s.Detail.Contains(cause, StringComparison.Ordinal));

    /// <summary>Moves the clock on a second at a time, letting the replay's frames and the client's timers run between steps.</summary>
    private static async Task StepAsync(ManualClock clock, TimeSpan by)
    {
        for (var moved = TimeSpan.Zero; moved < by; moved += TimeSpan.FromSeconds(1))
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(15);
        }

        await Task.Delay(100);
    }

    private static async Task<ReplayRequest> WaitForRequestAsync(ReplayHarness replay, Func<ReplayRequest, bool> match)
    {
        await WaitForAsync(() => replay.Server.Requests.Any(match));
        return replay.Server.Requests.First(match);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 1000 && !condition(); i++)
        {
            await Task.Delay(20);
        }

        Assert.True(condition(), "the condition was not met within 20 s");
    }
}

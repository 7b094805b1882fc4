using System.Net.WebSockets;
using CryptoRun.Providers;

namespace CryptoRun.Streaming;

/// <summary>Options of a <see cref="StreamClient"/>; validated when the client is created.</summary>
public sealed class StreamClientOptions
{
    /// <summary>The WebSocket endpoint.</summary>
    /// <value>Null (default) for the venue's real endpoint (<see cref="IStreamProtocol.DefaultEndpoint"/>); a replay venue's <c>ws://127.0.0.1:PORT/ws/NAME</c> to replay recordings.</value>
    public Uri? Endpoint { get; init; }

    /// <summary>
    /// The venue's REST connection for REST book snapshots (protocols that are <see cref="IRestSnapshotProtocol"/>s: Binance,
    /// Bitstamp): a client whose base address is the venue's REST base, the clock, and the provider's gate. Give it the
    /// gate the venue's REST connector uses, so the stream's requests count against the same weights, wait out the same
    /// <c>Retry-After</c>, respect the same ban and breaker, and a ban learned by either stops both.
    /// </summary>
    /// <value>Null (default): book subscriptions of a venue whose snapshots come from REST are refused at start.</value>
    public VenueConnection? Rest { get; init; }

    /// <summary>The first wait after a failed REST snapshot fetch; it doubles per failed fetch, with jitter, up to <see cref="MaxSnapshotRetryDelay"/>, and is never shorter than the venue's <c>Retry-After</c>, a ban's or an open breaker's end.</summary>
    /// <value>1 second by default.</value>
    public TimeSpan SnapshotRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest backoff between failed REST snapshot fetches (a longer <c>Retry-After</c> or ban is still waited out in full).</summary>
    /// <value>60 seconds by default.</value>
    public TimeSpan MaxSnapshotRetryDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Supplies trades lost in a disconnect window from the venue's REST recent-trades endpoint.</summary>
    /// <value>Null (default): no backfill; the gap event then says <c>Backfilled = null</c>.</value>
    public ITradeProvider? TradeBackfill { get; init; }

    /// <summary>The clock: receive times, staleness, backoff delays, pings.</summary>
    /// <value><see cref="TimeProvider.System"/> by default.</value>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Events buffered per consumer before it counts as slow: further events are dropped for it alone and a <see cref="GapEvent"/> with <see cref="GapReason.SlowConsumer"/> says how many.</summary>
    /// <value>10,000 by default; at least 1.</value>
    public int ConsumerBufferSize { get; init; } = 10_000;

    /// <summary>A connection with no frame for this long is stale: it is dropped and reopened, with a <see cref="GapReason.Stale"/> gap.</summary>
    /// <value>30 seconds by default (Kraken and Coinbase send heartbeats every second, Binance book deltas every 100 ms).</value>
    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The first reconnect delay; it doubles per failed attempt, with jitter, up to <see cref="MaxReconnectDelay"/>.</summary>
    /// <value>500 ms by default.</value>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest reconnect delay.</summary>
    /// <value>30 seconds by default.</value>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a book may wait for its resync snapshot on the stream (after a resubscribe) before the whole connection is
    /// reopened. Books whose snapshot comes from REST are not timed: their fetch retries with backoff through the gate, and
    /// reopening the socket would not end a REST ban or an open breaker.
    /// </summary>
    /// <value>15 seconds by default.</value>
    public TimeSpan ResyncTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long opening a connection and receiving its first frame may take before the attempt counts as failed.</summary>
    /// <value>10 seconds by default.</value>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Opens a WebSocket (a test seam); by default a <see cref="ClientWebSocket"/> with 15 s keep-alive pings and a 15 s pong timeout.</summary>
    public Func<Uri, CancellationToken, Task<WebSocket>>? Connect { get; init; }

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size or duration is not positive; the message names it.</exception>
    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ConsumerBufferSize, 1, nameof(ConsumerBufferSize));
        foreach (var (value, name) in new[]
                 {
                     (StaleAfter, nameof(StaleAfter)), (ReconnectDelay, nameof(ReconnectDelay)), (MaxReconnectDelay, nameof(MaxReconnectDelay)),
                     (ResyncTimeout, nameof(ResyncTimeout)), (ConnectTimeout, nameof(ConnectTimeout)),
                     (SnapshotRetryDelay, nameof(SnapshotRetryDelay)), (MaxSnapshotRetryDelay, nameof(MaxSnapshotRetryDelay)),
                 })
        {
            if (value <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive");
            }
        }
    }
}

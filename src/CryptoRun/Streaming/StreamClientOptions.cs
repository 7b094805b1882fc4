using System.Net.WebSockets;
using CryptoRun.Providers;

namespace CryptoRun.Streaming;

/// <summary>Options of a <see cref="StreamClient"/>; validated when the client is created.</summary>
public sealed class StreamClientOptions
{
    /// <summary>The WebSocket endpoint.</summary>
    /// <value>Null (default) for the venue's real endpoint (<see cref="IStreamProtocol.DefaultEndpoint"/>); a replay venue's <c>ws://127.0.0.1:PORT/ws/NAME</c> to replay recordings.</value>
    public Uri? Endpoint { get; init; }

    /// <summary>An HTTP client whose base address is the venue's REST base, for REST book snapshots (Binance, Bitstamp).</summary>
    /// <value>Null (default): book subscriptions of a venue whose snapshots come from REST are refused at start.</value>
    public HttpClient? RestHttp { get; init; }

    /// <summary>Supplies trades lost in a disconnect window from the venue's REST recent-trades endpoint.</summary>
    /// <value>Null (default): no backfill; the gap event then says <c>Backfilled = null</c>.</value>
    public ITradeProvider? TradeBackfill { get; init; }

    /// <summary>The clock: receive times, staleness, backoff delays, pings.</summary>
    /// <value><see cref="TimeProvider.System"/> by default.</value>
    public TimeProvider Time { get; init; } = TimeProvider.System;

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

    /// <summary>How long a book may wait for its resync snapshot before the whole connection is reopened.</summary>
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
                 })
        {
            if (value <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive");
            }
        }
    }
}

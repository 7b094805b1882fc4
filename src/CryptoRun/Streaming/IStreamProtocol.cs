using System.Diagnostics.CodeAnalysis;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Providers;

namespace CryptoRun.Streaming;

/// <summary>What a consumer asks to stream: a channel of one instrument (unified symbol).</summary>
/// <param name="Channel">The channel.</param>
/// <param name="Instrument">The instrument.</param>
public sealed record StreamSubscription(StreamChannel Channel, Instrument Instrument);

/// <summary>A subscription resolved against the venue's market metadata.</summary>
/// <param name="Channel">The channel.</param>
/// <param name="Instrument">The instrument (unified symbol).</param>
/// <param name="StreamSymbol">The venue's name of the instrument on its stream, as <see cref="IStreamProtocol.StreamSymbol"/> gives it (Kraken <c>XBT/USD</c>, Binance <c>BTCUSDT</c>, OKX <c>BTC-USDT</c>).</param>
public sealed record VenueSubscription(StreamChannel Channel, Instrument Instrument, string StreamSymbol);

/// <summary>A venue's WebSocket limits, from its documentation; the stream client never exceeds them.</summary>
/// <param name="MaxSubscriptionsPerConnection">Most subscriptions (streams, topics, channel-symbol pairs) one connection may carry; more open another connection.</param>
/// <param name="MaxConnections">Most connections this process opens to the venue at once.</param>
/// <param name="MaxConnectsPerWindow">Most connection attempts per <paramref name="ConnectWindow"/> across all of this process's connections to the venue (reconnects included), so a venue-wide outage never becomes a reconnect storm.</param>
/// <param name="ConnectWindow">The window of <paramref name="MaxConnectsPerWindow"/>.</param>
public sealed record StreamLimits(int MaxSubscriptionsPerConnection, int MaxConnections, int MaxConnectsPerWindow, TimeSpan ConnectWindow);

/// <summary>
/// One venue's WebSocket protocol: where to connect, how to subscribe and keep the connection alive, and how
/// to read its frames into normalized <see cref="StreamEvent"/>s. Implementations live in the venue's folder of
/// <c>CryptoRun.Venues</c>; they hold no connection state (the stream client owns sockets, books and buffers),
/// except per-connection parse state created by <see cref="CreateParser"/>.
/// </summary>
public interface IStreamProtocol
{
    /// <summary>The venue name, as the REST provider's (<c>binance</c>, <c>binance-usdm</c>, <c>kraken</c>, <c>okx</c>, <c>coinbase</c>, <c>bybit</c>, <c>bitstamp</c>).</summary>
    string Venue { get; }

    /// <summary>The venue's real public WebSocket URL (for example <c>wss://ws.kraken.com</c>).</summary>
    Uri DefaultEndpoint { get; }

    /// <summary>The venue's documented connection and subscription limits.</summary>
    StreamLimits Limits { get; }

    /// <summary>The venue's name for a market on its stream (from the market metadata: Kraken's <c>wsname</c>, Binance's symbol...).</summary>
    /// <param name="market">The market from the venue's REST market metadata.</param>
    /// <returns>The symbol as the venue's frames carry it.</returns>
    string StreamSymbol(Market market);

    /// <summary>True when the venue streams the channel.</summary>
    /// <param name="channel">The channel.</param>
    /// <returns>Whether subscriptions to it are possible.</returns>
    bool Supports(StreamChannel channel);

    /// <summary>The URL of a connection carrying <paramref name="subscriptions"/> (Binance names its streams in the URL; others return <paramref name="endpoint"/>).</summary>
    /// <param name="endpoint">The venue's WebSocket endpoint (the default, or a replay venue's <c>ws://127.0.0.1:PORT/ws/NAME</c>).</param>
    /// <param name="subscriptions">The connection's subscriptions.</param>
    /// <returns>The URL to connect to.</returns>
    Uri ConnectUri(Uri endpoint, IReadOnlyList<VenueSubscription> subscriptions);

    /// <summary>The text frames to send once connected (subscribe requests); empty when the URL says it all.</summary>
    /// <param name="subscriptions">The connection's subscriptions.</param>
    /// <returns>The frames, in order.</returns>
    IReadOnlyList<string> SubscribeMessages(IReadOnlyList<VenueSubscription> subscriptions);

    /// <summary>
    /// The text frames that make the venue send a fresh snapshot of one book (unsubscribe then subscribe),
    /// so that book resyncs without disturbing the connection's other subscriptions. Empty when the venue's
    /// snapshot comes from REST instead (the protocol is an <see cref="IRestSnapshotProtocol"/>).
    /// </summary>
    /// <param name="book">The book subscription that lost sync.</param>
    /// <returns>The frames, in order.</returns>
    IReadOnlyList<string> ResubscribeBookMessages(VenueSubscription book);

    /// <summary>The venue's rules for keeping a book in sync (sequence, checksum).</summary>
    /// <returns>A new sync for one book.</returns>
    IBookSync CreateBookSync();

    /// <summary>Levels kept per side of a streamed book (the subscribed depth; 0 = all the venue sends).</summary>
    int BookDepth { get; }

    /// <summary>The venue's application-level ping frame (Kraken <c>{"event":"ping"}</c>, OKX <c>ping</c>, Bybit <c>{"op":"ping"}</c>); null when WebSocket pings suffice.</summary>
    string? PingMessage { get; }

    /// <summary>How often <see cref="PingMessage"/> is sent while the connection is open.</summary>
    TimeSpan PingInterval { get; }

    /// <summary>Creates the frame reader of one connection.</summary>
    /// <returns>A parser; it may keep per-connection state (Kraken's channel ids).</returns>
    IStreamParser CreateParser();
}

/// <summary>
/// A protocol whose books start from a REST snapshot while the stream sends only deltas (Binance's diff depth,
/// Bitstamp's diff order book). The stream client buffers a book's deltas, fetches the snapshot through
/// <see cref="StreamClientOptions.Rest"/> (the venue's gate: weights, <c>Retry-After</c>, bans, breaker; one fetch in
/// flight per book, with backoff between failed fetches) and applies the two by the venue's documented procedure.
/// Protocols whose snapshots come on the stream do not implement it.
/// </summary>
public interface IRestSnapshotProtocol : IStreamProtocol
{
    /// <summary>Fetches a book's REST snapshot into <paramref name="into"/>, as one request through <paramref name="rest"/>'s gate.</summary>
    /// <param name="rest">The venue's REST connection: a client whose base address is the venue's REST base (the real one or a replay venue's), the clock, and the provider's gate.</param>
    /// <param name="book">The book subscription.</param>
    /// <param name="into">A cleared message to fill: levels, and the snapshot's sequence (Binance <c>lastUpdateId</c>, Bitstamp <c>microtimestamp</c>).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when <paramref name="into"/> is filled.</returns>
    /// <exception cref="VenueException">The venue refused or answered with an error (typed: rate limited with its <c>Retry-After</c>, banned, unavailable, request, data).</exception>
    /// <exception cref="ProviderUnavailableException">The gate refused without sending: banned, circuit open, budget spent.</exception>
    /// <remarks>Source: Binance <c>GET /api/v3/depth</c> (USD-M <c>/fapi/v1/depth</c>), Bitstamp <c>GET /api/v2/order_book/{pair}</c>.</remarks>
    Task FetchBookSnapshotAsync(VenueConnection rest, VenueSubscription book, BookMessage into, CancellationToken cancellationToken = default);
}

/// <summary>Reads one venue's frames on one connection. Called only by that connection's receive loop.</summary>
public interface IStreamParser
{
    /// <summary>Reads one received text frame and hands its events to <paramref name="sink"/>. Control frames (acks, heartbeats, pongs) produce nothing.</summary>
    /// <param name="frame">The frame's UTF-8 bytes, exactly as received.</param>
    /// <param name="sink">Where events go.</param>
    /// <exception cref="FormatException">The frame is not the venue's shape; the message names the frame's part that was wrong. The connection counts it and goes on.</exception>
    void Parse(ReadOnlySpan<byte> frame, IStreamSink sink);
}

/// <summary>What a parser writes a frame's events to. Implemented by the stream client's receive loop.</summary>
public interface IStreamSink
{
    /// <summary>The instrument of a subscribed stream symbol.</summary>
    /// <param name="streamSymbol">The venue's symbol as the frame carries it (case-insensitive).</param>
    /// <param name="instrument">The instrument, when subscribed.</param>
    /// <returns>False for a symbol no subscription on this connection names (the event is then dropped).</returns>
    bool TryResolve(string streamSymbol, [NotNullWhen(true)] out Instrument? instrument);

    /// <summary>The provenance of an event of the frame being read.</summary>
    /// <param name="exchangeTimeMs">The venue's event time, Unix epoch milliseconds, when the frame has one.</param>
    /// <param name="sequence">The venue's sequence of the event, when it has one.</param>
    /// <returns>Provenance naming this connection, frame number and receive time.</returns>
    StreamProvenance Provenance(long? exchangeTimeMs, long? sequence);

    /// <summary>Publishes a trade, ticker, candle or funding event to the subscription's consumers.</summary>
    /// <param name="streamEvent">The event.</param>
    void Publish(StreamEvent streamEvent);

    /// <summary>A cleared, reusable book message for the parser to fill before <see cref="ApplyBook"/>.</summary>
    BookMessage Book { get; }

    /// <summary>Applies the filled <see cref="Book"/> to the instrument's book through the venue's sync; publishes the snapshot or delta, or a gap and a resync.</summary>
    /// <param name="instrument">The book's instrument.</param>
    void ApplyBook(Instrument instrument);
}

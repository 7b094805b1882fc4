using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Streaming;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Bybit;

/// <summary>
/// Bybit's retired v2 public stream, venue <c>bybit-v2</c>, kept to read and replay 2021 recordings: USDT perpetuals on
/// <c>wss://stream.bybit.com/realtime_public</c>, inverse contracts on <c>wss://stream.bybit.com/realtime</c>. Topics
/// <c>trade.{symbol}</c> and <c>orderBookL2_25.{symbol}</c> (a snapshot then deltas of <c>delete</c>/<c>update</c>/
/// <c>insert</c> level lists, each with <c>cross_seq</c> and <c>timestamp_e6</c>).
/// </summary>
/// <remarks>
/// Requests: <c>{"op":"subscribe","args":["trade.BTCUSD",...]}</c>, 10 topics per request; keep-alive
/// <c>{"op":"ping"}</c> every 20 s. v2's <c>cross_seq</c> rises but not by one per message, so the sync can only
/// skip stale messages, not detect lost ones. Live use needs the v5 <see cref="BybitStreamProtocol"/>.
/// </remarks>
public sealed class BybitLegacyStreamProtocol : IStreamProtocol
{
    /// <summary>Creates the protocol of one v2 endpoint.</summary>
    /// <param name="inverse">True for inverse contracts (<c>/realtime</c>), false for USDT perpetuals (<c>/realtime_public</c>).</param>
    public BybitLegacyStreamProtocol(bool inverse = false)
    {
        DefaultEndpoint = new Uri(inverse ? "wss://stream.bybit.com/realtime" : "wss://stream.bybit.com/realtime_public");
    }

    /// <inheritdoc />
    /// <value><c>bybit-v2</c>.</value>
    public string Venue => "bybit-v2";

    /// <inheritdoc />
    /// <value><c>wss://stream.bybit.com/realtime_public</c> or <c>wss://stream.bybit.com/realtime</c>.</value>
    public Uri DefaultEndpoint { get; }

    /// <inheritdoc />
    /// <value>As v5's: 100 topics per connection, 20 connections, 500 connects per 5 minutes.</value>
    public StreamLimits Limits { get; } = new(100, 20, 500, TimeSpan.FromMinutes(5));

    /// <inheritdoc />
    /// <value>25: <c>orderBookL2_25</c>.</value>
    public int BookDepth => 25;

    /// <inheritdoc />
    /// <value><c>{"op":"ping"}</c>.</value>
    public string? PingMessage => """{"op":"ping"}""";

    /// <inheritdoc />
    /// <value>20 seconds.</value>
    public TimeSpan PingInterval => TimeSpan.FromSeconds(20);

    /// <inheritdoc />
    /// <returns>The market's Bybit symbol (<c>BTCUSD</c>, <c>ETHUSDT</c>).</returns>
    public string StreamSymbol(Market market)
    {
        ArgumentNullException.ThrowIfNull(market);
        return market.VenueSymbol;
    }

    /// <inheritdoc />
    /// <returns>True for trades and book.</returns>
    public bool Supports(StreamChannel channel) => channel is StreamChannel.Trades or StreamChannel.Book;

    /// <inheritdoc />
    /// <returns><paramref name="endpoint"/> unchanged.</returns>
    public Uri ConnectUri(Uri endpoint, IReadOnlyList<VenueSubscription> subscriptions) => endpoint;

    /// <inheritdoc />
    /// <returns><c>{"op":"subscribe","args":[...]}</c> frames of at most 10 topics each.</returns>
    public IReadOnlyList<string> SubscribeMessages(IReadOnlyList<VenueSubscription> subscriptions)
    {
        ArgumentNullException.ThrowIfNull(subscriptions);
        var topics = subscriptions.Select(Topic).Distinct(StringComparer.Ordinal).ToList();
        var messages = new List<string>();
        for (var i = 0; i < topics.Count; i += BybitStreamProtocol.MaxArgsPerRequest)
        {
            messages.Add(BybitStreamProtocol.Request("subscribe", topics.Skip(i).Take(BybitStreamProtocol.MaxArgsPerRequest)));
        }

        return messages;
    }

    /// <inheritdoc />
    /// <returns>Unsubscribe then subscribe of <c>orderBookL2_25.{symbol}</c>.</returns>
    public IReadOnlyList<string> ResubscribeBookMessages(VenueSubscription book)
    {
        ArgumentNullException.ThrowIfNull(book);
        var topic = Topic(book with { Channel = StreamChannel.Book });
        return [BybitStreamProtocol.Request("unsubscribe", [topic]), BybitStreamProtocol.Request("subscribe", [topic])];
    }

    /// <inheritdoc />
    /// <returns>A <see cref="BybitLegacyBookSync"/>.</returns>
    public IBookSync CreateBookSync() => new BybitLegacyBookSync();

    /// <inheritdoc />
    /// <returns>A stateless frame reader.</returns>
    public IStreamParser CreateParser() => new BybitLegacyStreamParser();

    /// <summary>The v2 topic of a subscription: <c>trade.{symbol}</c> or <c>orderBookL2_25.{symbol}</c>.</summary>
    /// <param name="subscription">The subscription.</param>
    /// <returns>The topic.</returns>
    /// <exception cref="NotSupportedException">Channels other than trades and book.</exception>
    public static string Topic(VenueSubscription subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        return subscription.Channel switch
        {
            StreamChannel.Trades => $"trade.{subscription.StreamSymbol}",
            StreamChannel.Book => $"orderBookL2_25.{subscription.StreamSymbol}",
            _ => throw new NotSupportedException($"Bybit v2 streams only trades and book, not {subscription.Channel}"),
        };
    }
}

/// <summary>
/// Bybit v2's <c>orderBookL2_25</c> sync: a snapshot replaces the book; a delta's <c>delete</c> entries arrive as size 0
/// and remove their level, <c>update</c>/<c>insert</c> set theirs. <c>cross_seq</c> (<see cref="BookMessage.Sequence"/>)
/// must rise: a delta at or below the book's is stale and skipped. v2 offers no way to detect a lost delta.
/// </summary>
public sealed class BybitLegacyBookSync : SequencedBookSync
{
    /// <inheritdoc />
    /// <remarks><c>cross_seq</c> rises by varying steps: any rise follows.</remarks>
    protected override bool Follows(long sequence, long last) => true;
}

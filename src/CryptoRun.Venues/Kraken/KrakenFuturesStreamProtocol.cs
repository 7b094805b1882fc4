using System.Buffers;
using System.Text;
using System.Text.Json;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Streaming;

namespace CryptoRun.Venues.Kraken;

/// <summary>
/// Kraken Futures' public WebSocket v1 stream (<c>wss://futures.kraken.com/ws/v1</c>), venue <c>kraken-futures</c>:
/// feeds <c>book</c> (a <c>book_snapshot</c> then one message per level change, <c>seq</c> +1 per product),
/// <c>trade</c> (a <c>trade_snapshot</c> of recent trades then each trade), <c>ticker_lite</c> (best bid and ask,
/// 24 h volume) and <c>ticker</c> (adds mark price, open interest and funding, for <see cref="StreamChannel.Funding"/>).
/// </summary>
/// <remarks>
/// Requests: <c>{"event":"subscribe","feed":"book","product_ids":["PI_XBTUSD",...]}</c>, one per feed. Keep-alive:
/// Kraken asks clients to ping at least every 60 s; the v1 feed API has no JSON ping message (its sample client sends
/// WebSocket protocol pings), so <see cref="PingMessage"/> is null and the stream client's WebSocket keep-alive at
/// <see cref="PingInterval"/> (30 s) does it. Kraken documents no per-connection subscription or connect-rate limits
/// for public feeds; 100 product feeds per connection, 10 connections and 30 connects a minute are this library's
/// conservative choices. Books come in-stream, never from REST. Candles are not streamed.
/// </remarks>
public sealed class KrakenFuturesStreamProtocol : IStreamProtocol
{
    /// <inheritdoc />
    /// <value><c>kraken-futures</c>.</value>
    public string Venue => "kraken-futures";

    /// <inheritdoc />
    /// <value><c>wss://futures.kraken.com/ws/v1</c>.</value>
    public Uri DefaultEndpoint { get; } = new("wss://futures.kraken.com/ws/v1");

    /// <inheritdoc />
    /// <value>100 product feeds per connection, 10 connections, 30 connects per minute.</value>
    public StreamLimits Limits { get; } = new(100, 10, 30, TimeSpan.FromMinutes(1));

    /// <inheritdoc />
    /// <value>0: the feed sends the whole book.</value>
    public int BookDepth => 0;

    /// <inheritdoc />
    /// <value>Null: WebSocket protocol pings keep the connection open.</value>
    public string? PingMessage => null;

    /// <inheritdoc />
    /// <value>30 seconds (Kraken asks for a ping at least every 60 s).</value>
    public TimeSpan PingInterval => TimeSpan.FromSeconds(30);

    /// <inheritdoc />
    /// <returns>The market's Kraken Futures product id (<c>PI_XBTUSD</c>, <c>PF_ETHUSD</c>); frames carry it upper-case.</returns>
    public string StreamSymbol(Market market)
    {
        ArgumentNullException.ThrowIfNull(market);
        return market.VenueSymbol;
    }

    /// <inheritdoc />
    /// <returns>True for trades, book, ticker and funding; false for candles.</returns>
    public bool Supports(StreamChannel channel)
        => channel is StreamChannel.Trades or StreamChannel.Book or StreamChannel.Ticker or StreamChannel.Funding;

    /// <inheritdoc />
    /// <returns><paramref name="endpoint"/> unchanged: Kraken Futures subscribes by message.</returns>
    public Uri ConnectUri(Uri endpoint, IReadOnlyList<VenueSubscription> subscriptions) => endpoint;

    /// <inheritdoc />
    /// <returns>One <c>{"event":"subscribe","feed":F,"product_ids":[...]}</c> per feed, feeds in order of first subscription.</returns>
    public IReadOnlyList<string> SubscribeMessages(IReadOnlyList<VenueSubscription> subscriptions)
    {
        ArgumentNullException.ThrowIfNull(subscriptions);
        var feeds = new List<(string Feed, List<string> Products)>();
        foreach (var subscription in subscriptions)
        {
            var feed = Feed(subscription.Channel);
            var index = feeds.FindIndex(f => f.Feed == feed);
            if (index < 0)
            {
                feeds.Add((feed, []));
                index = feeds.Count - 1;
            }

            if (!feeds[index].Products.Contains(subscription.StreamSymbol, StringComparer.OrdinalIgnoreCase))
            {
                feeds[index].Products.Add(subscription.StreamSymbol);
            }
        }

        return feeds.Select(f => Request("subscribe", f.Feed, f.Products)).ToList();
    }

    /// <inheritdoc />
    /// <returns><c>{"event":"unsubscribe","feed":"book","product_ids":[P]}</c> then the same with <c>subscribe</c>.</returns>
    public IReadOnlyList<string> ResubscribeBookMessages(VenueSubscription book)
    {
        ArgumentNullException.ThrowIfNull(book);
        return [Request("unsubscribe", "book", [book.StreamSymbol]), Request("subscribe", "book", [book.StreamSymbol])];
    }

    /// <inheritdoc />
    /// <returns>A <see cref="KrakenFuturesBookSync"/>.</returns>
    public IBookSync CreateBookSync() => new KrakenFuturesBookSync();

    /// <inheritdoc />
    /// <returns>A stateless frame reader.</returns>
    public IStreamParser CreateParser() => new KrakenFuturesStreamParser();

    /// <summary>The feed of a channel: <c>trade</c>, <c>book</c>, <c>ticker_lite</c>, or <c>ticker</c> for funding.</summary>
    /// <param name="channel">The channel.</param>
    /// <returns>The feed name.</returns>
    /// <exception cref="NotSupportedException">Candles: Kraken Futures has no candle feed.</exception>
    public static string Feed(StreamChannel channel) => channel switch
    {
        StreamChannel.Trades => "trade",
        StreamChannel.Book => "book",
        StreamChannel.Ticker => "ticker_lite",
        StreamChannel.Funding => "ticker",
        _ => throw new NotSupportedException($"Kraken Futures does not stream {channel}"),
    };

    private static string Request(string @event, string feed, IEnumerable<string> products)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("event"u8, @event);
            writer.WriteString("feed"u8, feed);
            writer.WriteStartArray("product_ids"u8);
            foreach (var product in products)
            {
                writer.WriteStringValue(product);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

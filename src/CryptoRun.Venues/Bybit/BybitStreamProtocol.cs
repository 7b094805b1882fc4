using System.Buffers;
using System.Text;
using System.Text.Json;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Streaming;

namespace CryptoRun.Venues.Bybit;

/// <summary>The Bybit v5 product category a public stream serves; each has its own WebSocket URL.</summary>
public enum BybitCategory
{
    /// <summary>USDT and USDC perpetuals and futures: <c>wss://stream.bybit.com/v5/public/linear</c> (tickers carry funding, mark price and open interest).</summary>
    Linear,

    /// <summary>Spot: <c>wss://stream.bybit.com/v5/public/spot</c>.</summary>
    Spot,
}

/// <summary>
/// Bybit's v5 public WebSocket stream of one category (<c>wss://stream.bybit.com/v5/public/linear</c> or
/// <c>/spot</c>): topics <c>orderbook.{depth}.{symbol}</c> (snapshot then deltas, <c>u</c> +1 per delta),
/// <c>publicTrade.{symbol}</c>, <c>tickers.{symbol}</c> (snapshot then deltas of changed fields; on linear with
/// funding rate, next funding time, mark price and open interest) and <c>kline.1.{symbol}</c>.
/// </summary>
/// <remarks>
/// <para>
/// Venue names: <c>bybit</c> for spot and <c>bybit-linear</c> for linear, as Binance has <c>binance</c> and
/// <c>binance-usdm</c>: the two categories list the same symbols (<c>BTCUSDT</c>) for different instruments
/// (<c>BTC/USDT</c> and <c>BTC/USDT:USDT</c>), so a stream client must never mix their connections.
/// </para>
/// <para>
/// Requests: <c>{"op":"subscribe","args":["orderbook.200.BTCUSDT",...]}</c>, at most 10 topics per request (Bybit's
/// documented limit for spot; applied to linear too). Keep-alive: <c>{"op":"ping"}</c> every 20 s, as Bybit
/// recommends. Limits: Bybit documents at most 500 connections per 5 minutes per IP; it gives no per-connection
/// topic count (linear caps a connection's topic text at 21,000 characters), so 100 topics per connection and 20
/// connections are this library's conservative choices. Books come in-stream (a snapshot after each subscribe),
/// never from REST.
/// </para>
/// </remarks>
public sealed class BybitStreamProtocol : IStreamProtocol
{
    /// <summary>Most topics in one subscribe request (Bybit's documented limit for spot).</summary>
    public const int MaxArgsPerRequest = 10;

    private static readonly int[] Depths = [1, 50, 200, 500, 1000];

    /// <summary>Creates the protocol of one category.</summary>
    /// <param name="category">Linear (perpetuals) or spot.</param>
    /// <param name="bookDepth">The <c>orderbook</c> depth to subscribe: 1, 50, 200, 500 or 1000 levels per side (default 200).</param>
    /// <exception cref="ArgumentOutOfRangeException">The depth is not one Bybit offers, or the category is unknown.</exception>
    public BybitStreamProtocol(BybitCategory category = BybitCategory.Linear, int bookDepth = 200)
    {
        if (category is not (BybitCategory.Linear or BybitCategory.Spot))
        {
            throw new ArgumentOutOfRangeException(nameof(category), category, "Bybit category must be Linear or Spot");
        }

        if (Array.IndexOf(Depths, bookDepth) < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bookDepth), bookDepth, "Bybit orderbook depth must be 1, 50, 200, 500 or 1000");
        }

        Category = category;
        BookDepth = bookDepth;
        Venue = category == BybitCategory.Linear ? "bybit-linear" : "bybit";
        DefaultEndpoint = new Uri(category == BybitCategory.Linear
            ? "wss://stream.bybit.com/v5/public/linear"
            : "wss://stream.bybit.com/v5/public/spot");
    }

    /// <summary>The category this protocol streams.</summary>
    public BybitCategory Category { get; }

    /// <inheritdoc />
    /// <value><c>bybit-linear</c> for linear, <c>bybit</c> for spot.</value>
    public string Venue { get; }

    /// <inheritdoc />
    /// <value><c>wss://stream.bybit.com/v5/public/linear</c> or <c>wss://stream.bybit.com/v5/public/spot</c>.</value>
    public Uri DefaultEndpoint { get; }

    /// <inheritdoc />
    /// <value>100 topics per connection, 20 connections, 500 connects per 5 minutes.</value>
    public StreamLimits Limits { get; } = new(100, 20, 500, TimeSpan.FromMinutes(5));

    /// <inheritdoc />
    /// <value>The subscribed <c>orderbook</c> depth (default 200).</value>
    public int BookDepth { get; }

    /// <inheritdoc />
    /// <value><c>{"op":"ping"}</c>.</value>
    public string? PingMessage => """{"op":"ping"}""";

    /// <inheritdoc />
    /// <value>20 seconds.</value>
    public TimeSpan PingInterval => TimeSpan.FromSeconds(20);

    /// <inheritdoc />
    /// <returns>The market's Bybit symbol (<c>BTCUSDT</c>).</returns>
    public string StreamSymbol(Market market)
    {
        ArgumentNullException.ThrowIfNull(market);
        return market.VenueSymbol;
    }

    /// <inheritdoc />
    /// <returns>True for trades, book, ticker and candles; funding only on linear.</returns>
    public bool Supports(StreamChannel channel) => channel switch
    {
        StreamChannel.Trades or StreamChannel.Book or StreamChannel.Ticker or StreamChannel.Candles => true,
        StreamChannel.Funding => Category == BybitCategory.Linear,
        _ => false,
    };

    /// <inheritdoc />
    /// <returns><paramref name="endpoint"/> unchanged: Bybit subscribes by message.</returns>
    public Uri ConnectUri(Uri endpoint, IReadOnlyList<VenueSubscription> subscriptions) => endpoint;

    /// <inheritdoc />
    /// <returns>
    /// <c>{"op":"subscribe","args":[...]}</c> frames of at most 10 topics each, in subscription order; ticker and
    /// funding of one symbol share one <c>tickers</c> topic.
    /// </returns>
    public IReadOnlyList<string> SubscribeMessages(IReadOnlyList<VenueSubscription> subscriptions)
    {
        ArgumentNullException.ThrowIfNull(subscriptions);
        var topics = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var subscription in subscriptions)
        {
            var topic = Topic(subscription);
            if (seen.Add(topic))
            {
                topics.Add(topic);
            }
        }

        var messages = new List<string>();
        for (var i = 0; i < topics.Count; i += MaxArgsPerRequest)
        {
            messages.Add(Request("subscribe", topics.Skip(i).Take(MaxArgsPerRequest)));
        }

        return messages;
    }

    /// <inheritdoc />
    /// <returns><c>{"op":"unsubscribe","args":["orderbook.D.S"]}</c> then <c>{"op":"subscribe","args":["orderbook.D.S"]}</c>.</returns>
    public IReadOnlyList<string> ResubscribeBookMessages(VenueSubscription book)
    {
        ArgumentNullException.ThrowIfNull(book);
        var topic = Topic(book with { Channel = StreamChannel.Book });
        return [Request("unsubscribe", [topic]), Request("subscribe", [topic])];
    }

    /// <inheritdoc />
    /// <returns>A <see cref="BybitBookSync"/>.</returns>
    public IBookSync CreateBookSync() => new BybitBookSync();

    /// <inheritdoc />
    /// <returns>A parser keeping per-symbol ticker values (Bybit's ticker deltas carry only changed fields).</returns>
    public IStreamParser CreateParser() => new BybitStreamParser(Venue);

    /// <summary>The Bybit topic of a subscription (<c>orderbook.200.BTCUSDT</c>, <c>publicTrade.BTCUSDT</c>, <c>tickers.BTCUSDT</c>, <c>kline.1.BTCUSDT</c>).</summary>
    /// <param name="subscription">The subscription.</param>
    /// <returns>The topic.</returns>
    /// <exception cref="NotSupportedException">The channel is not streamed in this category (funding on spot).</exception>
    public string Topic(VenueSubscription subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        return subscription.Channel switch
        {
            StreamChannel.Book => $"orderbook.{BookDepth}.{subscription.StreamSymbol}",
            StreamChannel.Trades => $"publicTrade.{subscription.StreamSymbol}",
            StreamChannel.Ticker => $"tickers.{subscription.StreamSymbol}",
            StreamChannel.Funding when Category == BybitCategory.Linear => $"tickers.{subscription.StreamSymbol}",
            StreamChannel.Candles => $"kline.1.{subscription.StreamSymbol}",
            _ => throw new NotSupportedException($"Bybit {Category} does not stream {subscription.Channel}"),
        };
    }

    /// <summary>A Bybit request frame, v5's and v2's alike: <c>{"op":OP,"args":[TOPIC,...]}</c>.</summary>
    internal static string Request(string op, IEnumerable<string> topics)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("op"u8, op);
            writer.WriteStartArray("args"u8);
            foreach (var topic in topics)
            {
                writer.WriteStringValue(topic);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

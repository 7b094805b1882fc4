using System.Text.Json;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Streaming;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Coinbase;

/// <summary>
/// Coinbase Exchange's WebSocket feed (the older "Pro" feed, <c>wss://ws-feed.exchange.coinbase.com</c>), venue
/// <c>coinbase</c> like its REST connector: <c>level2_batch</c> books (<c>snapshot</c> with <c>bids</c>/<c>asks</c>
/// <c>[price, size]</c>, then <c>l2update</c> with <c>changes</c> <c>[side, price, size]</c>), <c>matches</c>
/// (<c>match</c>, and one <c>last_match</c> at subscription) and <c>ticker</c>, with the <c>heartbeat</c> channel for
/// liveness. Frames are one object each with a <c>type</c>.
/// </summary>
/// <remarks>
/// <c>level2_batch</c> is the unauthenticated form of <c>level2</c> (Coinbase has required authentication for
/// <c>level2</c> since 2022); both send the same <c>snapshot</c> and <c>l2update</c> messages, so this parser reads
/// either. A match's <c>side</c> is the maker's, so the taker side is the opposite; the venue's text stays in
/// <see cref="Trade.RawSide"/>. Level-2 messages carry no sequence: the book is kept from the snapshot without gap
/// detection (only a disconnect shows a loss). Limits from Coinbase's documentation: 8 requests per second per IP
/// (bursts of 20), 100 client messages per second.
/// </remarks>
public sealed class CoinbaseExchangeStreamProtocol : IStreamProtocol
{
    /// <inheritdoc />
    public string Venue => CoinbaseConnector.VenueName;

    /// <inheritdoc />
    public Uri DefaultEndpoint { get; } = new("wss://ws-feed.exchange.coinbase.com");

    /// <summary>100 channel-product subscriptions per connection, 10 connections, 8 connects per second (Coinbase: 8 requests per second per IP).</summary>
    public StreamLimits Limits { get; } = new(100, 10, 8, TimeSpan.FromSeconds(1));

    /// <inheritdoc />
    public int BookDepth => 0;

    /// <summary>Null: the <c>heartbeat</c> channel and WebSocket pings keep the connection alive.</summary>
    public string? PingMessage => null;

    /// <summary>Zero: no application ping is sent.</summary>
    public TimeSpan PingInterval => TimeSpan.Zero;

    /// <summary>The product id (<c>BTC-USD</c>), as Coinbase's REST products and stream frames name it.</summary>
    /// <param name="market">The market from Coinbase's <c>GET /products</c>.</param>
    /// <returns>The product id.</returns>
    public string StreamSymbol(Market market)
    {
        ArgumentNullException.ThrowIfNull(market);
        return market.VenueSymbol;
    }

    /// <summary>Trades, book and ticker.</summary>
    /// <param name="channel">The channel.</param>
    /// <returns>Whether the feed streams it.</returns>
    public bool Supports(StreamChannel channel) => channel is StreamChannel.Trades or StreamChannel.Book or StreamChannel.Ticker;

    /// <inheritdoc />
    public Uri ConnectUri(Uri endpoint, IReadOnlyList<VenueSubscription> subscriptions) => endpoint;

    /// <summary>
    /// One <c>{"type":"subscribe","product_ids":[...],"channels":["CHANNEL"]}</c> per channel in order of first
    /// appearance, then the <c>heartbeat</c> channel for every product of the connection.
    /// </summary>
    /// <param name="subscriptions">The connection's subscriptions.</param>
    /// <returns>The frames.</returns>
    /// <exception cref="NotSupportedException">A subscription's channel is not streamed.</exception>
    public IReadOnlyList<string> SubscribeMessages(IReadOnlyList<VenueSubscription> subscriptions)
    {
        var frames = new List<string>();
        var products = new List<string>();
        foreach (var (channel, symbols) in StreamJson.ByChannel(subscriptions))
        {
            frames.Add(Request("subscribe", ChannelName(channel), symbols));
            products.AddRange(symbols.Where(s => !products.Contains(s, StringComparer.Ordinal)));
        }

        if (products.Count > 0)
        {
            frames.Add(Request("subscribe", "heartbeat", products));
        }

        return frames;
    }

    /// <summary>Unsubscribes then subscribes the product's <c>level2_batch</c> channel; Coinbase answers with a new snapshot.</summary>
    /// <param name="book">The book subscription.</param>
    /// <returns>The two frames.</returns>
    public IReadOnlyList<string> ResubscribeBookMessages(VenueSubscription book)
    {
        ArgumentNullException.ThrowIfNull(book);
        return [Request("unsubscribe", "level2_batch", [book.StreamSymbol]), Request("subscribe", "level2_batch", [book.StreamSymbol])];
    }

    /// <inheritdoc />
    public IBookSync CreateBookSync() => new CoinbaseExchangeBookSync();

    /// <inheritdoc />
    public IStreamParser CreateParser() => new CoinbaseExchangeParser();

    /// <summary>The feed's channel name of a stream channel.</summary>
    /// <param name="channel">The channel.</param>
    /// <returns><c>matches</c>, <c>level2_batch</c> or <c>ticker</c>.</returns>
    /// <exception cref="NotSupportedException">The channel is not streamed.</exception>
    public static string ChannelName(StreamChannel channel) => channel switch
    {
        StreamChannel.Trades => "matches",
        StreamChannel.Book => "level2_batch",
        StreamChannel.Ticker => "ticker",
        _ => throw new NotSupportedException($"coinbase does not stream {channel}"),
    };

    private static string Request(string type, string channel, IEnumerable<string> productIds) => StreamJson.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("type", type);
        StreamJson.StringArray(w, "product_ids", productIds);
        StreamJson.StringArray(w, "channels", [channel]);
        w.WriteEndObject();
    });
}

/// <summary>
/// Coinbase Exchange's level-2 books: a <c>snapshot</c> replaces the book, an <c>l2update</c> sets levels. The feed
/// carries no book sequence, so there is nothing to check: deltas apply once a snapshot has.
/// </summary>
public sealed class CoinbaseExchangeBookSync : IBookSync
{
    /// <inheritdoc />
    public BookApplyResult Apply(L2Book book, BookMessage message)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(message);
        if (message.IsSnapshot)
        {
            book.ApplySnapshot(message.Bids, message.Asks);
            book.TimeMs = message.TimeMs;
            return BookApplyResult.Applied;
        }

        if (!book.IsSynced)
        {
            return BookApplyResult.AwaitingSnapshot;
        }

        book.ApplyDelta(message.Bids, message.Asks);
        book.TimeMs = message.TimeMs ?? book.TimeMs;
        return BookApplyResult.Applied;
    }
}

/// <summary>Reads Coinbase Exchange feed frames in one pass, whatever the order of their fields.</summary>
internal sealed class CoinbaseExchangeParser : IStreamParser
{
    private enum Kind
    {
        Other,
        Snapshot,
        Update,
        Match,
        Ticker,
    }

    public void Parse(ReadOnlySpan<byte> frame, IStreamSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var reader = JsonRead.Reader(frame);
        JsonRead.Next(ref reader);
        JsonRead.Expect(ref reader, JsonTokenType.StartObject, "coinbase frame");
        var book = sink.Book;
        book.Clear();
        var kind = Kind.Other;
        string? symbol = null, tradeId = null, rawSide = null;
        long? sequence = null, time = null;
        decimal? price = null, size = null, bid = null, ask = null, bidSize = null, askSize = null, volume = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                JsonRead.Next(ref reader);
                kind = reader.ValueTextEquals("l2update"u8) ? Kind.Update
                    : reader.ValueTextEquals("snapshot"u8) ? Kind.Snapshot
                    : reader.ValueTextEquals("match"u8) || reader.ValueTextEquals("last_match"u8) ? Kind.Match
                    : reader.ValueTextEquals("ticker"u8) ? Kind.Ticker
                    : Kind.Other;
            }
            else if (reader.ValueTextEquals("product_id"u8))
            {
                symbol = JsonRead.NextString(ref reader, "coinbase product_id");
            }
            else if (reader.ValueTextEquals("changes"u8))
            {
                ReadChanges(ref reader, book);
            }
            else if (reader.ValueTextEquals("bids"u8))
            {
                BookLevels.Read(ref reader, book.Bids, "coinbase snapshot bids");
            }
            else if (reader.ValueTextEquals("asks"u8))
            {
                BookLevels.Read(ref reader, book.Asks, "coinbase snapshot asks");
            }
            else if (reader.ValueTextEquals("time"u8))
            {
                JsonRead.Next(ref reader);
                time = IsoTime.Read(ref reader, "coinbase time");
            }
            else if (reader.ValueTextEquals("sequence"u8))
            {
                sequence = JsonRead.NextInt64(ref reader, "coinbase sequence");
            }
            else if (reader.ValueTextEquals("trade_id"u8))
            {
                tradeId = JsonRead.NextString(ref reader, "coinbase trade_id");
            }
            else if (reader.ValueTextEquals("side"u8))
            {
                rawSide = JsonRead.NextString(ref reader, "coinbase side");
            }
            else if (reader.ValueTextEquals("price"u8))
            {
                price = StreamJson.NextOptionalDecimal(ref reader, "coinbase price");
            }
            else if (reader.ValueTextEquals("size"u8))
            {
                size = StreamJson.NextOptionalDecimal(ref reader, "coinbase size");
            }
            else if (reader.ValueTextEquals("best_bid"u8))
            {
                bid = StreamJson.NextOptionalDecimal(ref reader, "coinbase ticker best_bid");
            }
            else if (reader.ValueTextEquals("best_ask"u8))
            {
                ask = StreamJson.NextOptionalDecimal(ref reader, "coinbase ticker best_ask");
            }
            else if (reader.ValueTextEquals("best_bid_size"u8))
            {
                bidSize = StreamJson.NextOptionalDecimal(ref reader, "coinbase ticker best_bid_size");
            }
            else if (reader.ValueTextEquals("best_ask_size"u8))
            {
                askSize = StreamJson.NextOptionalDecimal(ref reader, "coinbase ticker best_ask_size");
            }
            else if (reader.ValueTextEquals("volume_24h"u8))
            {
                volume = StreamJson.NextOptionalDecimal(ref reader, "coinbase ticker volume_24h");
            }
            else
            {
                StreamJson.SkipValue(ref reader);
            }
        }

        if (kind == Kind.Other)
        {
            return; // subscriptions, heartbeat, error, status: control frames
        }

        if (symbol is null)
        {
            throw new FormatException($"coinbase {kind}: no product_id");
        }

        if (!sink.TryResolve(symbol, out var instrument))
        {
            return;
        }

        switch (kind)
        {
            case Kind.Snapshot or Kind.Update:
                book.Symbol = symbol;
                book.IsSnapshot = kind == Kind.Snapshot;
                book.TimeMs = time;
                sink.ApplyBook(instrument);
                break;
            case Kind.Match:
                if (tradeId is null || price is null || size is null || time is null)
                {
                    throw new FormatException("coinbase match: needs trade_id, price, size and time");
                }

                // The side is the maker's: a sell maker means the taker bought.
                var side = rawSide switch { "sell" => TradeSide.Buy, "buy" => TradeSide.Sell, _ => TradeSide.Unknown };
                sink.Publish(new TradeEvent(instrument, new Trade(tradeId, time.Value, price.Value, size.Value, side, rawSide), sink.Provenance(time, sequence)));
                break;
            default:
                sink.Publish(new TickerEvent(instrument, bid, bidSize, ask, askSize, price, volume, sink.Provenance(time, sequence)));
                break;
        }
    }

    // "changes": [["buy", "0.7885", "0.0"], ...]; an unknown side is skipped.
    private static void ReadChanges(ref Utf8JsonReader reader, BookMessage book)
    {
        const string what = "coinbase l2update changes";
        JsonRead.Next(ref reader);
        JsonRead.Expect(ref reader, JsonTokenType.StartArray, what);
        while (true)
        {
            JsonRead.Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return;
            }

            JsonRead.Expect(ref reader, JsonTokenType.StartArray, what);
            JsonRead.Next(ref reader);
            var side = reader.ValueTextEquals("buy"u8) ? book.Bids : reader.ValueTextEquals("sell"u8) ? book.Asks : null;
            JsonRead.Next(ref reader);
            var (price, priceText) = BookLevels.Value(ref reader, what);
            JsonRead.Next(ref reader);
            var (size, sizeText) = BookLevels.Value(ref reader, what);
            side?.Add(new LevelChange(price, size, priceText, sizeText));
            JsonRead.SkipToEndOfArray(ref reader, what);
        }
    }
}

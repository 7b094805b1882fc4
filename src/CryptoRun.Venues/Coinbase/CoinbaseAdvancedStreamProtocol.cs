using System.Text.Json;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Streaming;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Coinbase;

/// <summary>
/// Coinbase Advanced Trade's public market-data WebSocket (<c>wss://advanced-trade-ws.coinbase.com</c>): channels
/// <c>level2</c> (frames of channel <c>l2_data</c>, <c>snapshot</c> then <c>update</c> events), <c>market_trades</c>
/// (a <c>snapshot</c> of recent trades, then <c>update</c>s), <c>ticker</c> and <c>candles</c> (5-minute candles as they
/// form), plus <c>heartbeats</c> so a quiet connection stays open. Every frame is
/// <c>{"channel", "timestamp", "sequence_num", "events": [...]}</c>; <c>sequence_num</c> counts the connection's frames
/// across channels, so a jump is a gap for every book on the connection (see <see cref="CoinbaseAdvancedBookSync"/>).
/// </summary>
/// <remarks>
/// Subscribe: <c>{"type":"subscribe","product_ids":["BTC-USD"],"channel":"level2"}</c>, one request per channel
/// (Coinbase's documented form); unsubscribe the same with <c>"type":"unsubscribe"</c>. Trades' <c>side</c> is the
/// maker's (a <c>SELL</c> prints at the ask), so the taker side is the opposite; the venue's text stays in
/// <see cref="Trade.RawSide"/>. Limits from Coinbase's documentation: 8 connections and 8 unauthenticated messages
/// per second per IP; a connection must subscribe within 5 seconds.
/// </remarks>
public sealed class CoinbaseAdvancedStreamProtocol : IStreamProtocol
{
    /// <summary>The venue name of the Advanced Trade stream (the replay venue's stream of the same name).</summary>
    public const string VenueName = "coinbase-advanced";

    /// <summary>The candle timeframe of the <c>candles</c> channel (Coinbase sends 5-minute candles only).</summary>
    public static Timeframe CandleTimeframe { get; } = Timeframe.Parse("5m");

    /// <inheritdoc />
    public string Venue => VenueName;

    /// <inheritdoc />
    public Uri DefaultEndpoint { get; } = new("wss://advanced-trade-ws.coinbase.com");

    /// <summary>
    /// 100 channel-product subscriptions per connection (Coinbase documents no cap; this keeps one connection's snapshot
    /// burst readable), 10 connections, 8 connects per second (Coinbase: 8 connections per second per IP).
    /// </summary>
    public StreamLimits Limits { get; } = new(100, 10, 8, TimeSpan.FromSeconds(1));

    /// <inheritdoc />
    public int BookDepth => 0;

    /// <summary>Null: the <c>heartbeats</c> channel and WebSocket pings keep the connection alive.</summary>
    public string? PingMessage => null;

    /// <summary>Zero: no application ping is sent.</summary>
    public TimeSpan PingInterval => TimeSpan.Zero;

    /// <summary>The product id (<c>BTC-USD</c>), as Coinbase's REST products and stream frames name it.</summary>
    /// <param name="market">The market from Coinbase's products.</param>
    /// <returns>The product id.</returns>
    public string StreamSymbol(Market market)
    {
        ArgumentNullException.ThrowIfNull(market);
        return market.VenueSymbol;
    }

    /// <summary>Trades, book, ticker and candles; not funding (spot only).</summary>
    /// <param name="channel">The channel.</param>
    /// <returns>Whether Coinbase Advanced Trade streams it.</returns>
    public bool Supports(StreamChannel channel) => channel is StreamChannel.Trades or StreamChannel.Book or StreamChannel.Ticker or StreamChannel.Candles;

    /// <inheritdoc />
    public Uri ConnectUri(Uri endpoint, IReadOnlyList<VenueSubscription> subscriptions) => endpoint;

    /// <summary>
    /// <c>{"type":"subscribe","channel":"heartbeats"}</c> first, then one
    /// <c>{"type":"subscribe","product_ids":[...],"channel":"CHANNEL"}</c> per channel, in the order the channels first appear.
    /// </summary>
    /// <param name="subscriptions">The connection's subscriptions.</param>
    /// <returns>The frames.</returns>
    /// <exception cref="NotSupportedException">A subscription's channel is not streamed (funding).</exception>
    public IReadOnlyList<string> SubscribeMessages(IReadOnlyList<VenueSubscription> subscriptions)
    {
        var frames = new List<string> { StreamJson.Write(w => { w.WriteStartObject(); w.WriteString("type", "subscribe"); w.WriteString("channel", "heartbeats"); w.WriteEndObject(); }) };
        foreach (var (channel, symbols) in StreamJson.ByChannel(subscriptions))
        {
            frames.Add(Request("subscribe", ChannelName(channel), symbols));
        }

        return frames;
    }

    /// <summary>Unsubscribes then subscribes the product's <c>level2</c> channel; Coinbase answers with a new snapshot.</summary>
    /// <param name="book">The book subscription.</param>
    /// <returns>The two frames.</returns>
    public IReadOnlyList<string> ResubscribeBookMessages(VenueSubscription book)
    {
        ArgumentNullException.ThrowIfNull(book);
        return [Request("unsubscribe", "level2", [book.StreamSymbol]), Request("subscribe", "level2", [book.StreamSymbol])];
    }

    /// <inheritdoc />
    public IBookSync CreateBookSync() => new CoinbaseAdvancedBookSync();

    /// <inheritdoc />
    public IStreamParser CreateParser() => new CoinbaseAdvancedParser();

    /// <summary>The venue's channel name of a stream channel.</summary>
    /// <param name="channel">The channel.</param>
    /// <returns><c>market_trades</c>, <c>level2</c>, <c>ticker</c> or <c>candles</c>.</returns>
    /// <exception cref="NotSupportedException">The channel is not streamed.</exception>
    public static string ChannelName(StreamChannel channel) => channel switch
    {
        StreamChannel.Trades => "market_trades",
        StreamChannel.Book => "level2",
        StreamChannel.Ticker => "ticker",
        StreamChannel.Candles => "candles",
        _ => throw new NotSupportedException($"coinbase-advanced does not stream {channel}"),
    };

    private static string Request(string type, string channel, IEnumerable<string> productIds) => StreamJson.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("type", type);
        StreamJson.StringArray(w, "product_ids", productIds);
        w.WriteString("channel", channel);
        w.WriteEndObject();
    });
}

/// <summary>Reads one Advanced Trade connection's frames; keeps the connection's <c>sequence_num</c> run and its books.</summary>
internal sealed class CoinbaseAdvancedParser : IStreamParser
{
    private readonly List<(string Symbol, Instrument Instrument)> _books = [];
    private long? _last;
    private long _runStart;

    private enum Channel
    {
        Other,
        Book,
        Trades,
        Ticker,
        Candles,
    }

    /// <summary>Gaps seen in the connection's <c>sequence_num</c> (jumps and steps back).</summary>
    internal long SequenceJumps { get; private set; }

    public void Parse(ReadOnlySpan<byte> frame, IStreamSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var reader = JsonRead.Reader(frame);
        JsonRead.Next(ref reader);
        JsonRead.Expect(ref reader, JsonTokenType.StartObject, "coinbase-advanced frame");
        var channel = Channel.Other;
        var sawChannel = false;
        long? sequence = null;
        long? timeMs = null;
        var sequenced = false;
        var deferred = false;
        var events = default(Utf8JsonReader);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("channel"u8))
            {
                JsonRead.Next(ref reader);
                channel = Classify(ref reader);
                sawChannel = true;
            }
            else if (reader.ValueTextEquals("sequence_num"u8))
            {
                sequence = JsonRead.NextInt64(ref reader, "coinbase-advanced sequence_num");
            }
            else if (reader.ValueTextEquals("timestamp"u8))
            {
                JsonRead.Next(ref reader);
                timeMs = IsoTime.Read(ref reader, "coinbase-advanced timestamp");
            }
            else if (reader.ValueTextEquals("events"u8) && sawChannel && sequence is not null && timeMs is not null)
            {
                sequenced = true;
                OnSequence(sequence.Value, sink);
                JsonRead.Next(ref reader);
                ReadEvents(ref reader, channel, sequence, timeMs, sink);
            }
            else if (reader.ValueTextEquals("events"u8))
            {
                // The header fields come after the events in this frame: read the events once they are known.
                events = reader;
                deferred = true;
                StreamJson.SkipValue(ref reader);
            }
            else
            {
                StreamJson.SkipValue(ref reader);
            }
        }

        if (!sequenced && sequence is { } s)
        {
            OnSequence(s, sink);
        }

        if (deferred)
        {
            JsonRead.Next(ref events);
            ReadEvents(ref events, channel, sequence, timeMs, sink);
        }
    }

    private static Channel Classify(ref Utf8JsonReader reader)
    {
        if (reader.ValueTextEquals("l2_data"u8))
        {
            return Channel.Book;
        }

        if (reader.ValueTextEquals("market_trades"u8))
        {
            return Channel.Trades;
        }

        if (reader.ValueTextEquals("ticker"u8) || reader.ValueTextEquals("ticker_batch"u8))
        {
            return Channel.Ticker;
        }

        return reader.ValueTextEquals("candles"u8) ? Channel.Candles : Channel.Other;
    }

    // A sequence_num that does not follow the previous frame's starts a new run: every book on the connection has a gap.
    private void OnSequence(long sequence, IStreamSink sink)
    {
        if (_last is { } last && sequence != last + 1)
        {
            SequenceJumps++;
            _runStart = sequence;
            foreach (var (symbol, instrument) in _books)
            {
                var message = sink.Book;
                message.Clear();
                message.Symbol = symbol;
                message.Sequence = sequence;
                message.FirstSequence = sequence;
                sink.ApplyBook(instrument);
            }
        }
        else if (_last is null)
        {
            _runStart = sequence;
        }

        _last = sequence;
    }

    private void ReadEvents(ref Utf8JsonReader reader, Channel channel, long? sequence, long? timeMs, IStreamSink sink)
    {
        if (channel == Channel.Other)
        {
            reader.Skip();
            return;
        }

        JsonRead.Expect(ref reader, JsonTokenType.StartArray, "coinbase-advanced events");
        var index = 0;
        while (true)
        {
            JsonRead.Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return;
            }

            JsonRead.Expect(ref reader, JsonTokenType.StartObject, new Field("coinbase-advanced event", index));
            switch (channel)
            {
                case Channel.Book:
                    ReadBookEvent(ref reader, index, sequence, timeMs, sink);
                    break;
                default:
                    ReadListEvent(ref reader, channel, index, sequence, timeMs, sink);
                    break;
            }

            index++;
        }
    }

    private void ReadBookEvent(ref Utf8JsonReader reader, int index, long? sequence, long? timeMs, IStreamSink sink)
    {
        var message = sink.Book;
        message.Clear();
        string? symbol = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                JsonRead.Next(ref reader);
                message.IsSnapshot = reader.ValueTextEquals("snapshot"u8);
            }
            else if (reader.ValueTextEquals("product_id"u8))
            {
                symbol = JsonRead.NextString(ref reader, new Field("coinbase-advanced l2_data event", index, "product_id"));
            }
            else if (reader.ValueTextEquals("updates"u8))
            {
                JsonRead.Next(ref reader);
                ReadLevels(ref reader, message, index);
            }
            else
            {
                StreamJson.SkipValue(ref reader);
            }
        }

        if (symbol is null)
        {
            throw new FormatException($"{new Field("coinbase-advanced l2_data event", index)}: no product_id");
        }

        if (!sink.TryResolve(symbol, out var instrument))
        {
            return;
        }

        message.Symbol = symbol;
        message.Sequence = sequence;
        message.FirstSequence = _runStart;
        message.TimeMs = timeMs;
        if (!KnowsBook(instrument))
        {
            _books.Add((symbol, instrument));
        }

        sink.ApplyBook(instrument);
    }

    private bool KnowsBook(Instrument instrument)
    {
        foreach (var book in _books)
        {
            if (ReferenceEquals(book.Instrument, instrument) || book.Instrument == instrument)
            {
                return true;
            }
        }

        return false;
    }

    private static void ReadLevels(ref Utf8JsonReader reader, BookMessage message, int index)
    {
        var what = new Field("coinbase-advanced l2_data event", index, "updates");
        JsonRead.Expect(ref reader, JsonTokenType.StartArray, what);
        while (true)
        {
            JsonRead.Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return;
            }

            JsonRead.Expect(ref reader, JsonTokenType.StartObject, what);
            int side = 0; // 1 bid, 2 ask, 0 unknown
            (decimal Value, string Text)? price = null, size = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("side"u8))
                {
                    JsonRead.Next(ref reader);
                    side = reader.ValueTextEquals("bid"u8) ? 1 : reader.ValueTextEquals("offer"u8) || reader.ValueTextEquals("ask"u8) ? 2 : 0;
                }
                else if (reader.ValueTextEquals("price_level"u8))
                {
                    JsonRead.Next(ref reader);
                    price = BookLevels.Value(ref reader, what);
                }
                else if (reader.ValueTextEquals("new_quantity"u8))
                {
                    JsonRead.Next(ref reader);
                    size = BookLevels.Value(ref reader, what);
                }
                else
                {
                    StreamJson.SkipValue(ref reader);
                }
            }

            if (price is not { } p || size is not { } q)
            {
                throw new FormatException($"{what}: a level without price_level or new_quantity");
            }

            if (side != 0)
            {
                (side == 1 ? message.Bids : message.Asks).Add(new LevelChange(p.Value, q.Value, p.Text, q.Text));
            }
        }
    }

    // market_trades {"trades": [...]}, ticker {"tickers": [...]}, candles {"candles": [...]}.
    private static void ReadListEvent(ref Utf8JsonReader reader, Channel channel, int index, long? sequence, long? timeMs, IStreamSink sink)
    {
        var list = channel switch { Channel.Trades => "trades"u8, Channel.Ticker => "tickers"u8, _ => "candles"u8 };
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals(list))
            {
                StreamJson.SkipValue(ref reader);
                continue;
            }

            JsonRead.Next(ref reader);
            JsonRead.Expect(ref reader, JsonTokenType.StartArray, new Field("coinbase-advanced event", index));
            var item = 0;
            while (true)
            {
                JsonRead.Next(ref reader);
                if (reader.TokenType == JsonTokenType.EndArray)
                {
                    break;
                }

                switch (channel)
                {
                    case Channel.Trades:
                        ReadTrade(ref reader, item, sequence, sink);
                        break;
                    case Channel.Ticker:
                        ReadTicker(ref reader, item, sequence, timeMs, sink);
                        break;
                    default:
                        ReadCandle(ref reader, item, sequence, timeMs, sink);
                        break;
                }

                item++;
            }
        }
    }

    private static void ReadTrade(ref Utf8JsonReader reader, int item, long? sequence, IStreamSink sink)
    {
        JsonRead.Expect(ref reader, JsonTokenType.StartObject, new Field("coinbase-advanced trade", item));
        string? symbol = null, id = null, rawSide = null;
        decimal? price = null, size = null;
        long? time = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("product_id"u8))
            {
                symbol = JsonRead.NextString(ref reader, new Field("coinbase-advanced trade", item, "product_id"));
            }
            else if (reader.ValueTextEquals("trade_id"u8))
            {
                id = JsonRead.NextString(ref reader, new Field("coinbase-advanced trade", item, "trade_id"));
            }
            else if (reader.ValueTextEquals("price"u8))
            {
                price = JsonRead.NextDecimal(ref reader, new Field("coinbase-advanced trade", item, "price"));
            }
            else if (reader.ValueTextEquals("size"u8))
            {
                size = JsonRead.NextDecimal(ref reader, new Field("coinbase-advanced trade", item, "size"));
            }
            else if (reader.ValueTextEquals("time"u8))
            {
                JsonRead.Next(ref reader);
                time = IsoTime.Read(ref reader, new Field("coinbase-advanced trade", item, "time"));
            }
            else if (reader.ValueTextEquals("side"u8))
            {
                rawSide = JsonRead.NextString(ref reader, new Field("coinbase-advanced trade", item, "side"));
            }
            else
            {
                StreamJson.SkipValue(ref reader);
            }
        }

        if (symbol is null || id is null || price is null || size is null || time is null)
        {
            throw new FormatException($"{new Field("coinbase-advanced trade", item)}: needs product_id, trade_id, price, size and time");
        }

        if (!sink.TryResolve(symbol, out var instrument))
        {
            return;
        }

        // Coinbase's side is the maker's: a SELL maker means the taker bought.
        var side = rawSide switch { "SELL" => TradeSide.Buy, "BUY" => TradeSide.Sell, _ => TradeSide.Unknown };
        sink.Publish(new TradeEvent(instrument, new Trade(id, time.Value, price.Value, size.Value, side, rawSide), sink.Provenance(time, sequence)));
    }

    private static void ReadTicker(ref Utf8JsonReader reader, int item, long? sequence, long? timeMs, IStreamSink sink)
    {
        JsonRead.Expect(ref reader, JsonTokenType.StartObject, new Field("coinbase-advanced ticker", item));
        string? symbol = null;
        decimal? bid = null, bidSize = null, ask = null, askSize = null, last = null, volume = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("product_id"u8))
            {
                symbol = JsonRead.NextString(ref reader, new Field("coinbase-advanced ticker", item, "product_id"));
            }
            else if (reader.ValueTextEquals("price"u8))
            {
                last = StreamJson.NextOptionalDecimal(ref reader, new Field("coinbase-advanced ticker", item, "price"));
            }
            else if (reader.ValueTextEquals("volume_24_h"u8))
            {
                volume = StreamJson.NextOptionalDecimal(ref reader, new Field("coinbase-advanced ticker", item, "volume_24_h"));
            }
            else if (reader.ValueTextEquals("best_bid"u8))
            {
                bid = StreamJson.NextOptionalDecimal(ref reader, new Field("coinbase-advanced ticker", item, "best_bid"));
            }
            else if (reader.ValueTextEquals("best_ask"u8))
            {
                ask = StreamJson.NextOptionalDecimal(ref reader, new Field("coinbase-advanced ticker", item, "best_ask"));
            }
            else if (reader.ValueTextEquals("best_bid_quantity"u8))
            {
                bidSize = StreamJson.NextOptionalDecimal(ref reader, new Field("coinbase-advanced ticker", item, "best_bid_quantity"));
            }
            else if (reader.ValueTextEquals("best_ask_quantity"u8))
            {
                askSize = StreamJson.NextOptionalDecimal(ref reader, new Field("coinbase-advanced ticker", item, "best_ask_quantity"));
            }
            else
            {
                StreamJson.SkipValue(ref reader);
            }
        }

        if (symbol is null)
        {
            throw new FormatException($"{new Field("coinbase-advanced ticker", item)}: no product_id");
        }

        if (sink.TryResolve(symbol, out var instrument))
        {
            sink.Publish(new TickerEvent(instrument, bid, bidSize, ask, askSize, last, volume, sink.Provenance(timeMs, sequence)));
        }
    }

    private static void ReadCandle(ref Utf8JsonReader reader, int item, long? sequence, long? timeMs, IStreamSink sink)
    {
        JsonRead.Expect(ref reader, JsonTokenType.StartObject, new Field("coinbase-advanced candle", item));
        string? symbol = null;
        long? start = null;
        decimal? open = null, high = null, low = null, close = null, volume = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("product_id"u8))
            {
                symbol = JsonRead.NextString(ref reader, new Field("coinbase-advanced candle", item, "product_id"));
            }
            else if (reader.ValueTextEquals("start"u8))
            {
                start = JsonRead.NextInt64(ref reader, new Field("coinbase-advanced candle", item, "start"));
            }
            else if (reader.ValueTextEquals("open"u8))
            {
                open = JsonRead.NextDecimal(ref reader, new Field("coinbase-advanced candle", item, "open"));
            }
            else if (reader.ValueTextEquals("high"u8))
            {
                high = JsonRead.NextDecimal(ref reader, new Field("coinbase-advanced candle", item, "high"));
            }
            else if (reader.ValueTextEquals("low"u8))
            {
                low = JsonRead.NextDecimal(ref reader, new Field("coinbase-advanced candle", item, "low"));
            }
            else if (reader.ValueTextEquals("close"u8))
            {
                close = JsonRead.NextDecimal(ref reader, new Field("coinbase-advanced candle", item, "close"));
            }
            else if (reader.ValueTextEquals("volume"u8))
            {
                volume = JsonRead.NextDecimal(ref reader, new Field("coinbase-advanced candle", item, "volume"));
            }
            else
            {
                StreamJson.SkipValue(ref reader);
            }
        }

        if (symbol is null || start is null || open is null || high is null || low is null || close is null || volume is null)
        {
            throw new FormatException($"{new Field("coinbase-advanced candle", item)}: needs product_id, start, open, high, low, close and volume");
        }

        if (sink.TryResolve(symbol, out var instrument))
        {
            var candle = new Candle(start.Value * 1000, open.Value, high.Value, low.Value, close.Value, volume.Value);
            sink.Publish(new CandleEvent(instrument, CoinbaseAdvancedStreamProtocol.CandleTimeframe, candle, false, sink.Provenance(timeMs, sequence)));
        }
    }
}

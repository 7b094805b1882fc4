using System.Globalization;
using System.Text.Json;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Streaming;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Kraken;

/// <summary>
/// Kraken's public WebSocket v1 (<c>wss://ws.kraken.com</c>): <c>trade</c>, <c>ticker</c> and <c>book</c> (with its CRC32
/// checksum, see <see cref="KrakenBookSync"/>), subscribed by <c>{"event":"subscribe","pair":[..],"subscription":{"name":..}}</c>;
/// data frames are arrays <c>[channelID, payload, channelName, pair]</c>, pairs by their <c>wsname</c> (<c>XBT/USD</c>).
/// </summary>
/// <remarks>
/// Kraken sends <c>{"event":"heartbeat"}</c> every second on a quiet connection; the client also sends
/// <c>{"event":"ping"}</c> every 30 s. Limits: Kraken documents about 150 connection attempts per 10 minutes per IP
/// (the client keeps 60) and no fixed subscription cap; 50 pair-channels per connection keep frames small.
/// </remarks>
/// <param name="bookDepth">The book depth subscribed (10, 25, 100, 500 or 1000; the recordings use 1000); the book keeps that many levels per side as Kraken does.</param>
public sealed class KrakenStreamProtocol(int bookDepth = 1000) : IStreamProtocol
{
    /// <inheritdoc />
    public string Venue => KrakenConnector.VenueName;

    /// <inheritdoc />
    public Uri DefaultEndpoint { get; } = new("wss://ws.kraken.com");

    /// <inheritdoc />
    public StreamLimits Limits { get; } = new(50, 20, 60, TimeSpan.FromMinutes(10));

    /// <inheritdoc />
    public int BookDepth { get; } = bookDepth is 10 or 25 or 100 or 500 or 1000
        ? bookDepth
        : throw new ArgumentOutOfRangeException(nameof(bookDepth), bookDepth, "Kraken book depth is 10, 25, 100, 500 or 1000");

    /// <inheritdoc />
    public string? PingMessage => """{"event":"ping"}""";

    /// <inheritdoc />
    public TimeSpan PingInterval => TimeSpan.FromSeconds(30);

    /// <inheritdoc />
    /// <remarks>Kraken's <c>wsname</c> (<c>XBT/USD</c>), kept among the market's alternative symbols by the AssetPairs parser.</remarks>
    public string StreamSymbol(Market market)
    {
        ArgumentNullException.ThrowIfNull(market);
        return market.AltSymbols?.FirstOrDefault(s => s.Contains('/', StringComparison.Ordinal)) ?? market.VenueSymbol;
    }

    /// <inheritdoc />
    public bool Supports(StreamChannel channel) => channel is StreamChannel.Trades or StreamChannel.Book or StreamChannel.Ticker;

    /// <inheritdoc />
    public Uri ConnectUri(Uri endpoint, IReadOnlyList<VenueSubscription> subscriptions) => endpoint;

    /// <inheritdoc />
    public IReadOnlyList<string> SubscribeMessages(IReadOnlyList<VenueSubscription> subscriptions)
    {
        ArgumentNullException.ThrowIfNull(subscriptions);
        return subscriptions
            .GroupBy(s => s.Channel)
            .Select(g => Request("subscribe", g.Key, g.Select(s => s.StreamSymbol)))
            .ToList();
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ResubscribeBookMessages(VenueSubscription book)
    {
        ArgumentNullException.ThrowIfNull(book);
        return [Request("unsubscribe", StreamChannel.Book, [book.StreamSymbol]), Request("subscribe", StreamChannel.Book, [book.StreamSymbol])];
    }

    /// <inheritdoc />
    public IBookSync CreateBookSync() => new KrakenBookSync();

    /// <inheritdoc />
    public IStreamParser CreateParser() => new Parser();

    private string Request(string verb, StreamChannel channel, IEnumerable<string> pairs)
    {
        var name = channel switch
        {
            StreamChannel.Trades => "trade",
            StreamChannel.Ticker => "ticker",
            StreamChannel.Book => "book",
            _ => throw new NotSupportedException($"kraken does not stream {channel}"),
        };
        var subscription = channel == StreamChannel.Book
            ? new Dictionary<string, object> { ["name"] = name, ["depth"] = BookDepth }
            : new Dictionary<string, object> { ["name"] = name };
        return JsonSerializer.Serialize(new Dictionary<string, object> { ["event"] = verb, ["pair"] = pairs.ToArray(), ["subscription"] = subscription });
    }

    /// <summary>Reads Kraken v1 frames: objects are events (heartbeat, status, acks) and produce nothing; arrays are data.</summary>
    private sealed class Parser : IStreamParser
    {
        public void Parse(ReadOnlySpan<byte> frame, IStreamSink sink)
        {
            if (frame.IsEmpty || frame[0] != (byte)'[')
            {
                return;
            }

            var channel = Channel(frame);
            if (channel.StartsWith("book"u8))
            {
                if (KrakenBookSync.TryParse(frame, sink.Book, out _) && sink.TryResolve(sink.Book.Symbol, out var instrument))
                {
                    sink.ApplyBook(instrument);
                }
            }
            else if (channel.SequenceEqual("trade"u8))
            {
                Trades(frame, sink);
            }
            else if (channel.SequenceEqual("ticker"u8))
            {
                Ticker(frame, sink);
            }
        }

        /// <summary>The channel name: the second-to-last string of the array (the last is the pair).</summary>
        private static ReadOnlySpan<byte> Channel(ReadOnlySpan<byte> frame)
        {
            var end = frame.LastIndexOf((byte)']');
            if (end <= 0)
            {
                return default;
            }

            // ..., "channel", "PAIR"]
            var pairEnd = frame[..end].LastIndexOf((byte)'"');
            var pairStart = pairEnd > 0 ? frame[..pairEnd].LastIndexOf((byte)'"') : -1;
            var channelEnd = pairStart > 0 ? frame[..pairStart].LastIndexOf((byte)'"') : -1;
            var channelStart = channelEnd > 0 ? frame[..channelEnd].LastIndexOf((byte)'"') : -1;
            return channelStart >= 0 ? frame[(channelStart + 1)..channelEnd] : default;
        }

        private static void Trades(ReadOnlySpan<byte> frame, IStreamSink sink)
        {
            var reader = JsonRead.Reader(frame);
            reader.Read();
            JsonRead.Next(ref reader);
            var channelId = JsonRead.Int64(ref reader, "kraken trade channelID");
            JsonRead.NextIs(ref reader, JsonTokenType.StartArray, "kraken trade list");
            var trades = new List<(decimal Price, decimal Size, string Time, string Side)>();
            while (reader.Read() && reader.TokenType == JsonTokenType.StartArray)
            {
                var price = JsonRead.NextDecimal(ref reader, "kraken trade price");
                var size = JsonRead.NextDecimal(ref reader, "kraken trade volume");
                var time = JsonRead.NextString(ref reader, "kraken trade time");
                var side = JsonRead.NextString(ref reader, "kraken trade side");
                JsonRead.SkipToEndOfArray(ref reader, "kraken trade");
                trades.Add((price, size, time, side));
            }

            JsonRead.Next(ref reader);
            JsonRead.Next(ref reader);
            var pair = JsonRead.String(ref reader, "kraken trade pair");
            if (!sink.TryResolve(pair, out var instrument))
            {
                return;
            }

            for (var i = 0; i < trades.Count; i++)
            {
                var (price, size, time, side) = trades[i];
                var timeMs = SecondsToMs(time, "kraken trade time");
                var trade = new Trade(
                    string.Create(CultureInfo.InvariantCulture, $"{time}-{i}"),
                    timeMs,
                    price,
                    size,
                    side switch { "b" => TradeSide.Buy, "s" => TradeSide.Sell, _ => TradeSide.Unknown },
                    side);
                sink.Publish(new TradeEvent(instrument, trade, sink.Provenance(timeMs, channelId)));
            }
        }

        private static void Ticker(ReadOnlySpan<byte> frame, IStreamSink sink)
        {
            var reader = JsonRead.Reader(frame);
            reader.Read();
            JsonRead.Next(ref reader);
            JsonRead.NextIs(ref reader, JsonTokenType.StartObject, "kraken ticker");
            decimal? bid = null, bidSize = null, ask = null, askSize = null, last = null, volume = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("a"u8))
                {
                    (ask, askSize) = PriceAndLot(ref reader, "kraken ticker a");
                }
                else if (reader.ValueTextEquals("b"u8))
                {
                    (bid, bidSize) = PriceAndLot(ref reader, "kraken ticker b");
                }
                else if (reader.ValueTextEquals("c"u8))
                {
                    JsonRead.NextIs(ref reader, JsonTokenType.StartArray, "kraken ticker c");
                    last = JsonRead.NextDecimal(ref reader, "kraken ticker c price");
                    JsonRead.SkipToEndOfArray(ref reader, "kraken ticker c");
                }
                else if (reader.ValueTextEquals("v"u8))
                {
                    // v: [today, last 24 hours] volumes.
                    JsonRead.NextIs(ref reader, JsonTokenType.StartArray, "kraken ticker v");
                    JsonRead.NextDecimal(ref reader, "kraken ticker v today");
                    volume = JsonRead.NextDecimal(ref reader, "kraken ticker v 24h");
                    JsonRead.SkipToEndOfArray(ref reader, "kraken ticker v");
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            JsonRead.Next(ref reader);
            JsonRead.Next(ref reader);
            var pair = JsonRead.String(ref reader, "kraken ticker pair");
            if (sink.TryResolve(pair, out var instrument))
            {
                sink.Publish(new TickerEvent(instrument, bid, bidSize, ask, askSize, last, volume, sink.Provenance(null, null)));
            }
        }

        /// <summary>Reads <c>[price, wholeLotVolume, lotVolume]</c>: the price and the lot volume (the size at the price).</summary>
        private static (decimal Price, decimal Size) PriceAndLot(ref Utf8JsonReader reader, string what)
        {
            JsonRead.NextIs(ref reader, JsonTokenType.StartArray, what);
            var price = JsonRead.NextDecimal(ref reader, what + " price");
            JsonRead.Next(ref reader);
            var size = JsonRead.NextDecimal(ref reader, what + " lot volume");
            JsonRead.SkipToEndOfArray(ref reader, what);
            return (price, size);
        }

        private static long SecondsToMs(string seconds, string what)
            => decimal.TryParse(seconds, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
                ? (long)decimal.Floor(value * 1000m)
                : throw new FormatException($"{what}: '{seconds}' is not seconds");
    }
}

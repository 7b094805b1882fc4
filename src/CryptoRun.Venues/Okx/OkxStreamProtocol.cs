using System.Text.Json;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Streaming;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Okx;

/// <summary>
/// OKX v5 public WebSocket (<c>wss://ws.okx.com:8443/ws/v5/public</c>): <c>books</c> (400 levels, snapshot then
/// updates with a CRC32 checksum and <c>seqId</c>/<c>prevSeqId</c>, see <see cref="OkxBookSync"/>), <c>trades</c> and
/// <c>tickers</c>, subscribed by <c>{"op":"subscribe","args":[{"channel":..,"instId":..}]}</c>; frames
/// <c>{"arg":{"channel":..,"instId":..},("action":..,)"data":[..]}</c>.
/// </summary>
/// <remarks>
/// OKX closes a connection that has seen no data for 30 s, so the client sends <c>ping</c> every 25 s (OKX answers
/// <c>pong</c>). Limits from OKX's documentation: 3 connection requests per second per IP; 480 subscribe requests per
/// hour per connection, so the client keeps 100 channel-instrument pairs per connection.
/// </remarks>
public sealed class OkxStreamProtocol : IStreamProtocol
{
    /// <inheritdoc />
    public string Venue => OkxConnector.VenueName;

    /// <inheritdoc />
    public Uri DefaultEndpoint { get; } = new("wss://ws.okx.com:8443/ws/v5/public");

    /// <inheritdoc />
    public StreamLimits Limits { get; } = new(100, 20, 3, TimeSpan.FromSeconds(1));

    /// <inheritdoc />
    public int BookDepth => 0;

    /// <inheritdoc />
    public string? PingMessage => "ping";

    /// <inheritdoc />
    public TimeSpan PingInterval => TimeSpan.FromSeconds(25);

    /// <inheritdoc />
    public string StreamSymbol(Market market)
    {
        ArgumentNullException.ThrowIfNull(market);
        return market.VenueSymbol;
    }

    /// <inheritdoc />
    public bool Supports(StreamChannel channel) => channel is StreamChannel.Trades or StreamChannel.Book or StreamChannel.Ticker;

    /// <inheritdoc />
    public Uri ConnectUri(Uri endpoint, IReadOnlyList<VenueSubscription> subscriptions) => endpoint;

    /// <inheritdoc />
    public IReadOnlyList<string> SubscribeMessages(IReadOnlyList<VenueSubscription> subscriptions)
    {
        ArgumentNullException.ThrowIfNull(subscriptions);
        return subscriptions.Count == 0 ? [] : [Request("subscribe", subscriptions)];
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ResubscribeBookMessages(VenueSubscription book)
    {
        ArgumentNullException.ThrowIfNull(book);
        return [Request("unsubscribe", [book]), Request("subscribe", [book])];
    }

    /// <inheritdoc />
    public IBookSync CreateBookSync() => new OkxBookSync();

    /// <inheritdoc />
    public IStreamParser CreateParser() => new Parser();

    private static string Request(string op, IEnumerable<VenueSubscription> subscriptions)
        => JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["op"] = op,
            ["args"] = subscriptions.Select(s => new Dictionary<string, string> { ["channel"] = ChannelName(s.Channel), ["instId"] = s.StreamSymbol }).ToArray(),
        });

    private static string ChannelName(StreamChannel channel) => channel switch
    {
        StreamChannel.Trades => "trades",
        StreamChannel.Book => "books",
        StreamChannel.Ticker => "tickers",
        _ => throw new NotSupportedException($"okx does not stream {channel}"),
    };

    /// <summary>Reads OKX v5 frames by <c>arg.channel</c>; events (<c>subscribe</c> acks, errors) and <c>pong</c> produce nothing.</summary>
    private sealed class Parser : IStreamParser
    {
        public void Parse(ReadOnlySpan<byte> frame, IStreamSink sink)
        {
            if (frame.IsEmpty || frame[0] != (byte)'{')
            {
                return;
            }

            var reader = JsonRead.Reader(frame);
            reader.Read();
            if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName || !reader.ValueTextEquals("arg"u8))
            {
                return;
            }

            JsonRead.NextIs(ref reader, JsonTokenType.StartObject, "okx arg");
            var kind = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("channel"u8))
                {
                    JsonRead.Next(ref reader);
                    kind = reader.ValueSpan.StartsWith("books"u8) ? 1
                        : reader.ValueTextEquals("trades"u8) ? 2
                        : reader.ValueTextEquals("tickers"u8) ? 3
                        : 0;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            switch (kind)
            {
                case 1:
                    if (OkxBookSync.TryParse(frame, sink.Book) && sink.TryResolve(sink.Book.Symbol, out var instrument))
                    {
                        sink.ApplyBook(instrument);
                    }

                    break;
                case 2 or 3:
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("data"u8))
                        {
                            JsonRead.NextIs(ref reader, JsonTokenType.StartArray, "okx data");
                            while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                            {
                                if (kind == 2)
                                {
                                    Trade(ref reader, sink);
                                }
                                else
                                {
                                    Ticker(ref reader, sink);
                                }
                            }
                        }
                        else
                        {
                            reader.Read();
                            reader.Skip();
                        }
                    }

                    break;
            }
        }

        private static void Trade(ref Utf8JsonReader reader, IStreamSink sink)
        {
            string? instId = null, tradeId = null, side = null;
            decimal price = 0, size = 0;
            long time = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("instId"u8))
                {
                    instId = JsonRead.NextString(ref reader, "okx trade instId");
                }
                else if (reader.ValueTextEquals("tradeId"u8))
                {
                    tradeId = JsonRead.NextString(ref reader, "okx trade tradeId");
                }
                else if (reader.ValueTextEquals("px"u8))
                {
                    price = JsonRead.NextDecimal(ref reader, "okx trade px");
                }
                else if (reader.ValueTextEquals("sz"u8))
                {
                    size = JsonRead.NextDecimal(ref reader, "okx trade sz");
                }
                else if (reader.ValueTextEquals("side"u8))
                {
                    side = JsonRead.NextString(ref reader, "okx trade side");
                }
                else if (reader.ValueTextEquals("ts"u8))
                {
                    time = JsonRead.NextInt64(ref reader, "okx trade ts");
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (instId is null || tradeId is null)
            {
                throw new FormatException("okx trade: no instId or tradeId");
            }

            if (sink.TryResolve(instId, out var instrument))
            {
                var taker = side switch { "buy" => TradeSide.Buy, "sell" => TradeSide.Sell, _ => TradeSide.Unknown };
                sink.Publish(new TradeEvent(instrument, new Trade(tradeId, time, price, size, taker, side), sink.Provenance(time, null)));
            }
        }

        private static void Ticker(ref Utf8JsonReader reader, IStreamSink sink)
        {
            string? instId = null;
            decimal? bid = null, bidSize = null, ask = null, askSize = null, last = null, volume = null;
            long? time = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("instId"u8))
                {
                    instId = JsonRead.NextString(ref reader, "okx ticker instId");
                }
                else if (reader.ValueTextEquals("bidPx"u8))
                {
                    bid = Optional(ref reader, "okx ticker bidPx");
                }
                else if (reader.ValueTextEquals("bidSz"u8))
                {
                    bidSize = Optional(ref reader, "okx ticker bidSz");
                }
                else if (reader.ValueTextEquals("askPx"u8))
                {
                    ask = Optional(ref reader, "okx ticker askPx");
                }
                else if (reader.ValueTextEquals("askSz"u8))
                {
                    askSize = Optional(ref reader, "okx ticker askSz");
                }
                else if (reader.ValueTextEquals("last"u8))
                {
                    last = Optional(ref reader, "okx ticker last");
                }
                else if (reader.ValueTextEquals("vol24h"u8))
                {
                    volume = Optional(ref reader, "okx ticker vol24h");
                }
                else if (reader.ValueTextEquals("ts"u8))
                {
                    time = JsonRead.NextInt64(ref reader, "okx ticker ts");
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (instId is not null && sink.TryResolve(instId, out var instrument))
            {
                sink.Publish(new TickerEvent(instrument, bid, bidSize, ask, askSize, last, volume, sink.Provenance(time, null)));
            }
        }

        /// <summary>OKX sends <c>""</c> for a side with no order; that is no price, not an error.</summary>
        private static decimal? Optional(ref Utf8JsonReader reader, string what)
        {
            JsonRead.Next(ref reader);
            return reader.TokenType == JsonTokenType.String && reader.ValueSpan.IsEmpty ? null : JsonRead.Decimal(ref reader, what);
        }
    }
}

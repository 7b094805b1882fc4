using System.Text.Json;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Streaming;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Bitstamp;

/// <summary>
/// Bitstamp's WebSocket API v2 (<c>wss://ws.bitstamp.net</c>), venue <c>bitstamp</c>: <c>live_trades_{pair}</c>
/// (<c>{"event":"trade","channel":..,"data":{id, amount_str, price_str, type, microtimestamp}}</c>) and
/// <c>diff_order_book_{pair}</c> (<c>{"event":"data","channel":..,"data":{microtimestamp, bids, asks}}</c>), whose book
/// snapshot comes from REST <c>GET /api/v2/order_book/{pair}</c> (see <see cref="BitstampBookSync"/>).
/// </summary>
/// <remarks>
/// Subscribe: <c>{"event":"bts:subscribe","data":{"channel":"live_trades_btcusd"}}</c>, one frame per channel;
/// unsubscribe with <c>bts:unsubscribe</c>. A trade's <c>type</c> is the taker side (0 buy, 1 sell). Control
/// events (<c>bts:subscription_succeeded</c>, <c>bts:heartbeat</c>, <c>bts:request_reconnect</c>, <c>bts:error</c>)
/// produce nothing. Bitstamp documents no WebSocket connection or subscription limits; the limits here are
/// conservative.
/// </remarks>
public sealed class BitstampStreamProtocol : IRestSnapshotProtocol
{
    /// <summary>The venue name.</summary>
    public const string VenueName = "bitstamp";

    /// <summary>Bitstamp's real REST base, for <see cref="FetchBookSnapshotAsync"/>'s client.</summary>
    public static Uri DefaultRestBaseAddress { get; } = new("https://www.bitstamp.net/");

    /// <inheritdoc />
    public string Venue => VenueName;

    /// <inheritdoc />
    public Uri DefaultEndpoint { get; } = new("wss://ws.bitstamp.net");

    /// <summary>100 channels per connection, 5 connections, 5 connects per 10 seconds (Bitstamp documents none).</summary>
    public StreamLimits Limits { get; } = new(100, 5, 5, TimeSpan.FromSeconds(10));

    /// <inheritdoc />
    public int BookDepth => 0;

    /// <summary><c>{"event":"bts:heartbeat"}</c>, Bitstamp's documented application ping.</summary>
    public string? PingMessage => """{"event":"bts:heartbeat"}""";

    /// <summary>Every 30 seconds.</summary>
    public TimeSpan PingInterval => TimeSpan.FromSeconds(30);

    /// <summary>The market's pair in lower case (<c>btcusd</c>), as Bitstamp's channel names and <c>url_symbol</c> give it.</summary>
    /// <param name="market">The market.</param>
    /// <returns>The pair.</returns>
    public string StreamSymbol(Market market)
    {
        ArgumentNullException.ThrowIfNull(market);
        return market.VenueSymbol.Replace("/", "", StringComparison.Ordinal).ToLowerInvariant();
    }

    /// <summary>Trades and book.</summary>
    /// <param name="channel">The channel.</param>
    /// <returns>Whether Bitstamp streams it here.</returns>
    public bool Supports(StreamChannel channel) => channel is StreamChannel.Trades or StreamChannel.Book;

    /// <inheritdoc />
    public Uri ConnectUri(Uri endpoint, IReadOnlyList<VenueSubscription> subscriptions) => endpoint;

    /// <summary>One <c>{"event":"bts:subscribe","data":{"channel":"CHANNEL_pair"}}</c> per subscription, in order.</summary>
    /// <param name="subscriptions">The connection's subscriptions.</param>
    /// <returns>The frames.</returns>
    /// <exception cref="NotSupportedException">A subscription's channel is not streamed.</exception>
    public IReadOnlyList<string> SubscribeMessages(IReadOnlyList<VenueSubscription> subscriptions)
    {
        ArgumentNullException.ThrowIfNull(subscriptions);
        return subscriptions.Select(s => Request("bts:subscribe", ChannelName(s.Channel, s.StreamSymbol))).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Empty: the book's snapshot comes from REST (<see cref="FetchBookSnapshotAsync"/>).</summary>
    /// <param name="book">The book subscription.</param>
    /// <returns>No frames.</returns>
    public IReadOnlyList<string> ResubscribeBookMessages(VenueSubscription book) => [];

    /// <summary>Fetches <c>GET /api/v2/order_book/{pair}</c> into <paramref name="into"/> (sequence = its <c>microtimestamp</c>), as one request through the gate.</summary>
    /// <param name="rest">Bitstamp's REST connection: a client whose base address is Bitstamp's REST base (<see cref="DefaultRestBaseAddress"/>) or a replay venue's, the clock, and the gate.</param>
    /// <param name="book">The book subscription.</param>
    /// <param name="into">Filled with the snapshot.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when <paramref name="into"/> is filled.</returns>
    /// <exception cref="VenueException">Bitstamp refused or answered with an error; <see cref="VenueDataException"/> for a malformed body.</exception>
    /// <exception cref="ProviderUnavailableException">The gate refused without sending (circuit open, budget spent).</exception>
    public async Task FetchBookSnapshotAsync(VenueConnection rest, VenueSubscription book, BookMessage into, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rest);
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(into);
        var venue = new VenueHttp(VenueName, rest, static (_, _, _) => null);
        var path = $"/api/v2/order_book/{Uri.EscapeDataString(book.StreamSymbol)}";
        await venue.GetAsync(path, null, body =>
        {
            BitstampBookSync.ParseSnapshot(body, book.StreamSymbol, into);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public IBookSync CreateBookSync() => new BitstampBookSync();

    /// <inheritdoc />
    public IStreamParser CreateParser() => new BitstampParser();

    /// <summary>The channel name of a subscription: <c>live_trades_{pair}</c> or <c>diff_order_book_{pair}</c>.</summary>
    /// <param name="channel">The channel.</param>
    /// <param name="pair">The pair (<c>btcusd</c>).</param>
    /// <returns>The channel name.</returns>
    /// <exception cref="NotSupportedException">The channel is not streamed.</exception>
    public static string ChannelName(StreamChannel channel, string pair) => channel switch
    {
        StreamChannel.Trades => "live_trades_" + pair,
        StreamChannel.Book => "diff_order_book_" + pair,
        _ => throw new NotSupportedException($"bitstamp does not stream {channel}"),
    };

    private static string Request(string @event, string channel) => StreamJson.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("event", @event);
        w.WriteStartObject("data");
        w.WriteString("channel", channel);
        w.WriteEndObject();
        w.WriteEndObject();
    });
}

/// <summary>Reads Bitstamp frames in one pass (Bitstamp writes <c>data</c> before <c>channel</c> and <c>event</c>).</summary>
internal sealed class BitstampParser : IStreamParser
{
    private const string TradesPrefix = "live_trades_";
    private const string BookPrefix = "diff_order_book_";

    public void Parse(ReadOnlySpan<byte> frame, IStreamSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var reader = JsonRead.Reader(frame);
        JsonRead.Next(ref reader);
        JsonRead.Expect(ref reader, JsonTokenType.StartObject, "bitstamp frame");
        var book = sink.Book;
        book.Clear();
        var isTrade = false;
        var isData = false;
        string? channel = null;
        var data = new Data();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("event"u8))
            {
                JsonRead.Next(ref reader);
                isTrade = reader.ValueTextEquals("trade"u8);
                isData = reader.ValueTextEquals("data"u8);
            }
            else if (reader.ValueTextEquals("channel"u8))
            {
                channel = JsonRead.NextString(ref reader, "bitstamp channel");
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                JsonRead.Next(ref reader);
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadData(ref reader, book, ref data);
                }
                else
                {
                    reader.Skip();
                }
            }
            else
            {
                StreamJson.SkipValue(ref reader);
            }
        }

        if (channel is null || !(isTrade || isData))
        {
            return; // bts:* control events
        }

        if (isTrade && channel.StartsWith(TradesPrefix, StringComparison.Ordinal))
        {
            PublishTrade(channel[TradesPrefix.Length..], data, sink);
        }
        else if (isData && channel.StartsWith(BookPrefix, StringComparison.Ordinal))
        {
            var pair = channel[BookPrefix.Length..];
            if (data.Micro is not { } micro)
            {
                throw new FormatException($"bitstamp {channel}: no microtimestamp");
            }

            if (sink.TryResolve(pair, out var instrument))
            {
                book.Symbol = pair;
                book.Sequence = micro;
                book.TimeMs = micro / 1000;
                sink.ApplyBook(instrument);
            }
        }
    }

    private static void PublishTrade(string pair, Data data, IStreamSink sink)
    {
        if (data.Id is null || data.Price is null || data.Amount is null || data.Micro is null)
        {
            throw new FormatException($"bitstamp live_trades_{pair}: needs id, price, amount and microtimestamp");
        }

        if (!sink.TryResolve(pair, out var instrument))
        {
            return;
        }

        var side = data.Type switch { 0 => TradeSide.Buy, 1 => TradeSide.Sell, _ => TradeSide.Unknown };
        var rawSide = data.Type?.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var timeMs = data.Micro.Value / 1000;
        sink.Publish(new TradeEvent(instrument, new Trade(data.Id, timeMs, data.Price.Value, data.Amount.Value, side, rawSide), sink.Provenance(timeMs, data.Micro)));
    }

    // The data object of either kind: trade fields into `data`, book levels straight into the reusable message.
    private static void ReadData(ref Utf8JsonReader reader, BookMessage book, ref Data data)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("microtimestamp"u8))
            {
                data.Micro = JsonRead.NextInt64(ref reader, "bitstamp data microtimestamp");
            }
            else if (reader.ValueTextEquals("bids"u8))
            {
                BookLevels.Read(ref reader, book.Bids, "bitstamp diff bids");
            }
            else if (reader.ValueTextEquals("asks"u8))
            {
                BookLevels.Read(ref reader, book.Asks, "bitstamp diff asks");
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                data.Id = JsonRead.NextString(ref reader, "bitstamp trade id");
            }
            else if (reader.ValueTextEquals("price_str"u8))
            {
                data.Price = JsonRead.NextDecimal(ref reader, "bitstamp trade price_str");
            }
            else if (reader.ValueTextEquals("price"u8))
            {
                // price_str is exact; the float price is only a fallback.
                var price = JsonRead.NextDecimal(ref reader, "bitstamp trade price");
                data.Price ??= price;
            }
            else if (reader.ValueTextEquals("amount_str"u8))
            {
                data.Amount = JsonRead.NextDecimal(ref reader, "bitstamp trade amount_str");
            }
            else if (reader.ValueTextEquals("amount"u8))
            {
                var amount = JsonRead.NextDecimal(ref reader, "bitstamp trade amount");
                data.Amount ??= amount;
            }
            else if (reader.ValueTextEquals("type"u8))
            {
                data.Type = (int)JsonRead.NextInt64(ref reader, "bitstamp trade type");
            }
            else
            {
                StreamJson.SkipValue(ref reader);
            }
        }
    }

    private struct Data
    {
        public string? Id;
        public decimal? Price;
        public decimal? Amount;
        public int? Type;
        public long? Micro;
    }
}

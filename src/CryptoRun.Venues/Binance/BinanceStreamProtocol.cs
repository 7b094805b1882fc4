using System.Globalization;
using System.Text.Json;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Streaming;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Binance;

/// <summary>
/// Binance's market streams, spot (<c>wss://stream.binance.com:9443/stream</c>) or USD-M futures
/// (<c>wss://fstream.binance.com/stream</c>), as combined streams named in the URL
/// (<c>?streams=btcusdt@aggTrade/btcusdt@depth@100ms/...</c>), frames <c>{"stream":..,"data":{..}}</c>:
/// <c>aggTrade</c> (trades), <c>depth@100ms</c> (diff depth, kept in sync with the REST snapshot by Binance's documented
/// procedure), <c>bookTicker</c> (ticker) and <c>kline_1m</c> (candles).
/// </summary>
/// <remarks>
/// Limits from Binance's WebSocket documentation: 1024 streams per connection (USD-M 200), 300 connection attempts per
/// 5 minutes per IP; Binance pings every 3 minutes and the client's WebSocket layer answers, so no application ping.
/// </remarks>
public sealed class BinanceStreamProtocol : IRestSnapshotProtocol
{
    private readonly BinanceApi _api;

    private BinanceStreamProtocol(BinanceApi api, Uri endpoint, StreamLimits limits)
    {
        _api = api;
        DefaultEndpoint = endpoint;
        Limits = limits;
    }

    /// <summary>Binance spot (<c>binance</c>).</summary>
    public static BinanceStreamProtocol Spot { get; } = new(
        BinanceApi.Spot, new Uri("wss://stream.binance.com:9443/stream"), new StreamLimits(1024, 300, 300, TimeSpan.FromMinutes(5)));

    /// <summary>Binance USD-M futures (<c>binance-usdm</c>).</summary>
    public static BinanceStreamProtocol UsdM { get; } = new(
        BinanceApi.UsdM, new Uri("wss://fstream.binance.com/stream"), new StreamLimits(200, 300, 300, TimeSpan.FromMinutes(5)));

    /// <inheritdoc />
    public string Venue => _api.Name;

    /// <inheritdoc />
    public Uri DefaultEndpoint { get; }

    /// <inheritdoc />
    public StreamLimits Limits { get; }

    /// <inheritdoc />
    public int BookDepth => 0;

    /// <inheritdoc />
    public string? PingMessage => null;

    /// <inheritdoc />
    public TimeSpan PingInterval => TimeSpan.Zero;

    /// <summary>True for USD-M futures (the <c>pu</c> chain rule of its diff depth).</summary>
    public bool Futures => ReferenceEquals(_api, BinanceApi.UsdM);

    /// <inheritdoc />
    public string StreamSymbol(Market market)
    {
        ArgumentNullException.ThrowIfNull(market);
        return market.VenueSymbol;
    }

    /// <inheritdoc />
    public bool Supports(StreamChannel channel) => channel is not StreamChannel.Funding;

    /// <inheritdoc />
    public Uri ConnectUri(Uri endpoint, IReadOnlyList<VenueSubscription> subscriptions)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(subscriptions);
        var streams = string.Join('/', subscriptions.Select(StreamName));
        var text = endpoint.ToString();
        return new Uri(text + (string.IsNullOrEmpty(endpoint.Query) ? "?" : "&") + "streams=" + streams);
    }

    /// <summary>The stream name of a subscription (<c>btcusdt@aggTrade</c>, <c>btcusdt@depth@100ms</c>, <c>btcusdt@bookTicker</c>, <c>btcusdt@kline_1m</c>).</summary>
    /// <param name="subscription">The subscription.</param>
    /// <returns>The name, lower-case symbol first.</returns>
    public static string StreamName(VenueSubscription subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        var symbol = subscription.StreamSymbol.ToLowerInvariant();
        return subscription.Channel switch
        {
            StreamChannel.Trades => symbol + "@aggTrade",
            StreamChannel.Book => symbol + "@depth@100ms",
            StreamChannel.Ticker => symbol + "@bookTicker",
            StreamChannel.Candles => symbol + "@kline_1m",
            _ => throw new NotSupportedException($"binance does not stream {subscription.Channel}"),
        };
    }

    /// <inheritdoc />
    public IReadOnlyList<string> SubscribeMessages(IReadOnlyList<VenueSubscription> subscriptions) => [];

    /// <inheritdoc />
    public IReadOnlyList<string> ResubscribeBookMessages(VenueSubscription book) => [];

    /// <inheritdoc />
    /// <remarks>
    /// Source: <c>GET /api/v3/depth?symbol=S&amp;limit=1000</c> (weight 50) or <c>GET /fapi/v1/depth?symbol=S&amp;limit=1000</c>
    /// (weight 20), stated to the gate; Binance's error codes are read as the connector reads them, and the answer's
    /// <c>X-MBX-USED-WEIGHT-*</c> headers resync the gate's budget, whatever the status.
    /// </remarks>
    public async Task FetchBookSnapshotAsync(VenueConnection rest, VenueSubscription book, BookMessage into, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rest);
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(into);
        var http = new VenueHttp(
            Venue,
            rest,
            (status, body, endpoint) => BinanceParser.ReadError(Venue, status, body, endpoint),
            headers => BinanceConnector.SyncUsedWeight(rest.Gate, headers));
        var limit = _api.DepthLimitFor(1000);
        var path = Query.Build($"{_api.PathPrefix}/depth", ("symbol", book.StreamSymbol), ("limit", limit));
        await http.GetAsync(
            path,
            null,
            body =>
            {
                BinanceBookSync.ParseSnapshot(body, book.StreamSymbol, into);
                return true;
            },
            cancellationToken,
            _api.DepthWeight(limit)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public IBookSync CreateBookSync() => new BinanceBookSync(Futures);

    /// <inheritdoc />
    public IStreamParser CreateParser() => new Parser();

    /// <summary>Reads combined-stream frames by their stream suffix.</summary>
    private sealed class Parser : IStreamParser
    {
        public void Parse(ReadOnlySpan<byte> frame, IStreamSink sink)
        {
            var reader = JsonRead.Reader(frame);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return;
            }

            // {"stream":"name","data":{...}}: the stream's suffix says what data holds.
            if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName || !reader.ValueTextEquals("stream"u8))
            {
                return;
            }

            JsonRead.Next(ref reader);
            var stream = reader.ValueSpan;
            if (stream.EndsWith("@aggTrade"u8) || stream.EndsWith("@trade"u8))
            {
                ToData(ref reader);
                Trade(ref reader, sink);
            }
            else if (stream.IndexOf("@depth"u8) >= 0)
            {
                if (BinanceBookSync.TryParseUpdate(frame, sink.Book) && sink.TryResolve(sink.Book.Symbol, out var instrument))
                {
                    sink.ApplyBook(instrument);
                }
            }
            else if (stream.EndsWith("@bookTicker"u8))
            {
                ToData(ref reader);
                BookTicker(ref reader, sink);
            }
            else if (stream.IndexOf("@kline_"u8) >= 0)
            {
                ToData(ref reader);
                Kline(ref reader, sink);
            }
        }

        private static void ToData(ref Utf8JsonReader reader)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("data"u8))
                {
                    JsonRead.NextIs(ref reader, JsonTokenType.StartObject, "binance stream data");
                    return;
                }

                reader.Read();
                reader.Skip();
            }

            throw new FormatException("binance stream frame: no data object");
        }

        private static void Trade(ref Utf8JsonReader reader, IStreamSink sink)
        {
            string? symbol = null;
            long id = 0;
            decimal price = 0, size = 0;
            long time = 0, eventTime = 0;
            bool? buyerMaker = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueSpan;
                reader.Read();
                if (name.Length != 1)
                {
                    reader.Skip();
                    continue;
                }

                switch (name[0])
                {
                    case (byte)'s':
                        symbol = JsonRead.String(ref reader, "binance aggTrade s");
                        break;
                    case (byte)'a' or (byte)'t':
                        id = JsonRead.Int64(ref reader, "binance aggTrade a");
                        break;
                    case (byte)'p':
                        price = JsonRead.Decimal(ref reader, "binance aggTrade p");
                        break;
                    case (byte)'q':
                        size = JsonRead.Decimal(ref reader, "binance aggTrade q");
                        break;
                    case (byte)'T':
                        time = JsonRead.Int64(ref reader, "binance aggTrade T");
                        break;
                    case (byte)'E':
                        eventTime = JsonRead.Int64(ref reader, "binance aggTrade E");
                        break;
                    case (byte)'m':
                        buyerMaker = reader.TokenType == JsonTokenType.True;
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            if (symbol is null || time == 0)
            {
                throw new FormatException("binance aggTrade: no s or T");
            }

            if (sink.TryResolve(symbol, out var instrument))
            {
                // m: the buyer is the maker, so the taker sold.
                var side = buyerMaker switch { true => TradeSide.Sell, false => TradeSide.Buy, null => TradeSide.Unknown };
                var trade = new Trade(id.ToString(CultureInfo.InvariantCulture), time, price, size, side);
                sink.Publish(new TradeEvent(instrument, trade, sink.Provenance(eventTime == 0 ? time : eventTime, id)));
            }
        }

        private static void BookTicker(ref Utf8JsonReader reader, IStreamSink sink)
        {
            string? symbol = null;
            decimal? bid = null, bidSize = null, ask = null, askSize = null;
            long? updateId = null, eventTime = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueSpan;
                reader.Read();
                if (name.Length != 1)
                {
                    reader.Skip();
                    continue;
                }

                switch (name[0])
                {
                    case (byte)'s':
                        symbol = JsonRead.String(ref reader, "binance bookTicker s");
                        break;
                    case (byte)'u':
                        updateId = JsonRead.Int64(ref reader, "binance bookTicker u");
                        break;
                    case (byte)'b':
                        bid = JsonRead.Decimal(ref reader, "binance bookTicker b");
                        break;
                    case (byte)'B':
                        bidSize = JsonRead.Decimal(ref reader, "binance bookTicker B");
                        break;
                    case (byte)'a':
                        ask = JsonRead.Decimal(ref reader, "binance bookTicker a");
                        break;
                    case (byte)'A':
                        askSize = JsonRead.Decimal(ref reader, "binance bookTicker A");
                        break;
                    case (byte)'E':
                        eventTime = JsonRead.Int64(ref reader, "binance bookTicker E");
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            if (symbol is not null && sink.TryResolve(symbol, out var instrument))
            {
                sink.Publish(new TickerEvent(instrument, bid, bidSize, ask, askSize, null, null, sink.Provenance(eventTime, updateId)));
            }
        }

        private static void Kline(ref Utf8JsonReader reader, IStreamSink sink)
        {
            string? symbol = null;
            long? eventTime = null;
            Candle? candle = null;
            var closed = false;
            Timeframe? timeframe = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("s"u8))
                {
                    symbol = JsonRead.NextString(ref reader, "binance kline s");
                }
                else if (reader.ValueTextEquals("E"u8))
                {
                    eventTime = JsonRead.NextInt64(ref reader, "binance kline E");
                }
                else if (reader.ValueTextEquals("k"u8))
                {
                    JsonRead.NextIs(ref reader, JsonTokenType.StartObject, "binance kline k");
                    (candle, closed, timeframe) = KlineBody(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (symbol is not null && candle is not null && timeframe is { } frame && sink.TryResolve(symbol, out var instrument))
            {
                sink.Publish(new CandleEvent(instrument, frame, candle, closed, sink.Provenance(eventTime, null)));
            }
        }

        private static (Candle Candle, bool Closed, Timeframe? Timeframe) KlineBody(ref Utf8JsonReader reader)
        {
            long open = 0, trades = 0;
            decimal o = 0, h = 0, l = 0, c = 0, v = 0, q = 0;
            var closed = false;
            Timeframe? timeframe = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueSpan;
                reader.Read();
                if (name.Length != 1)
                {
                    reader.Skip();
                    continue;
                }

                switch (name[0])
                {
                    case (byte)'t':
                        open = JsonRead.Int64(ref reader, "binance kline t");
                        break;
                    case (byte)'i':
                        timeframe = Timeframe.TryParse(reader.GetString(), out var parsed) ? parsed : null;
                        break;
                    case (byte)'o':
                        o = JsonRead.Decimal(ref reader, "binance kline o");
                        break;
                    case (byte)'h':
                        h = JsonRead.Decimal(ref reader, "binance kline h");
                        break;
                    case (byte)'l':
                        l = JsonRead.Decimal(ref reader, "binance kline l");
                        break;
                    case (byte)'c':
                        c = JsonRead.Decimal(ref reader, "binance kline c");
                        break;
                    case (byte)'v':
                        v = JsonRead.Decimal(ref reader, "binance kline v");
                        break;
                    case (byte)'q':
                        q = JsonRead.Decimal(ref reader, "binance kline q");
                        break;
                    case (byte)'n':
                        trades = JsonRead.Int64(ref reader, "binance kline n");
                        break;
                    case (byte)'x':
                        closed = reader.TokenType == JsonTokenType.True;
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            return (new Candle(open, o, h, l, c, v, q, trades), closed, timeframe);
        }
    }
}

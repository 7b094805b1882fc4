using System.Text.Json;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Streaming;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Bybit;

/// <summary>
/// Reads Bybit v5 public frames of one connection: <c>{"topic":"T","type":"snapshot"|"delta","ts":MS,"data":...}</c>.
/// Control frames (subscribe acks, pongs: no <c>topic</c>) and unknown topics (<c>allLiquidation</c>) produce
/// nothing. Keys may come in any order (spot sends <c>type</c> after <c>ts</c>, kline after <c>data</c>): the frame's
/// events are published once the whole frame is read.
/// </summary>
/// <remarks>
/// Ticker deltas carry only the fields that changed, so the parser keeps each symbol's last values and every
/// ticker frame publishes a full <see cref="TickerEvent"/>; a linear frame that carries <c>fundingRate</c>,
/// <c>nextFundingTime</c>, <c>markPrice</c> or <c>openInterest</c> also publishes a <see cref="FundingUpdateEvent"/>.
/// </remarks>
internal sealed class BybitStreamParser(string venue) : IStreamParser
{
    private readonly Dictionary<string, TickerValues> _tickers = new(StringComparer.Ordinal);
    private readonly TickerValues _changes = new();
    private readonly List<(Trade Trade, long? Sequence)> _trades = [];
    private readonly List<(Candle Candle, bool Closed, long? TimeMs)> _candles = [];

    /// <summary>The venue name the parser's events are for (<c>bybit</c>, <c>bybit-linear</c>).</summary>
    public string Venue { get; } = venue;

    private enum Kind
    {
        None,
        Unknown,
        Book,
        Trades,
        Ticker,
        Candles,
    }

    public void Parse(ReadOnlySpan<byte> frame, IStreamSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var reader = JsonRead.Reader(frame);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new FormatException($"bybit frame: expected an object, found {JsonRead.Found(ref reader)}");
        }

        var kind = Kind.None;
        string? symbol = null;
        Timeframe? timeframe = null;
        bool? snapshot = null;
        long? ts = null;
        var dataStart = -1;
        var dataEnd = -1;
        var read = false;
        BookMessage? book = null;
        try
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("topic"u8))
                {
                    var topic = JsonRead.NextString(ref reader, "bybit topic");
                    kind = ParseTopic(topic, out symbol, out timeframe);
                }
                else if (reader.ValueTextEquals("type"u8))
                {
                    JsonRead.Next(ref reader);
                    snapshot = reader.ValueTextEquals("snapshot"u8);
                }
                else if (reader.ValueTextEquals("ts"u8))
                {
                    ts = JsonRead.NextInt64(ref reader, "bybit ts");
                }
                else if (reader.ValueTextEquals("data"u8) && kind == Kind.None)
                {
                    // The topic comes later: remember where the data is and read it once the topic is known.
                    JsonRead.Next(ref reader);
                    dataStart = (int)reader.TokenStartIndex;
                    reader.Skip();
                    dataEnd = (int)reader.BytesConsumed;
                }
                else if (reader.ValueTextEquals("data"u8) && kind != Kind.Unknown)
                {
                    book = ReadData(ref reader, kind, sink);
                    read = true;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (!read && dataStart >= 0 && kind is not (Kind.None or Kind.Unknown))
            {
                var data = JsonRead.Reader(frame[dataStart..dataEnd]);
                book = ReadData(ref data, kind, sink);
                read = true;
            }
        }
        catch (JsonException e)
        {
            throw new FormatException($"bybit frame: not JSON ({e.Message})", e);
        }

        if (!read || symbol is null)
        {
            return;
        }

        switch (kind)
        {
            case Kind.Book:
                PublishBook(book!, symbol, snapshot == true, ts, sink);
                break;
            case Kind.Trades:
                PublishTrades(symbol, sink);
                break;
            case Kind.Ticker:
                PublishTicker(symbol, snapshot ?? true, ts, sink);
                break;
            case Kind.Candles:
                PublishCandles(symbol, timeframe!.Value, ts, sink);
                break;
        }
    }

    private static Kind ParseTopic(string topic, out string? symbol, out Timeframe? timeframe)
    {
        timeframe = null;
        var dot = topic.LastIndexOf('.');
        symbol = dot > 0 && dot < topic.Length - 1 ? topic[(dot + 1)..] : null;
        if (symbol is null)
        {
            return Kind.Unknown;
        }

        if (topic.StartsWith("orderbook.", StringComparison.Ordinal))
        {
            return Kind.Book;
        }

        if (topic.StartsWith("publicTrade.", StringComparison.Ordinal))
        {
            return Kind.Trades;
        }

        if (topic.StartsWith("tickers.", StringComparison.Ordinal))
        {
            return Kind.Ticker;
        }

        if (topic.StartsWith("kline.", StringComparison.Ordinal))
        {
            timeframe = Interval(topic.AsSpan(6, Math.Max(dot - 6, 0)));
            return timeframe is null ? Kind.Unknown : Kind.Candles;
        }

        return Kind.Unknown;
    }

    // Bybit's kline intervals: minutes (1 3 5 15 30 60 120 240 360 720), D, W; M (month) has no timeframe here.
    private static Timeframe? Interval(ReadOnlySpan<char> interval)
    {
        if (interval is "D")
        {
            return Timeframe.D1;
        }

        if (interval is "W")
        {
            return Timeframe.All[^1];
        }

        if (int.TryParse(interval, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var minutes))
        {
            foreach (var timeframe in Timeframe.All)
            {
                if (timeframe.Minutes == minutes)
                {
                    return timeframe;
                }
            }
        }

        return null;
    }

    private BookMessage? ReadData(ref Utf8JsonReader reader, Kind kind, IStreamSink sink)
    {
        switch (kind)
        {
            case Kind.Book:
                var book = sink.Book;
                book.Clear();
                ReadBook(ref reader, book);
                return book;
            case Kind.Trades:
                ReadTrades(ref reader);
                return null;
            case Kind.Ticker:
                ReadTicker(ref reader);
                return null;
            default:
                ReadCandles(ref reader);
                return null;
        }
    }

    private static void ReadBook(ref Utf8JsonReader reader, BookMessage book)
    {
        JsonRead.Next(ref reader);
        JsonRead.Expect(ref reader, JsonTokenType.StartObject, "bybit book data");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("b"u8))
            {
                BookLevels.Read(ref reader, book.Bids, "bybit book bids");
            }
            else if (reader.ValueTextEquals("a"u8))
            {
                BookLevels.Read(ref reader, book.Asks, "bybit book asks");
            }
            else if (reader.ValueTextEquals("u"u8))
            {
                book.Sequence = JsonRead.NextInt64(ref reader, "bybit book u");
            }
            else if (reader.ValueTextEquals("s"u8))
            {
                book.Symbol = JsonRead.NextString(ref reader, "bybit book s");
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private void ReadTrades(ref Utf8JsonReader reader) => BybitTradeList.V5.Read(ref reader, _trades);

    private void ReadTicker(ref Utf8JsonReader reader)
    {
        _changes.Clear();
        JsonRead.Next(ref reader);
        JsonRead.Expect(ref reader, JsonTokenType.StartObject, "bybit ticker data");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("bid1Price"u8))
            {
                _changes.BidPrice = OptionalDecimal(ref reader, "bybit ticker bid1Price");
            }
            else if (reader.ValueTextEquals("bid1Size"u8))
            {
                _changes.BidSize = OptionalDecimal(ref reader, "bybit ticker bid1Size");
            }
            else if (reader.ValueTextEquals("ask1Price"u8))
            {
                _changes.AskPrice = OptionalDecimal(ref reader, "bybit ticker ask1Price");
            }
            else if (reader.ValueTextEquals("ask1Size"u8))
            {
                _changes.AskSize = OptionalDecimal(ref reader, "bybit ticker ask1Size");
            }
            else if (reader.ValueTextEquals("lastPrice"u8))
            {
                _changes.LastPrice = OptionalDecimal(ref reader, "bybit ticker lastPrice");
            }
            else if (reader.ValueTextEquals("volume24h"u8))
            {
                _changes.Volume24h = OptionalDecimal(ref reader, "bybit ticker volume24h");
            }
            else if (reader.ValueTextEquals("fundingRate"u8))
            {
                _changes.FundingRate = OptionalDecimal(ref reader, "bybit ticker fundingRate");
            }
            else if (reader.ValueTextEquals("markPrice"u8))
            {
                _changes.MarkPrice = OptionalDecimal(ref reader, "bybit ticker markPrice");
            }
            else if (reader.ValueTextEquals("openInterest"u8))
            {
                _changes.OpenInterest = OptionalDecimal(ref reader, "bybit ticker openInterest");
            }
            else if (reader.ValueTextEquals("nextFundingTime"u8))
            {
                JsonRead.Next(ref reader);
                _changes.NextFundingTimeMs = reader.TokenType == JsonTokenType.String && reader.ValueSpan.IsEmpty
                    ? null
                    : JsonRead.Int64(ref reader, "bybit ticker nextFundingTime");
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    // Bybit writes "" for a value it does not have (a spot pair's funding, a new listing's prices): no value, no change.
    private static decimal? OptionalDecimal(ref Utf8JsonReader reader, string what)
    {
        JsonRead.Next(ref reader);
        if (reader.TokenType == JsonTokenType.Null || (reader.TokenType == JsonTokenType.String && reader.ValueSpan.IsEmpty))
        {
            return null;
        }

        return JsonRead.Decimal(ref reader, what);
    }

    private void ReadCandles(ref Utf8JsonReader reader)
    {
        _candles.Clear();
        JsonRead.Next(ref reader);
        JsonRead.Expect(ref reader, JsonTokenType.StartArray, "bybit kline data");
        var index = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            long? start = null;
            long? time = null;
            decimal? open = null, high = null, low = null, close = null, volume = null, turnover = null;
            var closed = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("start"u8))
                {
                    start = JsonRead.NextInt64(ref reader, new Field("bybit kline", index, "start"));
                }
                else if (reader.ValueTextEquals("open"u8))
                {
                    open = JsonRead.NextDecimal(ref reader, new Field("bybit kline", index, "open"));
                }
                else if (reader.ValueTextEquals("high"u8))
                {
                    high = JsonRead.NextDecimal(ref reader, new Field("bybit kline", index, "high"));
                }
                else if (reader.ValueTextEquals("low"u8))
                {
                    low = JsonRead.NextDecimal(ref reader, new Field("bybit kline", index, "low"));
                }
                else if (reader.ValueTextEquals("close"u8))
                {
                    close = JsonRead.NextDecimal(ref reader, new Field("bybit kline", index, "close"));
                }
                else if (reader.ValueTextEquals("volume"u8))
                {
                    volume = JsonRead.NextDecimal(ref reader, new Field("bybit kline", index, "volume"));
                }
                else if (reader.ValueTextEquals("turnover"u8))
                {
                    turnover = JsonRead.NextDecimal(ref reader, new Field("bybit kline", index, "turnover"));
                }
                else if (reader.ValueTextEquals("confirm"u8))
                {
                    JsonRead.Next(ref reader);
                    closed = reader.TokenType == JsonTokenType.True;
                }
                else if (reader.ValueTextEquals("timestamp"u8))
                {
                    time = JsonRead.NextInt64(ref reader, new Field("bybit kline", index, "timestamp"));
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (start is null || open is null || high is null || low is null || close is null || volume is null)
            {
                throw new FormatException($"bybit kline {index}: missing start, open, high, low, close or volume");
            }

            _candles.Add((new Candle(start.Value, open.Value, high.Value, low.Value, close.Value, volume.Value, turnover), closed, time));
            index++;
        }

        JsonRead.Expect(ref reader, JsonTokenType.EndArray, "bybit kline data");
    }

    private static void PublishBook(BookMessage book, string symbol, bool snapshot, long? ts, IStreamSink sink)
    {
        if (book.Symbol.Length == 0)
        {
            book.Symbol = symbol;
        }

        if (!sink.TryResolve(book.Symbol, out var instrument))
        {
            return;
        }

        book.IsSnapshot = snapshot;
        book.TimeMs = ts;
        sink.ApplyBook(instrument);
    }

    private void PublishTrades(string symbol, IStreamSink sink)
    {
        if (_trades.Count == 0 || !sink.TryResolve(symbol, out var instrument))
        {
            return;
        }

        foreach (var (trade, sequence) in _trades)
        {
            sink.Publish(new TradeEvent(instrument, trade, sink.Provenance(trade.TimeMs, sequence)));
        }
    }

    private void PublishTicker(string symbol, bool snapshot, long? ts, IStreamSink sink)
    {
        if (!sink.TryResolve(symbol, out var instrument))
        {
            return;
        }

        if (!_tickers.TryGetValue(symbol, out var values))
        {
            values = new TickerValues();
            _tickers.Add(symbol, values);
        }

        values.Merge(_changes, snapshot);
        var provenance = sink.Provenance(ts, null);
        sink.Publish(new TickerEvent(instrument, values.BidPrice, values.BidSize, values.AskPrice, values.AskSize, values.LastPrice, values.Volume24h, provenance));
        if (_changes.HasFunding)
        {
            sink.Publish(new FundingUpdateEvent(instrument, values.FundingRate, values.NextFundingTimeMs, values.MarkPrice, values.OpenInterest, provenance));
        }
    }

    private void PublishCandles(string symbol, Timeframe timeframe, long? ts, IStreamSink sink)
    {
        if (_candles.Count == 0 || !sink.TryResolve(symbol, out var instrument))
        {
            return;
        }

        foreach (var (candle, closed, time) in _candles)
        {
            sink.Publish(new CandleEvent(instrument, timeframe, candle, closed, sink.Provenance(time ?? ts, null)));
        }
    }

    /// <summary>One symbol's last ticker values (or one frame's changes).</summary>
    private sealed class TickerValues
    {
        public decimal? BidPrice { get; set; }

        public decimal? BidSize { get; set; }

        public decimal? AskPrice { get; set; }

        public decimal? AskSize { get; set; }

        public decimal? LastPrice { get; set; }

        public decimal? Volume24h { get; set; }

        public decimal? FundingRate { get; set; }

        public long? NextFundingTimeMs { get; set; }

        public decimal? MarkPrice { get; set; }

        public decimal? OpenInterest { get; set; }

        public bool HasFunding => FundingRate is not null || NextFundingTimeMs is not null || MarkPrice is not null || OpenInterest is not null;

        public void Clear()
        {
            BidPrice = BidSize = AskPrice = AskSize = LastPrice = Volume24h = FundingRate = MarkPrice = OpenInterest = null;
            NextFundingTimeMs = null;
        }

        // A snapshot replaces every value; a delta changes only the values it carries.
        public void Merge(TickerValues changes, bool snapshot)
        {
            if (snapshot)
            {
                Clear();
            }

            BidPrice = changes.BidPrice ?? BidPrice;
            BidSize = changes.BidSize ?? BidSize;
            AskPrice = changes.AskPrice ?? AskPrice;
            AskSize = changes.AskSize ?? AskSize;
            LastPrice = changes.LastPrice ?? LastPrice;
            Volume24h = changes.Volume24h ?? Volume24h;
            FundingRate = changes.FundingRate ?? FundingRate;
            NextFundingTimeMs = changes.NextFundingTimeMs ?? NextFundingTimeMs;
            MarkPrice = changes.MarkPrice ?? MarkPrice;
            OpenInterest = changes.OpenInterest ?? OpenInterest;
        }
    }
}

using System.Text.Json;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Streaming;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Kraken;

/// <summary>
/// Reads Kraken Futures v1 public frames: flat objects keyed by <c>feed</c> and <c>product_id</c>.
/// <c>book_snapshot</c> (<c>bids</c>/<c>asks</c> of <c>{"price","qty"}</c>, <c>seq</c>, <c>timestamp</c>) and
/// <c>book</c> (<c>side</c> buy/sell, <c>price</c>, <c>qty</c>, <c>seq</c>, <c>timestamp</c>) go to the book;
/// <c>trade_snapshot</c> (<c>trades</c>) and <c>trade</c> give trades (<c>uid</c>, <c>side</c> of the taker,
/// <c>time</c> ms, <c>qty</c>, <c>price</c>, <c>seq</c>); <c>ticker_lite</c> and <c>ticker</c> give tickers, and
/// <c>ticker</c> a funding update too. Event frames (<c>info</c>, <c>subscribed</c>, <c>alert</c>) and heartbeats
/// produce nothing. Keys may come in any order: events are published once the frame is read.
/// </summary>
internal sealed class KrakenFuturesStreamParser : IStreamParser
{
    private readonly List<(Trade Trade, long? Sequence)> _trades = [];

    private enum Feed
    {
        None,
        Unknown,
        Book,
        BookSnapshot,
        Trade,
        TradeSnapshot,
        TickerLite,
        Ticker,
    }

    public void Parse(ReadOnlySpan<byte> frame, IStreamSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var reader = JsonRead.Reader(frame);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new FormatException($"kraken-futures frame: expected an object, found {JsonRead.Found(ref reader)}");
        }

        var feed = Feed.None;
        var isEvent = false;
        string? product = null;
        BookMessage? book = null;
        var f = default(Fields);
        _trades.Clear();
        try
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("feed"u8))
                {
                    JsonRead.Next(ref reader);
                    feed = reader.ValueTextEquals("book"u8) ? Feed.Book
                        : reader.ValueTextEquals("book_snapshot"u8) ? Feed.BookSnapshot
                        : reader.ValueTextEquals("trade"u8) ? Feed.Trade
                        : reader.ValueTextEquals("trade_snapshot"u8) ? Feed.TradeSnapshot
                        : reader.ValueTextEquals("ticker_lite"u8) ? Feed.TickerLite
                        : reader.ValueTextEquals("ticker"u8) ? Feed.Ticker
                        : Feed.Unknown;
                }
                else if (reader.ValueTextEquals("event"u8))
                {
                    isEvent = true;
                    reader.Read();
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("product_id"u8))
                {
                    product = JsonRead.NextString(ref reader, "kraken-futures product_id");
                }
                else if (reader.ValueTextEquals("bids"u8) && !isEvent)
                {
                    book ??= Cleared(sink);
                    ReadLevels(ref reader, book.Bids, "kraken-futures book_snapshot bids");
                }
                else if (reader.ValueTextEquals("asks"u8) && !isEvent)
                {
                    book ??= Cleared(sink);
                    ReadLevels(ref reader, book.Asks, "kraken-futures book_snapshot asks");
                }
                else if (reader.ValueTextEquals("trades"u8) && !isEvent)
                {
                    ReadTrades(ref reader);
                }
                else if (!ReadField(ref reader, ref f, "kraken-futures"))
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException e)
        {
            throw new FormatException($"kraken-futures frame: not JSON ({e.Message})", e);
        }

        if (isEvent || product is null || feed is Feed.None or Feed.Unknown || !sink.TryResolve(product, out var instrument))
        {
            return;
        }

        switch (feed)
        {
            case Feed.BookSnapshot:
                book ??= Cleared(sink);
                book.Symbol = product;
                book.IsSnapshot = true;
                book.Sequence = f.Seq;
                book.TimeMs = f.Timestamp;
                sink.ApplyBook(instrument);
                break;
            case Feed.Book:
                book ??= Cleared(sink);
                book.Symbol = product;
                var isBid = f.Side switch
                {
                    Side.Buy => true,
                    Side.Sell => false,
                    _ => throw new FormatException($"kraken-futures book {product}: side must be buy or sell"),
                };
                if (f.PriceText is null || f.QtyText is null)
                {
                    throw new FormatException($"kraken-futures book {product}: missing {(f.PriceText is null ? "price" : "qty")}");
                }

                (isBid ? book.Bids : book.Asks).Add(new LevelChange(f.Price!.Value, f.Qty!.Value, f.PriceText, f.QtyText));
                book.Sequence = f.Seq;
                book.TimeMs = f.Timestamp;
                sink.ApplyBook(instrument);
                break;
            case Feed.Trade:
                _trades.Add((TradeOf(ref f, 0), f.Seq));
                PublishTrades(instrument, sink);
                break;
            case Feed.TradeSnapshot:
                PublishTrades(instrument, sink);
                break;
            case Feed.TickerLite:
            case Feed.Ticker:
                var provenance = sink.Provenance(f.Time, null);
                sink.Publish(new TickerEvent(instrument, f.Bid, f.BidSize, f.Ask, f.AskSize, f.Last, f.Volume, provenance));
                if (feed == Feed.Ticker)
                {
                    sink.Publish(new FundingUpdateEvent(instrument, f.RelativeFundingRate, f.NextFundingTime, f.MarkPrice, f.OpenInterest, provenance));
                }

                break;
        }
    }

    private static BookMessage Cleared(IStreamSink sink)
    {
        var book = sink.Book;
        book.Clear();
        return book;
    }

    private void PublishTrades(Instrument instrument, IStreamSink sink)
    {
        foreach (var (trade, sequence) in _trades)
        {
            sink.Publish(new TradeEvent(instrument, trade, sink.Provenance(trade.TimeMs, sequence)));
        }
    }

    private static void ReadLevels(ref Utf8JsonReader reader, List<LevelChange> into, string what)
    {
        JsonRead.Next(ref reader);
        JsonRead.Expect(ref reader, JsonTokenType.StartArray, what);
        var index = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            (decimal Value, string Text)? price = null;
            (decimal Value, string Text)? qty = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("price"u8))
                {
                    JsonRead.Next(ref reader);
                    price = BookLevels.Value(ref reader, new Field(what, index, "price"));
                }
                else if (reader.ValueTextEquals("qty"u8))
                {
                    JsonRead.Next(ref reader);
                    qty = BookLevels.Value(ref reader, new Field(what, index, "qty"));
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (price is null || qty is null)
            {
                throw new FormatException($"{what} {index}: missing {(price is null ? "price" : "qty")}");
            }

            into.Add(new LevelChange(price.Value.Value, qty.Value.Value, price.Value.Text, qty.Value.Text));
            index++;
        }

        JsonRead.Expect(ref reader, JsonTokenType.EndArray, what);
    }

    private void ReadTrades(ref Utf8JsonReader reader)
    {
        JsonRead.Next(ref reader);
        JsonRead.Expect(ref reader, JsonTokenType.StartArray, "kraken-futures trade_snapshot trades");
        var index = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            var f = default(Fields);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!ReadField(ref reader, ref f, "kraken-futures trade_snapshot trade"))
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            _trades.Add((TradeOf(ref f, index), f.Seq));
            index++;
        }

        JsonRead.Expect(ref reader, JsonTokenType.EndArray, "kraken-futures trade_snapshot trades");
    }

    private static Trade TradeOf(ref Fields f, int index)
    {
        if (f.Uid is null || f.Time is null || f.Price is null || f.Qty is null)
        {
            throw new FormatException($"kraken-futures trade {index}: missing {(f.Uid is null ? "uid" : f.Time is null ? "time" : f.Price is null ? "price" : "qty")}");
        }

        var side = f.Side switch
        {
            Side.Buy => TradeSide.Buy,
            Side.Sell => TradeSide.Sell,
            _ => TradeSide.Unknown,
        };
        return new Trade(f.Uid, f.Time.Value, f.Price.Value, f.Qty.Value, side, f.RawSide);
    }

    // The scalar fields of book, trade and ticker messages; unknown ones return false and are skipped.
    private static bool ReadField(ref Utf8JsonReader reader, ref Fields f, string what)
    {
        if (reader.ValueTextEquals("price"u8))
        {
            JsonRead.Next(ref reader);
            (var value, f.PriceText) = BookLevels.Value(ref reader, new Field(what, -1, "price"));
            f.Price = value;
        }
        else if (reader.ValueTextEquals("qty"u8))
        {
            JsonRead.Next(ref reader);
            (var value, f.QtyText) = BookLevels.Value(ref reader, new Field(what, -1, "qty"));
            f.Qty = value;
        }
        else if (reader.ValueTextEquals("seq"u8))
        {
            f.Seq = JsonRead.NextInt64(ref reader, new Field(what, -1, "seq"));
        }
        else if (reader.ValueTextEquals("side"u8))
        {
            JsonRead.Next(ref reader);
            (f.Side, f.RawSide) = reader.ValueTextEquals("buy"u8) ? (Side.Buy, "buy")
                : reader.ValueTextEquals("sell"u8) ? (Side.Sell, "sell")
                : (Side.Other, JsonRead.String(ref reader, new Field(what, -1, "side")));
        }
        else if (reader.ValueTextEquals("timestamp"u8))
        {
            f.Timestamp = JsonRead.NextInt64(ref reader, new Field(what, -1, "timestamp"));
        }
        else if (reader.ValueTextEquals("time"u8))
        {
            f.Time = JsonRead.NextInt64(ref reader, new Field(what, -1, "time"));
        }
        else if (reader.ValueTextEquals("uid"u8))
        {
            f.Uid = JsonRead.NextString(ref reader, new Field(what, -1, "uid"));
        }
        else if (reader.ValueTextEquals("bid"u8))
        {
            f.Bid = Optional(ref reader, what, "bid");
        }
        else if (reader.ValueTextEquals("ask"u8))
        {
            f.Ask = Optional(ref reader, what, "ask");
        }
        else if (reader.ValueTextEquals("bid_size"u8))
        {
            f.BidSize = Optional(ref reader, what, "bid_size");
        }
        else if (reader.ValueTextEquals("ask_size"u8))
        {
            f.AskSize = Optional(ref reader, what, "ask_size");
        }
        else if (reader.ValueTextEquals("last"u8))
        {
            f.Last = Optional(ref reader, what, "last");
        }
        else if (reader.ValueTextEquals("volume"u8))
        {
            f.Volume = Optional(ref reader, what, "volume");
        }
        else if (reader.ValueTextEquals("markPrice"u8))
        {
            f.MarkPrice = Optional(ref reader, what, "markPrice");
        }
        else if (reader.ValueTextEquals("openInterest"u8))
        {
            f.OpenInterest = Optional(ref reader, what, "openInterest");
        }
        else if (reader.ValueTextEquals("relative_funding_rate"u8))
        {
            f.RelativeFundingRate = Optional(ref reader, what, "relative_funding_rate");
        }
        else if (reader.ValueTextEquals("next_funding_rate_time"u8))
        {
            JsonRead.Next(ref reader);
            f.NextFundingTime = reader.TokenType == JsonTokenType.Null ? null : JsonRead.Int64(ref reader, new Field(what, -1, "next_funding_rate_time"));
        }
        else
        {
            return false;
        }

        return true;
    }

    private static decimal? Optional(ref Utf8JsonReader reader, string what, string name)
    {
        JsonRead.Next(ref reader);
        return reader.TokenType == JsonTokenType.Null ? null : JsonRead.Decimal(ref reader, new Field(what, -1, name));
    }

    private enum Side
    {
        None,
        Buy,
        Sell,
        Other,
    }

    private struct Fields
    {
        public decimal? Price;
        public string? PriceText;
        public decimal? Qty;
        public string? QtyText;
        public long? Seq;
        public Side Side;
        public string? RawSide;
        public long? Timestamp;
        public long? Time;
        public string? Uid;
        public decimal? Bid;
        public decimal? Ask;
        public decimal? BidSize;
        public decimal? AskSize;
        public decimal? Last;
        public decimal? Volume;
        public decimal? MarkPrice;
        public decimal? OpenInterest;
        public decimal? RelativeFundingRate;
        public long? NextFundingTime;
    }
}

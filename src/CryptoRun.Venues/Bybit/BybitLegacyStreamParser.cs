using System.Text.Json;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Streaming;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Bybit;

/// <summary>
/// Reads Bybit v2 public frames: <c>{"topic":"trade.S","data":[{"symbol","side","size","price","trade_time_ms","trade_id"(,"cross_seq")}]}</c>
/// and <c>{"topic":"orderBookL2_25.S","type":"snapshot"|"delta","data":...,"cross_seq":N,"timestamp_e6":US}</c>, where a
/// snapshot's data is the level list (inverse) or <c>{"order_book":[...]}</c> (USDT) and a delta's is
/// <c>{"delete":[...],"update":[...],"insert":[...]}</c>; each level <c>{"price","symbol","id","side":"Buy"|"Sell","size"}</c>
/// (no size in deletes). Numbers come as strings or JSON numbers. Acks and pongs produce nothing.
/// </summary>
internal sealed class BybitLegacyStreamParser : IStreamParser
{
    private readonly List<(Trade Trade, long? Sequence)> _trades = [];

    private enum Kind
    {
        None,
        Unknown,
        Book,
        Trades,
    }

    public void Parse(ReadOnlySpan<byte> frame, IStreamSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var reader = JsonRead.Reader(frame);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new FormatException($"bybit-v2 frame: expected an object, found {JsonRead.Found(ref reader)}");
        }

        var kind = Kind.None;
        string? symbol = null;
        bool? snapshot = null;
        long? crossSeq = null;
        long? timeE6 = null;
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
                    var topic = JsonRead.NextString(ref reader, "bybit-v2 topic");
                    var dot = topic.IndexOf('.', StringComparison.Ordinal);
                    symbol = dot > 0 && dot < topic.Length - 1 ? topic[(dot + 1)..] : null;
                    kind = symbol is null ? Kind.Unknown
                        : topic.StartsWith("orderBookL2_", StringComparison.Ordinal) ? Kind.Book
                        : topic.StartsWith("trade.", StringComparison.Ordinal) ? Kind.Trades
                        : Kind.Unknown;
                }
                else if (reader.ValueTextEquals("type"u8))
                {
                    JsonRead.Next(ref reader);
                    snapshot = reader.ValueTextEquals("snapshot"u8);
                }
                else if (reader.ValueTextEquals("cross_seq"u8))
                {
                    crossSeq = JsonRead.NextInt64(ref reader, "bybit-v2 cross_seq");
                }
                else if (reader.ValueTextEquals("timestamp_e6"u8))
                {
                    timeE6 = JsonRead.NextInt64(ref reader, "bybit-v2 timestamp_e6");
                }
                else if (reader.ValueTextEquals("data"u8) && kind == Kind.None)
                {
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

            if (!read && dataStart >= 0 && kind is Kind.Book or Kind.Trades)
            {
                var data = JsonRead.Reader(frame[dataStart..dataEnd]);
                book = ReadData(ref data, kind, sink);
                read = true;
            }
        }
        catch (JsonException e)
        {
            throw new FormatException($"bybit-v2 frame: not JSON ({e.Message})", e);
        }

        if (!read || symbol is null || !sink.TryResolve(symbol, out var instrument))
        {
            return;
        }

        if (kind == Kind.Book)
        {
            book!.Symbol = symbol;
            book.IsSnapshot = snapshot == true;
            book.Sequence = crossSeq;
            book.TimeMs = timeE6 / 1000;
            sink.ApplyBook(instrument);
            return;
        }

        foreach (var (trade, sequence) in _trades)
        {
            sink.Publish(new TradeEvent(instrument, trade, sink.Provenance(trade.TimeMs, sequence)));
        }
    }

    private BookMessage? ReadData(ref Utf8JsonReader reader, Kind kind, IStreamSink sink)
    {
        if (kind == Kind.Trades)
        {
            ReadTrades(ref reader);
            return null;
        }

        var book = sink.Book;
        book.Clear();
        JsonRead.Next(ref reader);
        if (reader.TokenType == JsonTokenType.StartArray)
        {
            ReadLevels(ref reader, book, "bybit-v2 book snapshot", delete: false);
            return book;
        }

        JsonRead.Expect(ref reader, JsonTokenType.StartObject, "bybit-v2 book data");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("order_book"u8))
            {
                JsonRead.Next(ref reader);
                ReadLevels(ref reader, book, "bybit-v2 book order_book", delete: false);
            }
            else if (reader.ValueTextEquals("delete"u8))
            {
                JsonRead.Next(ref reader);
                ReadLevels(ref reader, book, "bybit-v2 book delete", delete: true);
            }
            else if (reader.ValueTextEquals("update"u8))
            {
                JsonRead.Next(ref reader);
                ReadLevels(ref reader, book, "bybit-v2 book update", delete: false);
            }
            else if (reader.ValueTextEquals("insert"u8))
            {
                JsonRead.Next(ref reader);
                ReadLevels(ref reader, book, "bybit-v2 book insert", delete: false);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return book;
    }

    // Reader on the list's start; each entry goes to its side, a delete as size 0.
    private static void ReadLevels(ref Utf8JsonReader reader, BookMessage book, string what, bool delete)
    {
        JsonRead.Expect(ref reader, JsonTokenType.StartArray, what);
        var index = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            (decimal Value, string Text)? price = null;
            (decimal Value, string Text)? size = null;
            bool? bid = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("price"u8))
                {
                    JsonRead.Next(ref reader);
                    price = BookLevels.Value(ref reader, new Field(what, index, "price"));
                }
                else if (reader.ValueTextEquals("size"u8))
                {
                    JsonRead.Next(ref reader);
                    size = BookLevels.Value(ref reader, new Field(what, index, "size"));
                }
                else if (reader.ValueTextEquals("side"u8))
                {
                    JsonRead.Next(ref reader);
                    bid = reader.ValueTextEquals("Buy"u8) ? true : reader.ValueTextEquals("Sell"u8) ? false : null;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (price is null || bid is null || (size is null && !delete))
            {
                throw new FormatException($"{what} {index}: missing {(price is null ? "price" : bid is null ? "side (Buy or Sell)" : "size")}");
            }

            var change = delete
                ? new LevelChange(price.Value.Value, 0m, price.Value.Text, "0")
                : new LevelChange(price.Value.Value, size!.Value.Value, price.Value.Text, size.Value.Text);
            (bid.Value ? book.Bids : book.Asks).Add(change);
            index++;
        }

        JsonRead.Expect(ref reader, JsonTokenType.EndArray, what);
    }

    private void ReadTrades(ref Utf8JsonReader reader) => BybitTradeList.V2.Read(ref reader, _trades);
}

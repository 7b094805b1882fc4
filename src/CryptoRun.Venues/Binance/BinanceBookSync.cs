using System.Text.Json;
using CryptoRun.Books;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Binance;

/// <summary>
/// Binance's diff-depth stream (<c>SYMBOL@depth@100ms</c>, spot <c>wss://stream.binance.com:9443</c> and USD-M
/// <c>wss://fstream.binance.com</c>) kept in sync with a REST snapshot (<c>GET /api/v3/depth</c>,
/// <c>GET /fapi/v1/depth</c>, limit 1000) by Binance's documented procedure: buffer the stream, take a snapshot,
/// drop events older than its <c>lastUpdateId</c>, then apply events only while their update ids follow on.
/// </summary>
/// <remarks>
/// Spot: drop an event with <c>u</c> ≤ the book's id; an event applies when <c>U</c> ≤ id + 1 (and <c>u</c> ≥ id + 1);
/// otherwise updates were lost. USD-M: drop <c>u</c> &lt; id; the first event after the snapshot needs
/// <c>U</c> ≤ id ≤ <c>u</c>, and every later one <c>pu</c> = the previous event's <c>u</c>. Binance sends no checksum.
/// </remarks>
/// <param name="futures">True for USD-M's rules (<c>pu</c>), false for spot's.</param>
public sealed class BinanceBookSync(bool futures) : IBookSync
{
    /// <summary>True for USD-M futures' sequencing rules.</summary>
    public bool Futures { get; } = futures;

    /// <summary>
    /// Parses a stream frame (combined <c>{"stream":..,"data":{..}}</c> or raw) into <paramref name="message"/> when it
    /// is a <c>depthUpdate</c>; other frames give false.
    /// </summary>
    /// <param name="frame">The frame's UTF-8 text.</param>
    /// <param name="message">Cleared and filled: <see cref="BookMessage.Symbol"/> is Binance's (<c>BLZETH</c>), sequences U, u and pu, time E.</param>
    /// <returns>True for a depth update.</returns>
    /// <exception cref="FormatException">A depth update is malformed; the message says where.</exception>
    public static bool TryParseUpdate(ReadOnlySpan<byte> frame, BookMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.Clear();
        var reader = JsonRead.Reader(frame);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var isDepth = false;
        ReadEvent(ref reader, message, ref isDepth);
        return isDepth;
    }

    /// <summary>Parses a REST depth snapshot into <paramref name="message"/> (a snapshot with <c>lastUpdateId</c> as its sequence).</summary>
    /// <param name="body">The response body, UTF-8.</param>
    /// <param name="symbol">Binance's symbol the snapshot is of.</param>
    /// <param name="message">Cleared and filled.</param>
    /// <exception cref="FormatException">The body is not a depth snapshot; the message says where.</exception>
    public static void ParseSnapshot(ReadOnlySpan<byte> body, string symbol, BookMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.Clear();
        message.Symbol = symbol;
        message.IsSnapshot = true;
        var reader = JsonRead.Reader(body);
        JsonRead.Next(ref reader);
        JsonRead.Expect(ref reader, JsonTokenType.StartObject, "binance depth snapshot");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("lastUpdateId"u8))
            {
                message.Sequence = JsonRead.NextInt64(ref reader, "binance depth lastUpdateId");
            }
            else if (reader.ValueTextEquals("bids"u8))
            {
                BookLevels.Read(ref reader, message.Bids, "binance depth bids");
            }
            else if (reader.ValueTextEquals("asks"u8))
            {
                BookLevels.Read(ref reader, message.Asks, "binance depth asks");
            }
            else if (reader.ValueTextEquals("E"u8))
            {
                message.TimeMs = JsonRead.NextInt64(ref reader, "binance depth E");
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (message.Sequence is null)
        {
            throw new FormatException("binance depth snapshot: no lastUpdateId");
        }
    }

    /// <inheritdoc />
    public BookApplyResult Apply(L2Book book, BookMessage message)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(message);
        if (message.IsSnapshot)
        {
            book.ApplySnapshot(message.Bids, message.Asks);
            book.Sequence = message.Sequence;
            book.TimeMs = message.TimeMs;
            return BookApplyResult.Applied;
        }

        if (!book.IsSynced || book.Sequence is not { } id)
        {
            return BookApplyResult.AwaitingSnapshot;
        }

        var first = message.FirstSequence ?? throw new FormatException("binance depthUpdate without U");
        var last = message.Sequence ?? throw new FormatException("binance depthUpdate without u");
        bool follows;
        if (Futures)
        {
            if (last < id)
            {
                return BookApplyResult.Stale;
            }

            // Binance's rule for the first event after the snapshot is U <= lastUpdateId <= u; an event whose pu is the
            // snapshot's lastUpdateId follows it just as surely (the event that ended at lastUpdateId may have been the
            // one that broke the chain, so it is not among the buffered ones).
            follows = message.PreviousSequence == id || (book.DeltasSinceSnapshot == 0 && first <= id);
        }
        else
        {
            if (last <= id)
            {
                return BookApplyResult.Stale;
            }

            follows = first <= id + 1;
        }

        if (!follows)
        {
            book.Reset();
            return BookApplyResult.Gap;
        }

        book.ApplyDelta(message.Bids, message.Asks);
        book.Sequence = last;
        book.TimeMs = message.TimeMs;
        return BookApplyResult.Applied;
    }

    private static void ReadEvent(ref Utf8JsonReader reader, BookMessage message, ref bool isDepth)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("data"u8))
            {
                JsonRead.Next(ref reader);
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadEvent(ref reader, message, ref isDepth);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("e"u8))
            {
                JsonRead.Next(ref reader);
                isDepth = reader.ValueTextEquals("depthUpdate"u8);
            }
            else if (reader.ValueTextEquals("s"u8))
            {
                message.Symbol = JsonRead.NextString(ref reader, "binance depthUpdate s");
            }
            else if (reader.ValueTextEquals("E"u8))
            {
                message.TimeMs = JsonRead.NextInt64(ref reader, "binance depthUpdate E");
            }
            else if (reader.ValueTextEquals("U"u8))
            {
                message.FirstSequence = JsonRead.NextInt64(ref reader, "binance depthUpdate U");
            }
            else if (reader.ValueTextEquals("u"u8))
            {
                message.Sequence = JsonRead.NextInt64(ref reader, "binance depthUpdate u");
            }
            else if (reader.ValueTextEquals("pu"u8))
            {
                message.PreviousSequence = JsonRead.NextInt64(ref reader, "binance depthUpdate pu");
            }
            else if (reader.ValueTextEquals("b"u8))
            {
                // bookTicker frames use "b" for a single price string: only a depth update's "b" is an array.
                JsonRead.Next(ref reader);
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    BookLevels.ReadCurrent(ref reader, message.Bids, "binance depthUpdate b");
                }
            }
            else if (reader.ValueTextEquals("a"u8))
            {
                // bookTicker frames use "a" for a single price string: only a depth update's "a" is an array.
                JsonRead.Next(ref reader);
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    BookLevels.ReadCurrent(ref reader, message.Asks, "binance depthUpdate a");
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }
}

using System.Text.Json;
using CryptoRun.Books;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Bitstamp;

/// <summary>
/// Bitstamp's <c>diff_order_book_{pair}</c> channel (<c>wss://ws.bitstamp.net</c>) kept in sync with a REST snapshot
/// (<c>GET /api/v2/order_book/{pair}</c>) by Bitstamp's documented procedure: subscribe, buffer the diffs, fetch the
/// snapshot, drop diffs whose <c>microtimestamp</c> is not after the snapshot's, apply the rest in order. Bitstamp
/// sends no sequence or checksum; its diffs are ordered by <c>microtimestamp</c> (Unix microseconds), which is the
/// book's <see cref="L2Book.Sequence"/>.
/// </summary>
public sealed class BitstampBookSync : IBookSync
{
    /// <inheritdoc />
    /// <remarks>A diff at or before the book's <c>microtimestamp</c> is <see cref="BookApplyResult.Stale"/> and leaves the book unchanged.</remarks>
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

        if (!book.IsSynced)
        {
            return BookApplyResult.AwaitingSnapshot;
        }

        if (message.Sequence is { } micro && book.Sequence is { } last && micro <= last)
        {
            return BookApplyResult.Stale;
        }

        book.ApplyDelta(message.Bids, message.Asks);
        book.Sequence = message.Sequence ?? book.Sequence;
        book.TimeMs = message.TimeMs ?? book.TimeMs;
        return BookApplyResult.Applied;
    }

    /// <summary>
    /// Parses a REST order book, <c>{"timestamp": "s", "microtimestamp": "µs", "bids": [["price", "amount"], ...], "asks": [...]}</c>,
    /// into <paramref name="message"/>: a snapshot whose sequence is <c>microtimestamp</c>.
    /// </summary>
    /// <param name="body">The response body, UTF-8.</param>
    /// <param name="pair">Bitstamp's pair (<c>btcusd</c>).</param>
    /// <param name="message">Cleared and filled.</param>
    /// <exception cref="FormatException">The body is not an order book; the message says where.</exception>
    public static void ParseSnapshot(ReadOnlySpan<byte> body, string pair, BookMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.Clear();
        message.Symbol = pair;
        message.IsSnapshot = true;
        var reader = JsonRead.Reader(body);
        JsonRead.Next(ref reader);
        JsonRead.Expect(ref reader, JsonTokenType.StartObject, "bitstamp order_book");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("microtimestamp"u8))
            {
                message.Sequence = JsonRead.NextInt64(ref reader, "bitstamp order_book microtimestamp");
                message.TimeMs = message.Sequence / 1000;
            }
            else if (reader.ValueTextEquals("bids"u8))
            {
                BookLevels.Read(ref reader, message.Bids, "bitstamp order_book bids");
            }
            else if (reader.ValueTextEquals("asks"u8))
            {
                BookLevels.Read(ref reader, message.Asks, "bitstamp order_book asks");
            }
            else
            {
                StreamJson.SkipValue(ref reader);
            }
        }

        if (message.Sequence is null)
        {
            throw new FormatException("bitstamp order_book: no microtimestamp");
        }
    }
}

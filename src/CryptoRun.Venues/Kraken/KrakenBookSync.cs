using System.Buffers;
using System.Text.Json;
using CryptoRun.Books;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Kraken;

/// <summary>
/// Kraken's WebSocket v1 <c>book</c> channel (<c>wss://ws.kraken.com</c>): frames
/// <c>[channelID, {"as": [...], "bs": [...]}, "book-DEPTH", "PAIR"]</c> for the snapshot, and
/// <c>[channelID, {"a": [...]}, {"b": [...], "c": "CRC"}, "book-DEPTH", "PAIR"]</c> (one or two objects) for updates;
/// each level <c>[price, volume, timestamp(, "r")]</c>. The book keeps the subscribed depth (levels beyond it are
/// dropped after every update, as Kraken does), and every update's CRC32 checksum is checked.
/// </summary>
/// <remarks>
/// The checksum, from Kraken's documentation: for the top 10 asks (lowest first) then the top 10 bids (highest
/// first), the price and then the volume as Kraken wrote them, with the decimal point removed and leading zeros
/// stripped, concatenated; CRC32 of that text, as an unsigned 32-bit integer, equals <c>c</c>.
/// </remarks>
public sealed class KrakenBookSync : IBookSync
{
    /// <summary>Levels per side the checksum covers.</summary>
    public const int ChecksumDepth = 10;

    /// <summary>
    /// Parses one frame into <paramref name="message"/> when it is a book frame; other frames (events, heartbeats,
    /// trades, tickers) give false.
    /// </summary>
    /// <param name="frame">The frame's UTF-8 text.</param>
    /// <param name="message">Cleared and filled; <see cref="BookMessage.Symbol"/> is the pair (<c>XMR/USD</c>).</param>
    /// <param name="depth">The subscribed depth, from the channel name (<c>book-1000</c> gives 1000).</param>
    /// <returns>True for a book frame.</returns>
    /// <exception cref="FormatException">A book frame is malformed; the message says where.</exception>
    public static bool TryParse(ReadOnlySpan<byte> frame, BookMessage message, out int depth)
    {
        ArgumentNullException.ThrowIfNull(message);
        depth = 0;
        message.Clear();
        var reader = JsonRead.Reader(frame);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        string? channel = null;
        var sawLevels = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    sawLevels = true;
                    ReadObject(ref reader, message);
                    break;
                case JsonTokenType.String when channel is null:
                    channel = reader.GetString();
                    if (channel is null || !channel.StartsWith("book", StringComparison.Ordinal))
                    {
                        return false;
                    }

                    break;
                case JsonTokenType.String:
                    message.Symbol = reader.GetString()!;
                    break;
                case JsonTokenType.StartArray:
                    reader.Skip();
                    break;
            }
        }

        if (channel is null || !sawLevels)
        {
            return false;
        }

        var dash = channel.IndexOf('-', StringComparison.Ordinal);
        depth = dash > 0 && int.TryParse(channel.AsSpan(dash + 1), out var d) ? d : 10;
        return true;
    }

    /// <inheritdoc />
    public BookApplyResult Apply(L2Book book, BookMessage message)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(message);
        if (message.IsSnapshot)
        {
            book.ApplySnapshot(message.Bids, message.Asks);
            return BookApplyResult.Applied;
        }

        if (!book.IsSynced)
        {
            return BookApplyResult.AwaitingSnapshot;
        }

        book.ApplyDelta(message.Bids, message.Asks);
        if (message.Checksum is { } expected && Checksum(book) != expected)
        {
            book.Reset();
            return BookApplyResult.ChecksumFailed;
        }

        return BookApplyResult.Applied;
    }

    /// <summary>Kraken's CRC32 of a book's top 10 levels per side (see the remarks), unsigned.</summary>
    /// <param name="book">The book.</param>
    /// <returns>The checksum.</returns>
    public static uint Checksum(L2Book book)
    {
        ArgumentNullException.ThrowIfNull(book);
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            var length = 0;
            length = Append(book.Asks, buffer, length);
            length = Append(book.Bids, buffer, length);
            return System.IO.Hashing.Crc32.HashToUInt32(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static int Append(IReadOnlyList<BookEntry> side, byte[] buffer, int length)
    {
        for (var i = 0; i < Math.Min(ChecksumDepth, side.Count); i++)
        {
            length = AppendDigits(side[i].PriceText, buffer, length);
            length = AppendDigits(side[i].SizeText, buffer, length);
        }

        return length;
    }

    // The text's digits without the decimal point and without leading zeros.
    private static int AppendDigits(string text, byte[] buffer, int length)
    {
        var leading = true;
        foreach (var c in text)
        {
            if (c == '.' || (leading && c == '0'))
            {
                continue;
            }

            leading = false;
            buffer[length++] = (byte)c;
        }

        return length;
    }

    private static void ReadObject(ref Utf8JsonReader reader, BookMessage message)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            if (reader.ValueTextEquals("as"u8))
            {
                message.IsSnapshot = true;
                BookLevels.Read(ref reader, message.Asks, "kraken book asks");
            }
            else if (reader.ValueTextEquals("bs"u8))
            {
                message.IsSnapshot = true;
                BookLevels.Read(ref reader, message.Bids, "kraken book bids");
            }
            else if (reader.ValueTextEquals("a"u8))
            {
                BookLevels.Read(ref reader, message.Asks, "kraken book ask update");
            }
            else if (reader.ValueTextEquals("b"u8))
            {
                BookLevels.Read(ref reader, message.Bids, "kraken book bid update");
            }
            else if (reader.ValueTextEquals("c"u8))
            {
                JsonRead.Next(ref reader);
                message.Checksum = JsonRead.Int64(ref reader, "kraken book checksum");
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }
}

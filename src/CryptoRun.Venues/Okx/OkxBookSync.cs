using System.Buffers;
using System.Text;
using System.Text.Json;
using CryptoRun.Books;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Okx;

/// <summary>
/// OKX v5's public <c>books</c> channel (<c>wss://ws.okx.com:8443/ws/v5/public</c>, 400 levels): frames
/// <c>{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"snapshot"|"update","data":[{"asks":[[px,sz,"0",orders]],
/// "bids":[...],"ts":"MS","checksum":INT,"prevSeqId":N,"seqId":N}]}</c>. A size of <c>"0"</c> removes a level. Every
/// message's checksum is checked, and <c>prevSeqId</c> against the book's <c>seqId</c> where the venue sends them
/// (recordings before 2023 have no sequence fields).
/// </summary>
/// <remarks>
/// The checksum, from OKX's documentation: the top 25 levels interleaved as <c>bid1px:bid1sz:ask1px:ask1sz:bid2px:...</c>
/// (a side with fewer levels just contributes what it has), with the price and size strings as OKX sent them; CRC32 of
/// that text, as a signed 32-bit integer, equals <c>checksum</c>.
/// </remarks>
public sealed class OkxBookSync : IBookSync
{
    /// <summary>Levels per side the checksum covers.</summary>
    public const int ChecksumDepth = 25;

    /// <summary>Parses one frame into <paramref name="message"/> when it is a <c>books*</c> channel frame; other frames give false.</summary>
    /// <param name="frame">The frame's UTF-8 text.</param>
    /// <param name="message">Cleared and filled; <see cref="BookMessage.Symbol"/> is the OKX instrument id (<c>BTC-USDT</c>).</param>
    /// <returns>True for a book frame.</returns>
    /// <exception cref="FormatException">A book frame is malformed; the message says where.</exception>
    public static bool TryParse(ReadOnlySpan<byte> frame, BookMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.Clear();
        var reader = JsonRead.Reader(frame);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var isBook = false;
        var sawData = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("arg"u8))
            {
                JsonRead.Next(ref reader);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("channel"u8))
                    {
                        JsonRead.Next(ref reader);
                        isBook = reader.ValueSpan.StartsWith("books"u8);
                    }
                    else if (reader.ValueTextEquals("instId"u8))
                    {
                        message.Symbol = JsonRead.NextString(ref reader, "okx book instId");
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
            else if (reader.ValueTextEquals("action"u8))
            {
                JsonRead.Next(ref reader);
                message.IsSnapshot = reader.ValueTextEquals("snapshot"u8);
            }
            else if (reader.ValueTextEquals("data"u8) && isBook)
            {
                sawData = true;
                ReadData(ref reader, message);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return isBook && sawData;
    }

    /// <inheritdoc />
    public BookApplyResult Apply(L2Book book, BookMessage message)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(message);
        if (message.IsSnapshot)
        {
            book.ApplySnapshot(message.Bids, message.Asks);
        }
        else
        {
            if (!book.IsSynced)
            {
                return BookApplyResult.AwaitingSnapshot;
            }

            if (message.PreviousSequence is { } previous && book.Sequence is { } last && previous != last)
            {
                book.Reset();
                return BookApplyResult.Gap;
            }

            book.ApplyDelta(message.Bids, message.Asks);
        }

        book.Sequence = message.Sequence;
        book.TimeMs = message.TimeMs;
        if (message.Checksum is { } expected && Checksum(book) != (int)expected)
        {
            book.Reset();
            return BookApplyResult.ChecksumFailed;
        }

        return BookApplyResult.Applied;
    }

    /// <summary>OKX's CRC32 of a book's top 25 levels (see the remarks), signed.</summary>
    /// <param name="book">The book.</param>
    /// <returns>The checksum.</returns>
    public static int Checksum(L2Book book)
    {
        ArgumentNullException.ThrowIfNull(book);
        var buffer = ArrayPool<byte>.Shared.Rent(8192);
        try
        {
            var length = 0;
            for (var i = 0; i < ChecksumDepth; i++)
            {
                if (i < book.Bids.Count)
                {
                    length = Append(book.Bids[i], buffer, length);
                }

                if (i < book.Asks.Count)
                {
                    length = Append(book.Asks[i], buffer, length);
                }
            }

            // No trailing colon: each level wrote "px:sz:"; the last one's colon is not part of the text.
            return (int)System.IO.Hashing.Crc32.HashToUInt32(buffer.AsSpan(0, Math.Max(length - 1, 0)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static int Append(BookEntry level, byte[] buffer, int length)
    {
        length += Encoding.ASCII.GetBytes(level.PriceText, buffer.AsSpan(length));
        buffer[length++] = (byte)':';
        length += Encoding.ASCII.GetBytes(level.SizeText, buffer.AsSpan(length));
        buffer[length++] = (byte)':';
        return length;
    }

    private static void ReadData(ref Utf8JsonReader reader, BookMessage message)
    {
        JsonRead.Next(ref reader);
        JsonRead.Expect(ref reader, JsonTokenType.StartArray, "okx book data");
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("asks"u8))
                {
                    BookLevels.Read(ref reader, message.Asks, "okx book asks");
                }
                else if (reader.ValueTextEquals("bids"u8))
                {
                    BookLevels.Read(ref reader, message.Bids, "okx book bids");
                }
                else if (reader.ValueTextEquals("ts"u8))
                {
                    message.TimeMs = JsonRead.NextInt64(ref reader, "okx book ts");
                }
                else if (reader.ValueTextEquals("checksum"u8))
                {
                    message.Checksum = JsonRead.NextInt64(ref reader, "okx book checksum");
                }
                else if (reader.ValueTextEquals("seqId"u8))
                {
                    message.Sequence = JsonRead.NextInt64(ref reader, "okx book seqId");
                }
                else if (reader.ValueTextEquals("prevSeqId"u8))
                {
                    message.PreviousSequence = JsonRead.NextInt64(ref reader, "okx book prevSeqId");
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
    }
}

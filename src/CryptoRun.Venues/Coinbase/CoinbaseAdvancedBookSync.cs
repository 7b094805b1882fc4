using CryptoRun.Books;

namespace CryptoRun.Venues.Coinbase;

/// <summary>
/// Coinbase Advanced Trade's <c>level2</c> books (<c>wss://advanced-trade-ws.coinbase.com</c>, frames of channel
/// <c>l2_data</c>): a <c>snapshot</c> event replaces the book, <c>update</c> events set levels (a
/// <c>new_quantity</c> of 0 removes one). Coinbase numbers every frame of a connection with one
/// <c>sequence_num</c> across all channels and products, so a jump in it is a gap for every book on the connection.
/// </summary>
/// <remarks>
/// The connection's parser (<see cref="CoinbaseAdvancedStreamProtocol"/>) tracks <c>sequence_num</c> and gives
/// each message <see cref="BookMessage.Sequence"/> = the frame's <c>sequence_num</c> and
/// <see cref="BookMessage.FirstSequence"/> = the first <c>sequence_num</c> of the connection's current unbroken run
/// of frames. A delta follows on when the book's last sequence lies in that run; otherwise frames were lost since
/// the book last changed (a <see cref="BookApplyResult.Gap"/>: the book is reset and waits for a new snapshot).
/// On a jump the parser sends every known book an empty delta of the new run, so quiet books learn of the gap at once.
/// </remarks>
public sealed class CoinbaseAdvancedBookSync : IBookSync
{
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

        if (!book.IsSynced)
        {
            return BookApplyResult.AwaitingSnapshot;
        }

        if (message.Sequence is { } sequence && book.Sequence is { } last)
        {
            if (sequence < last)
            {
                return BookApplyResult.Stale;
            }

            if (message.FirstSequence is { } runStart && last < runStart)
            {
                book.Reset();
                return BookApplyResult.Gap;
            }
        }

        book.ApplyDelta(message.Bids, message.Asks);
        book.Sequence = message.Sequence ?? book.Sequence;
        book.TimeMs = message.TimeMs ?? book.TimeMs;
        return BookApplyResult.Applied;
    }
}

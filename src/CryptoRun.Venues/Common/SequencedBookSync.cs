using CryptoRun.Books;

namespace CryptoRun.Venues.Common;

/// <summary>
/// Book sync for venues whose deltas carry a rising sequence and no checksum (Bybit v5's <c>u</c>, Kraken Futures'
/// <c>seq</c>, Bybit v2's <c>cross_seq</c>): a snapshot replaces the book and sets its sequence; a delta not above the
/// book's sequence is stale and skipped; one that does not follow it (by default: is not the book's + 1) is a gap: the
/// book is reset and waits for a new snapshot (the stream client resubscribes). A delta without a sequence is applied
/// as it comes. A size of 0 removes a level.
/// </summary>
public abstract class SequencedBookSync : IBookSync
{
    /// <inheritdoc />
    /// <remarks><see cref="BookMessage.Sequence"/> is the venue's update counter; the book keeps the last applied one.</remarks>
    public BookApplyResult Apply(L2Book book, BookMessage message)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(message);
        if (IsSnapshot(message))
        {
            book.ApplySnapshot(message.Bids, message.Asks);
        }
        else
        {
            if (!book.IsSynced)
            {
                return BookApplyResult.AwaitingSnapshot;
            }

            if (message.Sequence is { } sequence && book.Sequence is { } last)
            {
                if (sequence <= last)
                {
                    return BookApplyResult.Stale;
                }

                if (!Follows(sequence, last))
                {
                    book.Reset();
                    return BookApplyResult.Gap;
                }
            }

            book.ApplyDelta(message.Bids, message.Asks);
        }

        book.Sequence = message.Sequence;
        book.TimeMs = message.TimeMs;
        return BookApplyResult.Applied;
    }

    /// <summary>Whether the message replaces the book: <see cref="BookMessage.IsSnapshot"/>, unless the venue says more.</summary>
    /// <param name="message">The parsed message.</param>
    /// <returns>True for a snapshot.</returns>
    protected virtual bool IsSnapshot(BookMessage message) => message.IsSnapshot;

    /// <summary>Whether a delta's sequence follows the book's with nothing lost between: by default the next number.</summary>
    /// <param name="sequence">The delta's sequence, above <paramref name="last"/>.</param>
    /// <param name="last">The book's sequence.</param>
    /// <returns>False for a gap.</returns>
    protected virtual bool Follows(long sequence, long last) => sequence == last + 1;
}

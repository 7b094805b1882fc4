using CryptoRun.Books;

namespace CryptoRun.Venues.Kraken;

/// <summary>
/// Kraken Futures' <c>book</c> feed sync (<c>wss://futures.kraken.com/ws/v1</c>): a <c>book_snapshot</c> replaces the
/// book and carries the product's <c>seq</c>; each <c>book</c> message changes one level and its <c>seq</c> must be the
/// book's previous <c>seq</c> + 1 (sequences count per product). A <c>seq</c> not above the book's is stale and skipped;
/// one that skips ahead is a gap: the book is reset and waits for a new snapshot (the stream client resubscribes).
/// A <c>qty</c> of 0 removes the level. Kraken Futures sends no checksum.
/// </summary>
public sealed class KrakenFuturesBookSync : IBookSync
{
    /// <inheritdoc />
    /// <remarks><see cref="BookMessage.Sequence"/> is the message's <c>seq</c>; the book keeps the last applied one.</remarks>
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

            if (message.Sequence is { } sequence && book.Sequence is { } last)
            {
                if (sequence <= last)
                {
                    return BookApplyResult.Stale;
                }

                if (sequence != last + 1)
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
}

using CryptoRun.Books;

namespace CryptoRun.Venues.Bybit;

/// <summary>
/// Bybit v5's <c>orderbook.{depth}.{symbol}</c> sync (<c>wss://stream.bybit.com/v5/public/{linear,spot}</c>): a
/// snapshot replaces the book (also any message with update id <c>u</c> = 1, which Bybit sends after a service
/// restart); each delta's <c>u</c> must be the book's previous <c>u</c> + 1. A delta whose <c>u</c> is not above the
/// book's is stale and skipped; one that skips ahead is a gap: the book is reset and waits for a new snapshot
/// (the stream client resubscribes). A size of <c>"0"</c> removes a level. Bybit sends no checksum.
/// </summary>
public sealed class BybitBookSync : IBookSync
{
    /// <inheritdoc />
    /// <remarks><see cref="BookMessage.Sequence"/> is the message's <c>u</c>; the book keeps the last applied one.</remarks>
    public BookApplyResult Apply(L2Book book, BookMessage message)
    {
        ArgumentNullException.ThrowIfNull(book);
        ArgumentNullException.ThrowIfNull(message);
        if (message.IsSnapshot || message.Sequence == 1)
        {
            book.ApplySnapshot(message.Bids, message.Asks);
        }
        else
        {
            if (!book.IsSynced)
            {
                return BookApplyResult.AwaitingSnapshot;
            }

            if (message.Sequence is { } update && book.Sequence is { } last)
            {
                if (update <= last)
                {
                    return BookApplyResult.Stale;
                }

                if (update != last + 1)
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

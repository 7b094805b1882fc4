using CryptoRun.Books;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Bybit;

/// <summary>
/// Bybit v5's <c>orderbook.{depth}.{symbol}</c> sync (<c>wss://stream.bybit.com/v5/public/{linear,spot}</c>): a
/// snapshot replaces the book (also any message with update id <c>u</c> = 1, which Bybit sends after a service
/// restart); each delta's <c>u</c> must be the book's previous <c>u</c> + 1 (<see cref="SequencedBookSync"/>:
/// stale ones are skipped, one that skips ahead is a gap). A size of <c>"0"</c> removes a level. Bybit sends no checksum.
/// </summary>
public sealed class BybitBookSync : SequencedBookSync
{
    /// <inheritdoc />
    protected override bool IsSnapshot(BookMessage message) => message.IsSnapshot || message.Sequence == 1;
}

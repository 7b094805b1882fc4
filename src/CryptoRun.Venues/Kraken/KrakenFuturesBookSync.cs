using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Kraken;

/// <summary>
/// Kraken Futures' <c>book</c> feed sync (<c>wss://futures.kraken.com/ws/v1</c>): a <c>book_snapshot</c> replaces the
/// book and carries the product's <c>seq</c>; each <c>book</c> message changes one level and its <c>seq</c> must be the
/// book's previous <c>seq</c> + 1, counted per product (<see cref="SequencedBookSync"/>: stale ones are
/// skipped, one that skips ahead is a gap). A <c>qty</c> of 0 removes the level. Kraken Futures sends no checksum.
/// </summary>
public sealed class KrakenFuturesBookSync : SequencedBookSync;

namespace CryptoRun.Domain;

/// <summary>One price level of an L2 order book.</summary>
/// <param name="Price">Level price in quote units, venue-exact.</param>
/// <param name="Size">Total size resting at the price, in base units (contracts on derivatives venues).</param>
/// <param name="OrderCount">Number of orders at the level, when the venue gives it.</param>
public readonly record struct BookLevel(decimal Price, decimal Size, int? OrderCount = null);

/// <summary>A full L2 order book snapshot as one REST call returned it.</summary>
/// <param name="Instrument">The instrument.</param>
/// <param name="Sequence">The venue's book sequence (Binance <c>lastUpdateId</c>, Coinbase <c>sequence</c>), when given.</param>
/// <param name="TimeMs">The venue's book time, Unix epoch milliseconds, when given.</param>
/// <param name="Bids">Bids, best (highest) first.</param>
/// <param name="Asks">Asks, best (lowest) first.</param>
public sealed record L2BookSnapshot(
    Instrument Instrument,
    long? Sequence,
    long? TimeMs,
    IReadOnlyList<BookLevel> Bids,
    IReadOnlyList<BookLevel> Asks)
{
    /// <summary>The best bid, if any.</summary>
    public BookLevel? BestBid => Bids.Count > 0 ? Bids[0] : null;

    /// <summary>The best ask, if any.</summary>
    public BookLevel? BestAsk => Asks.Count > 0 ? Asks[0] : null;

    /// <summary>The same snapshot cut to the best <paramref name="depth"/> levels per side.</summary>
    /// <param name="depth">Levels per side to keep; at least 1.</param>
    /// <returns>The cut snapshot (this one when already within depth).</returns>
    public L2BookSnapshot Top(int depth)
    {
        var keep = Math.Max(depth, 1);
        return Bids.Count <= keep && Asks.Count <= keep
            ? this
            : this with { Bids = Bids.Take(keep).ToList(), Asks = Asks.Take(keep).ToList() };
    }
}

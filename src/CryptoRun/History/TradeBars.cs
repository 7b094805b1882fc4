using CryptoRun.Domain;

namespace CryptoRun.History;

/// <summary>
/// Candles built from trades (seed 004's trades-to-bar gap repair): for each slot of the timeframe that
/// holds trades, open is the first trade's price, high and low the extremes, close the last trade's
/// price, volume the summed sizes, quote volume the summed price × size, and the trade count.
/// </summary>
public static class TradeBars
{
    /// <summary>Builds the candles of <paramref name="trades"/> whose slots lie wholly inside <paramref name="covered"/>.</summary>
    /// <param name="trades">Trades in any order; ties in time keep their given order.</param>
    /// <param name="timeframe">The candle timeframe.</param>
    /// <param name="covered">The windows whose every trade is in <paramref name="trades"/>; a slot partly outside them gets no candle.</param>
    /// <returns>Candles ascending by open time; a slot without trades has none (the venue traded nothing there).</returns>
    public static IReadOnlyList<Candle> Build(IEnumerable<Trade> trades, Timeframe timeframe, IEnumerable<TimeRange> covered)
    {
        ArgumentNullException.ThrowIfNull(trades);
        var windows = RangeSet.Merge(covered);
        return trades
            .Select((trade, index) => (Trade: trade, Index: index))
            .OrderBy(t => t.Trade.TimeMs)
            .ThenBy(t => t.Index)
            .GroupBy(t => timeframe.Floor(t.Trade.TimeMs))
            .Where(slot => windows.Any(w => w.FromMs <= slot.Key && slot.Key + timeframe.Milliseconds <= w.ToMs))
            .Select(slot =>
            {
                var inSlot = slot.Select(t => t.Trade).ToList();
                return new Candle(
                    slot.Key,
                    inSlot[0].Price,
                    inSlot.Max(t => t.Price),
                    inSlot.Min(t => t.Price),
                    inSlot[^1].Price,
                    inSlot.Sum(t => t.Size),
                    inSlot.Sum(t => t.Price * t.Size),
                    inSlot.Count);
            })
            .ToList();
    }
}

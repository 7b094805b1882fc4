using CryptoRun.Domain;
using CryptoRun.Providers;

namespace CryptoRun.History;

/// <summary>
/// Seed 004's conformance of a venue's page before anything of it is used: the one place that decides
/// whether what a venue answered for a window may stand for that window. Connectors filter nothing by
/// time (they drop only the extras their venue documents), so a stray candle or trade reaches this check
/// and rejects its page: a window is only ever recorded as "answered, no candle" from a page that
/// conforms.
/// </summary>
internal static class PageConformance
{
    /// <summary>
    /// Every candle passes the quality gate (aligned, positive prices, consistent high/low, no negative
    /// volume), lies inside the page's window, and comes after the one before it; the page's window lies
    /// inside the window asked for. A candle repeated exactly (some venues repeat the page boundary) is
    /// dropped; a repeated open time with other values rejects the page.
    /// </summary>
    /// <param name="page">The page as the connector yielded it.</param>
    /// <param name="timeframe">The series' timeframe.</param>
    /// <param name="asked">The window the page was asked for; null to skip that check.</param>
    /// <returns>The candles to store, oldest first.</returns>
    /// <exception cref="VenueDataException">The page fails; the message names the candle and why. Nothing of it may be stored.</exception>
    internal static List<Candle> Candles(CandlePage page, Timeframe timeframe, TimeRange? asked = null)
    {
        if (asked is { } window && !page.Covered.IsEmpty && (page.Covered.FromMs < window.FromMs || page.Covered.ToMs > window.ToMs))
        {
            throw Reject(page.Provenance, $"the page answers for {page.Covered}, beyond the window asked for {window}");
        }

        var kept = new List<Candle>(page.Candles.Count);
        foreach (var candle in page.Candles)
        {
            var problem = CandleChecks.Problem(candle, timeframe);
            if (problem is null && !page.Covered.Contains(candle.OpenTimeMs))
            {
                problem = $"open time {TimeRange.Format(candle.OpenTimeMs)} is outside the page's window {page.Covered}";
            }

            if (problem is null && kept.Count > 0 && candle.OpenTimeMs <= kept[^1].OpenTimeMs)
            {
                if (candle == kept[^1])
                {
                    continue;
                }

                problem = candle.OpenTimeMs == kept[^1].OpenTimeMs
                    ? $"open time {TimeRange.Format(candle.OpenTimeMs)} appears twice with different values"
                    : $"open time {TimeRange.Format(candle.OpenTimeMs)} is not after the previous candle's";
            }

            if (problem is not null)
            {
                throw Reject(page.Provenance, problem);
            }

            kept.Add(candle);
        }

        return kept;
    }

    /// <summary>Every trade lies inside the page's window and none comes before the one before it.</summary>
    /// <param name="page">The page as the connector yielded it.</param>
    /// <exception cref="VenueDataException">A trade is outside the window or out of order; nothing of the page may be used.</exception>
    internal static void Trades(TradePage page)
    {
        long previous = long.MinValue;
        foreach (var trade in page.Trades)
        {
            var problem = !page.Covered.Contains(trade.TimeMs)
                ? $"trade time {TimeRange.Format(trade.TimeMs)} is outside the page's window {page.Covered}"
                : trade.TimeMs < previous ? $"trade time {TimeRange.Format(trade.TimeMs)} is before the previous trade's" : null;
            if (problem is not null)
            {
                throw Reject(page.Provenance, problem);
            }

            previous = trade.TimeMs;
        }
    }

    private static VenueDataException Reject(Provenance source, string problem)
        => new(source.Provider, $"{source.Provider} {source.Endpoint}: rejected by the quality gate, nothing of this page stored: {problem}");
}

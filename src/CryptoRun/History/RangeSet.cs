using CryptoRun.Domain;

namespace CryptoRun.History;

/// <summary>Set algebra on half-open time ranges: merge, subtract, and total length.</summary>
public static class RangeSet
{
    /// <summary>Merges ranges into disjoint, sorted ranges; touching ranges (<c>[a,b)</c>, <c>[b,c)</c>) join.</summary>
    /// <param name="ranges">Any ranges, in any order; empty ones are dropped.</param>
    /// <returns>Disjoint ranges sorted by start.</returns>
    public static IReadOnlyList<TimeRange> Merge(IEnumerable<TimeRange> ranges)
    {
        var sorted = ranges.Where(r => !r.IsEmpty).OrderBy(r => r.FromMs).ToList();
        var merged = new List<TimeRange>(sorted.Count);
        foreach (var range in sorted)
        {
            if (merged.Count > 0 && range.FromMs <= merged[^1].ToMs)
            {
                var last = merged[^1];
                merged[^1] = new TimeRange(last.FromMs, Math.Max(last.ToMs, range.ToMs));
            }
            else
            {
                merged.Add(range);
            }
        }

        return merged;
    }

    /// <summary>The parts of <paramref name="range"/> not covered by <paramref name="covered"/>.</summary>
    /// <param name="range">The range wanted.</param>
    /// <param name="covered">Ranges already held, in any order.</param>
    /// <returns>Disjoint missing ranges sorted by start.</returns>
    public static IReadOnlyList<TimeRange> Subtract(TimeRange range, IEnumerable<TimeRange> covered)
    {
        var missing = new List<TimeRange>();
        var cursor = range.FromMs;
        foreach (var c in Merge(covered))
        {
            if (c.ToMs <= cursor)
            {
                continue;
            }

            if (c.FromMs >= range.ToMs)
            {
                break;
            }

            if (c.FromMs > cursor)
            {
                missing.Add(new TimeRange(cursor, c.FromMs));
            }

            cursor = Math.Max(cursor, c.ToMs);
        }

        if (cursor < range.ToMs)
        {
            missing.Add(new TimeRange(cursor, range.ToMs));
        }

        return missing;
    }

    /// <summary>Rounds both ends of a range up to candle boundaries, so it holds exactly the same candle open times.</summary>
    /// <param name="range">Any range.</param>
    /// <param name="timeframe">The candle timeframe.</param>
    /// <returns>The aligned range that holds the same candle open times.</returns>
    public static TimeRange Align(TimeRange range, Timeframe timeframe)
        => new(timeframe.Ceiling(range.FromMs), Math.Max(timeframe.Ceiling(range.FromMs), timeframe.Ceiling(range.ToMs)));
}

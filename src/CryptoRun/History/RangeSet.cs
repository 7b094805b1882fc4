using CryptoRun.Domain;

namespace CryptoRun.History;

/// <summary>Set algebra on half-open time ranges <c>[From, To)</c> in epoch milliseconds: merge, subtract, intersect, and candle-aligned coverage.</summary>
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

    /// <summary>The parts of <paramref name="range"/> that <paramref name="covered"/> holds.</summary>
    /// <param name="range">The range asked about, half-open <c>[From, To)</c> in epoch milliseconds.</param>
    /// <param name="covered">Ranges already held, in any order, overlapping or not.</param>
    /// <returns>
    /// Disjoint, non-touching, non-empty ranges sorted by start, each inside <paramref name="range"/>; empty when
    /// <paramref name="range"/> is. With <see cref="Subtract"/> of the same arguments they make up <paramref name="range"/> exactly.
    /// </returns>
    public static IReadOnlyList<TimeRange> Intersect(TimeRange range, IEnumerable<TimeRange> covered)
    {
        var held = new List<TimeRange>();
        foreach (var c in Merge(covered))
        {
            var from = Math.Max(c.FromMs, range.FromMs);
            var to = Math.Min(c.ToMs, range.ToMs);
            if (from < to)
            {
                held.Add(new TimeRange(from, to));
            }
        }

        return held;
    }

    /// <summary>Rounds both ends of a range up to candle boundaries, so it holds exactly the same candle open times.</summary>
    /// <param name="range">Any range, epoch milliseconds; its ends need not be candle open times.</param>
    /// <param name="timeframe">The candle timeframe (<c>1w</c> opens on Mondays).</param>
    /// <returns>
    /// <c>[Ceiling(From), Ceiling(To))</c>: from the first to one interval past the last candle open time in
    /// <paramref name="range"/>, the only aligned range that holds exactly those open times. It need not contain
    /// <paramref name="range"/> (<c>[00:00:30, 00:02:30)</c> becomes <c>[00:01, 00:03)</c> for <c>1m</c>), and it is
    /// empty, starting at <c>Ceiling(From)</c>, when <paramref name="range"/> holds no open time.
    /// </returns>
    public static TimeRange Align(TimeRange range, Timeframe timeframe)
        => new(timeframe.Ceiling(range.FromMs), Math.Max(timeframe.Ceiling(range.FromMs), timeframe.Ceiling(range.ToMs)));

    /// <summary>The candle slots of <paramref name="range"/> that <paramref name="covered"/> does not hold, as aligned runs: what a backfill still has to fetch.</summary>
    /// <param name="range">Half-open range of candle open times, epoch milliseconds; its ends need not be aligned.</param>
    /// <param name="covered">Ranges already held, in any order, aligned or not; a slot is held when its open time lies in one of them.</param>
    /// <param name="timeframe">The candle timeframe.</param>
    /// <returns>
    /// Disjoint, non-touching, non-empty ranges sorted by start whose ends are candle open times of
    /// <paramref name="timeframe"/>: consecutive missing slots form one run, from its first missing open time to one
    /// interval after its last, so <see cref="Timeframe.CountSlots"/> over the runs sums to the number of missing slots.
    /// All lie inside <see cref="Align"/> of <paramref name="range"/>; empty when every slot is held.
    /// </returns>
    /// <remarks>
    /// Unlike <see cref="Subtract"/>, a held window that starts or ends between open times neither splits a run nor
    /// leaves a sliver: <c>[00:00, 00:03)</c> minus <c>[00:00:10, 00:00:20)</c> is <c>[00:00, 00:03)</c> in <c>1m</c> slots,
    /// because the open time 00:00 is not in the held window.
    /// </remarks>
    public static IReadOnlyList<TimeRange> Missing(TimeRange range, IEnumerable<TimeRange> covered, Timeframe timeframe)
        => Merge(Subtract(range, covered).Select(gap => Align(gap, timeframe)));
}

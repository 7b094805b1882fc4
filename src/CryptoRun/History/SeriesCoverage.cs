using CryptoRun.Domain;
using CryptoRun.Storage;

namespace CryptoRun.History;

/// <summary>
/// What a store holds for one series over a range, from its persisted coverage: the windows fetched
/// (answered by the venue or imported), the candle slots not fetched yet, and the slots fetched but
/// without a candle because the venue published none (Kraken and Coinbase leave out minutes without trades).
/// </summary>
/// <param name="Key">The series.</param>
/// <param name="Range">The range asked about, aligned to candle boundaries (it holds the same candle open times).</param>
/// <param name="Fetched">Parts of <paramref name="Range"/> recorded as fetched: disjoint, sorted, aligned.</param>
/// <param name="NotFetched">Parts of <paramref name="Range"/> never fetched: what a backfill would ask for.</param>
/// <param name="NoCandle">Runs of slots inside <paramref name="Fetched"/> holding no candle: the venue has none there.</param>
/// <param name="Candles">Candles stored in <paramref name="Range"/>.</param>
public sealed record SeriesCoverage(
    SeriesKey Key,
    TimeRange Range,
    IReadOnlyList<TimeRange> Fetched,
    IReadOnlyList<TimeRange> NotFetched,
    IReadOnlyList<TimeRange> NoCandle,
    long Candles)
{
    /// <summary>Candle slots in <see cref="Range"/>.</summary>
    public long Slots => Key.Timeframe.CountSlots(Range.FromMs, Range.ToMs);

    /// <summary>Fetched slots over all slots, 0 to 1 (1 for an empty range).</summary>
    public double Ratio => Slots == 0 ? 1 : (double)Count(Fetched) / Slots;

    /// <summary>Number of candle slots in <paramref name="ranges"/>.</summary>
    /// <param name="ranges">Aligned ranges.</param>
    /// <returns>The slot count.</returns>
    public long Count(IEnumerable<TimeRange> ranges) => SlotsIn(Key, ranges);

    /// <summary>Reads a series' coverage from the store.</summary>
    /// <param name="store">The store.</param>
    /// <param name="key">The series.</param>
    /// <param name="range">The range; null for everything the store knows of the series (fetched windows and candles).</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The coverage; for a series the store knows nothing of and no range, an empty range.</returns>
    public static async Task<SeriesCoverage> ReadAsync(ICandleStore store, SeriesKey key, TimeRange? range = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var step = key.Timeframe.Milliseconds;
        var windows = (await store.GetFetchedWindowsAsync(key, cancellationToken).ConfigureAwait(false))
            .Select(w => RangeSet.Align(w, key.Timeframe))
            .ToList();
        TimeRange wanted;
        if (range is { } r)
        {
            wanted = RangeSet.Align(r, key.Timeframe);
        }
        else
        {
            // Everything the store knows of the series: its fetched windows and its candles.
            var all = await store.GetSummaryAsync(key, cancellationToken).ConfigureAwait(false);
            var known = windows.ToList();
            if (all is { FirstOpenMs: { } first, LastOpenMs: { } last })
            {
                known.Add(new TimeRange(first, last + step));
            }

            wanted = known.Count == 0 ? new TimeRange(0, 0) : new TimeRange(known.Min(w => w.FromMs), known.Max(w => w.ToMs));
        }

        var fetched = RangeSet.Intersect(wanted, windows);
        var notFetched = RangeSet.Subtract(wanted, fetched);

        // Only the candles inside the range are read (by the primary key), never the whole series.
        var summary = await store.GetSummaryAsync(key, wanted, cancellationToken).ConfigureAwait(false);
        // A series with a candle in every slot between its first and last has no gaps: no need to ask.
        var complete = summary is { FirstOpenMs: { } f, LastOpenMs: { } l } && key.Timeframe.CountSlots(f, l + step) == summary.Count;
        var gaps = summary.Count == 0 || complete ? [] : await store.GetGapsAsync(key, wanted, cancellationToken).ConfigureAwait(false);

        // Slots without a candle: between the candles held (the store's gaps), and fetched slots before the first or after the last.
        var empty = gaps.ToList();
        empty.AddRange(summary is { FirstOpenMs: { } firstOpen, LastOpenMs: { } lastOpen }
            ? [new TimeRange(long.MinValue, firstOpen), new TimeRange(lastOpen + step, long.MaxValue)]
            : [new TimeRange(long.MinValue, long.MaxValue)]);
        var noCandle = RangeSet.Merge(empty).SelectMany(e => RangeSet.Intersect(e, fetched)).ToList();
        return new SeriesCoverage(key, wanted, fetched, notFetched, noCandle, summary.Count);
    }

    private static long SlotsIn(SeriesKey key, IEnumerable<TimeRange> ranges) => ranges.Sum(r => key.Timeframe.CountSlots(r.FromMs, r.ToMs));
}

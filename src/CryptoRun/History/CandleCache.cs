using CryptoRun.Domain;
using CryptoRun.Storage;

namespace CryptoRun.History;

/// <summary>
/// Seed 004's cache source in front of storage: ranges read from the store that were wholly fetched, kept in
/// memory with their coverage, so reading them (or any range inside one) again costs a binary search instead
/// of a store query. Only complete ranges are kept: their candles have closed and their slots were all
/// answered, so they no longer change. Bounded by a candle count, least recently used out first; entries
/// also expire after a time to live, in case another process re-imports the range.
/// </summary>
internal sealed class CandleCache(int capacity, TimeSpan timeToLive, TimeProvider time)
{
    private readonly List<Segment> _segments = [];
    private readonly Lock _lock = new();
    private long _held;
    private long _uses;

    /// <summary>Candles held now, over every series.</summary>
    internal long Held
    {
        get
        {
            lock (_lock)
            {
                return _held;
            }
        }
    }

    /// <summary>The candles and coverage of <paramref name="range"/> (aligned) when one cached range holds all of it.</summary>
    internal bool TryGet(SeriesKey key, TimeRange range, out IReadOnlyList<StoredCandle> candles, out SeriesCoverage coverage)
    {
        var now = time.GetTimestamp();
        lock (_lock)
        {
            _segments.RemoveAll(s => Expired(s, now) && Forget(s));
            foreach (var segment in _segments)
            {
                if (segment.Key != key || range.FromMs < segment.Coverage.Range.FromMs || range.ToMs > segment.Coverage.Range.ToMs)
                {
                    continue;
                }

                segment.LastUse = ++_uses;
                var first = LowerBound(segment.Candles, range.FromMs);
                var end = LowerBound(segment.Candles, range.ToMs);
                candles = new ArraySegment<StoredCandle>(segment.Candles, first, end - first);
                var noCandle = segment.Coverage.NoCandle.SelectMany(n => RangeSet.Intersect(n, [range])).ToList();
                coverage = new SeriesCoverage(key, range, range.IsEmpty ? [] : [range], [], noCandle, end - first);
                return true;
            }
        }

        candles = [];
        coverage = null!;
        return false;
    }

    /// <summary>Keeps a range just read from the store, when it is complete and fits.</summary>
    internal void Add(SeriesCoverage coverage, IReadOnlyList<StoredCandle> candles)
    {
        if (coverage.NotFetched.Count > 0 || coverage.Range.IsEmpty || candles.Count > capacity)
        {
            return;
        }

        var segment = new Segment(coverage.Key, coverage, [.. candles], time.GetTimestamp());
        lock (_lock)
        {
            _segments.RemoveAll(s => s.Key == coverage.Key && coverage.Range.FromMs <= s.Coverage.Range.FromMs && s.Coverage.Range.ToMs <= coverage.Range.ToMs && Forget(s));
            segment.LastUse = ++_uses;
            _segments.Add(segment);
            _held += segment.Candles.Length;
            while (_held > capacity)
            {
                var oldest = _segments.MinBy(s => s.LastUse)!;
                _segments.Remove(oldest);
                Forget(oldest);
            }
        }
    }

    /// <summary>Drops what is held of a series (its store rows were just written by this process).</summary>
    internal void Invalidate(SeriesKey key)
    {
        lock (_lock)
        {
            _segments.RemoveAll(s => s.Key == key && Forget(s));
        }
    }

    private bool Expired(Segment segment, long now) => time.GetElapsedTime(segment.AddedAt, now) > timeToLive;

    // Always true, so it can sit inside RemoveAll's predicate after the segment is chosen.
    private bool Forget(Segment segment)
    {
        _held -= segment.Candles.Length;
        return true;
    }

    private static int LowerBound(StoredCandle[] candles, long openTimeMs)
    {
        int low = 0, high = candles.Length;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (candles[middle].Candle.OpenTimeMs < openTimeMs)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    private sealed class Segment(SeriesKey key, SeriesCoverage coverage, StoredCandle[] candles, long addedAt)
    {
        internal SeriesKey Key { get; } = key;

        internal SeriesCoverage Coverage { get; } = coverage;

        internal StoredCandle[] Candles { get; } = candles;

        internal long AddedAt { get; } = addedAt;

        internal long LastUse { get; set; }
    }
}

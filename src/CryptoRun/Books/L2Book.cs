using CryptoRun.Domain;

namespace CryptoRun.Books;

/// <summary>
/// One level change of an L2 book message: the venue's price and size, with the venue's own text for both
/// (checksums are computed on that text, never on a reformatted number). A size of zero removes the level.
/// </summary>
/// <param name="Price">Level price in quote units.</param>
/// <param name="Size">New total size at the price, base units (contracts on derivatives venues); 0 removes it.</param>
/// <param name="PriceText">The price exactly as the venue wrote it (e.g. <c>"0.043030"</c>).</param>
/// <param name="SizeText">The size exactly as the venue wrote it.</param>
public readonly record struct LevelChange(decimal Price, decimal Size, string PriceText, string SizeText);

/// <summary>A level held by an <see cref="L2Book"/>, with the venue's text of its price and size.</summary>
/// <param name="Price">Level price in quote units.</param>
/// <param name="Size">Total size at the price.</param>
/// <param name="PriceText">The price as the venue last wrote it.</param>
/// <param name="SizeText">The size as the venue last wrote it.</param>
public readonly record struct BookEntry(decimal Price, decimal Size, string PriceText, string SizeText);

/// <summary>
/// An L2 order book kept from a snapshot and deltas: bids best (highest) first, asks best (lowest) first,
/// each side a sorted array (binary search, insert and remove by moving the tail, which for the few
/// hundred levels venues stream is faster than a tree). Not thread-safe: one stream's receive loop owns it.
/// Optionally bounded to a depth (Kraken drops levels beyond the subscribed depth after every update).
/// </summary>
public sealed class L2Book
{
    private readonly Side _bids = new(descending: true);
    private readonly Side _asks = new(descending: false);

    /// <summary>Creates an empty book.</summary>
    /// <param name="instrument">The instrument.</param>
    /// <param name="depth">Levels kept per side after each update (0 = all).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="depth"/> is negative.</exception>
    public L2Book(Instrument instrument, int depth = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(depth);
        Instrument = instrument;
        Depth = depth;
    }

    /// <summary>The instrument.</summary>
    public Instrument Instrument { get; }

    /// <summary>Levels kept per side (0 = all).</summary>
    public int Depth { get; }

    /// <summary>The venue sequence of the last message applied (update id, seqId, sequence), when it has one.</summary>
    public long? Sequence { get; set; }

    /// <summary>The venue time of the last message applied, Unix epoch milliseconds, when it has one.</summary>
    public long? TimeMs { get; set; }

    /// <summary>Bid levels, best (highest price) first.</summary>
    public IReadOnlyList<BookEntry> Bids => _bids;

    /// <summary>Ask levels, best (lowest price) first.</summary>
    public IReadOnlyList<BookEntry> Asks => _asks;

    /// <summary>True once a snapshot has been applied and no reset has happened since.</summary>
    public bool IsSynced { get; private set; }

    /// <summary>Deltas applied since the last snapshot (Binance USD-M checks its first delta differently).</summary>
    public long DeltasSinceSnapshot { get; private set; }

    /// <summary>Replaces the whole book with a snapshot.</summary>
    /// <param name="bids">Bid levels in any order; zero sizes are skipped.</param>
    /// <param name="asks">Ask levels in any order; zero sizes are skipped.</param>
    public void ApplySnapshot(IEnumerable<LevelChange> bids, IEnumerable<LevelChange> asks)
    {
        ArgumentNullException.ThrowIfNull(bids);
        ArgumentNullException.ThrowIfNull(asks);
        _bids.Clear();
        _asks.Clear();
        foreach (var bid in bids)
        {
            _bids.Set(bid);
        }

        foreach (var ask in asks)
        {
            _asks.Set(ask);
        }

        Truncate();
        IsSynced = true;
        DeltasSinceSnapshot = 0;
    }

    /// <summary>Applies level changes: a size sets the level, a zero size removes it (a missing level is no error).</summary>
    /// <param name="bids">Bid changes, in the venue's order.</param>
    /// <param name="asks">Ask changes, in the venue's order.</param>
    public void ApplyDelta(IEnumerable<LevelChange> bids, IEnumerable<LevelChange> asks)
    {
        ArgumentNullException.ThrowIfNull(bids);
        ArgumentNullException.ThrowIfNull(asks);
        foreach (var bid in bids)
        {
            _bids.Set(bid);
        }

        foreach (var ask in asks)
        {
            _asks.Set(ask);
        }

        Truncate();
        DeltasSinceSnapshot++;
    }

    /// <summary>Applies one side's change (for venues that send one level per message).</summary>
    /// <param name="isBid">True for the bid side.</param>
    /// <param name="change">The change.</param>
    public void Apply(bool isBid, LevelChange change)
    {
        (isBid ? _bids : _asks).Set(change);
        Truncate();
        DeltasSinceSnapshot++;
    }

    /// <summary>Empties the book and marks it out of sync (after a gap or a checksum failure, until the next snapshot).</summary>
    public void Reset()
    {
        _bids.Clear();
        _asks.Clear();
        Sequence = null;
        IsSynced = false;
    }

    /// <summary>The book as a domain snapshot, cut to <paramref name="depth"/> levels per side.</summary>
    /// <param name="depth">Levels per side (0 = all).</param>
    /// <returns>The snapshot, with the book's sequence and time.</returns>
    public OrderBookSnapshot ToSnapshot(int depth = 0)
    {
        static List<BookLevel> Take(Side side, int depth)
        {
            var count = depth <= 0 ? side.Count : Math.Min(depth, side.Count);
            var levels = new List<BookLevel>(count);
            for (var i = 0; i < count; i++)
            {
                levels.Add(new BookLevel(side[i].Price, side[i].Size));
            }

            return levels;
        }

        return new OrderBookSnapshot(Instrument, Sequence, TimeMs, Take(_bids, depth), Take(_asks, depth));
    }

    private void Truncate()
    {
        if (Depth > 0)
        {
            _bids.Truncate(Depth);
            _asks.Truncate(Depth);
        }
    }

    /// <summary>One side: a sorted array of entries, best first.</summary>
    private sealed class Side(bool descending) : IReadOnlyList<BookEntry>
    {
        private BookEntry[] _items = new BookEntry[64];

        public int Count { get; private set; }

        public BookEntry this[int index] => index < Count ? _items[index] : throw new ArgumentOutOfRangeException(nameof(index));

        public void Set(LevelChange change)
        {
            var index = Find(change.Price);
            var found = index >= 0;
            if (!found)
            {
                index = ~index;
            }

            if (change.Size == 0)
            {
                if (found)
                {
                    Array.Copy(_items, index + 1, _items, index, Count - index - 1);
                    Count--;
                }

                return;
            }

            var entry = new BookEntry(change.Price, change.Size, change.PriceText, change.SizeText);
            if (found)
            {
                _items[index] = entry;
                return;
            }

            if (Count == _items.Length)
            {
                Array.Resize(ref _items, _items.Length * 2);
            }

            Array.Copy(_items, index, _items, index + 1, Count - index);
            _items[index] = entry;
            Count++;
        }

        public void Clear() => Count = 0;

        public void Truncate(int depth)
        {
            if (Count > depth)
            {
                Count = depth;
            }
        }

        public IEnumerator<BookEntry> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
            {
                yield return _items[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        // Binary search in best-first order: the index when found, else the complement of where it would go.
        private int Find(decimal price)
        {
            int low = 0, high = Count - 1;
            while (low <= high)
            {
                var middle = (low + high) >>> 1;
                var comparison = _items[middle].Price.CompareTo(price);
                if (descending)
                {
                    comparison = -comparison;
                }

                if (comparison == 0)
                {
                    return middle;
                }

                if (comparison < 0)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle - 1;
                }
            }

            return ~low;
        }
    }
}

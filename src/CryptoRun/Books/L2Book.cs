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
    private readonly Side _bids = new(bestIsHighest: true);
    private readonly Side _asks = new(bestIsHighest: false);

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
    public L2BookSnapshot ToSnapshot(int depth = 0)
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

        return new L2BookSnapshot(Instrument, Sequence, TimeMs, Take(_bids, depth), Take(_asks, depth));
    }

    private void Truncate()
    {
        if (Depth > 0)
        {
            _bids.Truncate(Depth);
            _asks.Truncate(Depth);
        }
    }

    /// <summary>
    /// One side: entries in a sorted array stored worst first, so the best level is at the end. Venues change levels
    /// near the top of the book far more often than deep ones; stored this way a change there moves only the few
    /// entries after it, and dropping the worst levels beyond the depth just advances the start of the live window.
    /// </summary>
    private sealed class Side(bool bestIsHighest) : IReadOnlyList<BookEntry>
    {
        private BookEntry[] _items = new BookEntry[64];
        private int _start = 32;

        public int Count { get; private set; }

        /// <summary>Best first: index 0 is the best level.</summary>
        public BookEntry this[int index]
            => (uint)index < (uint)Count ? _items[_start + Count - 1 - index] : throw new ArgumentOutOfRangeException(nameof(index));

        public void Set(LevelChange change)
        {
            var position = Find(change.Price);
            var found = position >= 0;
            if (!found)
            {
                position = ~position;
            }

            if (change.Size == 0)
            {
                if (found)
                {
                    RemoveAt(position);
                }

                return;
            }

            var entry = new BookEntry(change.Price, change.Size, change.PriceText, change.SizeText);
            if (found)
            {
                _items[_start + position] = entry;
                return;
            }

            InsertAt(position, entry);
        }

        public void Clear()
        {
            Count = 0;
            _start = _items.Length / 2;
        }

        /// <summary>Keeps the best <paramref name="depth"/> levels: the worst are at the start of the window.</summary>
        public void Truncate(int depth)
        {
            if (Count > depth)
            {
                _start += Count - depth;
                Count = depth;
            }
        }

        public IEnumerator<BookEntry> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        private void RemoveAt(int position)
        {
            var before = position;
            var after = Count - position - 1;
            if (before < after)
            {
                Array.Copy(_items, _start, _items, _start + 1, before);
                _start++;
            }
            else
            {
                Array.Copy(_items, _start + position + 1, _items, _start + position, after);
            }

            Count--;
        }

        private void InsertAt(int position, BookEntry entry)
        {
            var before = position;
            var after = Count - position;
            if (before < after && _start > 0)
            {
                Array.Copy(_items, _start, _items, _start - 1, before);
                _start--;
            }
            else
            {
                if (_start + Count == _items.Length)
                {
                    Grow();
                }

                Array.Copy(_items, _start + position, _items, _start + position + 1, after);
            }

            _items[_start + position] = entry;
            Count++;
        }

        /// <summary>Makes room at the end: recentres the window when half the array is free, else doubles it.</summary>
        private void Grow()
        {
            var items = Count * 2 <= _items.Length ? _items : new BookEntry[_items.Length * 2];
            var start = (items.Length - Count) / 2;
            Array.Copy(_items, _start, items, start, Count);
            if (ReferenceEquals(items, _items))
            {
                Array.Clear(_items, start + Count, _items.Length - start - Count);
            }

            _items = items;
            _start = start;
        }

        // Binary search in storage order (worst first): the position when found, else the complement of where it would go.
        private int Find(decimal price)
        {
            int low = 0, high = Count - 1;
            while (low <= high)
            {
                var middle = (low + high) >>> 1;
                var comparison = _items[_start + middle].Price.CompareTo(price);
                if (!bestIsHighest)
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

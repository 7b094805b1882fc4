using System.Globalization;
using CryptoRun.Books;

namespace CryptoRun.Tests.TestSupport;

/// <summary>
/// An L2 book as two sorted dictionaries of price to size: a recording applied the obvious way, with no product code, to
/// compare streamed books with. Optionally keeps only <paramref name="depth"/> levels per side, as a venue's capped book does.
/// </summary>
internal sealed class NaiveBook(int depth = 0)
{
    private readonly SortedDictionary<decimal, decimal> _bids = new(Comparer<decimal>.Create((a, b) => b.CompareTo(a)));
    private readonly SortedDictionary<decimal, decimal> _asks = new();

    /// <summary>Bids, best (highest) first.</summary>
    public IReadOnlyList<(decimal Price, decimal Size)> Bids => _bids.Select(p => (p.Key, p.Value)).ToList();

    /// <summary>Asks, best (lowest) first.</summary>
    public IReadOnlyList<(decimal Price, decimal Size)> Asks => _asks.Select(p => (p.Key, p.Value)).ToList();

    public void Clear()
    {
        _bids.Clear();
        _asks.Clear();
    }

    /// <summary>Sets levels (size 0 removes).</summary>
    public void Apply(IEnumerable<(decimal Price, decimal Size)> bids, IEnumerable<(decimal Price, decimal Size)> asks)
    {
        Set(_bids, bids);
        Set(_asks, asks);
    }

    /// <summary>Sets one level (size 0 removes).</summary>
    public void Set(bool bid, decimal price, decimal size) => Set(bid ? _bids : _asks, [(price, size)]);

    public IReadOnlyList<(decimal Price, decimal Size)> TopBids(int n) => Bids.Take(n).ToList();

    public IReadOnlyList<(decimal Price, decimal Size)> TopAsks(int n) => Asks.Take(n).ToList();

    /// <summary>Asserts the book holds exactly these levels, best first.</summary>
    public void AssertEqual(L2Book book)
    {
        Assert.Equal(Bids, book.Bids.Select(l => (l.Price, l.Size)).ToList());
        Assert.Equal(Asks, book.Asks.Select(l => (l.Price, l.Size)).ToList());
    }

    public static decimal Dec(string text) => decimal.Parse(text, CultureInfo.InvariantCulture);

    private void Set(SortedDictionary<decimal, decimal> side, IEnumerable<(decimal Price, decimal Size)> levels)
    {
        foreach (var (price, size) in levels)
        {
            if (size == 0)
            {
                side.Remove(price);
            }
            else
            {
                side[price] = size;
            }
        }

        while (depth > 0 && side.Count > depth)
        {
            side.Remove(side.Keys.Last());
        }
    }
}

using CryptoRun.Books;

namespace CryptoRun.Tests.Venues.Streams;

/// <summary>A recording applied the obvious way (dictionaries of price to size), to compare streamed books with.</summary>
internal sealed class NaiveBook
{
    public Dictionary<decimal, decimal> Bids { get; } = [];

    public Dictionary<decimal, decimal> Asks { get; } = [];

    public void Clear()
    {
        Bids.Clear();
        Asks.Clear();
    }

    public void Set(bool bid, decimal price, decimal size)
    {
        var side = bid ? Bids : Asks;
        if (size == 0)
        {
            side.Remove(price);
        }
        else
        {
            side[price] = size;
        }
    }

    /// <summary>Asserts the book holds exactly these levels, best first.</summary>
    public void AssertEqual(L2Book book)
    {
        Assert.Equal(Bids.OrderByDescending(l => l.Key).Select(l => (l.Key, l.Value)).ToList(), book.Bids.Select(l => (l.Price, l.Size)).ToList());
        Assert.Equal(Asks.OrderBy(l => l.Key).Select(l => (l.Key, l.Value)).ToList(), book.Asks.Select(l => (l.Price, l.Size)).ToList());
    }

    public static decimal Dec(string text) => decimal.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
}

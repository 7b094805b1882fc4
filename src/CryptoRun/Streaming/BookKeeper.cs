using CryptoRun.Books;

namespace CryptoRun.Streaming;

/// <summary>One book's state on a connection: the book, its venue sync, the deltas buffered while it waits for a snapshot, and its resync state. Lock on it to touch the book.</summary>
internal sealed class BookKeeper(VenueSubscription subscription, L2Book book, IBookSync sync)
{
    private readonly Queue<BookMessage> _buffered = new();

    public VenueSubscription Subscription { get; } = subscription;

    public L2Book Book { get; } = book;

    public IBookSync Sync { get; } = sync;

    /// <summary>Since when the book has waited for a snapshot (first one or after losing sync); null while in sync.</summary>
    public DateTimeOffset? ResyncingSince { get; set; }

    /// <summary>True from a gap or checksum failure until the snapshot that recovers it.</summary>
    public bool LostSync { get; set; }

    public DateTimeOffset? LastGoodAt { get; set; }

    /// <summary>True while a REST snapshot fetch for the book runs (including its backoff between failed fetches): at most one at a time.</summary>
    public bool Fetching { get; set; }

    /// <summary>REST snapshot fetches that failed since the book was last in sync.</summary>
    public int FailedFetches { get; set; }

    public void Buffer(BookMessage message, int limit)
    {
        if (_buffered.Count == limit)
        {
            _buffered.Dequeue();
        }

        var copy = new BookMessage
        {
            Symbol = message.Symbol,
            Sequence = message.Sequence,
            FirstSequence = message.FirstSequence,
            PreviousSequence = message.PreviousSequence,
            Checksum = message.Checksum,
            TimeMs = message.TimeMs,
        };
        copy.Bids.AddRange(message.Bids);
        copy.Asks.AddRange(message.Asks);
        _buffered.Enqueue(copy);
    }

    public IEnumerable<BookMessage> TakeBuffered()
    {
        while (_buffered.TryDequeue(out var message))
        {
            yield return message;
        }
    }

    public void ResetForReconnect()
    {
        lock (this)
        {
            Book.Reset();
            _buffered.Clear();
            ResyncingSince = null;
            LostSync = false;
        }
    }
}

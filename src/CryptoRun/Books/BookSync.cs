namespace CryptoRun.Books;

/// <summary>What applying one book message did.</summary>
public enum BookApplyResult
{
    /// <summary>Applied; the book is in sync (and its checksum matched where the venue sends one).</summary>
    Applied,

    /// <summary>Older than the book (already contained in its snapshot): skipped, the book is unchanged.</summary>
    Stale,

    /// <summary>A delta arrived while the book waits for a snapshot: skipped.</summary>
    AwaitingSnapshot,

    /// <summary>The sequence shows lost messages: the book was reset and needs a new snapshot.</summary>
    Gap,

    /// <summary>The venue's checksum does not match the book: the book was reset and needs a new snapshot.</summary>
    ChecksumFailed,
}

/// <summary>
/// Counters of one book (or one stream of books): messages, checksum passes and failures, gaps and resyncs.
/// Written by the receive loop, read from any thread.
/// </summary>
public sealed class BookStats
{
    private long _messages;
    private long _checksumPasses;
    private long _checksumFailures;
    private long _gaps;
    private long _resyncs;

    /// <summary>Book messages applied or examined.</summary>
    public long Messages => Interlocked.Read(ref _messages);

    /// <summary>Messages whose venue checksum matched the book.</summary>
    public long ChecksumPasses => Interlocked.Read(ref _checksumPasses);

    /// <summary>Messages whose venue checksum did not match (each led to a resync).</summary>
    public long ChecksumFailures => Interlocked.Read(ref _checksumFailures);

    /// <summary>Sequence gaps seen (each led to a resync).</summary>
    public long Gaps => Interlocked.Read(ref _gaps);

    /// <summary>Snapshots applied after a gap or checksum failure.</summary>
    public long Resyncs => Interlocked.Read(ref _resyncs);

    /// <summary>Counts one result.</summary>
    /// <param name="result">What applying a message did.</param>
    /// <param name="checksummed">True when the message carried a checksum that was compared.</param>
    public void Count(BookApplyResult result, bool checksummed)
    {
        Interlocked.Increment(ref _messages);
        switch (result)
        {
            case BookApplyResult.Applied when checksummed:
                Interlocked.Increment(ref _checksumPasses);
                break;
            case BookApplyResult.ChecksumFailed:
                Interlocked.Increment(ref _checksumFailures);
                break;
            case BookApplyResult.Gap:
                Interlocked.Increment(ref _gaps);
                break;
        }
    }

    /// <summary>Counts a snapshot applied to recover from a gap or checksum failure.</summary>
    public void CountResync() => Interlocked.Increment(ref _resyncs);
}

/// <summary>
/// A venue's rules for keeping an <see cref="L2Book"/> in sync: how snapshots and deltas are sequenced and
/// checksummed. One instance per venue, stateless; the book carries the state.
/// </summary>
public interface IBookSync
{
    /// <summary>Applies one message to a book, validating its sequence and checksum; on a gap or checksum failure the book is reset.</summary>
    /// <param name="book">The book of the message's symbol.</param>
    /// <param name="message">The parsed message.</param>
    /// <returns>What happened.</returns>
    BookApplyResult Apply(L2Book book, BookMessage message);
}

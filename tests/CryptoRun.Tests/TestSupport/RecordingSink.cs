using System.Text;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Streaming;

namespace CryptoRun.Tests.TestSupport;

/// <summary>
/// A hand-written <see cref="IStreamSink"/> for parser tests: resolves a given symbol map, records every published
/// event, and applies book messages to one <see cref="L2Book"/> per instrument through the protocol's sync,
/// recording each result, the <see cref="BookStats"/>, and the snapshots and deltas that were applied.
/// </summary>
internal sealed class RecordingSink : IStreamSink
{
    private readonly Dictionary<string, Instrument> _symbols;
    private readonly IBookSync _sync;
    private readonly int _depth;
    private readonly string _venue;

    public RecordingSink(string venue, IReadOnlyDictionary<string, Instrument> symbols, IBookSync sync, int depth = 0)
    {
        _venue = venue;
        _symbols = new Dictionary<string, Instrument>(symbols, StringComparer.OrdinalIgnoreCase);
        _sync = sync;
        _depth = depth;
    }

    public List<StreamEvent> Events { get; } = [];

    public Dictionary<Instrument, L2Book> Books { get; } = [];

    public BookStats Stats { get; } = new();

    public List<(Instrument Instrument, BookApplyResult Result, bool IsSnapshot, int Levels)> Results { get; } = [];

    public long Frame { get; private set; }

    public BookMessage Book { get; } = new();

    public int Snapshots => Results.Count(r => r.Result == BookApplyResult.Applied && r.IsSnapshot);

    public int Deltas => Results.Count(r => r.Result == BookApplyResult.Applied && !r.IsSnapshot);

    public int Count(BookApplyResult result) => Results.Count(r => r.Result == result);

    public IEnumerable<T> Of<T>()
        where T : StreamEvent => Events.OfType<T>();

    /// <summary>Feeds one received frame's text to the parser, as the receive loop would.</summary>
    public void Feed(IStreamParser parser, string payload)
    {
        Frame++;
        parser.Parse(Encoding.UTF8.GetBytes(payload), this);
    }

    public bool TryResolve(string streamSymbol, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Instrument? instrument)
        => _symbols.TryGetValue(streamSymbol, out instrument);

    public StreamProvenance Provenance(long? exchangeTimeMs, long? sequence)
        => new(_venue, _venue + "#1", Frame, DateTimeOffset.UnixEpoch, exchangeTimeMs, sequence);

    public void Publish(StreamEvent streamEvent) => Events.Add(streamEvent);

    public void ApplyBook(Instrument instrument)
    {
        if (!Books.TryGetValue(instrument, out var book))
        {
            book = new L2Book(instrument, _depth);
            Books[instrument] = book;
        }

        var result = _sync.Apply(book, Book);
        Stats.Count(result, Book.Checksum is not null);
        Results.Add((instrument, result, Book.IsSnapshot, Book.Bids.Count + Book.Asks.Count));
        Book.Clear();
    }
}

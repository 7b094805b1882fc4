using System.Diagnostics.CodeAnalysis;
using System.Text;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Streaming;

namespace CryptoRun.Tests.TestSupport;

/// <summary>
/// A stream sink for protocol tests: resolves a fixed venue-symbol map (case-insensitive), records every published
/// event, and applies books with <see cref="L2Book"/> and the protocol's own <see cref="IBookSync"/>, recording each
/// apply result. Feed frames with <see cref="Feed"/>; one parser per sink (one connection).
/// </summary>
internal sealed class ProtocolSink : IStreamSink
{
    private readonly IStreamProtocol _protocol;
    private readonly IStreamParser _parser;
    private readonly IBookSync _sync;
    private readonly Dictionary<string, Instrument> _symbols;

    public ProtocolSink(IStreamProtocol protocol, IReadOnlyDictionary<string, Instrument> symbols)
    {
        _protocol = protocol;
        _parser = protocol.CreateParser();
        _sync = protocol.CreateBookSync();
        _symbols = new Dictionary<string, Instrument>(symbols, StringComparer.OrdinalIgnoreCase);
    }

    public List<StreamEvent> Events { get; } = [];

    public Dictionary<Instrument, L2Book> Books { get; } = [];

    public List<(Instrument Instrument, BookApplyResult Result, bool Snapshot, long Frame)> Results { get; } = [];

    public BookStats Stats { get; } = new();

    public long Frame { get; private set; }

    public BookMessage Book { get; } = new();

    public IEnumerable<T> Of<T>() => Events.OfType<T>();

    public void Feed(string payload)
    {
        Frame++;
        Book.Clear();
        _parser.Parse(Encoding.UTF8.GetBytes(payload), this);
    }

    public void FeedAll(IEnumerable<string> payloads)
    {
        foreach (var payload in payloads)
        {
            Feed(payload);
        }
    }

    public bool TryResolve(string streamSymbol, [NotNullWhen(true)] out Instrument? instrument)
        => _symbols.TryGetValue(streamSymbol, out instrument);

    public StreamProvenance Provenance(long? exchangeTimeMs, long? sequence)
        => new(_protocol.Venue, _protocol.Venue + "#1", Frame, DateTimeOffset.UnixEpoch, exchangeTimeMs, sequence);

    public void Publish(StreamEvent streamEvent) => Events.Add(streamEvent);

    public void ApplyBook(Instrument instrument)
    {
        if (!Books.TryGetValue(instrument, out var book))
        {
            book = new L2Book(instrument, _protocol.BookDepth);
            Books.Add(instrument, book);
        }

        var result = _sync.Apply(book, Book);
        Stats.Count(result, checksummed: false);
        Results.Add((instrument, result, Book.IsSnapshot, Frame));
    }
}

using System.Diagnostics.CodeAnalysis;
using System.Text;
using BenchmarkDotNet.Attributes;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Replay;
using CryptoRun.Replay.Recordings;
using CryptoRun.Streaming;
using CryptoRun.Venues.Bybit;
using CryptoRun.Venues.Kraken;

namespace CryptoRun.Benchmarks;

/// <summary>
/// Every received frame of a real capture through a venue's <see cref="IStreamParser"/> into a minimal sink that
/// applies books with the protocol's sync (events counted, not stored). One invocation = the whole connection once:
/// Bybit v5 linear (<c>BYBIT.ws.2</c>, 2,546 frames: book deltas of 200-level books, tickers, trades, klines) and
/// Kraken Futures (<c>KRAKEN_FUTURES.ws.1.0</c>, 7,179 frames, mostly one-level book messages).
/// </summary>
[MemoryDiagnoser]
public class StreamProtocolBenchmarks
{
    private byte[][] _bybit = [];
    private byte[][] _kraken = [];

    [GlobalSetup]
    public void Setup()
    {
        _bybit = CaptureV2Reader.Read(RecordedData.PathOf("ws-captures", "v2", "BYBIT.jsonl.zst")).Frames
            .Where(f => f.Connection == "BYBIT.ws.2").Select(f => Encoding.UTF8.GetBytes(f.Payload)).ToArray();
        _kraken = CaptureReader.Read(RecordedData.PathOf("ws-captures", "v1", "KRAKEN_FUTURES.ws.1.0")).Frames
            .Select(f => Encoding.UTF8.GetBytes(f.Payload)).ToArray();
        Console.WriteLine($"frames: bybit linear {_bybit.Length}, kraken-futures {_kraken.Length}");
    }

    [Benchmark(Description = "Bybit v5 linear: every frame parsed, books applied", OperationsPerInvoke = 2546)]
    public long Bybit() => Run(new BybitStreamProtocol(), _bybit);

    [Benchmark(Description = "Kraken Futures: every frame parsed, books applied", OperationsPerInvoke = 7175)]
    public long KrakenFutures() => Run(new KrakenFuturesStreamProtocol(), _kraken);

    private static long Run(IStreamProtocol protocol, byte[][] frames)
    {
        var sink = new CountingSink(protocol);
        var parser = protocol.CreateParser();
        foreach (var frame in frames)
        {
            sink.Book.Clear();
            parser.Parse(frame, sink);
        }

        return sink.Events + sink.Applied;
    }

    private sealed class CountingSink(IStreamProtocol protocol) : IStreamSink
    {
        private readonly IBookSync _sync = protocol.CreateBookSync();
        private readonly Dictionary<string, Instrument> _instruments = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<Instrument, L2Book> _books = [];

        public long Events { get; private set; }

        public long Applied { get; private set; }

        public BookMessage Book { get; } = new();

        public bool TryResolve(string streamSymbol, [NotNullWhen(true)] out Instrument? instrument)
        {
            if (!_instruments.TryGetValue(streamSymbol, out instrument))
            {
                var letters = new string(streamSymbol.Where(char.IsLetterOrDigit).ToArray()).ToUpperInvariant();
                instrument = new Instrument(letters.Length > 20 ? letters[..20] : letters, "USD");
                _instruments[streamSymbol] = instrument;
            }

            return true;
        }

        public StreamProvenance Provenance(long? exchangeTimeMs, long? sequence)
            => new(protocol.Venue, protocol.Venue + "#1", 0, DateTimeOffset.UnixEpoch, exchangeTimeMs, sequence);

        public void Publish(StreamEvent streamEvent) => Events++;

        public void ApplyBook(Instrument instrument)
        {
            if (!_books.TryGetValue(instrument, out var book))
            {
                _books[instrument] = book = new L2Book(instrument, protocol.BookDepth);
            }

            Applied += _sync.Apply(book, Book) == BookApplyResult.Applied ? 1 : 0;
        }
    }
}

using System.Diagnostics.CodeAnalysis;
using System.Text;
using BenchmarkDotNet.Attributes;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Replay;
using CryptoRun.Replay.Recordings;
using CryptoRun.Streaming;
using CryptoRun.Venues.Bitstamp;
using CryptoRun.Venues.Bybit;
using CryptoRun.Venues.Coinbase;
using CryptoRun.Venues.Kraken;

namespace CryptoRun.Benchmarks;

/// <summary>
/// Every received frame of a real capture through a venue's <see cref="IStreamParser"/> into a minimal sink that
/// applies books with the protocol's sync (events counted, not stored). One invocation = the whole connection once:
/// Bybit v5 linear (<c>BYBIT.ws.2</c>, 2,546 frames: book deltas of 200-level books, tickers, trades, klines),
/// Kraken Futures (<c>KRAKEN_FUTURES.ws.1.0</c>, 7,175 frames, mostly one-level book messages), the Coinbase Exchange feed
/// (<c>COINBASE.ws.28.0</c>, 9,946 frames: level2 snapshots and l2updates, ticker, matches), Coinbase Advanced Trade
/// (<c>COINBASE.ws.2</c>, 1,030 frames: level2, market_trades, ticker, candles) and Bitstamp (<c>BITSTAMP.ws.1.0</c>,
/// 747 frames: diff_order_book and live_trades; its books start from a REST snapshot, so here the diffs are parsed and
/// wait for it: a parse rate).
/// </summary>
[MemoryDiagnoser]
public class StreamProtocolBenchmarks
{
    private byte[][] _bybit = [];
    private byte[][] _kraken = [];
    private byte[][] _coinbase = [];
    private byte[][] _coinbaseAdvanced = [];
    private byte[][] _bitstamp = [];

    [GlobalSetup]
    public void Setup()
    {
        _bybit = CaptureV2Reader.Read(RecordedData.PathOf("ws-captures", "v2", "BYBIT.jsonl.zst")).Frames
            .Where(f => f.Connection == "BYBIT.ws.2").Select(f => Encoding.UTF8.GetBytes(f.Payload)).ToArray();
        _kraken = V1("KRAKEN_FUTURES.ws.1.0");
        _coinbase = V1("COINBASE.ws.28.0");
        _coinbaseAdvanced = CaptureV2Reader.Read(RecordedData.PathOf("ws-captures", "v2", "COINBASE.jsonl.zst")).Frames
            .Where(f => f.Connection == "COINBASE.ws.2").Select(f => Encoding.UTF8.GetBytes(f.Payload)).ToArray();
        _bitstamp = V1("BITSTAMP.ws.1.0");
        Console.WriteLine($"frames: bybit linear {_bybit.Length}, kraken-futures {_kraken.Length}, coinbase {_coinbase.Length}, coinbase-advanced {_coinbaseAdvanced.Length}, bitstamp {_bitstamp.Length}");
    }

    [Benchmark(Description = "Coinbase Exchange feed: every frame parsed, books applied", OperationsPerInvoke = 9946)]
    public long Coinbase() => Run(new CoinbaseExchangeStreamProtocol(), _coinbase);

    [Benchmark(Description = "Coinbase Advanced Trade: every frame parsed, books applied", OperationsPerInvoke = 1030)]
    public long CoinbaseAdvanced() => Run(new CoinbaseAdvancedStreamProtocol(), _coinbaseAdvanced);

    [Benchmark(Description = "Bitstamp: every frame parsed (diffs await the REST snapshot)", OperationsPerInvoke = 747)]
    public long Bitstamp() => Run(new BitstampStreamProtocol(), _bitstamp);

    private static byte[][] V1(string file)
        => CaptureReader.Read(RecordedData.PathOf("ws-captures", "v1", file)).Frames.Select(f => Encoding.UTF8.GetBytes(f.Payload)).ToArray();

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

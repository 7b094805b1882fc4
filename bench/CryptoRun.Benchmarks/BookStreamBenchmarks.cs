using System.Text;
using BenchmarkDotNet.Attributes;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Replay;
using CryptoRun.Replay.Recordings;
using CryptoRun.Venues.Binance;
using CryptoRun.Venues.Kraken;
using CryptoRun.Venues.Okx;

namespace CryptoRun.Benchmarks;

/// <summary>
/// Book messages of the real captures, looped, on one core: each frame parsed from UTF-8 into a
/// <see cref="BookMessage"/>, validated and applied to its <see cref="L2Book"/>, with Kraken's and OKX's CRC32
/// checksums computed on every message. One invocation = every book frame of the capture once (books restart
/// from their recorded snapshots each loop). Target (issue 5): 500,000 book deltas/s or more with checksums.
/// </summary>
[MemoryDiagnoser]
public class BookStreamBenchmarks
{
    private byte[][] _kraken = [];
    private byte[][] _krakenSnapshots = [];
    private byte[][] _okx = [];
    private byte[][] _binance = [];
    private readonly BookMessage _message = new();

    /// <summary>Book frames in the Kraken capture.</summary>
    public int KrakenFrames => _kraken.Length;

    [GlobalSetup]
    public void Setup()
    {
        _kraken = BookFrames("KRAKEN.ws.50.0", f => KrakenBookSync.TryParse(f, _message, out _));
        _krakenSnapshots = _kraken.Where(f => KrakenBookSync.TryParse(f, _message, out _) && _message.IsSnapshot).ToArray();
        _okx = BookFrames("OKX.ws.1.0", f => OkxBookSync.TryParse(f, _message));
        _binance = BookFrames("BINANCE_FUTURES.ws.1.0", f => BinanceBookSync.TryParseUpdate(f, _message));
        Console.WriteLine($"book frames: kraken {_kraken.Length} ({_krakenSnapshots.Length} snapshots), okx {_okx.Length}, binance-usdm {_binance.Length}");
    }

    [Benchmark(Description = "Kraken book-1000: parse + apply + CRC32 per message", OperationsPerInvoke = 4279)]
    public long Kraken()
    {
        var sync = new KrakenBookSync();
        var books = new Dictionary<string, L2Book>(StringComparer.Ordinal);
        long passes = 0;
        foreach (var frame in _kraken)
        {
            KrakenBookSync.TryParse(frame, _message, out var depth);
            if (!books.TryGetValue(_message.Symbol, out var book))
            {
                books[_message.Symbol] = book = new L2Book(Instrument.Parse(_message.Symbol), depth);
            }

            passes += sync.Apply(book, _message) == BookApplyResult.Applied ? 1 : 0;
        }

        return passes;
    }

    /// <summary>
    /// Only the capture's 10 snapshots (1,000 levels a side), per snapshot: subtracted from <see cref="Kraken"/>'s total it
    /// leaves what the 4,269 deltas cost (the delta rate in <c>bench/README.md</c>).
    /// </summary>
    [Benchmark(Description = "Kraken book-1000: snapshots only (parse + apply + CRC32) per snapshot", OperationsPerInvoke = 10)]
    public long KrakenSnapshots()
    {
        var sync = new KrakenBookSync();
        long passes = 0;
        foreach (var frame in _krakenSnapshots)
        {
            KrakenBookSync.TryParse(frame, _message, out var depth);
            passes += sync.Apply(new L2Book(Instrument.Parse(_message.Symbol), depth), _message) == BookApplyResult.Applied ? 1 : 0;
        }

        return passes;
    }

    [Benchmark(Description = "OKX books (400): parse + apply + CRC32 per message", OperationsPerInvoke = 290)]
    public long Okx()
    {
        var sync = new OkxBookSync();
        var books = new Dictionary<string, L2Book>(StringComparer.Ordinal);
        long passes = 0;
        foreach (var frame in _okx)
        {
            OkxBookSync.TryParse(frame, _message);
            if (!books.TryGetValue(_message.Symbol, out var book))
            {
                books[_message.Symbol] = book = new L2Book(Instrument.Parse("X/Y"));
            }

            passes += sync.Apply(book, _message) == BookApplyResult.Applied ? 1 : 0;
        }

        return passes;
    }

    [Benchmark(Description = "Binance USD-M depthUpdate: parse only (no snapshot to apply to)", OperationsPerInvoke = 764)]
    public long BinanceParse()
    {
        long levels = 0;
        foreach (var frame in _binance)
        {
            BinanceBookSync.TryParseUpdate(frame, _message);
            levels += _message.Bids.Count + _message.Asks.Count;
        }

        return levels;
    }

    private static byte[][] BookFrames(string file, Func<byte[], bool> isBook)
        => CaptureReader.Read(RecordedData.PathOf("ws-captures", "v1", file)).Frames
            .Select(f => Encoding.UTF8.GetBytes(f.Payload))
            .Where(isBook)
            .ToArray();
}

using System.Diagnostics;
using CryptoRun.Streaming;
using CryptoRun.Venues.Kraken;

namespace CryptoRun.Benchmarks;

/// <summary>
/// Memory over 10 million messages (<c>-- stream-memory</c>): the Kraken capture's 4,325 frames looped through the receive
/// loop's path (<see cref="StreamConnection.Process"/>: parse, ten book-1000 books with CRC32, trades, tickers, consumer
/// buffers drained on the same core), with the managed heap measured after a full collection every million frames.
/// Target (issue 5): flat.
/// </summary>
internal static class StreamMemory
{
    public static int Run()
    {
        const long total = 10_000_000;
        var frames = StreamPipelineBenchmarks.Frames("KRAKEN.ws.50.0");
        var pipeline = StreamPipelineBenchmarks.Pipeline.Create(
            new KrakenStreamProtocol(), frames, StreamPipelineBenchmarks.KrakenMarkets(frames), [StreamChannel.Trades, StreamChannel.Book, StreamChannel.Ticker]);
        var watch = Stopwatch.StartNew();
        long done = 0;
        long? first = null;
        var max = 0L;
        var next = 1_000_000L;
        while (done < total)
        {
            pipeline.RunOnce();
            done += frames.Length;
            if (done >= next)
            {
                var heap = GC.GetTotalMemory(forceFullCollection: true);
                first ??= heap;
                max = Math.Max(max, heap);
                Console.WriteLine($"{done,12:N0} frames: heap {heap / 1024.0 / 1024.0,7:0.00} MiB, working set {Environment.WorkingSet / 1024.0 / 1024.0,7:0.0} MiB, gen2 collections {GC.CollectionCount(2)}");
                next += 1_000_000;
            }
        }

        pipeline.Check();
        var last = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"{done:N0} frames in {watch.Elapsed.TotalSeconds:0.0} s ({done / watch.Elapsed.TotalSeconds:N0} frames/s with GCs); heap after 1 M {first / 1024.0 / 1024.0:0.00} MiB, after {done / 1_000_000} M {last / 1024.0 / 1024.0:0.00} MiB, max {max / 1024.0 / 1024.0:0.00} MiB");
        return 0;
    }
}

using CryptoRun.Domain;
using CryptoRun.Replay;
using CryptoRun.Streaming;
using CryptoRun.Venues.Kraken;

namespace CryptoRun.Benchmarks;

/// <summary>
/// Loopback receive-to-consumer latency (<c>-- stream-latency</c>): the replay venue serves the Kraken capture over a real
/// WebSocket on 127.0.0.1; a consumer on another thread reads every book and trade event of the ten recorded pairs and
/// records its clock minus the event's <see cref="StreamProvenance.ReceivedAt"/> (stamped when the frame left the
/// socket): parse, book sync with CRC32, the bounded buffer and the consumer's wake-up. Run at 4x the recorded pace
/// and as a burst (speed 0, every frame at once, so queueing shows). Target (issue 5): p99 under 1 ms.
/// </summary>
internal static class StreamLatency
{
    public static async Task<int> RunAsync()
    {
        await using var server = await ReplayServer.StartAsync(new ReplayOptions { DataRoot = RecordedData.Root() });
        foreach (var speed in new[] { "4", "0" })
        {
            var latencies = await MeasureAsync(server, speed);
            latencies.Sort();
            Console.WriteLine($"kraken speed {speed}: {latencies.Count} events; receive-to-consumer p50 {Us(latencies, 0.50)} µs, p99 {Us(latencies, 0.99)} µs, p99.9 {Us(latencies, 0.999)} µs, max {latencies[^1] / 10.0:0.0} µs");
        }

        return 0;
    }

    private static async Task<List<long>> MeasureAsync(ReplayServer server, string speed)
    {
        var protocol = new KrakenStreamProtocol();
        var pairs = StreamPipelineBenchmarks.KrakenMarkets(StreamPipelineBenchmarks.Frames("KRAKEN.ws.50.0"));
        var catalog = new MarketCatalog("kraken", pairs);
        await using var client = new StreamClient(protocol, _ => Task.FromResult(catalog), new StreamClientOptions
        {
            Endpoint = new Uri($"{server.Streams.Single(s => s.Name == "kraken").Address}?speed={speed}"),
        });
        var subscribers = pairs.SelectMany(m => new[] { client.Subscribe(StreamChannel.Book, m.Instrument), client.Subscribe(StreamChannel.Trades, m.Instrument) }).ToList();
        await client.StartAsync();
        var latencies = new List<long>();
        var gate = new Lock();
        var readers = subscribers.Select(subscriber => Task.Run(async () =>
        {
            var mine = new List<long>();
            await foreach (var item in subscriber)
            {
                if (item is StreamStatusEvent { State: StreamState.Reconnecting })
                {
                    break;
                }

                if (item is BookDeltaEvent or BookSnapshotEvent or TradeEvent)
                {
                    mine.Add((TimeProvider.System.GetUtcNow() - item.Provenance.ReceivedAt).Ticks);
                }
            }

            lock (gate)
            {
                latencies.AddRange(mine);
            }
        })).ToList();
        await Task.WhenAll(readers);
        await client.StopAsync();
        return latencies;
    }

    private static string Us(List<long> sorted, double quantile)
        => (sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(sorted.Count * quantile) - 1)] / 10.0).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
}

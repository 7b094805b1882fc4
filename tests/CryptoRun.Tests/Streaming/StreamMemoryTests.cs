using CryptoRun.Streaming;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues.Kraken;

namespace CryptoRun.Tests.Streaming;

/// <summary>Runs alone: it measures the process's managed heap, which tests running beside it would move.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeapMeasuringTests
{
    public const string Name = "heap measuring";
}

/// <summary>No memory growth over a long looped replay: the Kraken capture (10 books of 1000 levels, trades, tickers) looped through the stream client with consumers reading.</summary>
[Collection(HeapMeasuringTests.Name)]
public sealed class StreamMemoryTests
{
    [Fact]
    public async Task LoopedReplay_ThirtyCyclesAfterWarmUp_HeapAndBooksStayBounded()
    {
        const int FramesPerCycle = 4430;
        await using var replay = await ReplayHarness.StartAsync();
        var kraken = replay.Connect<KrakenConnector>("kraken");
        await using var client = StreamClientReplayTests.Client(replay, "kraken", new KrakenStreamProtocol(), kraken.GetMarketsAsync, query: "speed=0&loop=true");
        var markets = await kraken.GetMarketsAsync();
        var subscribers = markets.Markets.SelectMany(m => new[]
        {
            client.Subscribe(StreamChannel.Book, m.Instrument),
            client.Subscribe(StreamChannel.Trades, m.Instrument),
            client.Subscribe(StreamChannel.Ticker, m.Instrument),
        }).ToList();
        await client.StartAsync();
        using var stop = new CancellationTokenSource();
        var readers = subscribers.Select(s => Task.Run(async () =>
        {
            long count = 0;
            try
            {
                await foreach (var _ in s.WithCancellation(stop.Token))
                {
                    count++;
                }
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }

            return count;
        })).ToList();

        await WaitForFramesAsync(client, 5L * FramesPerCycle);
        var warm = GC.GetTotalMemory(forceFullCollection: true);
        await WaitForFramesAsync(client, 35L * FramesPerCycle);
        var end = GC.GetTotalMemory(forceFullCollection: true);
        await stop.CancelAsync();
        var read = (await Task.WhenAll(readers)).Sum();

        var health = client.Health();
        Assert.True(end - warm < 8 * 1024 * 1024, $"heap grew {(end - warm) / 1024.0 / 1024.0:0.00} MiB over 30 cycles ({warm} -> {end} bytes)");
        Assert.Equal(1, health.Connections);
        Assert.Equal(0, health.ChecksumFailures);
        Assert.Equal(0, health.ParseErrors);
        Assert.True(read > 30L * 800, $"{read} events read");
        Assert.True(client.TryGetBook(markets.Markets[0].Instrument, 0, out var book));
        Assert.InRange(book.Bids.Count, 1, 1000);
        Assert.InRange(book.Asks.Count, 1, 1000);
    }

    private static async Task WaitForFramesAsync(StreamClient client, long frames)
    {
        for (var i = 0; i < 6000 && client.Health().Frames < frames; i++)
        {
            await Task.Delay(10);
        }

        Assert.True(client.Health().Frames >= frames, $"only {client.Health().Frames} of {frames} frames within 60 s");
    }
}

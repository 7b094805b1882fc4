using CryptoRun.Domain;
using CryptoRun.Facade;
using CryptoRun.Snapshots;
using CryptoRun.Streaming;
using CryptoRun.Tests.Streaming;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues.Kraken;

namespace CryptoRun.Tests.Facade;

/// <summary>The data facade over the replay venue: the streamed book first and REST as fallback, the warm tier's TTL caches, health, attribution and the cold tier.</summary>
public sealed class DataFacadeTests
{
    private static readonly Instrument Xmr = Instrument.Parse("XMR/USD");

    [Fact]
    public async Task GetBookL2_WithoutAStream_FallsBackToRest_ThenAnswersFromPricesHotUntilItsFiveSecondsPass()
    {
        await using var replay = await ReplayHarness.StartAsync();
        var kraken = replay.Connect<KrakenConnector>("kraken");
        await using var facade = new DataFacade([new FacadeVenue("kraken", kraken, new KrakenStreamProtocol())], new DataFacadeOptions { TimeProvider = replay.Clock });

        var first = await facade.GetL2BookAsync("kraken", Xmr, 10);
        var second = await facade.GetL2BookAsync("kraken", Xmr, 10);
        replay.Clock.Advance(TimeSpan.FromSeconds(5));
        var third = await facade.GetL2BookAsync("kraken", Xmr, 10);

        var rest = (await kraken.GetL2BookAsync(Xmr, 10)).Value;
        Assert.StartsWith("GET /0/public/Depth", first.Provenance.Endpoint, StringComparison.Ordinal);
        Assert.Equal(rest.Bids, first.Value.Bids);
        Assert.Same(first, second);
        Assert.NotSame(first, third);
        var hot = facade.CacheStats().PricesHot;
        Assert.Equal((1, 2), (hot.Hits, hot.Misses));
        var attribution = facade.SourceAttribution("kraken");
        Assert.Equal(2, attribution.Sources["rest"]);
        Assert.Equal(1, attribution.Sources["cache"]);
        var health = facade.VenueHealth("kraken");
        Assert.True(health.RestHealthy);
        Assert.False(health.WsConnected);
        Assert.Equal("REST", health.Recommendation);
    }

    [Fact]
    public async Task GetBookL2_WithASyncedStream_AnswersFromTheStreamedBook_AndHealthSaysUseStream()
    {
        await using var replay = await ReplayHarness.StartAsync();
        var kraken = replay.Connect<KrakenConnector>("kraken");
        var ws = new Uri($"{replay.Server.Streams.Single(s => s.Name == "kraken").Address}?speed=0&silent_after=3000");
        await using var facade = new DataFacade(
            [new FacadeVenue("kraken", kraken, new KrakenStreamProtocol(), new StreamClientOptions { Endpoint = ws, TimeProvider = replay.Clock })],
            new DataFacadeOptions { TimeProvider = replay.Clock });
        var book = facade.SubscribeL2Book("kraken", Xmr);
        await facade.StartAsync();
        var events = await StreamReplayKit.ReadUntilAsync(book, e => e is BookDeltaEvent);

        // The replay goes silent after 3,000 frames: once they are all in, what the consumer reads is the whole book's history.
        while (facade.Stream("kraken")!.Health().Frames < 3000)
        {
            await Task.Delay(20);
        }

        events.AddRange(await StreamReplayKit.ReadAvailableAsync(book, TimeSpan.FromMilliseconds(300)));

        var answer = await facade.GetL2BookAsync("kraken", Xmr, 0);

        Assert.Equal("ws", answer.Provenance.Endpoint);
        var rebuilt = StreamReplayKit.Rebuild(events, 1000);
        Assert.Equal(answer.Value.Bids.Take(10).Select(l => (l.Price, l.Size)), rebuilt.TopBids(10));
        Assert.Equal(answer.Value.Asks.Take(10).Select(l => (l.Price, l.Size)), rebuilt.TopAsks(10));
        var health = facade.VenueHealth("kraken");
        Assert.True(health.WsConnected);
        Assert.Equal("use stream", health.Recommendation);
        Assert.Equal(0, health.Stream!.ChecksumFailures);
        Assert.Equal(1, facade.SourceAttribution("kraken").Sources["stream"]);
    }

    [Fact]
    public async Task Snapshot_KeepsTheBookInTheColdTier_ReadBackAsOfWithItsChecksum()
    {
        await using var replay = await ReplayHarness.StartAsync();
        using var dir = new TempDir();
        var kraken = replay.Connect<KrakenConnector>("kraken");
        var store = new PointInTimeStore(new PointInTimeStoreOptions { Root = dir.Path, TimeProvider = replay.Clock });
        await using var facade = new DataFacade([new FacadeVenue("kraken", kraken)], new DataFacadeOptions { TimeProvider = replay.Clock, PointInTime = store });

        var (bookMeta, tickerMeta) = await facade.SnapshotAsync("kraken", Xmr, 25);
        replay.Clock.Advance(TimeSpan.FromMinutes(1));

        Assert.True(store.TryReadBookAsOf("kraken", Xmr, replay.Clock.GetUtcNow(), out var book));
        Assert.Equal(bookMeta.Id, book.Metadata.Id);
        var rest = (await kraken.GetL2BookAsync(Xmr, 25)).Value;
        Assert.Equal(rest.Bids, book.Book.Bids);
        Assert.Equal(rest.Asks, book.Book.Asks);
        Assert.True(store.TryReadTickerAsOf("kraken", Xmr, replay.Clock.GetUtcNow(), out var ticker));
        Assert.Equal(tickerMeta.Id, ticker.Metadata.Id);
        Assert.Equal(rest.BestBid!.Value.Price, ticker.Ticker.BidPrice);
        Assert.False(store.TryReadBookAsOf("kraken", Xmr, bookMeta.TakenAt.AddMilliseconds(-1), out _));
    }

    [Fact]
    public async Task GetVadr_FromTheVenuesKlines_IsCachedInVolumesVadr()
    {
        await using var replay = await ReplayHarness.StartAsync();
        var kraken = replay.Connect<KrakenConnector>("kraken");
        await using var facade = new DataFacade([new FacadeVenue("kraken", kraken)], new DataFacadeOptions { TimeProvider = replay.Clock });

        var first = await facade.GetVadrAsync("kraken", Xmr, TimeSpan.FromHours(24), Timeframe.H1);
        var second = await facade.GetVadrAsync("kraken", Xmr, TimeSpan.FromHours(24), Timeframe.H1);

        Assert.Same(first, second);
        Assert.Equal((1, 1), (facade.CacheStats().VolumesVadr.Hits, facade.CacheStats().VolumesVadr.Misses));
        Assert.True(first.IsFrozen || first.Value is not null);
    }

    [Fact]
    public void UnknownVenue_IsAnArgumentErrorNamingTheKnownOnes()
    {
        var facade = new DataFacade([]);

        var error = Assert.Throws<ArgumentException>(() => facade.VenueHealth("nowhere"));

        Assert.Contains("unknown venue 'nowhere'", error.Message, StringComparison.Ordinal);
    }
}

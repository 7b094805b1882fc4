using CryptoRun.Caching;
using CryptoRun.Snapshots;
using CryptoRun.Tests.Snapshots;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Caching;

/// <summary>TTL expiry on a manual clock, LRU bounding, exact statistics and single-flight loads, with real recorded tickers as values.</summary>
public sealed class TtlCacheTests
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2021, 10, 12, 0, 28, 33, TimeSpan.Zero));

    private static List<TickerSnapshot> Tickers() => RecordedSnapshots.BinanceTickers().Select(t => t.Ticker).ToList();

    [Fact]
    public void TryGet_TtlPassed_FreshUntilOneTickBeforeThenMissAndCountedExpired()
    {
        var cache = new TtlCache<string, TickerSnapshot>("PricesHot", TimeSpan.FromSeconds(5), 10, _clock);
        var ticker = Tickers()[0];
        cache.Set("binance:NKN/USDT", ticker);

        _clock.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.True(cache.TryGet("binance:NKN/USDT", out var hit));
        Assert.Same(ticker, hit);
        _clock.Advance(TimeSpan.FromTicks(1));
        Assert.False(cache.TryGet("binance:NKN/USDT", out _));

        Assert.Equal(new CacheTierStats("PricesHot", TimeSpan.FromSeconds(5), 10, 0, Hits: 1, Misses: 1, Evictions: 0, Expirations: 1), cache.Stats());
    }

    [Fact]
    public void Set_Rewrite_RestartsTheTtl()
    {
        var cache = new TtlCache<string, int>("t", TimeSpan.FromSeconds(30), 10, _clock);
        cache.Set("k", 1);
        _clock.Advance(TimeSpan.FromSeconds(20));
        cache.Set("k", 2);
        cache.Set("other", 3);
        _clock.Advance(TimeSpan.FromSeconds(20)); // 40 s after the first write, 20 s after the second

        Assert.True(cache.TryGet("k", out var v));
        Assert.Equal(2, v);
        Assert.Equal(0, cache.Stats().Expirations);
        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(2, cache.PurgeExpired());
        Assert.Equal(0, cache.Stats().Entries);
    }

    [Fact]
    public void Set_OverCapacity_EvictsTheLeastRecentlyUsed()
    {
        var cache = new TtlCache<string, int>("t", TimeSpan.FromMinutes(1), 3, _clock);
        cache.Set("a", 1);
        cache.Set("b", 2);
        cache.Set("c", 3);
        Assert.True(cache.TryGet("a", out _)); // a becomes most recent: b is now least recent

        cache.Set("d", 4);
        Assert.False(cache.TryGet("b", out _));
        Assert.True(cache.TryGet("a", out _));
        Assert.True(cache.TryGet("c", out _));
        Assert.True(cache.TryGet("d", out _));

        cache.Set("c", 30); // rewriting makes c most recent: order a, d, c
        cache.Set("e", 5);
        Assert.False(cache.TryGet("a", out _));
        Assert.Equal(new CacheTierStats("t", TimeSpan.FromMinutes(1), 3, 3, Hits: 4, Misses: 2, Evictions: 2, Expirations: 0), cache.Stats());
    }

    [Fact]
    public void Set_FullOfExpiredEntries_ExpiresThemInsteadOfEvicting()
    {
        var cache = new TtlCache<string, int>("t", TimeSpan.FromSeconds(5), 2, _clock);
        cache.Set("a", 1);
        cache.Set("b", 2);
        _clock.Advance(TimeSpan.FromSeconds(5));
        cache.Set("c", 3);
        cache.Set("d", 4);

        var stats = cache.Stats();
        Assert.Equal((2, 0L, 2L), (stats.Entries, stats.Evictions, stats.Expirations));
    }

    [Fact]
    public void Stats_RecordedTickersThroughASmallCache_CountsExactly()
    {
        // 84 real bookTicker updates over three symbols, keyed by symbol, one lookup before each write, two slots.
        var cache = new TtlCache<string, TickerSnapshot>("PricesHot", TimeSpan.FromSeconds(5), 2, _clock);
        var frames = RecordedSnapshots.BinanceTickers();
        long hits = 0, misses = 0, evictions = 0, expirations = 0;
        var model = new List<(string Key, DateTimeOffset WrittenAt)>(); // least recently used first
        foreach (var frame in frames)
        {
            var now = frame.ReceivedAt;
            if (now > _clock.GetUtcNow())
            {
                _clock.Advance(now - _clock.GetUtcNow());
            }

            var expired = model.Where(m => m.WrittenAt + TimeSpan.FromSeconds(5) <= _clock.GetUtcNow()).ToList();
            expirations += expired.Count;
            model.RemoveAll(expired.Contains);
            var key = frame.Ticker.Instrument.Symbol;
            var at = model.FindIndex(m => m.Key == key);
            if (at >= 0)
            {
                hits++;
                model.Add(model[at]);
                model.RemoveAt(at);
            }
            else
            {
                misses++;
            }

            Assert.Equal(at >= 0, cache.TryGet(key, out _));
            cache.Set(key, frame.Ticker);
            model.RemoveAll(m => m.Key == key);
            if (model.Count == 2)
            {
                model.RemoveAt(0);
                evictions++;
            }

            model.Add((key, _clock.GetUtcNow()));
        }

        var stats = cache.Stats();
        Assert.Equal((hits, misses, evictions, expirations, model.Count), (stats.Hits, stats.Misses, stats.Evictions, stats.Expirations, stats.Entries));
        Assert.True(hits > 0 && misses > 0 && evictions > 0, $"{hits} hits, {misses} misses, {evictions} evictions");
        Assert.Equal((double)hits / (hits + misses), stats.HitRatio);
    }

    [Fact]
    public async Task GetOrAddAsync_ConcurrentMisses_RunTheFactoryOnceAndAllGetItsValue()
    {
        var cache = new TtlCache<string, TickerSnapshot>("PricesWarm", TimeSpan.FromSeconds(30), 100, _clock);
        var ticker = Tickers()[5];
        var release = new TaskCompletionSource<TickerSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        Task<TickerSnapshot> Factory(string key, CancellationToken ct)
        {
            Interlocked.Increment(ref calls);
            return release.Task;
        }

        var callers = Enumerable.Range(0, 16).Select(_ => Task.Run(() => cache.GetOrAddAsync("k", Factory))).ToList();
        while (cache.Stats().Misses < 16)
        {
            await Task.Yield();
        }

        release.SetResult(ticker);
        var values = await Task.WhenAll(callers);

        Assert.Equal(1, calls);
        Assert.All(values, v => Assert.Same(ticker, v));
        Assert.Same(ticker, await cache.GetOrAddAsync("k", Factory));
        var stats = cache.Stats();
        Assert.Equal((1L, 16L, 1), (stats.Hits, stats.Misses, stats.Entries));

        _clock.Advance(TimeSpan.FromSeconds(30));
        release = new TaskCompletionSource<TickerSnapshot>();
        release.SetResult(Tickers()[6]);
        Assert.Equal(Tickers()[6], await cache.GetOrAddAsync("k", Factory));
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task GetOrAddAsync_FactoryFails_JoinersSeeTheErrorNothingIsStoredAndTheNextCallRetries()
    {
        var cache = new TtlCache<string, int>("t", TimeSpan.FromSeconds(30), 10, _clock);
        var fail = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = cache.GetOrAddAsync("k", (_, _) => fail.Task);
        var joiner = cache.GetOrAddAsync("k", (_, _) => Task.FromResult(99));
        fail.SetException(new TimeoutException("venue timed out"));

        await Assert.ThrowsAsync<TimeoutException>(() => first);
        await Assert.ThrowsAsync<TimeoutException>(() => joiner);
        Assert.Equal(0, cache.Stats().Entries);
        Assert.Equal(7, await cache.GetOrAddAsync("k", (_, _) => Task.FromResult(7)));
    }

    [Fact]
    public async Task ParallelOperations_ManyThreads_StayWithinCapacityAndCountEveryLookup()
    {
        var cache = new TtlCache<int, int>("t", TimeSpan.FromSeconds(5), 50, _clock);
        const int Threads = 8, Ops = 5_000;
        await Task.WhenAll(Enumerable.Range(0, Threads).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < Ops; i++)
            {
                var key = ((i * 7) + t) % 80;
                if (!cache.TryGet(key, out _))
                {
                    cache.Set(key, i);
                }
            }
        })));

        var stats = cache.Stats();
        Assert.Equal(Threads * Ops, stats.Hits + stats.Misses);
        Assert.True(stats.Entries <= 50);
        Assert.True(stats.Evictions > 0);
    }
}

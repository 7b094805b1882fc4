using CryptoRun.Caching;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Caching;

/// <summary>The seed's four tiers: their TTLs and capacities, typed single-flight loads and the stats shape.</summary>
public sealed class CacheTiersTests
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Tiers_SeedTtls_EachExpiresAtItsOwnTtl()
    {
        var tiers = new CacheTiers(_clock);
        foreach (var tier in Enum.GetValues<TtlTier>())
        {
            await tiers.GetOrAddAsync(tier, "binance:BTC/USDT", _ => Task.FromResult(42m));
        }

        bool Fresh(TtlTier tier) => tiers[tier].TryGet("binance:BTC/USDT", out _);

        _clock.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
        Assert.True(Fresh(TtlTier.PricesHot));
        _clock.Advance(TimeSpan.FromTicks(1));
        Assert.False(Fresh(TtlTier.PricesHot));
        Assert.True(Fresh(TtlTier.PricesWarm));
        _clock.Advance(TimeSpan.FromSeconds(25));
        Assert.False(Fresh(TtlTier.PricesWarm));
        Assert.True(Fresh(TtlTier.VolumesVadr));
        _clock.Advance(TimeSpan.FromSeconds(90));
        Assert.False(Fresh(TtlTier.VolumesVadr));
        Assert.True(Fresh(TtlTier.TokenMeta));
        _clock.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(120));
        Assert.False(Fresh(TtlTier.TokenMeta));

        var stats = tiers.Stats();
        Assert.Equal([TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(120), TimeSpan.FromHours(24)], stats.Tiers.Select(t => t.Ttl));
        Assert.Equal(10_000, stats.Tiers.Sum(t => t.Capacity)); // seed MaxEntries
        Assert.All(stats.Tiers, t => Assert.Equal((1L, 1L, 2L, 0), (t.Expirations, t.Hits, t.Misses, t.Entries))); // load miss, fresh hit, expired miss
        Assert.Equal(1.0 / 3, stats.PricesHot.HitRatio);
        Assert.Equal(1.0 / 3, stats.HitRatio);
    }

    [Fact]
    public async Task GetOrAddAsync_SameKeyDifferentTiers_Independent_AndWrongTypeNamesTheKey()
    {
        var tiers = new CacheTiers(_clock, new CacheTiersOptions { PricesHotCapacity = 2 });
        Assert.Equal(1m, await tiers.GetOrAddAsync(TtlTier.PricesHot, "k", _ => Task.FromResult(1m)));
        Assert.Equal("meta", await tiers.GetOrAddAsync(TtlTier.TokenMeta, "k", _ => Task.FromResult("meta")));
        Assert.Equal(1m, await tiers.GetOrAddAsync(TtlTier.PricesHot, "k", _ => Task.FromResult(2m)));

        var e = await Assert.ThrowsAsync<InvalidCastException>(() => tiers.GetOrAddAsync(TtlTier.TokenMeta, "k", _ => Task.FromResult(3)));
        Assert.Contains("TokenMeta key 'k'", e.Message, StringComparison.Ordinal);

        await tiers.GetOrAddAsync(TtlTier.PricesHot, "a", _ => Task.FromResult(1m));
        await tiers.GetOrAddAsync(TtlTier.PricesHot, "b", _ => Task.FromResult(1m));
        var hot = tiers.Stats().PricesHot;
        Assert.Equal(("PricesHot", 2, 2, 1L), (hot.Name, hot.Capacity, hot.Entries, hot.Evictions));
    }

    [Fact]
    public void Create_BadOptions_Throw() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new CacheTiers(_clock, new CacheTiersOptions { VolumesVadrTtl = TimeSpan.Zero }));
}

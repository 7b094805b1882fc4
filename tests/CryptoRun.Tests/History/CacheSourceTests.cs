using CryptoRun.CandleFiles;
using CryptoRun.Domain;
using CryptoRun.History;
using CryptoRun.Providers;
using CryptoRun.Storage;
using CryptoRun.Storage.Sqlite;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.History;

/// <summary>
/// The seamless provider's cache source (seed 004) on the recorded Coinbase BTC/USD minutes, which miss one
/// minute (2020-11-24T21:09Z): complete ranges read once are answered again from memory, equal to the store's
/// answer, and nothing incomplete, expired or evicted is served from it.
/// </summary>
public sealed class CacheSourceTests : IAsyncLifetime, IDisposable
{
    private static readonly SeriesKey Key = new("coinbase", Instrument.Parse("BTC/USD"), Timeframe.M1);
    private static readonly DateTimeOffset Missing = DateTimeOffset.Parse("2020-11-24T21:09:00Z", System.Globalization.CultureInfo.InvariantCulture);

    private readonly TempDir _dir = new();
    private readonly ManualClock _clock = new(DateTimeOffset.Parse("2020-12-20T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private SqliteStore _store = null!;
    private TimeRange _file;

    public async Task InitializeAsync()
    {
        _store = await SqliteStore.OpenAsync(_dir.File("store.db"), _clock);
        var candles = CandleFileReader.Read(TestData.CoinbaseMinute).Rows.Select(r => r.Candle).ToList();
        _file = new TimeRange(candles[0].OpenTimeMs, candles[^1].OpenTimeMs + 60_000);
        await _store.WriteAsync(Key, candles, new Provenance("file", "Coinbase_BTCUSD_minute.csv", _file, 0, _clock.GetUtcNow()), _file);
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task CompleteRange_ReadAgain_ComesFromTheCacheEqualToTheStore()
    {
        var provider = new HistoryProvider(_store, NoVenue, _clock);
        var day = Around(Missing, hours: 12);

        var first = await provider.FetchAsync(Key, day, HistoryStrategy.FailFast);
        var second = await provider.FetchAsync(Key, day, HistoryStrategy.AutoBackfill);

        Assert.False(first.FromCache);
        Assert.True(second.FromCache);
        AssertSameAnswer(first, second);
        Assert.Equal(1439, second.Candles.Count);
        Assert.Equal([new TimeRange(Missing, Missing.AddMinutes(1))], second.Coverage.NoCandle);
    }

    [Fact]
    public async Task RangeInsideACachedOne_ComesFromTheCacheEqualToAFreshStoreRead()
    {
        var provider = new HistoryProvider(_store, NoVenue, _clock);
        await provider.FetchAsync(Key, Around(Missing, hours: 48), HistoryStrategy.FailFast);
        var inside = new TimeRange(Missing.AddMinutes(-7), Missing.AddMinutes(30));
        var after = new TimeRange(Missing.AddMinutes(1), Missing.AddHours(2));

        var cached = await provider.FetchAsync(Key, inside, HistoryStrategy.FailFast);
        var cachedAfter = await provider.FetchAsync(Key, after, HistoryStrategy.FailFast);

        Assert.True(cached.FromCache);
        Assert.True(cachedAfter.FromCache);
        var uncached = new HistoryProvider(_store, NoVenue, _clock) { CacheCapacity = 0 };
        AssertSameAnswer(await uncached.FetchAsync(Key, inside, HistoryStrategy.FailFast), cached);
        AssertSameAnswer(await uncached.FetchAsync(Key, after, HistoryStrategy.FailFast), cachedAfter);
        Assert.Empty(cachedAfter.Coverage.NoCandle);
    }

    [Fact]
    public async Task RangeReachingPastTheStoredOnes_IsNeverCachedAndStillRefusedByFailFast()
    {
        var provider = new HistoryProvider(_store, NoVenue, _clock);
        var pastTheEnd = new TimeRange(_file.ToMs - (60 * 60_000), _file.ToMs + (60 * 60_000));

        var partial = await provider.FetchAsync(Key, pastTheEnd, HistoryStrategy.PartialFill);
        var again = await provider.FetchAsync(Key, pastTheEnd, HistoryStrategy.PartialFill);

        Assert.True(partial.IsPartial);
        Assert.False(again.FromCache);
        await Assert.ThrowsAsync<InvalidOperationException>(() => partial.Background); // its background backfill found no venue
        await Assert.ThrowsAsync<HistoryIncompleteException>(() => provider.FetchAsync(Key, pastTheEnd, HistoryStrategy.FailFast));
    }

    [Fact]
    public async Task CachedRange_AfterItsTimeToLive_IsReadFromTheStoreAgain()
    {
        var provider = new HistoryProvider(_store, NoVenue, _clock);
        var day = Around(Missing, hours: 12);
        await provider.FetchAsync(Key, day, HistoryStrategy.FailFast);

        _clock.Advance(HistoryProvider.CacheTimeToLive - TimeSpan.FromSeconds(1));
        var before = await provider.FetchAsync(Key, day, HistoryStrategy.FailFast);
        _clock.Advance(TimeSpan.FromSeconds(2));
        var after = await provider.FetchAsync(Key, day, HistoryStrategy.FailFast);

        Assert.True(before.FromCache);
        Assert.False(after.FromCache);
    }

    [Fact]
    public async Task OverCapacity_TheLeastRecentlyUsedRangeGoesFirst()
    {
        var provider = new HistoryProvider(_store, NoVenue, _clock) { CacheCapacity = 2 * 1440 };
        var a = Around(Missing, hours: 12);
        var b = new TimeRange(a.ToMs, a.ToMs + 86_400_000);
        var c = new TimeRange(b.ToMs, b.ToMs + 86_400_000);
        await provider.FetchAsync(Key, a, HistoryStrategy.FailFast);
        await provider.FetchAsync(Key, b, HistoryStrategy.FailFast);
        await provider.FetchAsync(Key, a, HistoryStrategy.FailFast); // a is now the more recently used

        await provider.FetchAsync(Key, c, HistoryStrategy.FailFast); // over capacity: b goes

        Assert.True((await provider.FetchAsync(Key, a, HistoryStrategy.FailFast)).FromCache);
        Assert.True((await provider.FetchAsync(Key, c, HistoryStrategy.FailFast)).FromCache);
        Assert.False((await provider.FetchAsync(Key, b, HistoryStrategy.FailFast)).FromCache);
    }

    [Fact]
    public async Task CacheCapacityZero_ReadsTheStoreEveryTime()
    {
        var provider = new HistoryProvider(_store, NoVenue, _clock) { CacheCapacity = 0 };
        var day = Around(Missing, hours: 12);

        await provider.FetchAsync(Key, day, HistoryStrategy.FailFast);
        var again = await provider.FetchAsync(Key, day, HistoryStrategy.FailFast);

        Assert.False(again.FromCache);
        Assert.Throws<ArgumentOutOfRangeException>(() => new HistoryProvider(_store, NoVenue, _clock) { CacheCapacity = -1 });
    }

    private static ICandleProvider NoVenue(string venue) => throw new InvalidOperationException("covered reads ask no venue");

    private static TimeRange Around(DateTimeOffset at, int hours) => new(at.AddHours(-hours), at.AddHours(hours));

    private static void AssertSameAnswer(HistoryResult expected, HistoryResult actual)
    {
        Assert.Equal(expected.Candles, actual.Candles);
        Assert.Equal(expected.Coverage.Range, actual.Coverage.Range);
        Assert.Equal(expected.Coverage.Fetched, actual.Coverage.Fetched);
        Assert.Equal(expected.Coverage.NotFetched, actual.Coverage.NotFetched);
        Assert.Equal(expected.Coverage.NoCandle, actual.Coverage.NoCandle);
        Assert.Equal(expected.Coverage.Candles, actual.Coverage.Candles);
        Assert.Equal(expected.Staleness, actual.Staleness);
        Assert.Equal(expected.Provenance, actual.Provenance);
        Assert.Equal(expected.IsPartial, actual.IsPartial);
    }
}

using CryptoRun.Storage.Sqlite;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Storage;

public sealed class BackfillLeaseTests
{
    private static readonly DateTimeOffset T0 = new(2026, 9, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Lease_HeldByOneOwnerUntilItExpiresOrIsReleased_RenewableByItsHolder()
    {
        using var dir = new TempDir();
        await using var a = await SqliteStore.OpenAsync(dir.File("store.db"));
        await using var b = await SqliteStore.OpenAsync(dir.File("store.db"));
        const string Key = "coinbase:BTC/USD:1m";

        Assert.True(await a.TryAcquireLeaseAsync(Key, "a", T0, T0.AddMinutes(2)));
        Assert.False(await b.TryAcquireLeaseAsync(Key, "b", T0.AddMinutes(1), T0.AddMinutes(3)));
        Assert.True(await a.TryAcquireLeaseAsync(Key, "a", T0.AddMinutes(1), T0.AddMinutes(3)));
        Assert.False(await b.TryAcquireLeaseAsync(Key, "b", T0.AddMinutes(2.5), T0.AddMinutes(4)));

        // Expired (a crashed worker): taken over.
        Assert.True(await b.TryAcquireLeaseAsync(Key, "b", T0.AddMinutes(3), T0.AddMinutes(5)));
        Assert.False(await a.TryAcquireLeaseAsync(Key, "a", T0.AddMinutes(3), T0.AddMinutes(5)));

        // Released only by its holder.
        await a.ReleaseLeaseAsync(Key, "a");
        Assert.False(await a.TryAcquireLeaseAsync(Key, "a", T0.AddMinutes(4), T0.AddMinutes(6)));
        await b.ReleaseLeaseAsync(Key, "b");
        Assert.True(await a.TryAcquireLeaseAsync(Key, "a", T0.AddMinutes(4), T0.AddMinutes(6)));
        Assert.True(await b.TryAcquireLeaseAsync("okx:BTC/USDT:1m", "b", T0.AddMinutes(4), T0.AddMinutes(6)));

        // A holder known dead is replaced before its lease expires; naming another owner does not help.
        Assert.Equal("a", await b.ReadLeaseHolderAsync(Key));
        Assert.False(await b.TryAcquireLeaseAsync(Key, "b", T0.AddMinutes(4), T0.AddMinutes(6), replacing: "c"));
        Assert.True(await b.TryAcquireLeaseAsync(Key, "b", T0.AddMinutes(4), T0.AddMinutes(6), replacing: "a"));
        Assert.Equal("b", await a.ReadLeaseHolderAsync(Key));
        Assert.Null(await a.ReadLeaseHolderAsync("nothing"));
    }
}

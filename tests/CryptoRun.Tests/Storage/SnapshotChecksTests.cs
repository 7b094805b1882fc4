using CryptoRun.Domain;
using static CryptoRun.Tests.Storage.StoreKit;

namespace CryptoRun.Tests.Storage;

/// <summary>The quality gate every snapshot store applies before a write, on its own.</summary>
public sealed class SnapshotChecksTests
{
    /// <summary>Spot quotes the gate refuses, for the snapshot-store contract: why, price, status, provider, fetched-at (0: unset).</summary>
    public static TheoryData<string, decimal, FetchStatus, string, long> BadQuotes => new()
    {
        { "zero price", 0m, FetchStatus.Ok, "coinbase", 1 },
        { "negative price", -1m, FetchStatus.Ok, "coinbase", 1 },
        { "DOWN status", 64000m, FetchStatus.Down, "coinbase", 1 },
        { "no provider", 64000m, FetchStatus.Ok, " ", 1 },
        { "no fetch time", 64000m, FetchStatus.Ok, "coinbase", 0 },
    };

    [Fact]
    public void SnapshotChecks_DegradedWithPositivePrice_IsAccepted()
    {
        var quote = new SpotQuote(BtcUsd, 0.00000001m, null, null, null, 0);

        Assert.Null(SnapshotChecks.Problem(quote, Provenance(provider: "kraken", status: FetchStatus.Degraded, error: "last known good")));
        Assert.Equal("BTC/USD price 0 is not positive", SnapshotChecks.Problem(quote with { Price = 0m }, Provenance()));
        Assert.Equal("provenance lacks a provider or a fetch time", SnapshotChecks.Problem(SolUsdc, Provenance(fetchedAt: default(DateTimeOffset))));
    }
}

using CryptoRun.Domain;
using CryptoRun.Storage;
using CryptoRun.Tests.TestSupport;
using static CryptoRun.Tests.Storage.StoreKit;

namespace CryptoRun.Tests.Storage;

/// <summary>Seed 002's provider_health, spot_quotes and dex_snapshots tables, and the quality gate on write.</summary>
public sealed class SnapshotStoreTests
{
    private static readonly DexPairSnapshot SolUsdc = new(
        "solana", "58oQChx4yWmvKdwLLZzBi4ChoCc2fqCUWBkwMihLYQo2", "raydium", "SOL", "USDC",
        PriceUsd: 142.3150m, PriceNative: 142.3150m, LiquidityUsd: 9_876_543.21m, Volume24hUsd: 123_456_789.00m, TimeMs: Ms("2026-08-01T09:30:00Z"));

    [Fact]
    public async Task UpsertHealth_SameProviderTwice_KeepsOneRowWithTheLatestState()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var down = new ProviderHealthRecord("kraken", FetchStatus.Down, FetchTime.AddMinutes(-5), 2, FetchTime.AddMinutes(4), "kraken: HTTP 503", FetchTime);
        var ok = new ProviderHealthRecord("kraken", FetchStatus.Ok, FetchTime.AddMinutes(5), 0, null, null, FetchTime.AddMinutes(5));
        var binance = new ProviderHealthRecord("binance", FetchStatus.Degraded, null, 0, FetchTime.AddHours(3), null, FetchTime);

        await store.UpsertHealthAsync(down);
        Assert.Equal([down], await store.ReadHealthAsync());
        await store.UpsertHealthAsync(ok);
        await store.UpsertHealthAsync(binance);

        Assert.Equal([binance, ok], await store.ReadHealthAsync());
        Assert.Equal(2L, Count(DbPath(dir), "provider_health"));
        Assert.Equal("OK", Scalar(DbPath(dir), "SELECT status FROM provider_health WHERE provider_name = 'kraken'"));
    }

    [Fact]
    public async Task WriteSpotQuote_ThenRead_RoundTripsDigitsAndProvenanceOldestFirst()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var first = new SpotQuote(BtcUsd, 64250.10m, 64250.00m, 64250.20m, 1234.56780m, Ms("2026-08-01T09:30:00Z"));
        var second = new SpotQuote(BtcUsd, 64300.5m, null, null, null, Ms("2026-08-01T09:31:00Z"));
        var fresh = Provenance(provider: "coinbase", endpoint: "GET /products/BTC-USD/ticker");
        var degraded = Provenance(provider: "coinbase", endpoint: "GET /products/BTC-USD/ticker", fetchedAt: FetchTime.AddMinutes(1), status: FetchStatus.Degraded,
            error: "every provider of the spot chain failed; last known good answer from coinbase, 60 s old");

        await store.WriteSpotQuoteAsync(first, fresh);
        await store.WriteSpotQuoteAsync(second, degraded);
        await store.WriteSpotQuoteAsync(first with { Instrument = Instrument.Parse("ETH/USD") }, fresh);

        var read = await store.ReadSpotQuotesAsync(BtcUsd);
        Assert.Equal([first, second], read.Select(r => r.Value));
        Assert.Equal("64250.10", Text(read[0].Value.Price));
        Assert.Equal("1234.56780", Text(read[0].Value.Volume24h!.Value));
        Assert.Equal(fresh, read[0].Provenance);
        Assert.Equal(degraded, read[1].Provenance);
    }

    [Fact]
    public async Task WriteDexSnapshot_ThenRead_RoundTripsEveryFieldAndProvenance()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var provenance = Provenance(provider: "dexscreener", endpoint: "GET /latest/dex/pairs/solana/58oQ", latencyMs: 211);
        var thin = SolUsdc with { PriceNative = null, LiquidityUsd = null, Volume24hUsd = null, TimeMs = SolUsdc.TimeMs + 60_000 };

        await store.WriteDexSnapshotAsync(SolUsdc, provenance);
        await store.WriteDexSnapshotAsync(thin, provenance with { Status = FetchStatus.Degraded, Error = "stale" });

        var read = await store.ReadDexSnapshotsAsync("solana", SolUsdc.PairAddress);
        Assert.Equal([SolUsdc, thin], read.Select(r => r.Value));
        Assert.Equal("142.3150", Text(read[0].Value.PriceUsd!.Value));
        Assert.Equal(provenance, read[0].Provenance);
        Assert.Equal((FetchStatus.Degraded, "stale"), (read[1].Provenance.Status, read[1].Provenance.Error));
        Assert.Empty(await store.ReadDexSnapshotsAsync("ethereum", SolUsdc.PairAddress));
    }

    public static TheoryData<string, decimal, FetchStatus, string, long> BadQuotes => new()
    {
        { "zero price", 0m, FetchStatus.Ok, "coinbase", 1 },
        { "negative price", -1m, FetchStatus.Ok, "coinbase", 1 },
        { "DOWN status", 64000m, FetchStatus.Down, "coinbase", 1 },
        { "no provider", 64000m, FetchStatus.Ok, " ", 1 },
        { "no fetch time", 64000m, FetchStatus.Ok, "coinbase", 0 },
    };

    [Theory]
    [MemberData(nameof(BadQuotes))]
    public async Task WriteSpotQuote_FailsTheQualityGate_RefusedAndNothingWritten(string why, decimal price, FetchStatus status, string provider, long fetchedAtMs)
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var quote = new SpotQuote(BtcUsd, price, null, null, null, Ms("2026-08-01T09:30:00Z"));
        var provenance = new Provenance(provider, $"GET /ticker ({why})", null, 5, fetchedAtMs == 0 ? default : FetchTime, status, status == FetchStatus.Down ? "HTTP 503" : null);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.WriteSpotQuoteAsync(quote, provenance));

        Assert.Contains("rejected by the quality gate, nothing written", error.Message, StringComparison.Ordinal);
        Assert.Equal(0L, Count(DbPath(dir), "spot_quotes"));
        Assert.Empty(await store.ReadSpotQuotesAsync(BtcUsd));
    }

    [Fact]
    public async Task WriteDexSnapshot_FailsTheQualityGate_RefusedAndNothingWritten()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var ok = Provenance(provider: "dexscreener");

        var noPrice = await Assert.ThrowsAsync<ArgumentException>(() => store.WriteDexSnapshotAsync(SolUsdc with { PriceUsd = null }, ok));
        await Assert.ThrowsAsync<ArgumentException>(() => store.WriteDexSnapshotAsync(SolUsdc with { PriceUsd = 0m }, ok));
        var down = await Assert.ThrowsAsync<ArgumentException>(() => store.WriteDexSnapshotAsync(SolUsdc, ok with { Status = FetchStatus.Down, Error = "HTTP 503" }));
        await Assert.ThrowsAsync<ArgumentException>(() => store.WriteDexSnapshotAsync(SolUsdc, ok with { Provider = "" }));

        Assert.Contains("USD price null is not positive", noPrice.Message, StringComparison.Ordinal);
        Assert.Contains("status is DOWN (HTTP 503)", down.Message, StringComparison.Ordinal);
        Assert.Equal(0L, Count(DbPath(dir), "dex_snapshots"));
    }

    [Fact]
    public void SnapshotChecks_DegradedWithPositivePrice_IsAccepted()
    {
        var quote = new SpotQuote(BtcUsd, 0.00000001m, null, null, null, 0);

        Assert.Null(SnapshotChecks.Problem(quote, Provenance(provider: "kraken", status: FetchStatus.Degraded, error: "last known good")));
        Assert.Equal("BTC/USD price 0 is not positive", SnapshotChecks.Problem(quote with { Price = 0m }, Provenance()));
        Assert.Equal("provenance lacks a provider or a fetch time", SnapshotChecks.Problem(SolUsdc, Provenance(fetchedAt: default(DateTimeOffset))));
    }
}

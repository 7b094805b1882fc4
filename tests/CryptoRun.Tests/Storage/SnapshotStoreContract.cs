using CryptoRun.Domain;
using CryptoRun.Storage;
using CryptoRun.Tests.TestSupport;
using static CryptoRun.Tests.Storage.StoreKit;

namespace CryptoRun.Tests.Storage;

/// <summary>
/// The snapshot-store contract: seed 002's provider_health, spot_quotes, dex_snapshots and ingest_gaps
/// tables and the quality gate on write. Every fact here holds for every store that is both an
/// <see cref="ISnapshotStore"/> and an <see cref="IProviderHealthStore"/>, run once per store by a concrete
/// subclass (SQLite over a temp file, PostgreSQL over a fresh schema); xunit makes a new instance per
/// test, so each test gets a fresh location.
/// </summary>
/// <typeparam name="TStore">The store under test.</typeparam>
public abstract class SnapshotStoreContract<TStore> : IAsyncLifetime
    where TStore : ISnapshotStore, IProviderHealthStore, IAsyncDisposable
{
    /// <summary>Opens a store on this test's location (the same location on every call).</summary>
    protected abstract Task<TStore> OpenStoreAsync();

    /// <summary>Rows in a table, read directly from the database.</summary>
    protected abstract Task<long> CountAsync(string table);

    /// <summary>The first column of the first row of a query, read directly from the database.</summary>
    protected abstract Task<object?> ScalarAsync(string sql);

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    [ContractFact]
    public async Task UpsertHealth_SameProviderTwice_KeepsOneRowWithTheLatestState()
    {
        await using var store = await OpenStoreAsync();
        var down = new ProviderHealthRecord("kraken", FetchStatus.Down, FetchTime.AddMinutes(-5), 2, FetchTime.AddMinutes(4), "kraken: HTTP 503", FetchTime);
        var ok = new ProviderHealthRecord("kraken", FetchStatus.Ok, FetchTime.AddMinutes(5), 0, null, null, FetchTime.AddMinutes(5));
        var binance = new ProviderHealthRecord("binance", FetchStatus.Degraded, null, 0, FetchTime.AddHours(3), null, FetchTime);

        await store.UpsertHealthAsync(down);
        Assert.Equal([down], await store.ReadHealthAsync());
        await store.UpsertHealthAsync(ok);
        await store.UpsertHealthAsync(binance);

        Assert.Equal([binance, ok], await store.ReadHealthAsync());
        Assert.Equal(2L, await CountAsync("provider_health"));
        Assert.Equal("OK", await ScalarAsync("SELECT status FROM provider_health WHERE provider_name = 'kraken'"));
    }

    [ContractFact]
    public async Task WriteSpotQuote_ThenRead_RoundTripsDigitsAndProvenanceOldestFirst()
    {
        await using var store = await OpenStoreAsync();
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

    [ContractFact]
    public async Task WriteDexSnapshot_ThenRead_RoundTripsEveryFieldAndProvenance()
    {
        await using var store = await OpenStoreAsync();
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

    [ContractTheory]
    [MemberData(nameof(SnapshotChecksTests.BadQuotes), MemberType = typeof(SnapshotChecksTests))]
    public async Task WriteSpotQuote_FailsTheQualityGate_RefusedAndNothingWritten(string why, decimal price, FetchStatus status, string provider, long fetchedAtMs)
    {
        await using var store = await OpenStoreAsync();
        var quote = new SpotQuote(BtcUsd, price, null, null, null, Ms("2026-08-01T09:30:00Z"));
        var provenance = new Provenance(provider, $"GET /ticker ({why})", null, 5, fetchedAtMs == 0 ? default : FetchTime, status, status == FetchStatus.Down ? "HTTP 503" : null);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.WriteSpotQuoteAsync(quote, provenance));

        Assert.Contains("rejected by the quality gate, nothing written", error.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await CountAsync("spot_quotes"));
        Assert.Empty(await store.ReadSpotQuotesAsync(BtcUsd));
    }

    [ContractFact]
    public async Task WriteDexSnapshot_FailsTheQualityGate_RefusedAndNothingWritten()
    {
        await using var store = await OpenStoreAsync();
        var ok = Provenance(provider: "dexscreener");

        var noPrice = await Assert.ThrowsAsync<ArgumentException>(() => store.WriteDexSnapshotAsync(SolUsdc with { PriceUsd = null }, ok));
        await Assert.ThrowsAsync<ArgumentException>(() => store.WriteDexSnapshotAsync(SolUsdc with { PriceUsd = 0m }, ok));
        var down = await Assert.ThrowsAsync<ArgumentException>(() => store.WriteDexSnapshotAsync(SolUsdc, ok with { Status = FetchStatus.Down, Error = "HTTP 503" }));
        await Assert.ThrowsAsync<ArgumentException>(() => store.WriteDexSnapshotAsync(SolUsdc, ok with { Provider = "" }));

        Assert.Contains("USD price null is not positive", noPrice.Message, StringComparison.Ordinal);
        Assert.Contains("status is DOWN (HTTP 503)", down.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await CountAsync("dex_snapshots"));
    }

    [ContractFact]
    public async Task RecordGap_ThenRead_GapsOldestFirstWithTheirReasons()
    {
        await using var store = await OpenStoreAsync();
        var first = new IngestGap("spot BTC/USD", FetchTime, "kraken: HTTP 503; coinbase: timeout; last known good 600 s old");
        var second = new IngestGap("dex solana/58oQ", FetchTime.AddMinutes(-1), "dexscreener: HTTP 429");

        Assert.Empty(await store.ReadGapsAsync());
        await store.RecordGapAsync(first);
        await store.RecordGapAsync(second);

        Assert.Equal([first, second], await store.ReadGapsAsync());
        Assert.Equal(2L, await CountAsync("ingest_gaps"));
    }

    [ContractFact]
    public async Task Reopen_KeepsHealthQuotesAndGaps()
    {
        var quote = new SpotQuote(BtcUsd, 64250.10m, null, null, null, Ms("2026-08-01T09:30:00Z"));
        var health = new ProviderHealthRecord("kraken", FetchStatus.Ok, FetchTime, 0, null, null, FetchTime);
        var gap = new IngestGap("spot XMR/USD", FetchTime, "every provider failed");
        await using (var store = await OpenStoreAsync())
        {
            await store.WriteSpotQuoteAsync(quote, Provenance(provider: "kraken"));
            await store.UpsertHealthAsync(health);
            await store.RecordGapAsync(gap);
        }

        await using var reopened = await OpenStoreAsync();
        Assert.Equal([quote], (await reopened.ReadSpotQuotesAsync(BtcUsd)).Select(r => r.Value));
        Assert.Equal([health], await reopened.ReadHealthAsync());
        Assert.Equal([gap], await reopened.ReadGapsAsync());
    }
}

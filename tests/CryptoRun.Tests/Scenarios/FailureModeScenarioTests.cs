using CryptoRun.Configuration;
using CryptoRun.Domain;
using CryptoRun.Ingestion;
using CryptoRun.Providers;
using CryptoRun.Storage.Sqlite;
using CryptoRun.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace CryptoRun.Tests.Scenarios;

/// <summary>
/// Every row of seed 002's failure-mode table, through the ingest cycle (spot chain coinbase →
/// kraken, DEX chain dexscreener → defillama → thegraph) into a real SQLite store, against the
/// replay venue with faults on one manual clock. The "config YAML missing" row is in
/// <see cref="Cli.IngestCommandTests"/>.
/// </summary>
public sealed class FailureModeScenarioTests
{
    private const string CoinbaseTicker = "/products/BTC-USD/ticker";
    private const string KrakenTicker = "/0/public/Ticker";

    [Fact]
    public async Task CoinbaseDown_KrakenServes_BothDown_LastKnownGood_CoinbaseBack_Recovers()
    {
        // Coinbase answers 503 from 00:01 to 00:10; Kraken from 00:02 to 00:04 (replay clock, starting 00:00).
        await using var kit = await ScenarioKit.StartAsync(
            faults: $"""
                rules:
                  - venue: coinbase
                    path: {CoinbaseTicker}
                    status: 503
                    from: 2026-09-01T00:01:00Z
                    until: 2026-09-01T00:10:00Z
                  - venue: kraken
                    path: {KrakenTicker}
                    status: 503
                    from: 2026-09-01T00:02:00Z
                    until: 2026-09-01T00:04:00Z
                """,
            candles: ScenarioKit.BtcUsdEverywhere());
        await using var ingest = await Ingest.StartAsync(kit);

        var cycles = new List<IngestOutcome>();
        for (var minute = 0; minute <= 16; minute++)
        {
            ingest.At(TimeSpan.FromMinutes(minute));
            cycles.Add((await ingest.CycleAsync()).Single());
        }

        Assert.Equal(("coinbase", FetchStatus.Ok), (cycles[0].ServedBy, cycles[0].Status));
        Assert.Equal(("kraken", FetchStatus.Ok), (cycles[1].ServedBy, cycles[1].Status));

        // Both down: the last known good answer (kraken's, from 00:01) is stored, marked DEGRADED. Kraken's
        // two failures at 00:02 open its breaker for 4 minutes (seed 000), so it stays skipped after it is
        // back at 00:04, until its half-open probe at 00:07.
        Assert.All(cycles[2..7], c =>
        {
            Assert.Equal((IngestResult.Stored, "kraken", FetchStatus.Degraded), (c.Result, c.ServedBy, c.Status));
            Assert.Contains("last known good", c.Detail, StringComparison.Ordinal);
        });
        Assert.Contains("kraken skipped: kraken's circuit is open until 2026-09-01T00:06:", cycles[6].Detail, StringComparison.Ordinal);

        // Kraken serves again while coinbase is down or its circuit open.
        Assert.All(cycles[7..10], c => Assert.Equal(("kraken", FetchStatus.Ok), (c.ServedBy, c.Status)));

        // Coinbase back at 00:10: it serves again once its breaker's open time (2 min) lets a probe through.
        var back = cycles.FindIndex(10, c => c.ServedBy == "coinbase");
        Assert.InRange(back, 10, 13);
        Assert.All(cycles[back..], c => Assert.Equal(("coinbase", FetchStatus.Ok), (c.ServedBy, c.Status)));

        var stored = await ingest.Store.ReadSpotQuotesAsync(ScenarioKit.BtcUsd);
        Assert.Equal(cycles.Count, stored.Count);
        Assert.Equal(cycles.Select(c => (c.ServedBy, c.Status)), stored.Select(s => ((string?)s.Provenance.Provider, (FetchStatus?)s.Provenance.Status)));
        var degraded = stored.Where(s => s.Provenance.Status == FetchStatus.Degraded).ToList();
        Assert.Equal(5, degraded.Count);
        Assert.All(degraded, d => Assert.Contains("every provider of the spot chain failed", d.Provenance.Error, StringComparison.Ordinal));
    }

    [Fact]
    public async Task DexScreener429_RetriedWithBackoffUpToThreeAttempts_ThenTheChainMovesOn()
    {
        // No DexScreener recording exists, so every DexScreener request gets the fault's 429 (Retry-After 2 s).
        await using var kit = await ScenarioKit.StartAsync(faults: """
            rules:
              - name: dexscreener-429
                venue: '*'
                path: /latest/dex/pairs
                status: 429
                retry_after: 2
                body: '{"message":"Too Many Requests"}'
            """);
        await using var ingest = await Ingest.StartAsync(kit, spot: [], dex: [new DexPairRef("solana", "8sLbNZoA1cfnvMJLPfp98ZLAnFSYCFApfJKMbiXNLwxj")]);

        var outcome = (await ingest.CycleAsync()).Single();

        // The DEX chain (seed 000) retries twice: three attempts, each after at least the Retry-After.
        var tries = kit.Replay.Server.Requests.Where(r => r.Path.StartsWith("/latest/dex/pairs/", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, tries.Count);
        Assert.All(tries, r => Assert.Equal((429, "dexscreener-429"), (r.Status, r.Fault)));
        Assert.All(tries.Zip(tries.Skip(1)), p => Assert.True(p.Second.Time - p.First.Time >= TimeSpan.FromSeconds(2), $"{p.First.Time:O} -> {p.Second.Time:O}"));

        // DeFiLlama serves no pairs; The Graph needs an API key: nothing answers, and the gap is recorded.
        Assert.Equal(IngestResult.Gap, outcome.Result);
        Assert.Contains("dexscreener failed", outcome.Detail, StringComparison.Ordinal);
        Assert.Contains("defillama skipped: defillama does not serve dex-pair-snapshot", outcome.Detail, StringComparison.Ordinal);
        var gap = Assert.Single(await ingest.Store.ReadGapsAsync());
        Assert.Equal("dex solana/8sLbNZoA1cfnvMJLPfp98ZLAnFSYCFApfJKMbiXNLwxj", gap.Key);

        // A 429 does not count against the breaker: the next cycle asks DexScreener again.
        await ingest.CycleAsync();
        Assert.Equal(6, kit.Replay.Server.Requests.Count(r => r.Path.StartsWith("/latest/dex/pairs/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task InvalidData_QualityGateRejectsAndLogs_NextCycleTriesAgain()
    {
        // Once, Coinbase's ticker says the price is 0.
        await using var kit = await ScenarioKit.StartAsync(
            faults: $$"""
                rules:
                  - venue: coinbase
                    path: {{CoinbaseTicker}}
                    status: 200
                    body: '{"ask":"0","bid":"0","volume":"1","trade_id":1,"price":"0","size":"1","time":"2020-12-19T23:59:00Z"}'
                    count: 1
                """,
            candles: ScenarioKit.BtcUsdEverywhere());
        await using var ingest = await Ingest.StartAsync(kit);

        var first = (await ingest.CycleAsync()).Single();
        ingest.At(TimeSpan.FromMinutes(1));
        var second = (await ingest.CycleAsync()).Single();

        Assert.Equal(("kraken", IngestResult.Stored), (first.ServedBy, first.Result));
        Assert.Contains("coinbase failed: rejected by the quality gate: BTC/USD price 0 is not positive; kraken served: fallback", first.Detail, StringComparison.Ordinal);
        Assert.Contains(ingest.Log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("spot BTC/USD: record from coinbase rejected", StringComparison.Ordinal));
        Assert.Equal(("coinbase", IngestResult.Stored), (second.ServedBy, second.Result));
        Assert.DoesNotContain(await ingest.Store.ReadSpotQuotesAsync(ScenarioKit.BtcUsd), s => s.Value.Price <= 0);
    }

    [Fact]
    public async Task AllProvidersDownPastTheLastKnownGoodTtl_GapIsRecorded()
    {
        // Seed 002: "all providers down for >5min: LKG cache expires; records gap". The degraded TTL is set to 5 minutes.
        await using var kit = await ScenarioKit.StartAsync(
            providers: new Dictionary<string, string>
            {
                ["coinbase"] = "cache: { degraded_ttl: 5m }",
                ["kraken"] = "cache: { degraded_ttl: 5m }",
            },
            faults: $"""
                rules:
                  - venue: coinbase
                    path: {CoinbaseTicker}
                    status: 503
                    from: 2026-09-01T00:01:00Z
                  - venue: kraken
                    path: {KrakenTicker}
                    status: 503
                    from: 2026-09-01T00:01:00Z
                """,
            candles: ScenarioKit.BtcUsdEverywhere());
        await using var ingest = await Ingest.StartAsync(kit);

        var results = new List<IngestOutcome>();
        foreach (var minute in new[] { 0, 1, 3, 4, 6, 7 })
        {
            ingest.At(TimeSpan.FromMinutes(minute));
            results.Add((await ingest.CycleAsync()).Single());
        }

        Assert.Equal(FetchStatus.Ok, results[0].Status);
        Assert.All(results[1..4], r => Assert.Equal((IngestResult.Stored, FetchStatus.Degraded), (r.Result, r.Status)));
        Assert.All(results[4..], r => Assert.Equal(IngestResult.Gap, r.Result));
        var gaps = await ingest.Store.ReadGapsAsync();
        Assert.Equal(2, gaps.Count);
        Assert.All(gaps, g => Assert.Equal("spot BTC/USD", g.Key));
        Assert.Contains("no provider of the spot chain could answer ticker:BTC/USD", gaps[0].Reason, StringComparison.Ordinal);
        Assert.Equal(4, (await ingest.Store.ReadSpotQuotesAsync(ScenarioKit.BtcUsd)).Count);
    }

    [Fact]
    public async Task CircuitBreakerTrips_ProviderSkippedForTheCooldown_HalfOpenProbeAfter()
    {
        // Seed 002: "provider skipped for 60s cooldown; half-open probe after cooldown".
        await using var kit = await ScenarioKit.StartAsync(
            providers: new Dictionary<string, string> { ["coinbase"] = "circuit_breaker: { failure_threshold: 3, success_threshold: 1, open_timeout: 60s }" },
            faults: $"rules:\n  - venue: coinbase\n    path: {CoinbaseTicker}\n    status: 503\n    count: 3\n",
            candles: ScenarioKit.BtcUsdEverywhere());
        await using var ingest = await Ingest.StartAsync(kit);

        var tripped = (await ingest.CycleAsync()).Single();
        var openUntil = kit.Gate("coinbase").Status.Breaker.OpenUntil!.Value;
        ingest.At(TimeSpan.FromSeconds(30));
        var cooling = (await ingest.CycleAsync()).Single();
        ingest.At(openUntil - ReplayFixture.Now);
        var probed = (await ingest.CycleAsync()).Single();

        Assert.Equal("kraken", tripped.ServedBy);
        Assert.Contains("coinbase failed", tripped.Detail, StringComparison.Ordinal);
        Assert.Equal("kraken", cooling.ServedBy);
        Assert.Contains("coinbase skipped: coinbase's circuit is open until", cooling.Detail, StringComparison.Ordinal);
        Assert.Equal(3, kit.Requests("coinbase").Count(r => r.Path == CoinbaseTicker && r.Time < openUntil));
        Assert.Equal("coinbase", probed.ServedBy);
        Assert.Equal(CryptoRun.Resilience.BreakerState.Closed, kit.Gate("coinbase").Status.Breaker.State);

        // provider_health followed every state: DOWN while open, OK after the probe.
        var health = (await ingest.Store.ReadHealthAsync()).Single(h => h.Provider == "coinbase");
        Assert.Equal(FetchStatus.Ok, health.Status);
        Assert.Equal(0, health.FailCount);
    }

    [Fact]
    public async Task SqliteWriteFailure_RolledBackAndLogged_NothingStoredIsLost()
    {
        await using var kit = await ScenarioKit.StartAsync(candles: ScenarioKit.BtcUsdEverywhere());
        await using var ingest = await Ingest.StartAsync(kit);
        var before = (await ingest.CycleAsync()).Single();

        // The disk "fills": a trigger makes SQLite refuse every spot-quote insert.
        ingest.Sql("CREATE TRIGGER disk_full BEFORE INSERT ON spot_quotes BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;");
        ingest.At(TimeSpan.FromMinutes(1));
        var failed = (await ingest.CycleAsync()).Single();
        ingest.Sql("DROP TRIGGER disk_full;");
        ingest.At(TimeSpan.FromMinutes(2));
        var after = (await ingest.CycleAsync()).Single();

        Assert.Equal(IngestResult.Stored, before.Result);
        Assert.Equal(IngestResult.WriteFailed, failed.Result);
        Assert.Contains("database or disk is full", failed.Detail, StringComparison.Ordinal);
        Assert.Contains(ingest.Log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("the store refused the write (rolled back)", StringComparison.Ordinal));
        Assert.Equal(IngestResult.Stored, after.Result);
        var stored = await ingest.Store.ReadSpotQuotesAsync(ScenarioKit.BtcUsd);
        Assert.Equal(2, stored.Count);
        Assert.Equal([before.Price, after.Price], stored.Select(s => (decimal?)s.Value.Price));
    }

    /// <summary>An ingest cycle over the kit's router into a fresh SQLite store.</summary>
    private sealed class Ingest : IAsyncDisposable
    {
        private readonly ScenarioKit _kit;
        private readonly TempDir _dir;
        private readonly ProviderHealthRecorder _health;
        private readonly IngestCycle _cycle;

        private Ingest(ScenarioKit kit, TempDir dir, SqliteStore store, ListLogger log, ProviderHealthRecorder health, IngestCycle cycle)
        {
            _kit = kit;
            _dir = dir;
            Store = store;
            Log = log;
            _health = health;
            _cycle = cycle;
        }

        public SqliteStore Store { get; }

        public ListLogger Log { get; }

        public static async Task<Ingest> StartAsync(ScenarioKit kit, IReadOnlyList<Instrument>? spot = null, IReadOnlyList<DexPairRef>? dex = null)
        {
            var dir = new TempDir();
            var store = await SqliteStore.OpenAsync(dir.File("ingest.db"), kit.Clock);
            var log = new ListLogger();
            var health = new ProviderHealthRecorder(kit.Host.Registry, store, log);
            var options = new IngestOptions(TimeSpan.FromSeconds(60), spot ?? [ScenarioKit.BtcUsd], dex ?? []);
            return new Ingest(kit, dir, store, log, health, new IngestCycle(kit.Router, store, health, options, kit.Clock, log));
        }

        /// <summary>Moves the clock to <paramref name="offset"/> after the scenario's start (never back).</summary>
        public void At(TimeSpan offset)
        {
            var target = ReplayFixture.Now + offset;
            var now = _kit.Clock.GetUtcNow();
            if (target > now)
            {
                _kit.Clock.Advance(target - now);
            }
        }

        public Task<IReadOnlyList<IngestOutcome>> CycleAsync() => _kit.RunAsync(_cycle.RunOnceAsync());

        /// <summary>Runs SQL on the store's file through a connection of its own.</summary>
        public void Sql(string sql)
        {
            using var connection = new SqliteConnection($"Data Source={Store.Location}");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }

        public async ValueTask DisposeAsync()
        {
            await _health.DisposeAsync();
            await Store.DisposeAsync();
            _dir.Dispose();
        }
    }
}

using System.Globalization;
using CryptoRun.Cli;
using CryptoRun.Cli.Commands;
using CryptoRun.Domain;
using CryptoRun.Postgres;
using CryptoRun.Replay;
using CryptoRun.Storage.Sqlite;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Cli;

public sealed class IngestCommandTests
{
    [Fact]
    public async Task IngestOnce_RecordedTickers_StoresEachQuoteWithProvenance_FallingBackWhereThePrimaryLacksTheInstrument()
    {
        // SKL/USD: Coinbase's recorded ticker. XMR/USD: Coinbase does not list it, Kraken's recorded ticker serves.
        await using var replay = await ReplayHarness.StartAsync();
        using var dir = new TempDir();
        dir.Write("offline.yaml", "ingest:\n  spot: [SKL/USD, XMR/USD]\n");

        // The real clock: Kraken's budget of 1 request/s makes its second request wait a second.
        var result = await new CliRun(dir.Path, TimeProvider.System).RunAsync(
            "ingest", "--once", "--config", "offline.yaml", "--endpoint", $"all={replay.Server.BaseAddress}");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.StartsWith("ingest: 2 spot instruments via coinbase -> kraken, 0 DEX pairs via dexscreener -> defillama -> thegraph, every 1m; store ", result.Lines[0], StringComparison.Ordinal);
        Assert.EndsWith("; config " + dir.File("offline.yaml"), result.Lines[0], StringComparison.Ordinal);
        Assert.Contains(result.Lines, l => l.StartsWith("cycle 1 spot SKL/USD: STORED 0.7902 from coinbase (OK); coinbase served: primary", StringComparison.Ordinal));
        Assert.Contains(result.Lines, l => l.StartsWith("cycle 1 spot XMR/USD: STORED 353.81000000 from kraken (OK); coinbase failed: ", StringComparison.Ordinal));
        Assert.Equal("ingest: 1 cycles, 2 records stored, 0 gaps", result.Lines[^1]);

        await using var store = await SqliteStore.OpenAsync(dir.File("cryptorun.db"));
        var skl = Assert.Single(await store.ReadSpotQuotesAsync(Instrument.Parse("SKL/USD")));
        Assert.Equal(0.7902m, skl.Value.Price);
        Assert.Equal(("coinbase", FetchStatus.Ok), (skl.Provenance.Provider, skl.Provenance.Status));
        Assert.Contains("/products/SKL-USD/ticker", skl.Provenance.Endpoint, StringComparison.Ordinal);
        var xmr = Assert.Single(await store.ReadSpotQuotesAsync(Instrument.Parse("XMR/USD")));
        Assert.Equal(("kraken", FetchStatus.Ok), (xmr.Provenance.Provider, xmr.Provenance.Status));
        Assert.Contains("/0/public/Ticker?pair=XXMRZUSD", xmr.Provenance.Endpoint, StringComparison.Ordinal);

        // Provider health is persisted each cycle.
        var health = await store.ReadHealthAsync();
        Assert.Contains(health, h => h.Provider == "coinbase" && h.Status == FetchStatus.Ok && h.LastOkAt is not null);
        Assert.Contains(health, h => h.Provider == "kraken" && h.Status == FetchStatus.Ok);
    }

    [PostgresFact]
    public async Task IngestOnce_StoreOnPostgres_StoresEachQuoteWithProvenanceAndProviderHealthThere()
    {
        var schema = new PostgresSchema();
        await schema.CreateAsync();
        try
        {
            await using var replay = await ReplayHarness.StartAsync();
            using var dir = new TempDir();
            dir.Write("offline.yaml", "ingest:\n  spot: [SKL/USD, XMR/USD]\n");

            // The real clock: Kraken's budget of 1 request/s makes its second request wait a second.
            var result = await new CliRun(dir.Path, TimeProvider.System).RunAsync(
                "ingest", "--once", "--config", "offline.yaml", "--endpoint", $"all={replay.Server.BaseAddress}", "--store", schema.ConnectionString);

            Assert.True(result.ExitCode == 0, result.Out + result.Error);
            Assert.Contains("; store postgresql://", result.Lines[0], StringComparison.Ordinal);
            Assert.Equal("ingest: 1 cycles, 2 records stored, 0 gaps", result.Lines[^1]);
            Assert.False(File.Exists(dir.File("cryptorun.db")), "ingest --store must not create the SQLite file");

            await using var store = await PostgresStore.OpenAsync(schema.ConnectionString);
            var skl = Assert.Single(await store.ReadSpotQuotesAsync(Instrument.Parse("SKL/USD")));
            Assert.Equal("0.7902", skl.Value.Price.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(("coinbase", FetchStatus.Ok), (skl.Provenance.Provider, skl.Provenance.Status));
            Assert.Contains("/products/SKL-USD/ticker", skl.Provenance.Endpoint, StringComparison.Ordinal);
            var xmr = Assert.Single(await store.ReadSpotQuotesAsync(Instrument.Parse("XMR/USD")));
            Assert.Equal("353.81000000", xmr.Value.Price.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(("kraken", FetchStatus.Ok), (xmr.Provenance.Provider, xmr.Provenance.Status));
            Assert.Contains("/0/public/Ticker?pair=XXMRZUSD", xmr.Provenance.Endpoint, StringComparison.Ordinal);
            Assert.Empty(await store.ReadGapsAsync());

            var health = await store.ReadHealthAsync();
            Assert.Contains(health, h => h.Provider == "coinbase" && h.Status == FetchStatus.Ok && h.LastOkAt is not null);
            Assert.Contains(health, h => h.Provider == "kraken" && h.Status == FetchStatus.Ok);
        }
        finally
        {
            await schema.DropAsync();
        }
    }

    [Fact]
    public async Task IngestOnce_NoConfigFile_RunsOnTheBuiltInDefaultsAndRecordsGaps()
    {
        // Seed 002: "Config YAML missing: falls back to hardcoded defaults" (BTC/USD, ETH/USD, SOL/USD through coinbase -> kraken).
        await using var replay = await ReplayHarness.StartAsync(candles:
            ReplayFixture.BtcUsdVenues.Select(v => new ReplayCandleSource(v, Instrument.Parse("BTC/USD"), Timeframe.M1, TestData.CoinbaseMinute)));
        using var dir = new TempDir();

        var result = await new CliRun(dir.Path, TimeProvider.System).RunAsync("ingest", "--once", "--endpoint", $"all={replay.Server.BaseAddress}");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.EndsWith("; config built-in defaults", result.Lines[0], StringComparison.Ordinal);
        Assert.Contains(result.Lines, l => l.StartsWith("cycle 1 spot BTC/USD: STORED ", StringComparison.Ordinal) && l.Contains(" from coinbase (OK)", StringComparison.Ordinal));
        Assert.Contains(result.Lines, l => l.StartsWith("cycle 1 spot ETH/USD: GAP - from - (-); no provider of the spot chain could answer ticker:ETH/USD", StringComparison.Ordinal));
        Assert.Equal("ingest: 1 cycles, 1 records stored, 2 gaps", result.Lines[^1]);

        await using var store = await SqliteStore.OpenAsync(dir.File("cryptorun.db"));
        Assert.Equal(["spot ETH/USD", "spot SOL/USD"], (await store.ReadGapsAsync()).Select(g => g.Key));
    }

    [Fact]
    public async Task IngestOnce_StoreRefusesTheWrite_SaysWriteFailedAndKeepsWhatWasStored()
    {
        await using var replay = await ReplayHarness.StartAsync();
        using var dir = new TempDir();
        dir.Write("offline.yaml", "ingest:\n  spot: [SKL/USD]\n");
        var cli = new CliRun(dir.Path, TimeProvider.System);
        string[] args = ["ingest", "--once", "--config", "offline.yaml", "--endpoint", $"all={replay.Server.BaseAddress}"];
        await cli.RunAsync(args);

        // The disk "fills": SQLite refuses every spot-quote insert.
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={dir.File("cryptorun.db")};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "CREATE TRIGGER disk_full BEFORE INSERT ON spot_quotes BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;";
            await command.ExecuteNonQueryAsync();
        }

        var result = await cli.RunAsync(args);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains(result.Lines, l => l.StartsWith("cycle 1 spot SKL/USD: WRITE_FAILED 0.7902 from coinbase (OK); ", StringComparison.Ordinal) && l.Contains("database or disk is full", StringComparison.Ordinal));
        Assert.Equal("ingest: 1 cycles, 0 records stored, 0 gaps", result.Lines[^1]);
        await using var store = await SqliteStore.OpenAsync(dir.File("cryptorun.db"));
        Assert.Single(await store.ReadSpotQuotesAsync(Instrument.Parse("SKL/USD")));
    }

    [Fact]
    public async Task Ingest_ConfigFileNamedButMissing_ExitsTwoNamingIt()
    {
        using var dir = new TempDir();

        var result = await new CliRun(dir.Path).RunAsync("ingest", "--once", "--config", "nope.yaml");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"config file '{dir.File("nope.yaml")}' does not exist", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("cryptorun.db")));
    }

    [Fact]
    public async Task Ingest_Cancelled_StopsAfterTheCycleAndSaysSo()
    {
        await using var replay = await ReplayHarness.StartAsync();
        using var dir = new TempDir();
        dir.Write("offline.yaml", "ingest:\n  spot: [SKL/USD]\n");
        using var output = new StringWriter();
        var synchronized = TextWriter.Synchronized(output);
        // The real clock: Coinbase's spacing makes the cycle's second request wait 100 ms.
        var environment = new CliEnvironment(synchronized, TextWriter.Null, interactive: false, TimeProvider.System, dir.Path, new Dictionary<string, string>());
        using var ctrlC = new CancellationTokenSource();

        var run = IngestCommand.RunAsync(environment, once: false, TimeSpan.FromSeconds(60), dir.File("cryptorun.db"), "offline.yaml", [$"all={replay.Server.BaseAddress}"], ctrlC.Token);

        // The first cycle runs at once, then the loop waits 60 s: stop it there.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!output.ToString().Contains("cycle 1 spot SKL/USD: STORED", StringComparison.Ordinal) && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(10);
        }

        Assert.False(run.IsCompleted, output.ToString());
        Assert.Contains("cycle 1 spot SKL/USD: STORED", output.ToString(), StringComparison.Ordinal);

        await ctrlC.CancelAsync();
        var code = await run;

        Assert.Equal(0, code);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(["ingest: stopped", "ingest: 1 cycles, 1 records stored, 0 gaps"], lines[^2..]);
    }
}

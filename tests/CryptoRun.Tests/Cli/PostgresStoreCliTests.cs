using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Cli;

/// <summary>The store commands on the PostgreSQL store (<c>--store</c>): the same answers as on SQLite.</summary>
public sealed class PostgresStoreCliTests(ReplayFixture replay) : IClassFixture<ReplayFixture>
{
    private static readonly string[] CoinbaseMinutes = ["--venue", "coinbase", "--symbol", "BTC/USD", "--timeframe", "1m"];

    [PostgresFact]
    public async Task ImportCoverageMaterializeExport_OnPostgres_SameOutputAsOnSqlite()
    {
        var schema = new PostgresSchema();
        await schema.CreateAsync();
        try
        {
            using var dir = new TempDir();
            var cli = new CliRun(dir.Path, new ManualClock(ReplayFixture.Now));
            string[] pg = ["--store", schema.ConnectionString];

            async Task<string[]> Both(params string[] args)
            {
                var sqlite = await cli.RunAsync(args);
                var postgres = await cli.RunAsync([.. args, .. pg]);
                Assert.True(sqlite.ExitCode == 0, sqlite.Error);
                Assert.True(postgres.ExitCode == 0, postgres.Error);
                return [sqlite.Out.Replace(dir.File("cryptorun.db"), "STORE", StringComparison.Ordinal), postgres.Out.Replace("PostgreSQL store", "STORE", StringComparison.Ordinal)];
            }

            await Both(["history", "import", TestData.CoinbaseMinute, .. CoinbaseMinutes]);
            var gaps = await Both(["history", "gaps", .. CoinbaseMinutes, "--from", "2020-11-20", "--to", "2020-11-25"]);
            await Both("bars", "materialize", "--venue", "coinbase", "--symbol", "BTC/USD", "--timeframes", "1h,1d");
            var bars = await Both("bars", "export", "--venue", "coinbase", "--symbol", "BTC/USD", "--timeframe", "1h");
            var candles = await Both(["history", "export", .. CoinbaseMinutes, "--from", "2020-11-24T21:00:00Z", "--to", "2020-11-24T22:00:00Z"]);

            Assert.Equal(gaps[0], gaps[1]);
            Assert.Contains("2020-11-24T21:09:00Z,2020-11-24T21:10:00Z,1,no_candle", gaps[1], StringComparison.Ordinal);
            Assert.Equal(466, bars[1].Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            Assert.Equal(bars[0], bars[1]);
            Assert.Equal(candles[0], candles[1]);
        }
        finally
        {
            await schema.DropAsync();
        }
    }

    [PostgresFact]
    public async Task Fetch_OnPostgres_BackfillsFromTheReplayAndAnswersFailFastAfter()
    {
        var schema = new PostgresSchema();
        await schema.CreateAsync();
        try
        {
            using var dir = new TempDir();
            var cli = new CliRun(dir.Path);
            string[] fetch = ["history", "fetch", "--venue", "binance-usdm", "--symbol", "AVAX/USDT:USDT", "--timeframe", "1m",
                "--from", "2026-07-01", "--to", "2026-07-03", "--endpoint", $"binance-usdm={replay.Server.BaseAddress}", "--store", schema.ConnectionString];

            var filled = await cli.RunAsync(fetch);
            var answered = await cli.RunAsync([.. fetch, "--strategy", "fail-fast"]);

            Assert.True(filled.ExitCode == 0, filled.Error);
            Assert.Contains("fetched 2880 candles in 2 requests, stored 2880", filled.Out, StringComparison.Ordinal);

            // The requests' weight was taken from the cluster-wide budget on the server, where other workers see it.
            var shared = await schema.QueryAsync("SELECT used FROM rate_budget WHERE provider = 'binance-usdm' AND window_key = '1M'");
            Assert.NotEmpty(shared);
            Assert.All(shared, row => Assert.True((int)row[0]! > 0));
            Assert.True(answered.ExitCode == 0, answered.Error);
            Assert.Contains("fail-fast answered 2880 candles, coverage 100.0 %", answered.Out, StringComparison.Ordinal);
        }
        finally
        {
            await schema.DropAsync();
        }
    }

    [PostgresFact]
    public async Task TwoProcessesFetchTheSameMonthIntoOnePostgres_OneSetOfRequestsAndNoDuplicates()
    {
        var schema = new PostgresSchema();
        await schema.CreateAsync();
        try
        {
            using var dir = new TempDir();
            var klines = replay.Server.Requests.Count(r => r.Path == "/fapi/v1/klines");
            string[] fetch = ["history", "fetch", "--venue", "binance-usdm", "--symbol", "AVAX/USDT:USDT", "--timeframe", "1m",
                "--from", "2026-07-01", "--to", "2026-08-01", "--endpoint", $"binance-usdm={replay.Server.BaseAddress}", "--store", schema.ConnectionString];

            var results = await Task.WhenAll(RunProcessAsync(dir.Path, fetch), RunProcessAsync(dir.Path, fetch));

            Assert.All(results, r => Assert.True(r.Code == 0, r.Output));
            Assert.Equal(30, replay.Server.Requests.Count(r => r.Path == "/fapi/v1/klines") - klines);
            Assert.Equal(44_640L, await schema.ScalarAsync("SELECT COUNT(*) FROM candles"));
            Assert.Equal(44_640L, await schema.ScalarAsync("SELECT COUNT(DISTINCT open_time) FROM candles"));
            Assert.Contains(results, r => r.Output.Contains("fetched 0 candles in 0 requests", StringComparison.Ordinal));
        }
        finally
        {
            await schema.DropAsync();
        }
    }

    private static async Task<(int Code, string Output)> RunProcessAsync(string folder, string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder };
        start.ArgumentList.Add(typeof(CryptoRun.Cli.CliApp).Assembly.Location);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    [Fact]
    public async Task Store_BadAddressOrBothStores_Exits2NamingTheProblem()
    {
        using var dir = new TempDir();
        var cli = new CliRun(dir.Path);

        var bad = await cli.RunAsync("bars", "export", "--venue", "coinbase", "--symbol", "BTC/USD", "--timeframe", "1h", "--store", "mysql://x@y/z");
        var both = await cli.RunAsync("bars", "export", "--venue", "coinbase", "--symbol", "BTC/USD", "--timeframe", "1h", "--store", "postgres://x@y/z", "--db", "a.db");

        Assert.Equal(2, bad.ExitCode);
        Assert.StartsWith("error: --store: ", bad.Error, StringComparison.Ordinal);
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("give --db (a SQLite file) or --store (a PostgreSQL server), not both", both.Error, StringComparison.Ordinal);
    }
}

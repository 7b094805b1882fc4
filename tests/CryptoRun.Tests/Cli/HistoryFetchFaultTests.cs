using System.Globalization;
using System.Text.Json.Nodes;
using CryptoRun.Domain;
using CryptoRun.Replay;
using CryptoRun.Storage;
using CryptoRun.Storage.Sqlite;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Cli;

/// <summary>
/// <c>history fetch</c> against a replay venue with faults: a page of candles from elsewhere, transient
/// faults across parallel pages, a venue that is down, a ban in the first answer. The fetches that wait
/// (back-offs, bans, latency faults) run on the replay's manual clock, which the test moves.
/// </summary>
public sealed class HistoryFetchFaultTests
{
    private const long TenDaysMs = 10L * 24 * 60 * 60 * 1000;
    private static readonly Instrument AvaxPerp = Instrument.Parse("AVAX/USDT:USDT");
    private static readonly Instrument BtcUsd = Instrument.Parse("BTC/USD");
    private static readonly SeriesKey AvaxKey = new("binance-usdm", AvaxPerp, Timeframe.M1);

    /// <summary>Attempts that never time out while the test moves the clock with a loopback request in flight.</summary>
    private const string LongAttempts = "providers:\n  binance-usdm: { timeout: 1h }\n";

    [Fact]
    public async Task Fetch_UsdmFirstPageIs1500CandlesTenDaysAfterTheWindow_Exits4NothingRecorded_RerunFetchesTheDay()
    {
        var source = new ReplayCandleSource("binance-usdm", AvaxPerp, Timeframe.M1, TestData.AvaxMonth);
        string strays;
        await using (var healthy = await ReplayHarness.StartAsync(candles: [source]))
        {
            // The recording's first 1500 minutes of July, moved 10 days later: well-formed, real prices, after the asked day.
            var real = await healthy.GetAsync($"fapi/v1/klines?symbol=AVAXUSDT&interval=1m&startTime={Ms("2026-07-01")}&limit=1500");
            var rows = JsonNode.Parse(real.Body)!.AsArray();
            Assert.Equal(1500, rows.Count);
            foreach (var row in rows)
            {
                row![0] = row[0]!.GetValue<long>() + TenDaysMs;
                row[6] = row[6]!.GetValue<long>() + TenDaysMs;
            }

            strays = rows.ToJsonString();
        }

        await using var replay = await ReplayHarness.StartAsync(
            faults: ReplayFaults.Parse($"rules:\n  - name: strays\n    venue: binance-usdm\n    path: /fapi/v1/klines\n    status: 200\n    body: '{strays}'\n    count: 1\n", "faults.yaml"),
            candles: [source]);
        using var dir = new TempDir();
        var cli = new CliRun(dir.Path);
        string[] fetch = ["history", "fetch", "--venue", "binance-usdm", "--symbol", "AVAX/USDT:USDT", "--timeframe", "1m",
            "--from", "2026-07-01", "--to", "2026-07-02", "--endpoint", $"all={replay.Server.BaseAddress}"];

        var first = await cli.RunAsync(fetch);
        var second = await cli.RunAsync(fetch);

        Assert.Equal(4, first.ExitCode);
        Assert.Contains("rejected by the quality gate", first.Error, StringComparison.Ordinal);
        Assert.Contains("open time 2026-07-11T00:00:00Z is outside the page's window [2026-07-01T00:00:00Z, 2026-07-02T00:00:00Z)", first.Error, StringComparison.Ordinal);
        Assert.True(second.ExitCode == 0, second.Error);
        Assert.DoesNotContain("nothing to fetch", second.Out, StringComparison.Ordinal);
        Assert.Contains("fetched 1440 candles in 1 requests, stored 1440", second.Out, StringComparison.Ordinal);
        await using var store = await SqliteStore.OpenAsync(dir.File("cryptorun.db"));
        Assert.Equal(1440, (await store.GetSummaryAsync(AvaxKey)).Count);
    }

    [Fact]
    public async Task Fetch_CoinbaseFirstPageIsItsRealAnswerTenDaysLater_Exits4NothingRecorded()
    {
        var source = new ReplayCandleSource("coinbase", BtcUsd, Timeframe.M1, TestData.CoinbaseMinute);
        string strays;
        await using (var healthy = await ReplayHarness.StartAsync(candles: [source]))
        {
            var real = await healthy.GetAsync("products/BTC-USD/candles?granularity=60&start=2020-11-24T00:00:00Z&end=2020-11-24T04:59:00Z");
            var rows = JsonNode.Parse(real.Body)!.AsArray();
            Assert.Equal(300, rows.Count);
            foreach (var row in rows)
            {
                row![0] = row[0]!.GetValue<long>() + (TenDaysMs / 1000);
            }

            strays = rows.ToJsonString();
        }

        await using var replay = await ReplayHarness.StartAsync(
            faults: ReplayFaults.Parse($"rules:\n  - name: strays\n    venue: coinbase\n    path: /products/BTC-USD/candles\n    status: 200\n    body: '{strays}'\n    count: 1\n", "faults.yaml"),
            candles: [source]);
        using var dir = new TempDir();

        var result = await new CliRun(dir.Path).RunAsync("history", "fetch", "--venue", "coinbase", "--symbol", "BTC/USD", "--timeframe", "1m",
            "--from", "2020-11-24", "--to", "2020-11-25", "--concurrency", "1", "--endpoint", $"all={replay.Server.BaseAddress}");

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("outside the page's window [2020-11-24T00:00:00Z, 2020-11-24T05:00:00Z)", result.Error, StringComparison.Ordinal);
        await using var store = await SqliteStore.OpenAsync(dir.File("cryptorun.db"));
        Assert.Empty(await store.GetFetchedWindowsAsync(new SeriesKey("coinbase", BtcUsd, Timeframe.M1)));
    }

    [Fact]
    public async Task Fetch_Concurrency4_FailuresAnswerBeforeTheSlowSuccessesSentBetweenThem_CompletesWithEveryCandle()
    {
        // By arrival: 503, slow success, 503, slow success, 503, slow success, 503, 503, then the venue is well.
        // Fetched one page after another (--concurrency 1) no three requests in a row fail and every page succeeds
        // within its 4 retries. Four pages in flight get all five 503s back before the first slow success:
        // Binance USD-M's breaker opens at 5 consecutive failures, but no 5 requests sent in a row failed.
        const string Faults = """
            rules:
              - { name: f1, venue: binance-usdm, path: /fapi/v1/klines, status: 503, count: 1 }
              - { name: slow1, venue: binance-usdm, path: /fapi/v1/klines, latency: 15s, count: 1 }
              - { name: f2, venue: binance-usdm, path: /fapi/v1/klines, status: 503, count: 1 }
              - { name: slow2, venue: binance-usdm, path: /fapi/v1/klines, latency: 15s, count: 1 }
              - { name: f3, venue: binance-usdm, path: /fapi/v1/klines, status: 503, count: 1 }
              - { name: slow3, venue: binance-usdm, path: /fapi/v1/klines, latency: 15s, count: 1 }
              - { name: f4, venue: binance-usdm, path: /fapi/v1/klines, status: 503, count: 2 }
            """;
        await using var replay = await ReplayHarness.StartAsync(
            faults: ReplayFaults.Parse(Faults, "faults.yaml"),
            candles: [new ReplayCandleSource("binance-usdm", AvaxPerp, Timeframe.M1, TestData.AvaxMonth)]);
        using var dir = new TempDir();
        var config = dir.Write("providers.yaml", "providers:\n  binance-usdm: { timeout: 1h, max_retries: 4 }\n");

        // Four days: four pages of at most 1500 minutes, all in flight at once.
        var result = await DriveAsync(replay.Clock, new CliRun(dir.Path, replay.Clock).RunAsync(
            "history", "fetch", "--venue", "binance-usdm", "--symbol", "AVAX/USDT:USDT", "--timeframe", "1m", "--from", "2026-07-01", "--to", "2026-07-05",
            "--concurrency", "4", "--config", config, "--endpoint", $"all={replay.Server.BaseAddress}"));

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(5, replay.Server.Requests.Count(r => r.Status == 503));
        Assert.Contains("fetched 5760 candles", result.Out, StringComparison.Ordinal);
        await using var store = await SqliteStore.OpenAsync(dir.File("cryptorun.db"));
        Assert.Equal(5760, (await store.GetSummaryAsync(AvaxKey)).Count);
        Assert.Empty(await store.GetGapsAsync(AvaxKey));
        Assert.Equal([new TimeRange(Ms("2026-07-01"), Ms("2026-07-05"))], await store.GetFetchedWindowsAsync(AvaxKey));
    }

    [Fact]
    public async Task Fetch_Concurrency4_VenueResetsEveryConnection_BreakerStopsTheFetchSayingWhyAndWhenItReopens()
    {
        await using var replay = await ReplayHarness.StartAsync(
            faults: ReplayFaults.Parse("rules:\n  - { name: down, venue: binance-usdm, path: /fapi/v1/klines, reset: true }\n", "faults.yaml"),
            candles: [new ReplayCandleSource("binance-usdm", AvaxPerp, Timeframe.M1, TestData.AvaxMonth)]);
        using var dir = new TempDir();
        var config = dir.Write("providers.yaml", LongAttempts);

        var result = await DriveAsync(replay.Clock, new CliRun(dir.Path, replay.Clock).RunAsync(
            "history", "fetch", "--venue", "binance-usdm", "--symbol", "AVAX/USDT:USDT", "--timeframe", "1m", "--from", "2026-07-01", "--to", "2026-07-05",
            "--concurrency", "4", "--config", config, "--endpoint", $"all={replay.Server.BaseAddress}"));

        // Binance USD-M (seed defaults): 5 consecutive failures open the breaker for 2 minutes.
        Assert.Equal(3, result.ExitCode);
        var klines = replay.Server.Requests.Where(r => r.Path == "/fapi/v1/klines").ToList();
        Assert.All(klines, r => Assert.Equal(0, r.Status));
        Assert.InRange(klines.Count, 5, 8);
        Assert.Contains("circuit breaker", result.Error, StringComparison.Ordinal);
        // At least 5: a retry sent in the same instant as the fifth failure may join its run before it answers.
        Assert.Matches(@"after [5-8] consecutive failures", result.Error);
        Assert.Contains("connection reset by the venue", result.Error, StringComparison.Ordinal);
        Assert.Contains("GET /fapi/v1/klines?symbol=AVAXUSDT", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("An error occurred while sending the request", result.Error, StringComparison.Ordinal);

        // It reopens 2 minutes after the last failure (the clock moves while requests are in flight: allow a little).
        var reopens = Time(System.Text.RegularExpressions.Regex.Match(result.Error, @"nothing is sent before (\S+Z)").Groups[1].Value);
        var last = klines.Max(r => r.Time);
        Assert.InRange(reopens, last.AddMinutes(2), last.AddMinutes(2).AddSeconds(30));
    }

    [Theory]
    [InlineData("")]
    [InlineData("--sla 10m")]
    public async Task Fetch_FirstAnswerIsA418WithRetryAfter15_WaitsOutTheBanShowingIt_ThenCompletes(string extra)
    {
        await using var replay = await ReplayHarness.StartAsync(
            faults: ReplayFaults.Parse("rules:\n  - { name: ban, venue: binance-usdm, path: /fapi/v1/exchangeInfo, status: 418, retry_after: 15, count: 1 }\n", "faults.yaml"),
            candles: [new ReplayCandleSource("binance-usdm", AvaxPerp, Timeframe.M1, TestData.AvaxMonth)]);
        using var dir = new TempDir();
        var config = dir.Write("providers.yaml", LongAttempts);

        var result = await DriveAsync(replay.Clock, new CliRun(dir.Path, replay.Clock).RunAsync(
            ["history", "fetch", "--venue", "binance-usdm", "--symbol", "AVAX/USDT:USDT", "--timeframe", "1m", "--from", "2026-07-01", "--to", "2026-07-02",
            "--config", config, "--endpoint", $"all={replay.Server.BaseAddress}", .. extra.Split(' ', StringSplitOptions.RemoveEmptyEntries)]));

        Assert.True(result.ExitCode == 0, result.Error);
        var requests = replay.Server.Requests.Where(r => r.Venue == "binance-usdm").ToList();
        Assert.Equal([418, 200, 200], requests.Select(r => r.Status));
        var shown = System.Text.RegularExpressions.Regex.Match(result.Out, @"binance-usdm: banned \(HTTP 418\) until (\S+Z); waiting");
        Assert.True(shown.Success, result.Out);
        var banEnds = Time(shown.Groups[1].Value);
        Assert.True(banEnds >= requests[0].Time.AddSeconds(15), $"the ban shown ends at {banEnds:O}, before Retry-After 15 s from {requests[0].Time:O}");
        Assert.All(requests.Skip(1), r => Assert.True(r.Time >= banEnds, $"{r.Path} was sent at {r.Time:O}, before the ban ended at {banEnds:O}"));
        Assert.Contains("fetched 1440 candles in 1 requests, stored 1440", result.Out, StringComparison.Ordinal);
    }

    private static DateTimeOffset Time(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static long Ms(string date) => DateTimeOffset.Parse(date + "T00:00:00Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    /// <summary>
    /// Awaits the command, moving the shared manual clock 250 ms whenever it has not finished after a moment of
    /// real time: back-offs, bans and latency faults end on the clock; loopback I/O is unaffected.
    /// </summary>
    private static async Task<CliResult> DriveAsync(ManualClock clock, Task<CliResult> run)
    {
        var started = DateTime.UtcNow;
        while (!run.IsCompleted)
        {
            await Task.WhenAny(run, Task.Delay(2));
            if (!run.IsCompleted)
            {
                if (DateTime.UtcNow - started > TimeSpan.FromMinutes(2))
                {
                    throw new TimeoutException($"the fetch did not finish within 2 minutes of real time; the clock stands at {clock.GetUtcNow():O}");
                }

                clock.Advance(TimeSpan.FromMilliseconds(250));
            }
        }

        return await run;
    }
}

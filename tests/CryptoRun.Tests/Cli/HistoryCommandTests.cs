using System.Text;
using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Storage;
using CryptoRun.Storage.Sqlite;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Cli;

public sealed class HistoryCommandTests(ReplayFixture replay) : IClassFixture<ReplayFixture>
{
    private static readonly SeriesKey AvaxKey = new("binance-usdm", Instrument.Parse("AVAX/USDT:USDT"), Timeframe.M1);

    [Fact]
    public async Task Fetch_SecondRangeOverlapsTheFirst_FetchesOnlyWhatTheStoreLacks()
    {
        using var dir = new TempDir();
        var cli = new CliRun(dir.Path);
        var endpoint = $"binance-usdm={replay.Server.BaseAddress}";

        var week = await cli.RunAsync("history", "fetch", "--venue", "binance-usdm", "--symbol", "AVAX/USDT:USDT", "--timeframe", "1m",
            "--from", "2026-07-01", "--to", "2026-07-08", "--endpoint", endpoint);
        var month = await cli.RunAsync("history", "fetch", "--venue", "binance-usdm", "--symbol", "AVAX/USDT:USDT", "--timeframe", "1m",
            "--from", "2026-07-01", "--to", "2026-08-01", "--endpoint", endpoint);

        Assert.True(week.ExitCode == 0, week.Error);
        Assert.Contains("fetched 10080 candles in 7 requests, stored 10080", week.Out, StringComparison.Ordinal);
        Assert.True(month.ExitCode == 0, month.Error);
        Assert.Contains("fetched 34560 candles in 24 requests, stored 34560", month.Out, StringComparison.Ordinal);
        Assert.Contains("store holds 44640 candles from 2026-07-01T00:00:00Z to 2026-07-31T23:59:00Z; missing slots: 0 (none)", month.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_Strategies_FailFastRefusesWhatIsNotStored_AutoBackfillFetchesIt_FailFastThenAnswers()
    {
        using var dir = new TempDir();
        var cli = new CliRun(dir.Path);
        string[] fetch = ["history", "fetch", "--venue", "binance-usdm", "--symbol", "AVAX/USDT:USDT", "--timeframe", "1m",
            "--from", "2026-07-01", "--to", "2026-07-02", "--endpoint", $"binance-usdm={replay.Server.BaseAddress}"];
        var requestsBefore = replay.Server.Requests.Count;

        var refused = await cli.RunAsync([.. fetch, "--strategy", "fail-fast"]);
        var requestsAfterRefusal = replay.Server.Requests.Count;
        var filled = await cli.RunAsync([.. fetch, "--strategy", "auto-backfill"]);
        var answered = await cli.RunAsync([.. fetch, "--strategy", "fail-fast"]);

        Assert.Equal(6, refused.ExitCode);
        Assert.Contains("the store has not fetched 1440 of 1440 slots", refused.Error, StringComparison.Ordinal);
        Assert.Equal(requestsBefore, requestsAfterRefusal);
        Assert.True(filled.ExitCode == 0, filled.Error);
        Assert.Contains("binance-usdm:AVAX/USDT:USDT:1m: auto-backfill answered 1440 candles, coverage 100.0 %, staleness ", filled.Out, StringComparison.Ordinal);
        Assert.Contains("binance-usdm:AVAX/USDT:USDT:1m: 1440 candles from binance-usdm, fetched ", filled.Out, StringComparison.Ordinal);
        Assert.True(answered.ExitCode == 0, answered.Error);
        Assert.Contains("fail-fast answered 1440 candles, coverage 100.0 %", answered.Out, StringComparison.Ordinal);
        Assert.Contains("fetched 0 candles in 0 requests", answered.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_SlaBudgetTooShort_Exits6SayingWhichBudgetAndKeepsWhatWasFetched()
    {
        using var dir = new TempDir();

        // The real clock, so the budget runs out while the month's 30 pages are fetched.
        var cli = new CliRun(dir.Path, TimeProvider.System);

        var result = await cli.RunAsync("history", "fetch", "--venue", "binance-usdm", "--symbol", "AVAX/USDT:USDT", "--timeframe", "1m",
            "--from", "2026-07-01", "--to", "2026-08-01", "--endpoint", $"binance-usdm={replay.Server.BaseAddress}", "--sla", "10ms");

        Assert.Equal(6, result.ExitCode);
        Assert.Matches("the total phase took [0-9.]+ s, past its SLA budget of 0.01 s", result.Error);
        await using var store = await SqliteStore.OpenAsync(dir.File("cryptorun.db"));
        var held = await store.GetSummaryAsync(AvaxKey);
        Assert.InRange(held.Count, 0, 44_639);
        Assert.Equal(0, held.Count % 1500);
    }

    [Fact]
    public async Task Fetch_KrakenWithoutCandlesThere_BuildsThemFromItsRecordedTrades()
    {
        // The replay holds no SC/EUR candles, only the trades recorded from Kraken's feed on 2021-04-17 16:49.
        using var dir = new TempDir();
        var cli = new CliRun(dir.Path, TimeProvider.System);
        string[] series = ["--venue", "kraken", "--symbol", "SC/EUR", "--timeframe", "1m"];

        var result = await cli.RunAsync(["history", "fetch", .. series, "--from", "2021-04-17T16:45:00Z", "--to", "2021-04-17T16:55:00Z", "--endpoint", $"kraken={replay.Server.BaseAddress}"]);
        var export = await cli.RunAsync(["history", "export", .. series]);
        var gaps = await cli.RunAsync(["history", "gaps", .. series, "--from", "2021-04-17T16:45:00Z", "--to", "2021-04-17T16:55:00Z"]);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.DoesNotContain("not covered", result.Out, StringComparison.Ordinal);
        var candle = Assert.Single(export.Lines.Skip(1));

        // 6 trades: 0.042990 x 15979.71727919, 0.042980 x 8500, 0.043000 x 2383.16665529, 0.043030 x 1081.72663, 0.042960 x 5000, 0.043040 x 20000.
        Assert.StartsWith("2021-04-17T16:49:00Z,0.042990,0.043040,0.042960,0.043040,52944.61056448,", candle, StringComparison.Ordinal);
        Assert.Contains(",6,kraken,", candle, StringComparison.Ordinal);

        // The other nine minutes were answered (no trades there), not left unfetched.
        Assert.DoesNotContain("not_fetched", gaps.Out, StringComparison.Ordinal);
        Assert.Contains("2021-04-17T16:45:00Z,2021-04-17T16:49:00Z,4,no_candle", gaps.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_KrakenShallowHistory_OhlcServesTheLatest720_TheRestIsAskedOfItsTrades()
    {
        using var dir = new TempDir();

        // The real clock: Kraken's budget of 1 request/s makes each request after the first wait a second.
        var cli = new CliRun(dir.Path, TimeProvider.System);

        var result = await cli.RunAsync("history", "fetch", "--venue", "kraken", "--symbol", "AVAX/USDT", "--timeframe", "1m",
            "--from", "2026-07-31", "--to", "2026-08-01", "--endpoint", $"kraken={replay.Server.BaseAddress}");
        var gaps = await cli.RunAsync("history", "gaps", "--venue", "kraken", "--symbol", "AVAX/USDT", "--timeframe", "1m", "--from", "2026-07-31", "--to", "2026-08-01");

        // OHLC gives the 720 most recent candles; the older half-day is asked of /0/public/Trades (one page),
        // which in the replay holds no AVAX/USDT trades: those slots are answered, without candles.
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("fetched 720 candles in 2 requests", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("not covered", result.Out, StringComparison.Ordinal);
        Assert.Contains("2026-07-31T00:00:00Z,2026-07-31T12:00:00Z,720,no_candle", gaps.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportThenExport_CoinbaseMinutes_CsvCarriesTheFileValuesExactly()
    {
        using var dir = new TempDir();
        // Import makes no request: a frozen clock gives an exact fetched_at.
        var cli = new CliRun(dir.Path, new ManualClock(ReplayFixture.Now));

        var import = await cli.RunAsync("history", "import", TestData.CoinbaseMinute, "--venue", "coinbase", "--symbol", "BTC/USD", "--timeframe", "1m");
        var export = await cli.RunAsync("history", "export", "--venue", "coinbase", "--symbol", "BTC/USD", "--timeframe", "1m");

        Assert.True(import.ExitCode == 0, import.Error);
        Assert.Contains("imported 27950 candles", import.Out, StringComparison.Ordinal);
        Assert.Contains("missing slots: 1 (2020-11-24T21:09:00Z)", import.Out, StringComparison.Ordinal);
        Assert.True(export.ExitCode == 0, export.Error);
        var lines = export.Lines;
        Assert.Equal("open_time,open,high,low,close,volume,quote_volume,trades,provider,fetched_at,status", lines[0]);
        Assert.Equal(27_951, lines.Length);
        Assert.Equal("2020-12-12T04:36:00Z,18299.03,18302.74,18299.03,18302.43,0.13180145,2412.2868125235,,file,2026-09-01T00:00:00Z,OK", lines[^1]);
        Assert.StartsWith("2020-11-22T18:46:00Z,", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_JsonlWithRange_HalfOpenWithNullsForAbsentFields()
    {
        using var dir = new TempDir();
        var cli = new CliRun(dir.Path);
        await cli.RunAsync("history", "fetch", "--venue", "coinbase", "--symbol", "BTC/USD", "--timeframe", "1m",
            "--from", "2020-11-24T21:07:00Z", "--to", "2020-11-24T21:12:00Z", "--endpoint", $"coinbase={replay.Server.BaseAddress}");

        var export = await cli.RunAsync("history", "export", "--venue", "coinbase", "--symbol", "BTC/USD", "--timeframe", "1m",
            "--from", "2020-11-24T21:08:00Z", "--to", "2020-11-24T21:11:00Z", "--format", "jsonl");

        Assert.True(export.ExitCode == 0, export.Error);
        var rows = export.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["2020-11-24T21:08:00Z", "2020-11-24T21:10:00Z"], rows.Select(r => r.GetProperty("open_time").GetString()));
        Assert.Equal("19090.62", rows[0].GetProperty("open").GetString());
        Assert.Equal(JsonValueKind.Null, rows[0].GetProperty("quote_volume").ValueKind);
        Assert.Equal(JsonValueKind.Null, rows[0].GetProperty("trades").ValueKind);
        Assert.Equal("coinbase", rows[0].GetProperty("provider").GetString());
        Assert.Equal("OK", rows[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task Import_MalformedCsv_Exits4NamingTheLineAndLeavesTheStoreAsItWas()
    {
        using var dir = new TempDir();
        var cli = new CliRun(dir.Path);
        var good = dir.Write("good.csv", "open_time,open,high,low,close,volume\n2026-07-01T00:00:00Z,6.5,6.6,6.4,6.55,10\n2026-07-01T00:01:00Z,6.55,6.6,6.5,6.6,12\n");
        var bad = dir.Write("bad.csv", "open_time,open,high,low,close,volume\n2026-07-01T00:02:00Z,6.6,6.7,6.5,6.65,3\n2026-07-01T00:03:00Z,6.65,six,6.6,6.7,4\n");
        await cli.RunAsync("history", "import", good, "--venue", "binance-usdm", "--symbol", "AVAX/USDT:USDT", "--timeframe", "1m");

        var result = await cli.RunAsync("history", "import", bad, "--venue", "binance-usdm", "--symbol", "AVAX/USDT:USDT", "--timeframe", "1m");

        Assert.Equal(4, result.ExitCode);
        Assert.Contains($"{bad}:3: high 'six' is not a decimal number", result.Error, StringComparison.Ordinal);
        Assert.Equal(["2026-07-01T00:00:00Z", "2026-07-01T00:01:00Z"], await OpenTimesAsync(dir.File("cryptorun.db"), AvaxKey));
    }

    [Fact]
    public async Task Import_RowFailsQualityGate_Exits4AndStoresNothing()
    {
        using var dir = new TempDir();
        var cli = new CliRun(dir.Path);
        var file = dir.Write("gate.csv", "timestamp,open,high,low,close,volume\n1782864000,6.5,6.6,6.4,6.55,10\n1782864060,6.55,6.4,6.6,6.5,12\n");

        var result = await cli.RunAsync("history", "import", file, "--venue", "binance-usdm", "--symbol", "AVAX/USDT:USDT", "--timeframe", "1m");

        Assert.Equal(4, result.ExitCode);
        Assert.Contains($"{file}:3: rejected by the quality gate", result.Error, StringComparison.Ordinal);
        Assert.Contains("high 6.4 is below low 6.6", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("cryptorun.db")) && (await OpenTimesAsync(dir.File("cryptorun.db"), AvaxKey)).Count > 0);
    }

    [Fact]
    public async Task Fetch_VenueAnswersMalformedJson_Exits4NamingEndpointAndStoresNothing()
    {
        using var dir = new TempDir();
        var cli = new CliRun(dir.Path);
        await cli.RunAsync("history", "import", dir.Write("kept.csv", "open_time,open,high,low,close,volume\n2026-07-01T00:00:00Z,6.5,6.6,6.4,6.55,10\n"),
            "--venue", "coinbase", "--symbol", "BTC/USD", "--timeframe", "1m");
        await using var stub = await StubVenue.StartAsync(new Dictionary<string, (int, byte[], (string, string)[])>
        {
            ["/api/v3/exchangeInfo"] = (200, TestData.RecordedResponse("BINANCE.0", "/api/v3/exchangeInfo"), []),
            ["/api/v3/klines"] = (200, Encoding.UTF8.GetBytes("""[[1782864000000,"6.5340","6.5430","6.5340","6.5400","33013",1782864059999,"215829.8910",365,"30518","199515.0150","0"],[1782864060000,"6.5390","""), []),
        });

        var result = await cli.RunAsync("history", "fetch", "--venue", "binance", "--symbol", "BTC/USDT", "--timeframe", "1m",
            "--from", "2026-07-01", "--to", "2026-07-02", "--endpoint", $"binance={stub.BaseAddress}");

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("binance GET /api/v3/klines?symbol=BTCUSDT", result.Error, StringComparison.Ordinal);
        Assert.Contains("malformed response", result.Error, StringComparison.Ordinal);
        Assert.Empty(await OpenTimesAsync(dir.File("cryptorun.db"), new SeriesKey("binance", Instrument.Parse("BTC/USDT"), Timeframe.M1)));
        Assert.Single(await OpenTimesAsync(dir.File("cryptorun.db"), new SeriesKey("coinbase", Instrument.Parse("BTC/USD"), Timeframe.M1)));
    }

    [Fact]
    public async Task Fetch_VenueRateLimitsPastTheDeadline_Exits3AtOnceWithRetryAfter()
    {
        using var dir = new TempDir();
        await using var stub = await StubVenue.StartAsync(new Dictionary<string, (int, byte[], (string, string)[])>
        {
            ["/api/v3/exchangeInfo"] = (200, TestData.RecordedResponse("BINANCE.0", "/api/v3/exchangeInfo"), []),
            ["/api/v3/klines"] = (429, Encoding.UTF8.GetBytes("""{"code":-1003,"msg":"Too much request weight used; current limit is 1200 request weight per 1 MINUTE."}"""), [("Retry-After", "42")]),
        });

        // Retry-After 42 s ends after the 10 s deadline: no retry is waited for.
        var result = await new CliRun(dir.Path).RunAsync("history", "fetch", "--venue", "binance", "--symbol", "BTC/USDT", "--timeframe", "1m",
            "--from", "2026-07-01", "--to", "2026-07-02", "--endpoint", $"binance={stub.BaseAddress}", "--timeout", "10s");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("Too much request weight used", result.Error, StringComparison.Ordinal);
        Assert.Contains("retry after 42 s", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--symbol", "BTCUSD", "--symbol 'BTCUSD' is not a unified symbol")]
    [InlineData("--from", "yesterday", "--from 'yesterday' is not a time")]
    [InlineData("--to", "2020-01-01", "must be after --from")]
    [InlineData("--venue", "bitmex", "--venue 'bitmex' is not a venue CryptoRun knows")]
    [InlineData("--timeframe", "4h", "--timeframe 4h: coinbase serves 1m 5m 15m 1h 6h 1d")]
    [InlineData("--timeframe", "2m", "--timeframe '2m' is not supported")]
    [InlineData("--endpoint", "coinbase=ftp://x", "is not an absolute http(s) URL")]
    public async Task Fetch_BadArgument_Exits2NamingIt(string option, string value, string message)
    {
        using var dir = new TempDir();
        var args = new Dictionary<string, string>
        {
            ["--venue"] = "coinbase", ["--symbol"] = "BTC/USD", ["--timeframe"] = "1m", ["--from"] = "2020-11-24", ["--to"] = "2020-11-25",
            ["--endpoint"] = $"coinbase={replay.Server.BaseAddress}",
        };
        args[option] = value;

        var result = await new CliRun(dir.Path).RunAsync(["history", "fetch", .. args.SelectMany(a => new[] { a.Key, a.Value })]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("cryptorun.db")), "a usage error created the store file");
    }

    [Fact]
    public async Task Fetch_MissingRequiredOption_Exits2()
    {
        using var dir = new TempDir();

        var result = await new CliRun(dir.Path).RunAsync("history", "fetch", "--venue", "coinbase");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--symbol", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_StoreDoesNotExist_Exits2WithoutCreatingIt()
    {
        using var dir = new TempDir();

        var result = await new CliRun(dir.Path).RunAsync("history", "export", "--venue", "coinbase", "--symbol", "BTC/USD", "--timeframe", "1m", "--db", "none.db");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("does not exist", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("none.db")));
    }

    private static async Task<List<string>> OpenTimesAsync(string db, SeriesKey key)
    {
        await using var store = await SqliteStore.OpenAsync(db);
        var times = new List<string>();
        await foreach (var row in store.ReadAsync(key))
        {
            times.Add(TimeRange.Format(row.Candle.OpenTimeMs));
        }

        return times;
    }
}

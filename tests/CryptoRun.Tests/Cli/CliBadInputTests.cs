using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Cli;

/// <summary>
/// Bad input at every option of every command: a clear error with its exit code (2), naming the option,
/// variable or file and line, never a crash (exit 1) or an abort; and echoed input is capped.
/// </summary>
public sealed class CliBadInputTests(ReplayFixture replay) : IClassFixture<ReplayFixture>
{
    private static readonly string Long = new('A', 100_000);

    private static readonly string[] Fetch =
        ["history", "fetch", "--venue", "binance", "--symbol", "BTC/USDT", "--timeframe", "1m", "--from", "2024-01-01", "--to", "2024-01-02", "--endpoint", "all=http://127.0.0.1:1"];

    private static readonly string[] ProbeProviders = ["providers", "probe", "--endpoint", "all=http://127.0.0.1:1"];

    private static readonly string[] Probe = ["probe", "data", "--venue", "binance", "--pair", "BTC/USDT", "--endpoint", "all=http://127.0.0.1:1"];

    private static readonly string[] Follow = ["history", "follow", "--venue", "binance", "--symbol", "BTC/USDT", "--timeframe", "1m", "--endpoint", "all=http://127.0.0.1:1"];

    /// <summary>Arguments, then a phrase the message must hold. Every case exits 2 before anything touches a venue or the store.</summary>
    public static TheoryData<string[], string> UsageErrors => new()
    {
        // Durations: each option has a documented maximum, and nothing overflows a TimeSpan.
        { [.. Fetch, "--sla", "99999999d"], "--sla '99999999d' is too long: at most 30d" },
        { [.. Fetch, "--sla", "31d"], "--sla '31d' is too long: at most 30d" },
        { [.. Fetch, "--sla", "NaNs"], "--sla 'NaNs' is not a duration" },
        { [.. Fetch, "--sla", "-Infinityms"], "--sla '-Infinityms' is not a duration" },
        { [.. Fetch, "--timeout", "99999999d"], "--timeout '99999999d' is too long: at most 1d" },
        { [.. Fetch, "--timeout", "25h"], "--timeout '25h' is too long: at most 1d" },
        { [.. Fetch, "--timeout", "10675199.02:48:05.4775807"], "--timeout '10675199.02:48:05.4775807' is too long: at most 1d" },
        { [.. ProbeProviders, "--timeout", "99999999d"], "--timeout '99999999d' is too long: at most 1d" },
        { [.. Follow, "--grace", "99999999d"], "--grace '99999999d' is too long: at most 1d" },
        { ["ingest", "--interval", "99999999d"], "--interval '99999999d' is too long: at most 1d" },
        { ["ingest", "--interval", "NaNm"], "--interval 'NaNm' is not a duration" },
        { ["pit", "cleanup", "--dir", ".", "--retention", "99999999d"], "--retention '99999999d' is too long: at most 3650d" },

        // Doubles and counts.
        { [.. Probe, "--mins", "1e308"], "--mins 1E+308: give minutes from more than 0 to 10080 (1 week)" },
        { [.. Probe, "--mins", "Infinity"], "--mins Infinity: give minutes from more than 0 to 10080 (1 week)" },
        { [.. Probe, "--mins", "-Infinity"], "--mins -Infinity: give minutes" },
        { [.. Probe, "--mins", "NaN"], "--mins NaN: give minutes" },
        { [.. Probe, "--mins", "0"], "--mins 0: give minutes" },
        { [.. Probe, "--mins", "10081"], "--mins 10081: give minutes" },
        { [.. Probe, "--stream", "--max-events", "0"], "--max-events 0: give 1 or more" },
        { [.. Probe, "--stream", "--max-events", "-3"], "--max-events -3: give 1 or more" },
        { ["replay", "serve", "--ws-speed", "1e-300"], "--ws-speed 1E-300: use 0 (no delays) or a number from 0.001" },
        { ["replay", "serve", "--ws-speed", "NaN"], "--ws-speed NaN: use 0 (no delays) or a number from 0.001" },
    };

    [Theory]
    [MemberData(nameof(UsageErrors))]
    public async Task BadOptionValue_Exits2NamingTheOption(string[] args, string phrase)
    {
        using var dir = new TempDir();

        // A guard, not a pace: a value taken as valid would start a server or a stream that runs until cancelled.
        var result = await new CliRun(dir.Path).RunAsync(args).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(result.ExitCode == 2, $"exit {result.ExitCode}: {result.Error}");
        Assert.Contains(phrase, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", result.Error, StringComparison.Ordinal);
    }

    /// <summary>
    /// A 100,000-character value (<c>LONG</c> in the arguments; <c>long</c> for its lower-case form), wherever the
    /// CLI quotes it, is cut with a marker that says so.
    /// </summary>
    public static TheoryData<string[], string> LongValues => new()
    {
        { ["history", "export", "--venue", "coinbase", "--symbol", "LONG", "--timeframe", "1m"], "--symbol '" },
        { ["history", "export", "--venue", "coinbase", "--symbol", "BTC/USD", "--timeframe", "LONG"], "--timeframe '" },
        { ["history", "export", "--venue", "coinbase", "--symbol", "BTC/USD", "--timeframe", "1m", "--from", "LONG"], "--from '" },
        { ["history", "export", "--venue", "long", "--symbol", "BTC/USD", "--timeframe", "1m"], "--venue '" },
        { ["history", "gaps", "--venue", "LONG", "--symbol", "BTC/USD", "--timeframe", "1m"], "--venue '" },
        { ["bars", "export", "--venue", "LONG", "--symbol", "BTC/USD", "--timeframe", "1m"], "--venue '" },
        { ["bars", "materialize", "--venue", "coinbase", "--symbol", "BTC/USD", "--timeframes", "LONG"], "--timeframes '" },
        { ["history", "fetch", "--venue", "LONG", "--symbol", "BTC/USD", "--timeframe", "1m", "--from", "2024-01-01", "--to", "2024-01-02"], "--venue '" },
        { [.. Fetch, "--sla", "LONG"], "--sla '" },
        { [.. Fetch, "--endpoint", "LONG"], "--endpoint '" },
        { [.. Fetch, "--endpoint", "binance=LONG"], "'" },
        { [.. Fetch, "--concurrency", "LONG"], "'" },
        { ["history", "export", "--venue", "coinbase", "--symbol", "BTC/USD", "--timeframe", "1m", "--format", "LONG"], "'" },
        { ["history", "LONG"], "'" },
        { ["pit", "show", "--dir", "LONG", "--venue", "binance", "--symbol", "BTC/USDT"], "--dir '" },
        { ["replay", "serve", "--candles", "LONG"], "--candles '" },
        { ["demo", "--data", "LONG"], "is '" },
        { ["probe", "data", "--venue", "bybit-linear", "--pair", "BTC/USDT:USDT", "--stream", "--endpoint", "bybit-linear=LONG"], "--endpoint '" },
        { ["history", "export", "--venue", "coinbase", "--symbol", "BTC/USD", "--timeframe", "1m", "--db", "LONG"], "--db '" },
        { ["history", "import", "LONG", "--venue", "coinbase", "--symbol", "BTC/USD", "--timeframe", "1m"], "FILE '" },
    };

    [Theory]
    [MemberData(nameof(LongValues))]
    public async Task LongValue_IsEchoedCutWithAMarker(string[] args, string phrase)
    {
        using var dir = new TempDir();
        dir.Write("cryptorun.db", "");

        var result = await new CliRun(dir.Path).RunAsync(args.Select(Expand).ToArray());

        Assert.True(result.ExitCode == 2, $"exit {result.ExitCode}: {result.Error[..Math.Min(result.Error.Length, 2000)]}");
        Assert.Contains(phrase, result.Error, StringComparison.Ordinal);
        Assert.Matches(@"…'? \(1000\d\d characters, cut\)", result.Error);
        Assert.True(result.Error.Length < 2_000, $"{result.Error.Length} characters on standard error");
    }

    [Theory]
    [InlineData("LONG", "", "--pair 'AAAA", "…' (100000 characters, cut): binance lists no such market")]
    [InlineData("AVAX/USDT", "LONG", "--ws 'AAAA", "…' (100000 characters, cut): expected a ws:// or wss:// URL")]
    public async Task ProbeData_LongValue_IsEchoedCut(string pair, string ws, string start, string end)
    {
        using var dir = new TempDir();
        string[] args = ["probe", "data", "--venue", "binance", "--pair", Expand(pair), "--stream", "--endpoint", $"binance={replay.Server.BaseAddress}", .. ws.Length > 0 ? ["--ws", Expand(ws)] : Array.Empty<string>()];

        var result = await new CliRun(dir.Path).RunAsync(args);

        Assert.True(result.ExitCode == 2, result.Error[..Math.Min(result.Error.Length, 2000)]);
        Assert.Contains(start, result.Error, StringComparison.Ordinal);
        Assert.Contains(end, result.Error, StringComparison.Ordinal);
        Assert.True(result.Error.Length < 2_000, $"{result.Error.Length} characters on standard error");
    }

    [Theory]
    [InlineData("CRYPTORUN__", "x", "CRYPTORUN__: names no setting")]
    [InlineData("CRYPTORUN____", "x", "CRYPTORUN____: names no setting")]
    [InlineData("CRYPTORUN__PROVIDERS__BINANCE__TIMEOUT", "99999999d", "(environment override CRYPTORUN__PROVIDERS__BINANCE__TIMEOUT): timeout: '99999999d' is too long: at most 1d")]
    [InlineData("CRYPTORUN__PROVIDERS__BINANCE__TIMEOUT", "NaNs", "(environment override CRYPTORUN__PROVIDERS__BINANCE__TIMEOUT): timeout: 'NaNs' is not a duration")]
    [InlineData("CRYPTORUN__INGEST__INTERVAL", "-Infinityd", "(environment override CRYPTORUN__INGEST__INTERVAL): interval: '-Infinityd' is not a duration")]
    [InlineData("CRYPTORUN__CHAINS__SPOT__RETRY_DELAY", "99999999d", "(environment override CRYPTORUN__CHAINS__SPOT__RETRY_DELAY): retry_delay: '99999999d' is too long: at most 1m")]
    public async Task EnvironmentOverride_Bad_Exits2NamingTheVariable(string name, string value, string phrase)
    {
        using var dir = new TempDir();

        var result = await new CliRun(dir.Path, variables: new Dictionary<string, string> { [name] = value }).RunAsync(ProbeProviders);

        Assert.True(result.ExitCode == 2, $"exit {result.ExitCode}: {result.Error}");
        Assert.Contains(phrase, result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CRYPTORUN__PROVIDERS__BINANCE__LONG", "1", "(environment override CRYPTORUN__PROVIDERS__BINANCE__AAAA", "… (100031 characters, cut)): providers.binance: unknown key 'aaaa")]
    [InlineData("CRYPTORUN__INGEST__INTERVAL", "LONG", "(environment override CRYPTORUN__INGEST__INTERVAL): interval: 'AAAA", "…' (100000 characters, cut) is not a duration")]
    public async Task EnvironmentOverride_LongNameOrValue_IsEchoedCut(string name, string value, string start, string end)
    {
        using var dir = new TempDir();
        var variables = new Dictionary<string, string> { [Expand(name)] = Expand(value) };

        var result = await new CliRun(dir.Path, variables: variables).RunAsync(ProbeProviders);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(start, result.Error, StringComparison.Ordinal);
        Assert.Contains(end, result.Error, StringComparison.Ordinal);
        Assert.True(result.Error.Length < 2_000, $"{result.Error.Length} characters on standard error");
    }

    [Theory]
    [InlineData("timeout: 99999999d", "providers.yaml:3: timeout: '99999999d' is too long: at most 1d")]
    [InlineData("timeout: 5ms", "providers.yaml:3: timeout: '5ms' is too short: at least 10ms")]
    [InlineData("retry_delay: 2m", "providers.yaml:3: retry_delay: '2m' is too long: at most 1m")]
    [InlineData("max_retries: 11", "providers.yaml:3: max_retries: '11' is more than 10")]
    [InlineData("circuit_breaker: { open_timeout: 99999999d }", "providers.yaml:3: open_timeout: '99999999d' is too long: at most 1d")]
    [InlineData("cache: { cold_ttl: 31d }", "providers.yaml:3: cold_ttl: '31d' is too long: at most 30d")]
    [InlineData("timeout: NaNs", "providers.yaml:3: timeout: 'NaNs' is not a duration")]
    public async Task ConfigFile_DurationOutOfRange_Exits2NamingFileAndLine(string line, string phrase)
    {
        using var dir = new TempDir();
        var path = dir.Write("providers.yaml", $"providers:\n  binance:\n    {line}\n");

        var result = await new CliRun(dir.Path).RunAsync([.. ProbeProviders, "--config", path]);

        Assert.True(result.ExitCode == 2, $"exit {result.ExitCode}: {result.Error}");
        Assert.Contains(phrase, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigFile_LongValue_IsEchoedCut()
    {
        using var dir = new TempDir();
        var path = dir.Write("providers.yaml", $"providers:\n  binance:\n    timeout: {Long}\n");

        var result = await new CliRun(dir.Path).RunAsync([.. ProbeProviders, "--config", path]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("providers.yaml:3: timeout: 'AAAA", result.Error, StringComparison.Ordinal);
        Assert.Contains("…' (100000 characters, cut) is not a duration", result.Error, StringComparison.Ordinal);
        Assert.True(result.Error.Length < 2_000, $"{result.Error.Length} characters on standard error");
    }

    [Fact]
    public async Task AtArgument_IsNotAResponseFile_SoAnEndlessOneCannotBeRead()
    {
        // System.CommandLine would read @FILE whole and splice its words in: @/dev/zero grew until memory ran out.
        using var dir = new TempDir();
        dir.Write("args.rsp", "demo --help\n");

        var result = await new CliRun(dir.Path).RunAsync("@args.rsp");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'@args.rsp'", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Usage:", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigFile_LargerThanAnyConfig_Exits2AfterReadingAtMost1MiB()
    {
        using var dir = new TempDir();
        var path = dir.Write("huge.yaml", string.Concat(Enumerable.Repeat("# a comment line of forty characters ..\n", 60_000)));

        var result = await new CliRun(dir.Path).RunAsync([.. ProbeProviders, "--config", path]);

        Assert.True(result.ExitCode == 2, $"exit {result.ExitCode}: {result.Error}");
        Assert.Contains($"config file '{path}' cannot be read: larger than 1 MiB", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigFile_NestedDeeperThanTheLimit_Exits2NamingFileAndLine()
    {
        using var dir = new TempDir();
        var path = dir.Write("deep.yaml", "providers:\n  binance:\n    cache: " + new string('[', 200) + new string(']', 200) + "\n");

        var result = await new CliRun(dir.Path).RunAsync([.. ProbeProviders, "--config", path]);

        Assert.True(result.ExitCode == 2, $"exit {result.ExitCode}: {result.Error}");
        Assert.Contains("deep.yaml:3: nested deeper than 64 levels", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigPath_IsADirectory_SaysSoForTheOptionAndTheVariable()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("conf"));

        var byOption = await new CliRun(dir.Path).RunAsync([.. ProbeProviders, "--config", "conf"]);
        var byVariable = await new CliRun(dir.Path, variables: new Dictionary<string, string> { ["CRYPTORUN_CONFIG"] = dir.File("conf") }).RunAsync(ProbeProviders);

        Assert.Equal(2, byOption.ExitCode);
        Assert.Contains($"--config: config file '{dir.File("conf")}' is a directory, not a file", byOption.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("does not exist", byOption.Error, StringComparison.Ordinal);
        Assert.Equal(2, byVariable.ExitCode);
        Assert.Contains($"CRYPTORUN_CONFIG: config file '{dir.File("conf")}' is a directory, not a file", byVariable.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigPath_Missing_NamesTheVariable()
    {
        using var dir = new TempDir();

        var result = await new CliRun(dir.Path, variables: new Dictionary<string, string> { ["CRYPTORUN_CONFIG"] = dir.File("nope.yaml") }).RunAsync(ProbeProviders);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"CRYPTORUN_CONFIG: config file '{dir.File("nope.yaml")}' does not exist", result.Error, StringComparison.Ordinal);
    }

    /// <summary><c>LONG</c> stands for 100,000 <c>A</c>s and <c>long</c> for 100,000 <c>a</c>s, inside any argument.</summary>
    private static string Expand(string arg) => arg.Replace("LONG", Long, StringComparison.Ordinal).Replace("long", Long.ToLowerInvariant(), StringComparison.Ordinal);
}

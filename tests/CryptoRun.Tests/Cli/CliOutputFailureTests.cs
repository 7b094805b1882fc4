using System.Diagnostics;
using System.Text;
using CryptoRun.Cli;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Cli;

/// <summary>
/// Standard output that cannot be written (a full disk, at a write or only at the final flush) is a clear
/// error with exit 5 at the CLI's one error edge, never an internal error; shown in-process with writers
/// that fail as a full disk does, and as a process with standard output on <c>/dev/full</c>.
/// </summary>
public sealed class CliOutputFailureTests
{
    private static readonly string[] Coinbase = ["--venue", "coinbase", "--symbol", "BTC/USD", "--timeframe", "1m"];

    public static TheoryData<string[]> Exports => new()
    {
        { ["history", "export", .. Coinbase] },
        { ["history", "export", .. Coinbase, "--format", "jsonl"] },
        { ["history", "gaps", .. Coinbase] },
        { ["bars", "export", "--venue", "coinbase", "--symbol", "BTC/USD", "--timeframe", "1h"] },
    };

    [Theory]
    [MemberData(nameof(Exports))]
    public async Task Export_EveryWriteFails_Exit5CannotWriteStandardOutput(string[] args)
    {
        using var dir = await StoreWithCandlesAndBarsAsync();
        using var output = new FullDiskWriter(failEveryWrite: true);
        using var error = new StringWriter();

        var code = await new CliRun(dir.Path).RunAsync(output, error, args);

        Assert.True(code == ExitCodes.StoreError, $"exit {code}: {error}");
        Assert.Equal("error: cannot write standard output: No space left on device" + Environment.NewLine, error.ToString());
    }

    [Fact]
    public async Task Export_OnlyTheFinalFlushFails_Exit5NotSuccess()
    {
        using var dir = await StoreWithCandlesAndBarsAsync();
        using var output = new FullDiskWriter(failEveryWrite: false);
        using var error = new StringWriter();

        var code = await new CliRun(dir.Path).RunAsync(output, error, ["history", "export", .. Coinbase]);

        Assert.True(code == ExitCodes.StoreError, $"exit {code}: {error}");
        Assert.Contains("error: cannot write standard output: No space left on device", error.ToString(), StringComparison.Ordinal);
        Assert.True(output.Buffered > 1_000_000, $"{output.Buffered} characters buffered");
    }

    [Fact]
    public async Task StandardErrorFullToo_StillExit5WithoutThrowing()
    {
        using var dir = await StoreWithCandlesAndBarsAsync();
        using var output = new FullDiskWriter(failEveryWrite: true);
        using var error = new FullDiskWriter(failEveryWrite: true);

        var code = await new CliRun(dir.Path).RunAsync(output, error, ["history", "export", .. Coinbase]);

        Assert.Equal(ExitCodes.StoreError, code);
    }

    [Fact]
    public async Task UsageError_StandardErrorFull_Exit2WithoutThrowing()
    {
        using var dir = new TempDir();
        using var error = new FullDiskWriter(failEveryWrite: true);

        var parseError = await new CliRun(dir.Path).RunAsync(TextWriter.Null, error, ["history", "export", "--nonsense"]);
        var usage = await new CliRun(dir.Path).RunAsync(TextWriter.Null, error, ["history", "export", "--venue", "coinbase", "--symbol", "BTCUSD", "--timeframe", "1m"]);

        Assert.Equal(ExitCodes.Usage, parseError);
        Assert.Equal(ExitCodes.Usage, usage);
    }

    [DevFullTheory]
    [MemberData(nameof(Exports))]
    public async Task Export_AsAProcess_StandardOutputOnDevFull_Exit5SayingSo(string[] args)
    {
        using var dir = await StoreWithCandlesAndBarsAsync();

        var (code, error) = await RunProcessAsync(dir.Path, "/dev/full", args);

        Assert.True(code == ExitCodes.StoreError, $"exit {code}: {error}");
        Assert.Equal("error: cannot write standard output: No space left on device", error.Trim());
    }

    [Fact]
    public async Task DeepConfig_AsAProcess_Exit2NamingFileAndLine()
    {
        using var dir = new TempDir();
        dir.Write("deep.yaml", "providers:\n  binance: " + new string('[', 100_000) + new string(']', 100_000) + "\n");

        var (code, error) = await RunProcessAsync(dir.Path, null, ["providers", "probe", "--config", "deep.yaml", "--endpoint", "all=http://127.0.0.1:1"]);

        Assert.True(code == ExitCodes.Usage, $"exit {code}: {error[..Math.Min(error.Length, 2000)]}");
        Assert.Contains("deep.yaml:2: nested deeper than 64 levels", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeepFaultsFile_AsAProcess_Exit2NamingFileAndLine()
    {
        using var dir = new TempDir();
        dir.Write("faults.yaml", "seed: 1\nrules:\n  - " + new string('{', 100_000) + new string('}', 100_000) + "\n");

        var (code, error) = await RunProcessAsync(dir.Path, null, ["replay", "serve", "--faults", "faults.yaml"]);

        Assert.True(code == ExitCodes.Usage, $"exit {code}: {error[..Math.Min(error.Length, 2000)]}");
        Assert.Contains("faults.yaml:3", error, StringComparison.Ordinal);
        Assert.Contains("nested deeper than 64 levels", error, StringComparison.Ordinal);
    }

    /// <summary>A store holding the real Coinbase BTC/USD minutes and their hourly bars.</summary>
    private static async Task<TempDir> StoreWithCandlesAndBarsAsync()
    {
        var dir = new TempDir();
        var cli = new CliRun(dir.Path);
        var import = await cli.RunAsync(["history", "import", TestData.CoinbaseMinute, .. Coinbase]);
        var bars = await cli.RunAsync("bars", "materialize", "--venue", "coinbase", "--symbol", "BTC/USD", "--timeframes", "1h");
        Assert.True(import.ExitCode == 0 && bars.ExitCode == 0, import.Error + bars.Error);
        return dir;
    }

    /// <summary>Runs the built <c>cryptorun</c> as a process, its standard output redirected to <paramref name="stdout"/> by the shell (or read and dropped).</summary>
    private static async Task<(int Code, string Error)> RunProcessAsync(string workingDirectory, string? stdout, string[] args)
    {
        var program = typeof(CliApp).Assembly.Location;
        var start = new ProcessStartInfo(stdout is null ? "dotnet" : "sh")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (stdout is not null)
        {
            // sh -c 'exec "$0" "$@" > FILE' dotnet cryptorun.dll ARGS: the CLI itself writes to the file.
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add($"exec \"$0\" \"$@\" > {stdout}");
        }

        start.ArgumentList.Add(stdout is null ? program : "dotnet");
        if (stdout is not null)
        {
            start.ArgumentList.Add(program);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment[CryptoRun.Replay.RecordedData.EnvironmentVariable] = TestData.Root;
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        await output;
        return (process.ExitCode, await error);
    }

    /// <summary>Standard output on a full disk: every write fails, or writes are buffered and the flush fails (ENOSPC).</summary>
    private sealed class FullDiskWriter(bool failEveryWrite) : TextWriter
    {
        private long _buffered;

        public override Encoding Encoding => Encoding.UTF8;

        public long Buffered => _buffered;

        public override void Write(char value)
        {
            if (failEveryWrite)
            {
                throw Full();
            }

            _buffered++;
        }

        public override void Write(string? value)
        {
            if (failEveryWrite)
            {
                throw Full();
            }

            _buffered += value?.Length ?? 0;
        }

        public override void Flush() => throw Full();

        public override Task FlushAsync() => throw Full();

        public override Task FlushAsync(CancellationToken cancellationToken) => throw Full();

        private static IOException Full() => new("No space left on device", 28);
    }
}

/// <summary>A theory that needs <c>/dev/full</c> (Linux): skipped, with the reason, where it is missing.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class DevFullTheoryAttribute : TheoryAttribute
{
    public DevFullTheoryAttribute()
    {
        if (!File.Exists("/dev/full"))
        {
            Skip = "no /dev/full on this system (it gives ENOSPC on every write on Linux)";
        }
    }
}

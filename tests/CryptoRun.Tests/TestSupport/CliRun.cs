using CryptoRun.Cli;

namespace CryptoRun.Tests.TestSupport;

/// <summary>The result of running <c>cryptorun</c> in-process.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Error)
{
    public string[] Lines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>
/// Runs <c>cryptorun</c> commands in-process with captured output, a clock and a working folder. The
/// clock is by default real time starting at <see cref="ReplayFixture.Now"/>.
/// </summary>
internal sealed class CliRun(string workingDirectory, TimeProvider? time = null, IReadOnlyDictionary<string, string>? variables = null)
{
    public async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await RunAsync(output, error, args);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>Runs with the given standard output and error (a full disk, a closed pipe), and returns the exit code.</summary>
    public Task<int> RunAsync(TextWriter output, TextWriter error, params string[] args)
    {
        var environment = new CliEnvironment(
            output,
            error,
            interactive: false,
            time ?? new ShiftedClock(ReplayFixture.Now),
            workingDirectory,
            variables ?? new Dictionary<string, string>());
        return CliApp.RunAsync(args, environment);
    }
}

using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Cli;

/// <summary><c>replay serve</c> in-process: its new options and how a bad faults file fails start-up.</summary>
public sealed class ReplayServeCommandTests
{
    [Fact]
    public async Task ReplayServe_Help_DocumentsFaultsRequestLogAndNoLimits()
    {
        using var dir = new TempDir();

        var help = await new CliRun(dir.Path).RunAsync("replay", "serve", "--help");

        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--faults", help.Out, StringComparison.Ordinal);
        Assert.Contains("--request-log", help.Out, StringComparison.Ordinal);
        Assert.Contains("--no-limits", help.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplayServe_Help_DocumentsWsSpeedAndWsLoop()
    {
        using var dir = new TempDir();

        var help = await new CliRun(dir.Path).RunAsync("replay", "serve", "--help");

        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--ws-speed", help.Out, StringComparison.Ordinal);
        Assert.Contains("--ws-loop", help.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplayServe_NegativeWsSpeed_Exits2BeforeListening()
    {
        using var dir = new TempDir();

        var result = await new CliRun(dir.Path).RunAsync("replay", "serve", "--ws-speed", "-1", "--data", TestData.Root);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--ws-speed -1: use 0 (no delays) or a number from 0.001", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("listening on", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplayServe_BadFaultsFile_Exits2NamingFileLineAndProblem()
    {
        using var dir = new TempDir();
        dir.Write("faults.yaml", "seed: 3\nrules:\n  - venue: binance\n    status: 503\n    probabilty: 0.5\n");

        var result = await new CliRun(dir.Path).RunAsync("replay", "serve", "--faults", "faults.yaml", "--data", TestData.Root);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"--faults: {dir.File("faults.yaml")}:5: rule 1: unknown key 'probabilty'", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("listening on", result.Out, StringComparison.Ordinal);
    }
}

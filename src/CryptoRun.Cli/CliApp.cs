using System.CommandLine;
using CryptoRun.Cli.Commands;

namespace CryptoRun.Cli;

/// <summary>The <c>cryptorun</c> command tree and its single error edge.</summary>
public static class CliApp
{
    /// <summary>Parses and runs a command line.</summary>
    /// <param name="args">The arguments.</param>
    /// <param name="environment">Output, clock and environment the commands use.</param>
    /// <param name="cancellationToken">Cancels the command (Ctrl-C).</param>
    /// <returns>The exit code (see <see cref="ExitCodes"/>).</returns>
    public static async Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var root = Build(environment);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await environment.Error.WriteLineAsync($"error: {error.Message}");
            }

            await environment.Error.WriteLineAsync("run 'cryptorun --help' (or 'cryptorun COMMAND --help') for usage");
            return ExitCodes.Usage;
        }

        try
        {
            return await parse.InvokeAsync(
                new InvocationConfiguration { Output = environment.Out, Error = environment.Error, EnableDefaultExceptionHandler = false },
                cancellationToken);
        }
        catch (Exception ex)
        {
            return ErrorReport.Write(ex, environment.Error);
        }
    }

    /// <summary>Builds the command tree.</summary>
    /// <param name="environment">The environment the commands use.</param>
    /// <returns>The root command.</returns>
    public static RootCommand Build(CliEnvironment environment)
    {
        var history = new Command("history", "Candle history: fetch from venues (seamless: backfill, follow), import files, export, coverage and gaps")
        {
            HistoryFetchCommand.Create(environment),
            HistoryImportCommand.Create(environment),
            HistoryExportCommand.Create(environment),
            HistoryCoverageCommand.CreateCoverage(environment),
            HistoryCoverageCommand.CreateGaps(environment),
            HistoryFollowCommand.Create(environment),
        };
        var bars = new Command("bars", "Materialized bars (seed 002): build coarser bars with returns from stored candles, export them")
        {
            BarsMaterializeCommand.Create(environment),
            BarsExportCommand.Create(environment),
        };
        var replay = new Command("replay", "The replay venue: recorded real traffic served through the venues' APIs")
        {
            ReplayServeCommand.Create(environment),
        };
        return new RootCommand("cryptorun: one trustworthy view of crypto market data across venues, with provenance")
        {
            DemoCommand.Create(environment),
            history,
            bars,
            ProvidersProbeCommand.Create(environment),
            ProbeDataCommand.Create(environment),
            PitCommand.Create(environment),
            IngestCommand.Create(environment),
            replay,
        };
    }
}

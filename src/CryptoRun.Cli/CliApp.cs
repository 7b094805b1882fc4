using System.CommandLine;
using System.Text.RegularExpressions;
using CryptoRun.Cli.Commands;
using CryptoRun.Configuration;

namespace CryptoRun.Cli;

/// <summary>The <c>cryptorun</c> command tree and its single error edge.</summary>
public static partial class CliApp
{
    /// <summary>Parses and runs a command line.</summary>
    /// <param name="args">The arguments.</param>
    /// <param name="environment">Output, clock and environment the commands use.</param>
    /// <param name="cancellationToken">Cancels the command (Ctrl-C).</param>
    /// <returns>The exit code (see <see cref="ExitCodes"/>).</returns>
    /// <remarks>
    /// Everything, parsing included, runs inside the edge, and so does the final flush of both streams: output a
    /// writer still holds belongs to the command, so a full disk found only then fails the command (exit 5) rather
    /// than letting it end "successfully" with its output lost. The first failure gives the exit code: a command
    /// that already failed keeps its code when its output then cannot be written either.
    /// </remarks>
    public static async Task<int> RunAsync(string[] args, CliEnvironment environment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        int code;
        try
        {
            code = await ParseAndInvokeAsync(args, environment, cancellationToken);
        }
        catch (Exception ex)
        {
            return ErrorReport.Write(ex, environment.Error);
        }

        try
        {
            await environment.Out.FlushAsync(CancellationToken.None);
            await environment.Error.FlushAsync(CancellationToken.None);
            return code;
        }
        catch (Exception ex)
        {
            var failed = ErrorReport.Write(ex, environment.Error);
            return code == ExitCodes.Ok ? failed : code;
        }
    }

    private static async Task<int> ParseAndInvokeAsync(string[] args, CliEnvironment environment, CancellationToken cancellationToken)
    {
        var root = Build(environment);

        // No response files: @FILE would be read whole (an endless @/dev/zero until memory runs out), and nothing here needs them.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0)
        {
            try
            {
                foreach (var error in parse.Errors)
                {
                    await environment.Error.WriteLineAsync($"error: {CutQuoted(error.Message)}");
                }

                await environment.Error.WriteLineAsync("run 'cryptorun --help' (or 'cryptorun COMMAND --help') for usage");
            }
            catch (StandardStreamException)
            {
                // Standard error is full or closed: the exit code still says it was a usage error.
            }

            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(
            new InvocationConfiguration { Output = environment.Out, Error = environment.Error, EnableDefaultExceptionHandler = false },
            cancellationToken);
    }

    /// <summary>System.CommandLine quotes the tokens it could not use in single quotes; each too long for a message is cut, saying so.</summary>
    private static string CutQuoted(string message)
    {
        var cut = QuotedToken().Replace(message, m => InputText.Quote(m.Groups[1].Value));

        // A token holding a quote itself escapes the pattern: then the message as a whole is cut.
        return cut.Length <= 4 * InputText.MaxQuoted ? cut : InputText.Cut(cut);
    }

    [GeneratedRegex("'([^']*)'", RegexOptions.CultureInvariant)]
    private static partial Regex QuotedToken();

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

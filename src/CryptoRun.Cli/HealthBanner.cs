using CryptoRun.Domain;
using Spectre.Console;

namespace CryptoRun.Cli;

/// <summary>Seed 000's provider health banner, shown by interactive commands.</summary>
internal static class HealthBanner
{
    /// <summary>
    /// The status line: <c>🟢 All healthy</c> when every provider is OK, <c>🟡 6/7 OK</c> when most are,
    /// <c>🔴 3/7 failed</c> otherwise, <c>⚪ Not initialized</c> when nothing is known yet.
    /// </summary>
    /// <param name="statuses">Each provider's health.</param>
    /// <returns>The status line.</returns>
    internal static string Summary(IReadOnlyCollection<FetchStatus> statuses)
    {
        var total = statuses.Count;
        var ok = statuses.Count(s => s == FetchStatus.Ok);
        return total switch
        {
            0 => "⚪ Not initialized",
            _ when ok == total => "🟢 All healthy",
            _ when ok * 2 > total => $"🟡 {ok}/{total} OK",
            _ => $"🔴 {total - ok}/{total} failed",
        };
    }

    /// <summary>Writes the banner when the output is a terminal.</summary>
    /// <param name="environment">The command's environment.</param>
    /// <param name="statuses">Each provider's health (empty when nothing is known yet).</param>
    internal static void Write(CliEnvironment environment, IReadOnlyCollection<FetchStatus> statuses)
    {
        if (!environment.Interactive)
        {
            return;
        }

        var text = new Markup($"[bold]CryptoRun[/]\nOne trustworthy view of crypto market data, with provenance\n\nProvider Status: {Markup.Escape(Summary(statuses))}");
        environment.Console.Write(new Panel(Align.Center(text)).Border(BoxBorder.Double).Expand());
    }
}

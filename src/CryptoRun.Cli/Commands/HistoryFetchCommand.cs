using System.CommandLine;
using System.Globalization;
using CryptoRun.Domain;
using CryptoRun.History;
using CryptoRun.Providers;
using CryptoRun.Resilience;
using CryptoRun.Storage;
using CryptoRun.Storage.Sqlite;
using Spectre.Console;

namespace CryptoRun.Cli.Commands;

/// <summary>
/// <c>cryptorun history fetch --venue V --symbol S --timeframe TF --from T --to T [--db PATH] [--endpoint V=URL]</c>:
/// fetches the closed candles of <c>[from, to)</c> that the store has not fetched before, with a
/// progress bar on a terminal and plain lines otherwise, and ends with a summary.
/// </summary>
internal static class HistoryFetchCommand
{
    internal static Command Create(CliEnvironment environment)
    {
        var venue = CliOptions.Venue();
        var symbol = CliOptions.Symbol();
        var timeframe = CliOptions.Timeframe();
        var from = CliOptions.From(required: true);
        var to = CliOptions.To(required: true);
        var db = CliOptions.Db();
        var endpoint = CliOptions.Endpoint();
        var config = CliOptions.Config();
        var timeout = CliOptions.Timeout("30m", "Deadline for the whole fetch: rate windows and bans are waited out only when they end before it");
        var command = new Command("fetch", "Fetch candles from a venue into the store; only what the store does not already hold")
        {
            venue, symbol, timeframe, from, to, db, endpoint, config, timeout,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            environment,
            parse.GetRequiredValue(venue),
            CliOptions.ParseSymbol(parse.GetRequiredValue(symbol)),
            CliOptions.ParseTimeframe(parse.GetRequiredValue(timeframe)),
            CliOptions.ParseRange(parse.GetRequiredValue(from), parse.GetRequiredValue(to)),
            environment.FullPath(parse.GetRequiredValue(db)),
            parse.GetValue(endpoint) ?? [],
            parse.GetValue(config),
            CliOptions.ParseDuration(parse.GetRequiredValue(timeout), "--timeout"),
            cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(
        CliEnvironment environment,
        string venue,
        Instrument instrument,
        Timeframe timeframe,
        TimeRange range,
        string dbPath,
        IReadOnlyList<string> endpoints,
        string? config,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        using var host = ProviderHost.Create(environment, endpoints, config);
        var provider = Klines(host.Connect(venue), timeframe);
        await using var store = await SqliteStore.OpenAsync(dbPath, environment.Time, cancellationToken);
        await using var health = new ProviderHealthRecorder(host.Registry, store, host.Logging.CreateLogger("health"));

        // One venue serves the command: a ban that ends before the deadline is waited out, a later one fails at once.
        using var scope = CallScope.Begin(new CallSettings(environment.Time.GetUtcNow() + timeout, WaitForBan: true));
        var report = await FetchAsync(environment, store, provider, instrument, timeframe, range, cancellationToken);
        await WriteSummaryAsync(environment, store, report, cancellationToken);
        return ExitCodes.Ok;
    }

    /// <summary>The connector's kline capability, checked to serve the timeframe.</summary>
    internal static IKlineProvider Klines(IMarketDataProvider provider, Timeframe timeframe)
    {
        if (provider is not IKlineProvider klines)
        {
            throw new UsageException($"{provider.Name} serves no candles");
        }

        return klines.SupportedTimeframes.Contains(timeframe)
            ? klines
            : throw new UsageException($"--timeframe {timeframe}: {provider.Name} serves {string.Join(' ', klines.SupportedTimeframes)}");
    }

    /// <summary>Runs the backfill with a progress bar (terminal) or a line per page (otherwise).</summary>
    internal static async Task<BackfillReport> FetchAsync(
        CliEnvironment environment,
        ICandleStore store,
        IKlineProvider provider,
        Instrument instrument,
        Timeframe timeframe,
        TimeRange range,
        CancellationToken cancellationToken)
    {
        var backfill = new CandleBackfill(store, environment.Time);
        var label = $"{provider.Name} {instrument} {timeframe}";
        if (!environment.Interactive)
        {
            // One line per tenth of the range keeps logs short.
            var printed = -1;
            var lines = new InlineProgress<BackfillProgress>(p =>
            {
                var tenth = (int)(Percent(p) / 10);
                if (tenth > printed)
                {
                    printed = tenth;
                    environment.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{label}: request {p.Requests}, {p.CandlesFetched} candles fetched, {p.CandlesStored} stored ({Percent(p):0}% of the missing range)"));
                }
            });
            return await backfill.RunAsync(provider, instrument, timeframe, range, lines, cancellationToken);
        }

        BackfillReport? report = null;
        await environment.Console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(label), maxValue: 100);
                var bar = new InlineProgress<BackfillProgress>(p =>
                {
                    task.Value = Percent(p);
                    task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{label}: {p.CandlesStored:N0} candles, {p.Requests} requests"));
                });
                report = await backfill.RunAsync(provider, instrument, timeframe, range, bar, cancellationToken);
                task.Value = 100;
            });
        return report!;
    }

    /// <summary>Prints what was fetched, what the store now holds, and what is still not covered.</summary>
    internal static async Task WriteSummaryAsync(CliEnvironment environment, ICandleStore store, BackfillReport report, CancellationToken cancellationToken)
    {
        var output = environment.Out;
        var coverage = await Coverage.ReadAsync(store, report.Key, cancellationToken);
        if (report.MissingBefore.Count == 0)
        {
            output.WriteLine($"{report.Key}: nothing to fetch; the store already holds {report.Range}");
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{report.Key}: fetched {report.CandlesFetched} candles in {report.Requests} requests, stored {report.CandlesStored}, {report.Elapsed.TotalSeconds:0.00} s"));
        output.WriteLine($"{report.Key}: store holds {coverage.Summary.Count} candles"
            + (coverage.Summary.FirstOpenMs is { } first ? $" from {TimeRange.Format(first)} to {TimeRange.Format(coverage.Summary.LastOpenMs!.Value)}" : "")
            + $"; missing slots: {coverage.MissingSlots} ({coverage.DescribeGaps()})");
        foreach (var window in report.NotCovered)
        {
            output.WriteLine($"{report.Key}: not covered {window}: the venue keeps no history there, or the candle is still open");
        }

        output.WriteLine($"store: {store.Location}");
    }

    private static double Percent(BackfillProgress p) => p.MissingMs == 0 ? 100 : 100.0 * p.CoveredMs / p.MissingMs;
}

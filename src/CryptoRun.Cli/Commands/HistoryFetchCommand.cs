using System.CommandLine;
using System.Globalization;
using CryptoRun.Domain;
using CryptoRun.History;
using CryptoRun.Providers;
using CryptoRun.Resilience;
using CryptoRun.Storage;
using Spectre.Console;

namespace CryptoRun.Cli.Commands;

/// <summary>
/// <c>cryptorun history fetch --venue V --symbol S --timeframe TF --from T --to T [--strategy S] [--sla DURATION] [--db PATH] [--endpoint V=URL]</c>:
/// answers <c>[from, to)</c> through the <see cref="HistoryProvider"/>: by default (AUTO_BACKFILL) fetches
/// the closed candles the store has not fetched before, with a progress bar on a terminal and plain
/// lines otherwise, and ends with a summary.
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
        var store = StoreTarget.Option();
        var endpoint = CliOptions.Endpoint();
        var config = CliOptions.Config();
        var timeout = CliOptions.Timeout("30m", "Deadline for the whole fetch: rate windows and bans are waited out only when they end before it");
        var strategy = new Option<string>("--strategy") { Description = "fail-fast (storage only), auto-backfill, partial-fill (answer at once, backfill after) or seamless (also wait for candles still open to close)", DefaultValueFactory = _ => "auto-backfill" };
        strategy.AcceptOnlyFromAmong(Strategies.Keys.ToArray());
        var concurrency = new Option<int>("--concurrency") { Description = "Pages fetched at once (the venue's rate budget still paces them; Kraken always one)", DefaultValueFactory = _ => 4 };
        var sla = new Option<string>("--sla") { Description = "Total SLA budget (30s, 2m; at most 30d): past it the fetch stops with exit 6 (partial-fill: answers with what it has)" };
        var command = new Command("fetch", "Fetch candles from a venue into the store; only what the store does not already hold")
        {
            venue, symbol, timeframe, from, to, db, store, endpoint, config, timeout, strategy, sla, concurrency,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            environment,
            parse.GetRequiredValue(venue),
            CliOptions.ParseSymbol(parse.GetRequiredValue(symbol)),
            CliOptions.ParseTimeframe(parse.GetRequiredValue(timeframe)),
            CliOptions.ParseRange(parse.GetRequiredValue(from), parse.GetRequiredValue(to)),
            StoreTarget.From(environment, parse, db, store),
            parse.GetValue(endpoint) ?? [],
            parse.GetValue(config),
            CliOptions.ParseDuration(parse.GetRequiredValue(timeout), "--timeout", CliOptions.MaxTimeout),
            Strategies[parse.GetRequiredValue(strategy)],
            parse.GetValue(sla) is { } budget ? new SlaPolicy(Total: CliOptions.ParseDuration(budget, "--sla", CliOptions.MaxSla)) : null,
            parse.GetValue(concurrency) is var n and >= 1 and <= 32 ? n : throw new UsageException($"--concurrency {parse.GetValue(concurrency)}: use 1 to 32"),
            cancellationToken));
        return command;
    }

    /// <summary>The <c>--strategy</c> names.</summary>
    internal static readonly IReadOnlyDictionary<string, HistoryStrategy> Strategies = new Dictionary<string, HistoryStrategy>(StringComparer.Ordinal)
    {
        ["fail-fast"] = HistoryStrategy.FailFast,
        ["auto-backfill"] = HistoryStrategy.AutoBackfill,
        ["partial-fill"] = HistoryStrategy.PartialFill,
        ["seamless"] = HistoryStrategy.Seamless,
    };

    internal static async Task<int> RunAsync(
        CliEnvironment environment,
        string venue,
        Instrument instrument,
        Timeframe timeframe,
        TimeRange range,
        StoreTarget target,
        IReadOnlyList<string> endpoints,
        string? config,
        TimeSpan timeout,
        HistoryStrategy strategy,
        SlaPolicy? sla,
        int concurrency,
        CancellationToken cancellationToken)
    {
        // Arguments are checked before the store is touched: a usage error creates no file and needs no server.
        using (var check = ProviderHost.Create(environment, endpoints, config))
        {
            Candles(check.Connect(venue), timeframe);
        }

        // A range in which no candle has closed has nothing to fetch yet; only SEAMLESS waits for candles to close.
        var closedBefore = timeframe.Floor(environment.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        if (strategy != HistoryStrategy.Seamless && RangeSet.Align(range, timeframe) is { IsEmpty: false } wanted && wanted.FromMs >= closedBefore)
        {
            throw new UsageException(
                $"no {timeframe} candle of {wanted} has closed yet (now {TimeRange.Format(environment.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds())}): "
                + "the range is in the future and there is nothing to fetch; --strategy seamless waits for its candles to close");
        }

        // On PostgreSQL, every gate also takes its weight from the cluster-wide rate budget there.
        await using var opened = await CliStore.OpenAsync(environment, target, StoreAccess.Write, "", cancellationToken);
        using var host = ProviderHost.Create(environment, endpoints, config, opened.SharedBudget);
        var provider = Candles(host.Connect(venue), timeframe);
        var store = opened.Candles;

        // Provider health is kept where the store keeps it (SQLite's provider_health table).
        await using var health = opened.Health is { } table ? new ProviderHealthRecorder(host.Registry, table, host.Logging.CreateLogger("health")) : null;

        // One venue serves the command: a ban that ends before the deadline is waited out (and shown), a later one fails at once.
        using var scope = CallScope.Begin(new CallSettings(environment.TimeProvider.GetUtcNow() + timeout, WaitForBan: true));
        using var waits = ShowBanWaits(environment, host.Registry, venue);
        var (report, result) = await FetchAsync(environment, store, provider, instrument, timeframe, range, strategy, sla, cancellationToken, concurrency);
        await WriteSummaryAsync(environment, store, report, cancellationToken);
        WriteResult(environment, result);
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Writes one line for each ban the fetch waits out (parallel pages waiting for the same ban share it):
    /// <c>binance-usdm: banned (HTTP 418) until 2026-09-01T00:00:15Z; waiting 15 s for it to end (nothing is sent before then)</c>.
    /// </summary>
    /// <returns>Disposing stops the lines.</returns>
    private static Unsubscribe ShowBanWaits(CliEnvironment environment, ProviderRegistry registry, string venue)
    {
        if (!registry.TryGet(venue, out var registered))
        {
            return new Unsubscribe(() => { });
        }

        var shown = new HashSet<DateTimeOffset>();
        void Show(BanWait wait)
        {
            lock (shown)
            {
                if (!shown.Add(wait.Until))
                {
                    return;
                }

                var seconds = Math.Max(0, (wait.Until - environment.TimeProvider.GetUtcNow()).TotalSeconds);
                environment.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{wait.Provider}: banned (HTTP 418) until {TimeRange.Format(wait.Until.ToUnixTimeMilliseconds())}; waiting {seconds:0} s for it to end (nothing is sent before then)"));
            }
        }

        registered.Gate.WaitingForBan += Show;
        return new Unsubscribe(() => registered.Gate.WaitingForBan -= Show);
    }

    private sealed class Unsubscribe(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }

    /// <summary>The connector's candle capability, checked to serve the timeframe.</summary>
    internal static ICandleProvider Candles(IMarketDataProvider provider, Timeframe timeframe)
    {
        if (provider is not ICandleProvider klines)
        {
            throw new UsageException($"{provider.Name} serves no candles");
        }

        return klines.SupportedTimeframes.Contains(timeframe)
            ? klines
            : throw new UsageException($"--timeframe {timeframe}: {provider.Name} serves {string.Join(' ', klines.SupportedTimeframes)}");
    }

    /// <summary>
    /// Answers the range through a <see cref="HistoryProvider"/> with a progress bar (terminal) or a line
    /// per tenth (otherwise); PARTIAL_FILL's background backfill is awaited, since the process ends after.
    /// </summary>
    /// <returns>What the backfills did (summed; zero when none ran) and the provider's answer.</returns>
    internal static async Task<(BackfillReport Report, HistoryResult Result)> FetchAsync(
        CliEnvironment environment,
        ICandleStore store,
        ICandleProvider provider,
        Instrument instrument,
        Timeframe timeframe,
        TimeRange range,
        HistoryStrategy strategy,
        SlaPolicy? sla,
        CancellationToken cancellationToken,
        int concurrency = 1)
    {
        var history = new HistoryProvider(store, _ => provider, environment.TimeProvider) { BackfillConcurrency = concurrency };
        var key = new SeriesKey(provider.Name, instrument, timeframe);
        var reports = new List<BackfillReport>();
        history.Backfilled += reports.Add;
        var started = environment.TimeProvider.GetTimestamp();
        async Task<HistoryResult> Run(IProgress<BackfillProgress> progress)
        {
            var answer = await history.FetchAsync(key, range, strategy, sla, progress, cancellationToken);
            await answer.Background.WaitAsync(cancellationToken);
            return answer;
        }

        var result = await WithProgressAsync(environment, $"{provider.Name} {instrument} {timeframe}", Run);
        var report = new BackfillReport(
            key,
            RangeSet.Align(range, timeframe),
            reports.SelectMany(r => r.MissingBefore).ToList(),
            reports.Sum(r => r.Requests),
            reports.Sum(r => r.CandlesFetched),
            reports.Sum(r => r.CandlesStored),
            reports.Count > 0 ? reports[^1].NotCovered : result.Coverage.NotFetched,
            environment.TimeProvider.GetElapsedTime(started));
        return (report, result);
    }

    /// <summary>Prints the strategy's answer: coverage, staleness, provenance and phase durations.</summary>
    internal static void WriteResult(CliEnvironment environment, HistoryResult result)
    {
        var p = result.Phases;
        environment.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{result.Key}: {Strategies.First(s => s.Value == result.Strategy).Key} answered {result.Candles.Count} candles, coverage {result.Coverage.Ratio:P1}{(result.IsPartial ? " (partial)" : "")}, "
            + $"staleness {(result.Staleness is { } stale ? Age(stale) : "-")}; "
            + $"phases storage {p.Storage.TotalSeconds:0.000} s, backfill {p.Backfill.TotalSeconds:0.000} s, live {p.Live.TotalSeconds:0.000} s, total {p.Total.TotalSeconds:0.000} s"));
        foreach (var source in result.Provenance)
        {
            environment.Out.WriteLine($"{result.Key}: {source.Candles} candles from {source.Provider}, fetched {TimeRange.Format(source.FirstFetchedAt.ToUnixTimeMilliseconds())} .. {TimeRange.Format(source.LastFetchedAt.ToUnixTimeMilliseconds())}{(source.Degraded > 0 ? $", {source.Degraded} not OK" : "")}");
        }
    }

    /// <summary>An age for people: <c>143d 2h</c>, <c>5h 12m</c>, <c>3m 4s</c>.</summary>
    private static string Age(TimeSpan age) => age switch
    {
        { TotalDays: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalDays}d {age.Hours}h"),
        { TotalHours: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalHours}h {age.Minutes}m"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalMinutes}m {age.Seconds}s"),
    };

    private static async Task<T> WithProgressAsync<T>(CliEnvironment environment, string label, Func<IProgress<BackfillProgress>, Task<T>> run)
    {
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
            return await run(lines);
        }

        T result = default!;
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
                result = await run(bar);
                task.Value = 100;
            });
        return result;
    }

    /// <summary>Prints what was fetched, what the store now holds, and what is still not covered.</summary>
    internal static async Task WriteSummaryAsync(CliEnvironment environment, ICandleStore store, BackfillReport report, CancellationToken cancellationToken)
    {
        var output = environment.Out;
        var coverage = await Coverage.ReadAsync(store, report.Key, cancellationToken);
        if (report.MissingBefore.Count == 0)
        {
            // Only closed candles are fetched: the part of the range still to close is not "held".
            var closed = report.Key.Timeframe.Floor(environment.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds());
            output.WriteLine(report.Range.ToMs <= closed
                ? $"{report.Key}: nothing to fetch; the store already holds {report.Range}"
                : $"{report.Key}: nothing to fetch; the store already holds {new TimeRange(report.Range.FromMs, Math.Max(report.Range.FromMs, closed))} and {new TimeRange(Math.Max(report.Range.FromMs, closed), report.Range.ToMs)} has not closed yet");
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

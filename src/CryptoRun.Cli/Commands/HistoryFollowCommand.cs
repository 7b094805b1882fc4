using System.CommandLine;
using System.Globalization;
using CryptoRun.Domain;
using CryptoRun.History;
using CryptoRun.Providers;
using CryptoRun.Storage;

namespace CryptoRun.Cli.Commands;

/// <summary>
/// <c>cryptorun history follow --venue V --symbol S --timeframe TF [--from T] [--grace 2s] [--db PATH | --store URI] [--endpoint V=URL] [--config PATH]</c>:
/// bar-boundary polling (seed 004's live feed). Backfills from <c>--from</c> (default: the last closed
/// candle) to now, then at each bar boundary plus the grace fetches the candle that just closed, stores it
/// and prints it. Ctrl-C stops it after the fetch in flight; exit 0.
/// </summary>
internal static class HistoryFollowCommand
{
    internal static Command Create(CliEnvironment environment)
    {
        var venue = CliOptions.Venue();
        var symbol = CliOptions.Symbol();
        var timeframe = CliOptions.Timeframe();
        var from = CliOptions.From(required: false);
        var grace = new Option<string>("--grace") { Description = "Wait after each bar boundary before asking for the candle that closed (venues publish it a moment later; at most 1d)", DefaultValueFactory = _ => "2s" };
        var db = CliOptions.Db();
        var store = StoreTarget.Option();
        var endpoint = CliOptions.Endpoint();
        var config = CliOptions.Config();
        var command = new Command("follow", "Append each candle as it closes (bar-boundary polling) until Ctrl-C") { venue, symbol, timeframe, from, grace, db, store, endpoint, config };
        command.SetAction((parse, cancellationToken) => RunAsync(
            environment,
            parse.GetRequiredValue(venue),
            CliOptions.ParseSymbol(parse.GetRequiredValue(symbol)),
            CliOptions.ParseTimeframe(parse.GetRequiredValue(timeframe)),
            parse.GetValue(from) is { } text ? CliOptions.ParseTime(text, "--from") : null,
            CliOptions.ParseDuration(parse.GetRequiredValue(grace), "--grace", CliOptions.MaxWait),
            StoreTarget.From(environment, parse, db, store),
            parse.GetValue(endpoint) ?? [],
            parse.GetValue(config),
            cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(
        CliEnvironment environment,
        string venue,
        Instrument instrument,
        Timeframe timeframe,
        long? fromMs,
        TimeSpan grace,
        StoreTarget target,
        IReadOnlyList<string> endpoints,
        string? config,
        CancellationToken cancellationToken)
    {
        using var host = ProviderHost.Create(environment, endpoints, config);
        var provider = HistoryFetchCommand.Candles(host.Connect(venue), timeframe);
        await using var store = await CliStore.OpenAsync(environment, target, StoreAccess.Write, "", cancellationToken);
        await using var health = store.Health is { } table ? new ProviderHealthRecorder(host.Registry, table, host.Logging.CreateLogger("health")) : null;
        var history = new HistoryProvider(store.Candles, _ => provider, environment.TimeProvider);
        var key = new SeriesKey(provider.Name, instrument, timeframe);
        var time = environment.TimeProvider;
        var next = fromMs is { } f ? timeframe.Ceiling(f) : timeframe.Floor(time.GetUtcNow().ToUnixTimeMilliseconds()) - timeframe.Milliseconds;
        var appended = 0;
        environment.Out.WriteLine($"following {key} from {TimeRange.Format(next)} (each candle {Configuration.Durations.Format(grace)} after it closes); store {store.Location}; Ctrl-C stops");
        try
        {
            while (true)
            {
                var closed = timeframe.Floor(time.GetUtcNow().ToUnixTimeMilliseconds());
                if (closed > next)
                {
                    var result = await history.FetchAsync(key, new TimeRange(next, closed), HistoryStrategy.AutoBackfill, cancellationToken: cancellationToken);
                    foreach (var row in result.Candles)
                    {
                        var c = row.Candle;
                        environment.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"{TimeRange.Format(c.OpenTimeMs)} O {c.Open} H {c.High} L {c.Low} C {c.Close} V {c.Volume} ({row.Provider}, {row.Status.ToText()})"));
                        appended++;
                    }

                    next = closed;
                }

                // Bar-boundary polling: wake just after the next candle closes.
                var wake = DateTimeOffset.FromUnixTimeMilliseconds(closed + timeframe.Milliseconds) + grace;
                var wait = wake - time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            environment.Out.WriteLine($"follow: stopped; {appended} candles appended");
        }

        return ExitCodes.Ok;
    }
}

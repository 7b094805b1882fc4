using System.CommandLine;
using CryptoRun.Bars;
using CryptoRun.Domain;
using CryptoRun.Storage;

namespace CryptoRun.Cli.Commands;

/// <summary>
/// <c>cryptorun bars materialize --venue V --symbol S [--source 1m] [--timeframes 5m,15m,1h,1d] [--vol-window 20] [--db PATH]</c>:
/// seed 002's materialization. Builds bars of each timeframe from the stored source series (only slots
/// its fetched windows cover wholly), with <c>log_return</c>, <c>cum_return</c> and rolling volatility,
/// and upserts them (running it again rewrites the same rows). One line per timeframe.
/// </summary>
internal static class BarsMaterializeCommand
{
    internal static Command Create(CliEnvironment environment)
    {
        var venue = CliOptions.Venue("The venue (or import name) of the stored source series");
        var symbol = CliOptions.Symbol();
        var source = new Option<string>("--source") { Description = "Timeframe of the stored candles to build from", DefaultValueFactory = _ => "1m" };
        var timeframes = new Option<string>("--timeframes") { Description = "Comma-separated bar timeframes, each a coarser whole multiple of the source", DefaultValueFactory = _ => "5m,15m,1h,1d" };
        var window = new Option<int>("--vol-window") { Description = "Log returns per rolling-volatility value", DefaultValueFactory = _ => BarMaterializer.DefaultVolatilityWindow };
        var db = CliOptions.Db();
        var store = StoreTarget.Option();
        var command = new Command("materialize", "Build coarser bars (with log_return, cum_return, roll_vol) from a stored candle series") { venue, symbol, source, timeframes, window, db, store };
        command.SetAction((parse, cancellationToken) =>
        {
            var from = CliOptions.ParseTimeframe(parse.GetRequiredValue(source));
            var targets = parse.GetRequiredValue(timeframes).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(name => Target(from, name))
                .ToList();
            var volWindow = parse.GetValue(window);
            if (volWindow < 2)
            {
                throw new UsageException($"--vol-window {volWindow}: must be 2 or more");
            }

            return RunAsync(
                environment,
                new SeriesKey(CliOptions.ParseSeriesVenue(parse.GetRequiredValue(venue)), CliOptions.ParseSymbol(parse.GetRequiredValue(symbol)), from),
                targets,
                volWindow,
                StoreTarget.From(environment, parse, db, store),
                cancellationToken);
        });
        return command;
    }

    internal static async Task<int> RunAsync(
        CliEnvironment environment,
        SeriesKey source,
        IReadOnlyList<Timeframe> targets,
        int volatilityWindow,
        StoreTarget target,
        CancellationToken cancellationToken)
    {
        await using var store = await CliStore.OpenAsync(environment, target, StoreAccess.WriteExisting, $"fetch or import the {source.Timeframe} candles first", cancellationToken);
        var written = await MaterializeAsync(store.Candles, store.Bars, source, targets, volatilityWindow, cancellationToken);
        if (written.Count == 0)
        {
            throw new UsageException($"the store holds no candles for {source}; fetch or import them first");
        }

        foreach (var (timeframe, bars) in written)
        {
            var complete = bars.Count(b => b.IsComplete);
            var span = bars.Count == 0 ? "none" : $"{TimeRange.Format(bars[0].Candle.OpenTimeMs)} .. {TimeRange.Format(bars[^1].Candle.OpenTimeMs)}";
            environment.Out.WriteLine($"{source.Venue}:{source.Instrument}:{timeframe}: {bars.Count} bars from {source.Timeframe} candles ({complete} with every {source.Timeframe} slot present), {span}");
        }

        environment.Out.WriteLine($"store: {store.Location}");
        return ExitCodes.Ok;
    }

    /// <summary>Builds and stores the bars of each target; empty when the source series holds nothing.</summary>
    internal static async Task<IReadOnlyList<(Timeframe Target, IReadOnlyList<MaterializedBar> Bars)>> MaterializeAsync(
        ICandleStore candles,
        IBarStore bars,
        SeriesKey source,
        IReadOnlyList<Timeframe> targets,
        int volatilityWindow,
        CancellationToken cancellationToken)
    {
        var rows = new List<Candle>();
        await foreach (var row in candles.ReadAsync(source, null, cancellationToken))
        {
            rows.Add(row.Candle);
        }

        if (rows.Count == 0)
        {
            return [];
        }

        var covered = await candles.GetFetchedWindowsAsync(source, cancellationToken);
        var result = new List<(Timeframe, IReadOnlyList<MaterializedBar>)>();
        foreach (var target in targets)
        {
            var built = BarMaterializer.Build(rows, source.Timeframe, target, covered, volatilityWindow);
            await bars.WriteBarsAsync(source with { Timeframe = target }, source.Timeframe, built, cancellationToken);
            result.Add((target, built));
        }

        return result;
    }

    private static Timeframe Target(Timeframe source, string name)
    {
        var target = Domain.Timeframe.TryParse(name, out var parsed)
            ? parsed
            : throw new UsageException($"--timeframes {Configuration.InputText.Quote(name)} is not supported: use some of {string.Join(' ', Domain.Timeframe.All)}");
        return BarMaterializer.CannotBuild(source, target) is { } reason ? throw new UsageException($"--timeframes {name}: {reason}") : target;
    }
}

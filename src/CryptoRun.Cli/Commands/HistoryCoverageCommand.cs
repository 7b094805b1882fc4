using System.CommandLine;
using System.Globalization;
using CryptoRun.Domain;
using CryptoRun.History;
using CryptoRun.Storage;
using Spectre.Console;

namespace CryptoRun.Cli.Commands;

/// <summary>
/// <c>cryptorun history coverage [--venue V --symbol S --timeframe TF] [--from T --to T] [--db PATH]</c> and
/// <c>cryptorun history gaps --venue V --symbol S --timeframe TF [--from T --to T] [--db PATH]</c>: what the
/// store holds, from its persisted coverage (the fetched windows), telling slots not fetched yet from slots
/// the venue has no candle for.
/// </summary>
internal static class HistoryCoverageCommand
{
    /// <summary>The CSV header of <c>history gaps</c>.</summary>
    internal const string GapsHeader = "from,to,slots,kind";

    internal static Command CreateCoverage(CliEnvironment environment)
    {
        var (venue, symbol, timeframe, from, to, db, store) = Options(required: false);
        var command = new Command("coverage", "Per series: the share of the range fetched, candles held, slots without a candle, slots not fetched") { venue, symbol, timeframe, from, to, db, store };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var names = (parse.GetValue(venue), parse.GetValue(symbol), parse.GetValue(timeframe));
            if (names is not (null, null, null) && names is not ({ }, { }, { }))
            {
                throw new UsageException("--venue, --symbol and --timeframe go together: give all three for one series, or none for every series");
            }

            await using var opened = await Open(environment, StoreTarget.From(environment, parse, db, store), cancellationToken);
            var range = CliOptions.ParseOptionalRange(parse.GetValue(from), parse.GetValue(to));
            var keys = names is ({ } v, { } s, { } t)
                ? [Key(v, s, t)]
                : await opened.Candles.ListSeriesAsync(cancellationToken);
            var rows = new List<SeriesCoverage>();
            foreach (var key in keys)
            {
                rows.Add(await SeriesCoverage.ReadAsync(opened.Candles, key, Bounded(range, key), cancellationToken));
                await NoteOutsideAsync(environment, opened.Candles, key, cancellationToken);
            }

            environment.Console.Write(Table(rows));
            return ExitCodes.Ok;
        });
        return command;
    }

    internal static Command CreateGaps(CliEnvironment environment)
    {
        var (venue, symbol, timeframe, from, to, db, store) = Options(required: true);
        var command = new Command("gaps", "The missing candle ranges of one series as CSV: not_fetched (a backfill would ask for them) or no_candle (the venue has none)") { venue, symbol, timeframe, from, to, db, store };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var key = Key(parse.GetRequiredValue(venue), parse.GetRequiredValue(symbol), parse.GetRequiredValue(timeframe));
            var range = CliOptions.ParseOptionalRange(parse.GetValue(from), parse.GetValue(to));
            await using var opened = await Open(environment, StoreTarget.From(environment, parse, db, store), cancellationToken);
            var coverage = await SeriesCoverage.ReadAsync(opened.Candles, key, Bounded(range, key), cancellationToken);
            var gaps = coverage.NotFetched.Select(r => (Range: r, Kind: "not_fetched"))
                .Concat(coverage.NoCandle.Select(r => (Range: r, Kind: "no_candle")))
                .OrderBy(g => g.Range.FromMs)
                .ToList();
            environment.Out.WriteLine(GapsHeader);
            foreach (var (gap, kind) in gaps)
            {
                environment.Out.WriteLine(string.Join(',', TimeRange.Format(gap.FromMs), TimeRange.Format(gap.ToMs), key.Timeframe.CountSlots(gap.FromMs, gap.ToMs).ToString(CultureInfo.InvariantCulture), kind));
            }

            environment.Error.WriteLine($"{key} {coverage.Range}: {coverage.Count(coverage.NotFetched)} slots not fetched, {coverage.Count(coverage.NoCandle)} without a candle, {coverage.Candles} candles held ({coverage.Ratio:P1} fetched)");
            await NoteOutsideAsync(environment, opened.Candles, key, cancellationToken);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static (Option<string> Venue, Option<string> Symbol, Option<string> Timeframe, Option<string> From, Option<string> To, Option<string> Db, Option<string> Store) Options(bool required)
    {
        var venue = CliOptions.Venue("The venue (or import name) of the series");
        var symbol = CliOptions.Symbol();
        var timeframe = CliOptions.Timeframe();
        venue.Required = symbol.Required = timeframe.Required = required;
        return (venue, symbol, timeframe, CliOptions.From(required: false), CliOptions.To(required: false), CliOptions.Db(), StoreTarget.Option());
    }

    /// <summary>
    /// Says so on standard error when the series holds candles outside the times CryptoRun accepts: an earlier
    /// build stored them (from a file dated 9999, say); they are counted and shown as they are, never refused on reading.
    /// </summary>
    private static async Task NoteOutsideAsync(CliEnvironment environment, ICandleStore store, SeriesKey key, CancellationToken cancellationToken)
    {
        var before = await store.GetSummaryAsync(key, new TimeRange(long.MinValue, TimeRange.Supported.FromMs), cancellationToken);
        var after = await store.GetSummaryAsync(key, new TimeRange(TimeRange.Supported.ToMs, long.MaxValue), cancellationToken);
        var count = before.Count + after.Count;
        if (count > 0)
        {
            var first = before.FirstOpenMs ?? after.FirstOpenMs!.Value;
            environment.Error.WriteLine(
                $"note: {key} holds {count} {(count == 1 ? "candle" : "candles")} outside the times CryptoRun accepts (1970-01-01 to 2100-01-01), the first at {TimeRange.Format(first)}: "
                + "stored by an earlier build; history export shows them, and no command stores such candles any more");
        }
    }

    private static SeriesKey Key(string venue, string symbol, string timeframe)
        => new(CliOptions.ParseSeriesVenue(venue), CliOptions.ParseSymbol(symbol), CliOptions.ParseTimeframe(timeframe));

    /// <summary>An open-ended range is closed at what the series could hold: the epoch and now are not useful bounds.</summary>
    private static TimeRange? Bounded(TimeRange? range, SeriesKey key)
        => range is { } r && (r.FromMs == long.MinValue || r.ToMs == long.MaxValue)
            ? throw new UsageException($"give both --from and --to, or neither (for {key}, neither means everything the store knows of it)")
            : range;

    private static Task<CliStore> Open(CliEnvironment environment, StoreTarget target, CancellationToken cancellationToken)
        => CliStore.OpenAsync(environment, target, StoreAccess.Read, "fetch or import first", cancellationToken);

    private static Table Table(IEnumerable<SeriesCoverage> rows)
    {
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("venue");
        table.AddColumn("instrument");
        table.AddColumn("tf");
        table.AddColumn("range (UTC)");
        table.AddColumn(new TableColumn("fetched").RightAligned());
        table.AddColumn(new TableColumn("candles").RightAligned());
        table.AddColumn(new TableColumn("no candle").RightAligned());
        table.AddColumn(new TableColumn("not fetched").RightAligned());
        foreach (var row in rows)
        {
            table.AddRow(
                Markup.Escape(row.Key.Venue),
                Markup.Escape(row.Key.Instrument.Symbol),
                row.Key.Timeframe.Name,
                row.Range.IsEmpty ? "-" : Markup.Escape(row.Range.ToString()),
                row.Ratio.ToString("P1", CultureInfo.InvariantCulture),
                row.Candles.ToString("N0", CultureInfo.InvariantCulture),
                row.Count(row.NoCandle).ToString("N0", CultureInfo.InvariantCulture),
                row.Count(row.NotFetched).ToString("N0", CultureInfo.InvariantCulture));
        }

        return table;
    }
}

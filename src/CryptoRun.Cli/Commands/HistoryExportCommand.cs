using System.CommandLine;
using CryptoRun.Domain;
using CryptoRun.Storage;

namespace CryptoRun.Cli.Commands;

/// <summary>
/// <c>cryptorun history export --venue V --symbol S --timeframe TF [--from T --to T] [--db PATH] [--format csv|jsonl]</c>:
/// writes stored candles to standard output. CSV header
/// <c>open_time,open,high,low,close,volume,quote_volume,trades,provider,fetched_at,status</c>; times
/// ISO-8601 UTC ending in <c>Z</c>; values exactly as stored; absent values empty (CSV) or null (JSONL).
/// </summary>
internal static class HistoryExportCommand
{
    /// <summary>The CSV header.</summary>
    internal const string CsvHeader = CandleRows.CsvHeader + ",provider,fetched_at,status";

    internal static Command Create(CliEnvironment environment)
    {
        var venue = CliOptions.Venue();
        var symbol = CliOptions.Symbol();
        var timeframe = CliOptions.Timeframe();
        var from = CliOptions.From(required: false);
        var to = CliOptions.To(required: false);
        var db = CliOptions.Db();
        var store = StoreTarget.Option();
        var format = new Option<string>("--format") { Description = "csv or jsonl", DefaultValueFactory = _ => "csv" };
        format.AcceptOnlyFromAmong("csv", "jsonl");
        var command = new Command("export", "Write stored candles to standard output as CSV or JSON lines") { venue, symbol, timeframe, from, to, db, store, format };
        command.SetAction((parse, cancellationToken) => RunAsync(
            environment,
            CliOptions.ParseSeriesVenue(parse.GetRequiredValue(venue)),
            CliOptions.ParseSymbol(parse.GetRequiredValue(symbol)),
            CliOptions.ParseTimeframe(parse.GetRequiredValue(timeframe)),
            CliOptions.ParseOptionalRange(parse.GetValue(from), parse.GetValue(to)),
            StoreTarget.From(environment, parse, db, store),
            parse.GetRequiredValue(format),
            cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(
        CliEnvironment environment,
        string venue,
        Instrument instrument,
        Timeframe timeframe,
        TimeRange? range,
        StoreTarget target,
        string format,
        CancellationToken cancellationToken)
    {
        await using var opened = await CliStore.OpenAsync(environment, target, StoreAccess.Read, "fetch or import first", cancellationToken);
        var store = opened.Candles;
        var key = new SeriesKey(venue, instrument, timeframe);
        var output = environment.Out;
        var count = 0;
        if (format == "csv")
        {
            output.WriteLine(CsvHeader);
        }

        await foreach (var row in store.ReadAsync(key, range, cancellationToken))
        {
            output.WriteLine(format == "csv" ? Csv(row) : Jsonl(row));
            count++;
        }

        if (count == 0)
        {
            environment.Error.WriteLine($"note: the store holds no candles for {key}{(range is { } r ? $" in {r}" : "")}");
        }

        return ExitCodes.Ok;
    }

    private static string Csv(StoredCandle row)
        => string.Join(',', CandleRows.Csv(row.Candle), Quote(row.Provider), TimeRange.Format(row.FetchedAt.ToUnixTimeMilliseconds()), row.Status.ToText());

    private static string Jsonl(StoredCandle row) => CandleRows.Json(row.Candle, json =>
    {
        json.WriteString("provider", row.Provider);
        json.WriteString("fetched_at", TimeRange.Format(row.FetchedAt.ToUnixTimeMilliseconds()));
        json.WriteString("status", row.Status.ToText());
    });

    private static string Quote(string text) => text.Contains(',', StringComparison.Ordinal) || text.Contains('"', StringComparison.Ordinal)
        ? $"\"{text.Replace("\"", "\"\"", StringComparison.Ordinal)}\""
        : text;
}

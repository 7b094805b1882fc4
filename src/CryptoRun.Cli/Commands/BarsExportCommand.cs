using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Storage;

namespace CryptoRun.Cli.Commands;

/// <summary>
/// <c>cryptorun bars export --venue V --symbol S --timeframe TF [--from T --to T] [--db PATH] [--format csv|jsonl]</c>:
/// writes materialized bars to standard output. CSV header
/// <c>open_time,open,high,low,close,volume,quote_volume,trades,log_return,cum_return,roll_vol,source_candles,expected_candles</c>;
/// times ISO-8601 UTC; prices exact decimal text; returns round-trip doubles; absent values empty (CSV) or null (JSONL).
/// </summary>
internal static class BarsExportCommand
{
    /// <summary>The CSV header.</summary>
    internal const string CsvHeader = CandleRows.CsvHeader + ",log_return,cum_return,roll_vol,source_candles,expected_candles";

    internal static Command Create(CliEnvironment environment)
    {
        var venue = CliOptions.Venue("The venue (or import name) the bars were materialized for");
        var symbol = CliOptions.Symbol();
        var timeframe = CliOptions.Timeframe();
        var from = CliOptions.From(required: false);
        var to = CliOptions.To(required: false);
        var db = CliOptions.Db();
        var store = StoreTarget.Option();
        var format = new Option<string>("--format") { Description = "csv or jsonl", DefaultValueFactory = _ => "csv" };
        format.AcceptOnlyFromAmong("csv", "jsonl");
        var command = new Command("export", "Write materialized bars to standard output as CSV or JSON lines") { venue, symbol, timeframe, from, to, db, store, format };
        command.SetAction((parse, cancellationToken) => RunAsync(
            environment,
            new SeriesKey(CliOptions.ParseSeriesVenue(parse.GetRequiredValue(venue)), CliOptions.ParseSymbol(parse.GetRequiredValue(symbol)), CliOptions.ParseTimeframe(parse.GetRequiredValue(timeframe))),
            CliOptions.ParseOptionalRange(parse.GetValue(from), parse.GetValue(to)),
            StoreTarget.From(environment, parse, db, store),
            parse.GetRequiredValue(format),
            cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(CliEnvironment environment, SeriesKey key, TimeRange? range, StoreTarget target, string format, CancellationToken cancellationToken)
    {
        await using var store = await CliStore.OpenAsync(environment, target, StoreAccess.Read, "materialize bars first", cancellationToken);
        var bars = await store.Bars.ReadBarsAsync(key, range, cancellationToken);
        if (format == "csv")
        {
            environment.Out.WriteLine(CsvHeader);
        }

        foreach (var bar in bars)
        {
            environment.Out.WriteLine(format == "csv" ? Csv(bar) : Jsonl(bar));
        }

        if (bars.Count == 0)
        {
            environment.Error.WriteLine($"note: the store holds no materialized bars for {key}{(range is { } r ? $" in {r}" : "")}; run bars materialize first");
        }

        return ExitCodes.Ok;
    }

    private static string Csv(StoredBar stored)
    {
        var b = stored.Bar;
        return string.Join(',',
            CandleRows.Csv(b.Candle),
            Number(b.LogReturn),
            Number(b.CumReturn),
            Number(b.RollingVolatility),
            b.SourceCandles.ToString(CultureInfo.InvariantCulture),
            b.ExpectedCandles.ToString(CultureInfo.InvariantCulture));
    }

    private static string Jsonl(StoredBar stored) => CandleRows.Json(stored.Bar.Candle, json =>
    {
        var b = stored.Bar;
        WriteOrNull(json, "log_return", b.LogReturn);
        WriteOrNull(json, "cum_return", b.CumReturn);
        WriteOrNull(json, "roll_vol", b.RollingVolatility);
        json.WriteNumber("source_candles", b.SourceCandles);
        json.WriteNumber("expected_candles", b.ExpectedCandles);
    });

    private static void WriteOrNull(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static string Number(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? "";
}

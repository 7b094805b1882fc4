using System.CommandLine;
using CryptoRun.CandleFiles;
using CryptoRun.Configuration;
using CryptoRun.Domain;
using CryptoRun.Storage;

namespace CryptoRun.Cli.Commands;

/// <summary>
/// <c>cryptorun history import FILE --venue V --symbol S --timeframe TF [--db PATH]</c>: loads a candle
/// file (Binance dump, CryptoDataDownload export, Kraken OHLCVT or a headed CSV) into the store with
/// provenance provider <c>file</c>. The whole file is checked first and written in one transaction:
/// a bad row stores nothing.
/// </summary>
internal static class HistoryImportCommand
{
    internal static Command Create(CliEnvironment environment)
    {
        var file = new Argument<string>("FILE") { Description = "Candle file: Binance kline dump, CryptoDataDownload export, Kraken OHLCVT, or CSV with open_time/open/high/low/close/volume" };
        var venue = CliOptions.Venue("Venue the candles are from (the series they join), for example coinbase");
        var symbol = CliOptions.Symbol();
        var timeframe = CliOptions.Timeframe();
        var db = CliOptions.Db();
        var store = StoreTarget.Option();
        var command = new Command("import", "Load a candle file into the store (provenance provider 'file')") { file, venue, symbol, timeframe, db, store };
        command.SetAction((parse, cancellationToken) => RunAsync(
            environment,
            environment.FullPath(parse.GetRequiredValue(file)),
            parse.GetRequiredValue(venue),
            CliOptions.ParseSymbol(parse.GetRequiredValue(symbol)),
            CliOptions.ParseTimeframe(parse.GetRequiredValue(timeframe)),
            StoreTarget.From(environment, parse, db, store),
            cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(
        CliEnvironment environment,
        string path,
        string venue,
        Instrument instrument,
        Timeframe timeframe,
        StoreTarget target,
        CancellationToken cancellationToken)
    {
        if (Directory.Exists(path))
        {
            throw new UsageException($"FILE {InputText.Quote(path)} is a directory, not a candle file");
        }

        if (!File.Exists(path))
        {
            throw new UsageException($"FILE {InputText.Quote(path)} does not exist");
        }

        if (venue.Length == 0 || venue.Length > CliOptions.MaxVenueName || !venue.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
        {
            throw new UsageException($"--venue {Configuration.InputText.Quote(venue)}: use a lower-case venue name such as coinbase or binance-usdm (letters, digits and '-', at most {CliOptions.MaxVenueName} characters)");
        }

        var file = CandleFileReader.Read(path, instrument).CheckTimeframe(timeframe);
        foreach (var row in file.Rows)
        {
            if (CandleChecks.Problem(row.Candle, timeframe) is { } problem)
            {
                throw new CandleFileException(path, row.Line, $"rejected by the quality gate, nothing stored: {problem}");
            }
        }

        // The reader refuses a file without rows: every import records the window it covers.
        var key = new SeriesKey(venue, instrument, timeframe);
        var span = file.Span(timeframe);
        var provenance = new Provenance("file", path, span, 0, environment.TimeProvider.GetUtcNow());
        await using var opened = await CliStore.OpenAsync(environment, target, StoreAccess.Write, "", cancellationToken);
        var store = opened.Candles;
        var written = await store.WriteAsync(key, file.Rows.Select(r => r.Candle).ToList(), provenance, span, cancellationToken);
        var coverage = await Coverage.ReadAsync(store, key, cancellationToken);
        environment.Out.WriteLine($"{key}: imported {written} candles from {path} ({file.Format}), {span}");
        environment.Out.WriteLine($"{key}: store holds {coverage.Summary.Count} candles; missing slots: {coverage.MissingSlots} ({coverage.DescribeGaps()})");
        environment.Out.WriteLine($"store: {store.Location}");
        return ExitCodes.Ok;
    }
}

using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using CryptoRun.Configuration;
using CryptoRun.Domain;
using CryptoRun.Snapshots;
using Spectre.Console;

namespace CryptoRun.Cli.Commands;

/// <summary>
/// <c>cryptorun pit show --dir DIR --venue V --symbol S [--as-of T] [--kind book|ticker] [--format table|json]</c> and
/// <c>cryptorun pit cleanup --dir DIR [--retention 30d]</c>: the cold tier's point-in-time snapshots (written by
/// <c>probe data --pit DIR</c> or <c>DataFacade.SnapshotAsync</c>), read as of a time with their checksums verified, and
/// retention cleanup.
/// </summary>
internal static class PitCommand
{
    internal static Command Create(CliEnvironment environment)
    {
        var dir = new Option<string>("--dir") { Description = "The point-in-time store's folder", Required = true };
        var venue = CliOptions.Venue();
        var symbol = CliOptions.Symbol();
        var asOf = new Option<string?>("--as-of") { Description = "The point in time (ISO-8601 or epoch ms; default now): the latest snapshot taken at or before it" };
        var kind = new Option<string>("--kind") { Description = "book or ticker", DefaultValueFactory = _ => "book" };
        kind.AcceptOnlyFromAmong("book", "ticker");
        var format = new Option<string>("--format") { Description = "table or json", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var show = new Command("show", "Show the snapshot as of a time, verified against its sha256 and metadata") { dir, venue, symbol, asOf, kind, format };
        show.SetAction(parse => Show(
            environment,
            parse.GetRequiredValue(dir),
            CliOptions.ParseSeriesVenue(parse.GetRequiredValue(venue)),
            CliOptions.ParseSymbol(parse.GetRequiredValue(symbol)),
            parse.GetValue(asOf) is { } text ? DateTimeOffset.FromUnixTimeMilliseconds(CliOptions.ParseTime(text, "--as-of")) : environment.TimeProvider.GetUtcNow(),
            parse.GetRequiredValue(kind) == "book" ? SnapshotKind.Book : SnapshotKind.Ticker,
            parse.GetRequiredValue(format)));
        var cleanupDir = new Option<string>("--dir") { Description = "The point-in-time store's folder", Required = true };
        var retention = new Option<string>("--retention") { Description = "Keep snapshots younger than this, at most 3650d (the newest of each series is always kept)", DefaultValueFactory = _ => "30d" };
        var cleanup = new Command("cleanup", "Delete snapshots older than the retention, and leftover temporary files") { cleanupDir, retention };
        cleanup.SetAction(async (parse, cancellationToken) =>
        {
            var store = Store(environment, parse.GetRequiredValue(cleanupDir), CliOptions.ParseDuration(parse.GetRequiredValue(retention), "--retention", CliOptions.MaxRetention));
            var result = await store.CleanupAsync(cancellationToken);
            environment.Out.WriteLine($"deleted {result.SnapshotsDeleted} snapshots, {result.MetadataDeleted} metadata files, {result.TempFilesDeleted} temporary files, {result.FoldersDeleted} empty folders; kept {result.NewestKept} newest-of-series older than the retention");
            return ExitCodes.Ok;
        });
        return new Command("pit", "The cold tier: point-in-time book and ticker snapshots") { show, cleanup };
    }

    private static PointInTimeStore Store(CliEnvironment environment, string dir, TimeSpan? retention = null)
    {
        var root = environment.FullPath(dir);
        return Directory.Exists(root)
            ? new PointInTimeStore(new PointInTimeStoreOptions { Root = root, TimeProvider = environment.TimeProvider, Retention = retention ?? TimeSpan.FromDays(30) })
            : throw new UsageException($"--dir {InputText.Quote(dir)}: no such folder");
    }

    private static int Show(CliEnvironment environment, string dir, string venue, Instrument instrument, DateTimeOffset asOf, SnapshotKind kind, string format)
    {
        var store = Store(environment, dir);
        if (!store.TryReadAsOf(kind, venue, instrument, asOf, out var snapshot))
        {
            environment.Error.WriteLine($"no {kind.ToString().ToLowerInvariant()} snapshot of {venue} {instrument} taken at or before {TimeRange.Format(asOf.ToUnixTimeMilliseconds())}");
            return ExitCodes.Incomplete;
        }

        var meta = snapshot.Metadata;
        if (format == "json")
        {
            var fields = new Dictionary<string, object?>
            {
                ["id"] = meta.Id,
                ["kind"] = kind.ToString().ToLowerInvariant(),
                ["venue"] = meta.Venue,
                ["symbol"] = meta.Instrument.Symbol,
                ["taken_at"] = TimeRange.Format(meta.TakenAt.ToUnixTimeMilliseconds()),
                ["records"] = meta.RecordCount,
                ["sha256"] = meta.Sha256,
            };
            switch (snapshot)
            {
                case BookPitSnapshot book:
                    fields["sequence"] = book.Book.Sequence;
                    fields["bids"] = book.Book.Bids.Select(l => new[] { l.Price, l.Size }).ToList();
                    fields["asks"] = book.Book.Asks.Select(l => new[] { l.Price, l.Size }).ToList();
                    break;
                case TickerPitSnapshot ticker:
                    fields["bid"] = ticker.Ticker.BidPrice;
                    fields["ask"] = ticker.Ticker.AskPrice;
                    fields["last"] = ticker.Ticker.LastPrice;
                    break;
            }

            environment.Out.WriteLine(JsonSerializer.Serialize(fields));
            return ExitCodes.Ok;
        }

        environment.Out.WriteLine($"{meta.Venue} {meta.Instrument} {kind.ToString().ToLowerInvariant()} {meta.Id} taken at {TimeRange.Format(meta.TakenAt.ToUnixTimeMilliseconds())} ({meta.RecordCount} records, sha256 {meta.Sha256} verified)");
        switch (snapshot)
        {
            case BookPitSnapshot book:
                var table = new Table().Border(TableBorder.Simple);
                table.AddColumn("Bid size");
                table.AddColumn("Bid");
                table.AddColumn("Ask");
                table.AddColumn("Ask size");
                for (var i = 0; i < 10 && i < Math.Max(book.Book.Bids.Count, book.Book.Asks.Count); i++)
                {
                    table.AddRow(
                        i < book.Book.Bids.Count ? Text(book.Book.Bids[i].Size) : "",
                        i < book.Book.Bids.Count ? Text(book.Book.Bids[i].Price) : "",
                        i < book.Book.Asks.Count ? Text(book.Book.Asks[i].Price) : "",
                        i < book.Book.Asks.Count ? Text(book.Book.Asks[i].Size) : "");
                }

                environment.Console.Write(table);
                break;
            case TickerPitSnapshot ticker:
                environment.Out.WriteLine($"bid {Opt(ticker.Ticker.BidPrice)} x {Opt(ticker.Ticker.BidSize)}, ask {Opt(ticker.Ticker.AskPrice)} x {Opt(ticker.Ticker.AskSize)}, last {Opt(ticker.Ticker.LastPrice)}");
                break;
        }

        return ExitCodes.Ok;
    }

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Opt(decimal? value) => value is { } v ? Text(v) : "-";
}

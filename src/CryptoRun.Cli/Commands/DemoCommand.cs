using System.CommandLine;
using System.Globalization;
using CryptoRun.Domain;
using CryptoRun.History;
using CryptoRun.Providers;
using CryptoRun.Replay;
using CryptoRun.Storage;
using CryptoRun.Storage.Sqlite;

namespace CryptoRun.Cli.Commands;

/// <summary>
/// <c>cryptorun demo [--db PATH] [--data DIR]</c>: the main job, offline. Starts the replay venue
/// in-process over the real recordings in <c>shared/data/ohlcv</c> (AVAX/USDT perpetual 1m, July
/// 2026, served as Binance USD-M; BTC/USD 1m and 1h served as Coinbase), fetches their whole ranges
/// through the real connectors over loopback into the store, and prints a coverage table per
/// series and where the data lives. A second run fetches nothing: the store already holds it all.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The demo's series: venue, instrument, timeframe and file under <c>ohlcv/</c>.</summary>
    internal static readonly IReadOnlyList<(string Venue, string Symbol, string Timeframe, string File)> Series =
    [
        ("binance-usdm", "AVAX/USDT:USDT", "1m", "binance-usdm_AVAXUSDT-1m-2026-07.csv"),
        ("coinbase", "BTC/USD", "1m", "Coinbase_BTCUSD_minute.csv"),
        ("coinbase", "BTC/USD", "1h", "Coinbase_BTCUSD_1h.csv"),
    ];

    internal static Command Create(CliEnvironment environment)
    {
        var db = CliOptions.Db();
        var data = new Option<string>("--data") { Description = $"Recorded-data folder (default: {RecordedData.EnvironmentVariable}, else ../shared/data from the repository root)" };
        var command = new Command("demo", "The main job, offline: replay real recordings, fetch them through the connectors into the store, show coverage and materialized bars") { db, data };
        command.SetAction((parse, cancellationToken) => RunAsync(
            environment,
            StoreTarget.DbFile(environment, parse.GetRequiredValue(db)),
            parse.GetValue(data) is { } dir ? environment.FullPath(dir) : null,
            cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(CliEnvironment environment, string dbPath, string? dataRoot, CancellationToken cancellationToken)
    {
        string root;
        try
        {
            root = dataRoot ?? RecordedData.Root();
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new UsageException(ex.Message);
        }

        // The replay venue enforces the venues' real limits; each provider's gate paces to them
        // (Coinbase: 10 requests/s), so the demo's 170 Coinbase requests take about 17 s and get no 429.
        var options = new ReplayOptions { DataRoot = root, TimeProvider = environment.TimeProvider };
        foreach (var (venue, symbol, timeframe, file) in Series)
        {
            var path = Path.Combine(root, "ohlcv", file);
            if (!File.Exists(path))
            {
                throw new UsageException($"recording {Configuration.InputText.Cut(path)} is missing; is {Configuration.InputText.Quote(root)} the shared/data folder?");
            }

            options.Candles.Add(new ReplayCandleSource(venue, Instrument.Parse(symbol), Timeframe.Parse(timeframe), path));
        }

        var output = environment.Out;
        output.WriteLine($"CryptoRun demo: replaying real recordings from {root}");
        await using var server = await ReplayServeCommand.StartAsync(options, cancellationToken);
        output.WriteLine($"replay venue listening on {server.BaseAddress.GetLeftPart(UriPartial.Authority)} (Binance USD-M, Coinbase, Kraken, OKX, Binance APIs)");
        var endpoints = server.Series.Select(s => s.Venue).Distinct().Select(v => $"{v}={server.BaseAddress}").ToList();
        using var host = ProviderHost.Create(environment, endpoints, null);
        await using var store = await SqliteStore.OpenAsync(dbPath, environment.TimeProvider, cancellationToken);
        await using var health = new ProviderHealthRecorder(host.Registry, store, host.Logging.CreateLogger("health"));
        var coverage = new List<Coverage>();
        long requests = 0, fetched = 0;
        var elapsed = TimeSpan.Zero;
        foreach (var series in server.Series)
        {
            var provider = HistoryFetchCommand.Candles(host.Connect(series.Venue), series.Timeframe);
            output.WriteLine($"fetching {series.Venue} {series.Instrument} {series.Timeframe} {series.Span} ({series.Count:N0} candles recorded)");
            var (report, _) = await HistoryFetchCommand.FetchAsync(environment, store, provider, series.Instrument, series.Timeframe, series.Span, HistoryStrategy.AutoBackfill, null, cancellationToken);
            requests += report.Requests;
            fetched += report.CandlesFetched;
            elapsed += report.Elapsed;
            coverage.Add(await Coverage.ReadAsync(store, new SeriesKey(series.Venue, series.Instrument, series.Timeframe), cancellationToken));
        }

        var refused = server.Requests.Count(r => r.Status is 429 or 418);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"fetched {fetched:N0} candles in {requests} requests over loopback in {elapsed.TotalSeconds:0.00} s{(requests == 0 ? " (the store already held everything)" : "")}; rate-limit refusals (429/418): {refused}"));
        environment.Console.Write(Coverage.Table(coverage));

        // Seed 002's materialization: each 1m series becomes 5m, 15m, 1h and 1d bars with returns.
        var materialized = new List<(SeriesKey Key, IReadOnlyList<Bars.MaterializedBar> Bars)>();
        foreach (var series in server.Series.Where(s => s.Timeframe == Timeframe.M1))
        {
            var source = new SeriesKey(series.Venue, series.Instrument, series.Timeframe);
            var built = await BarsMaterializeCommand.MaterializeAsync(store, store, source, DemoBarTimeframes, Bars.BarMaterializer.DefaultVolatilityWindow, cancellationToken);
            materialized.AddRange(built.Select(b => (source with { Timeframe = b.Target }, b.Bars)));
        }

        output.WriteLine("materialized bars (from the 1m candles; returns of the last bar):");
        environment.Console.Write(BarsTable.Of(materialized));
        output.WriteLine($"data lives in {store.Location} (SQLite). Export with: cryptorun history export --venue coinbase --symbol BTC/USD --timeframe 1m --db {store.Location}");
        output.WriteLine($"and bars with: cryptorun bars export --venue coinbase --symbol BTC/USD --timeframe 1h --db {store.Location}");
        return ExitCodes.Ok;
    }

    private static readonly Timeframe[] DemoBarTimeframes = [Timeframe.Parse("5m"), Timeframe.Parse("15m"), Timeframe.H1, Timeframe.D1];
}

using System.CommandLine;
using System.Globalization;
using CryptoRun.Domain;
using CryptoRun.Ingestion;
using CryptoRun.Providers;

namespace CryptoRun.Cli.Commands;

/// <summary>
/// <c>cryptorun ingest [--once] [--interval 60s] [--db PATH | --store URI] [--config PATH] [--endpoint V=URL]</c>:
/// seed 002's ingestion loop. Every interval: a spot quote for each configured instrument through the
/// spot chain and a snapshot of each configured DEX pair through the DEX chain, each stored with
/// provenance after the quality gate, then every provider's health persisted. Ctrl-C stops it after
/// the record in flight; exit 0.
/// </summary>
internal static class IngestCommand
{
    internal static Command Create(CliEnvironment environment)
    {
        var once = new Option<bool>("--once") { Description = "Run one cycle and stop" };
        var interval = new Option<string>("--interval") { Description = "Time between cycles, at most 1d (default: ingest.interval in the config, 60s)" };
        var db = CliOptions.Db();
        var store = StoreTarget.Option();
        var config = CliOptions.Config();
        var endpoint = CliOptions.Endpoint();
        var command = new Command("ingest", "Seed 002's ingestion loop: spot quotes and DEX snapshots with provenance, provider health each cycle") { once, interval, db, store, config, endpoint };
        command.SetAction((parse, cancellationToken) => RunAsync(
            environment,
            parse.GetValue(once),
            parse.GetValue(interval) is { } text ? CliOptions.ParseDuration(text, "--interval", CliOptions.MaxWait) : null,
            StoreTarget.From(environment, parse, db, store),
            parse.GetValue(config),
            parse.GetValue(endpoint) ?? [],
            cancellationToken));
        return command;
    }

    /// <summary>Runs ingest on the SQLite file at <paramref name="dbPath"/>.</summary>
    internal static Task<int> RunAsync(
        CliEnvironment environment,
        bool once,
        TimeSpan? interval,
        string dbPath,
        string? config,
        IReadOnlyList<string> endpoints,
        CancellationToken cancellationToken)
        => RunAsync(environment, once, interval, new StoreTarget(dbPath, null), config, endpoints, cancellationToken);

    internal static async Task<int> RunAsync(
        CliEnvironment environment,
        bool once,
        TimeSpan? interval,
        StoreTarget target,
        string? config,
        IReadOnlyList<string> endpoints,
        CancellationToken cancellationToken)
    {
        using var host = ProviderHost.Create(environment, endpoints, config);
        var options = interval is { } every ? host.Config.Ingest with { Interval = every } : host.Config.Ingest;
        await using var store = await CliStore.OpenAsync(environment, target, StoreAccess.Write, "", cancellationToken);
        if (store is not { Snapshots: { } snapshots, Health: { } table })
        {
            throw new UsageException($"the store {store.Location} keeps no ingested snapshots or provider health; use --db (SQLite) or --store (PostgreSQL)");
        }

        HealthBanner.Write(environment, (await table.ReadHealthAsync(cancellationToken)).Select(h => h.Status).ToList());
        await using var health = new ProviderHealthRecorder(host.Registry, table, host.Logging.CreateLogger("health"));
        var cycle = new IngestCycle(host.Router, snapshots, health, options, environment.TimeProvider, host.Logging.CreateLogger("ingest"));
        var output = environment.Out;
        output.WriteLine($"ingest: {options.Spot.Count} spot instruments via {string.Join(" -> ", host.Config.Chains[DataClass.Spot].Providers)}, "
            + $"{options.DexPairs.Count} DEX pairs via {string.Join(" -> ", host.Config.Chains[DataClass.Dex].Providers)}, every {Configuration.Durations.Format(options.Interval)}; store {store.Location}; config {host.Config.Source}");
        int cycles = 0, stored = 0, gaps = 0;
        try
        {
            while (true)
            {
                var outcomes = await cycle.RunOnceAsync(cancellationToken);
                cycles++;
                stored += outcomes.Count(o => o.Result == IngestResult.Stored);
                gaps += outcomes.Count(o => o.Result == IngestResult.Gap);
                foreach (var o in outcomes)
                {
                    var price = o.Price?.ToString(CultureInfo.InvariantCulture) ?? "-";
                    output.WriteLine($"cycle {cycles} {o.Key}: {Label(o.Result)} {price} from {o.ServedBy ?? "-"} ({o.Status?.ToText() ?? "-"}); {o.Detail}");
                }

                if (once)
                {
                    break;
                }

                await Task.Delay(options.Interval, environment.TimeProvider, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            output.WriteLine("ingest: stopped");
        }

        output.WriteLine($"ingest: {cycles} cycles, {stored} records stored, {gaps} gaps");
        return ExitCodes.Ok;
    }

    private static string Label(IngestResult result) => result switch
    {
        IngestResult.WriteFailed => "WRITE_FAILED",
        _ => result.ToString().ToUpperInvariant(),
    };
}

using System.CommandLine;
using CryptoRun.Replay;

namespace CryptoRun.Cli.Commands;

/// <summary>
/// <c>cryptorun replay serve [--candles VENUE:BASE/QUOTE:TF=PATH ...] [--port N] [--data DIR]
/// [--faults PATH] [--request-log PATH] [--no-limits]</c>: serves recorded real data through the
/// venues' REST APIs on 127.0.0.1 until Ctrl-C, with each venue's rate limits, optional injected
/// faults and an optional JSON-lines request log. The first line of standard output is
/// <c>listening on http://127.0.0.1:PORT</c>.
/// </summary>
internal static class ReplayServeCommand
{
    internal static Command Create(CliEnvironment environment)
    {
        var candles = new Option<string[]>("--candles")
        {
            Description = "Serve a candle file as a venue's series: VENUE:BASE/QUOTE:TIMEFRAME=PATH (repeatable), e.g. coinbase:BTC/USD:1m=Coinbase_BTCUSD_minute.csv",
            AllowMultipleArgumentsPerToken = false,
        };
        var port = new Option<int>("--port") { Description = "Loopback port; 0 picks a free one", DefaultValueFactory = _ => 0 };
        var data = new Option<string>("--data") { Description = $"Recorded-data folder for market metadata, books and trades (default: {RecordedData.EnvironmentVariable}, else ../shared/data from the repository root)" };
        var faults = new Option<string>("--faults")
        {
            Description = "Inject faults from a YAML file: rules by venue, path prefix and method, each a status (with Retry-After and body), latency, timeout, reset or malformed body, applied by count, seeded probability and/or time window (schema in the README)",
        };
        var requestLog = new Option<string>("--request-log")
        {
            Description = "Write one JSON line per request to this file: time, venue, method, path, query, status, weight, fault",
        };
        var noLimits = new Option<bool>("--no-limits")
        {
            Description = "Serve every request: do not enforce the venues' rate limits (Binance weight/min with 429 and 418 bans, Coinbase 10/s burst 15, Kraken call counter, OKX per endpoint per 2 s)",
        };
        var command = new Command("serve", "Serve recorded real data through the venues' REST APIs on 127.0.0.1, with their rate limits, optional faults and a request log")
        {
            candles, port, data, faults, requestLog, noLimits,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            ReplayFaults? rules = null;
            var faultsPath = parse.GetValue(faults);
            if (faultsPath is not null)
            {
                try
                {
                    rules = ReplayFaults.Load(environment.FullPath(faultsPath));
                }
                catch (ReplayFaultsException ex)
                {
                    throw new UsageException($"--faults: {ex.Message}");
                }
            }

            var options = new ReplayOptions
            {
                Port = parse.GetValue(port),
                DataRoot = parse.GetValue(data) is { } dir ? environment.FullPath(dir) : null,
                TimeProvider = environment.Time,
                EnforceLimits = !parse.GetValue(noLimits),
                Faults = rules,
                RequestLogPath = parse.GetValue(requestLog) is { } log ? environment.FullPath(log) : null,
            };
            foreach (var spec in parse.GetValue(candles) ?? [])
            {
                var source = ReplayCandleSource.TryParse(spec, out var parsed)
                    ? parsed
                    : throw new UsageException($"--candles '{spec}': expected VENUE:BASE/QUOTE:TIMEFRAME=PATH, for example coinbase:BTC/USD:1m=Coinbase_BTCUSD_minute.csv");
                options.Candles.Add(source with { Path = environment.FullPath(source.Path) });
            }

            if (options.Port is < 0 or > 65535)
            {
                throw new UsageException($"--port {options.Port}: use 0..65535");
            }

            await using var server = await StartAsync(options, cancellationToken);
            environment.Out.WriteLine($"listening on {server.BaseAddress.GetLeftPart(UriPartial.Authority)}");
            foreach (var series in server.Series)
            {
                environment.Out.WriteLine($"serving {series.Venue}:{series.Instrument}:{series.Timeframe}: {series.Count} candles {series.Span} from {series.Path} ({series.Format})");
            }

            foreach (var (venue, instruments) in server.Instruments.Where(v => v.Value.Count > 0))
            {
                environment.Out.WriteLine($"{venue}: {instruments.Count} instruments ({string.Join(", ", instruments.Take(8))}{(instruments.Count > 8 ? ", ..." : "")})");
            }

            foreach (var notice in server.Notices)
            {
                environment.Out.WriteLine($"notice: {notice}");
            }

            environment.Out.WriteLine(options.EnforceLimits ? "rate limits: enforced (--no-limits to serve everything)" : "rate limits: off");
            if (rules is not null)
            {
                environment.Out.WriteLine($"faults: {rules.Rules.Count} rules from {faultsPath} (seed {rules.Seed})");
            }

            if (options.RequestLogPath is not null)
            {
                environment.Out.WriteLine($"request log: {options.RequestLogPath}");
            }

            await environment.Out.FlushAsync(cancellationToken);
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, environment.Time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                environment.Out.WriteLine("stopped");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    internal static async Task<ReplayServer> StartAsync(ReplayOptions options, CancellationToken cancellationToken)
    {
        try
        {
            return await ReplayServer.StartAsync(options, cancellationToken);
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(ex.Message);
        }
        catch (IOException ex) when (ex is not FileNotFoundException)
        {
            throw new UsageException($"cannot listen on 127.0.0.1:{options.Port}: {ex.Message}");
        }
    }
}

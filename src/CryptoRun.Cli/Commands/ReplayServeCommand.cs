using System.CommandLine;
using CryptoRun.Replay;

namespace CryptoRun.Cli.Commands;

/// <summary>
/// <c>cryptorun replay serve [--candles VENUE:BASE/QUOTE:TF=PATH ...] [--port N] [--data DIR]
/// [--faults PATH] [--request-log PATH] [--no-limits] [--ws-speed X] [--ws-loop]</c>: serves recorded
/// real data through the venues' REST APIs on 127.0.0.1 until Ctrl-C, with each venue's rate limits,
/// optional injected faults and an optional JSON-lines request log, and recorded WebSocket traffic
/// at <c>ws://127.0.0.1:PORT/ws/{stream}</c> on the same port. The first line of standard output is
/// <c>listening on http://127.0.0.1:PORT</c>; the stream URLs follow among the start-up lines.
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
        var wsSpeed = new Option<double>("--ws-speed")
        {
            Description = "Pace of the WebSocket streams (ws://127.0.0.1:PORT/ws/STREAM): recorded gaps are divided by it; 1 = recorded pace, 0 = no delays. A connection overrides it with ?speed=X",
            DefaultValueFactory = _ => 1,
        };
        var wsLoop = new Option<bool>("--ws-loop")
        {
            Description = "Start each WebSocket stream again from its first frame after its last, instead of closing (a connection overrides it with ?loop=true|false)",
        };
        var command = new Command("serve", "Serve recorded real data through the venues' REST APIs and recorded WebSocket streams on 127.0.0.1, with their rate limits, optional faults and a request log")
        {
            candles, port, data, faults, requestLog, noLimits, wsSpeed, wsLoop,
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
                TimeProvider = environment.TimeProvider,
                EnforceLimits = !parse.GetValue(noLimits),
                Faults = rules,
                RequestLogPath = parse.GetValue(requestLog) is { } log ? environment.FullPath(log) : null,
                WebSocketSpeed = parse.GetValue(wsSpeed),
                WebSocketLoop = parse.GetValue(wsLoop),
            };
            foreach (var spec in parse.GetValue(candles) ?? [])
            {
                var source = ReplayCandleSource.TryParse(spec, out var parsed)
                    ? parsed
                    : throw new UsageException($"--candles {Configuration.InputText.Quote(spec)}: expected VENUE:BASE/QUOTE:TIMEFRAME=PATH, for example coinbase:BTC/USD:1m=Coinbase_BTCUSD_minute.csv");
                options.Candles.Add(source with { Path = environment.FullPath(source.Path) });
            }

            if (options.Port is < 0 or > 65535)
            {
                throw new UsageException($"--port {options.Port}: use 0..65535");
            }

            // 0 or at least 0.001: a slower pace would wait out a recorded gap longer than a timer can (the replay's own rule).
            if (options.WebSocketSpeed != 0 && !(double.IsFinite(options.WebSocketSpeed) && options.WebSocketSpeed >= 0.001))
            {
                throw new UsageException($"--ws-speed {options.WebSocketSpeed.ToString(System.Globalization.CultureInfo.InvariantCulture)}: use 0 (no delays) or a number from 0.001 (1 = recorded pace)");
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

            if (server.Streams.Count > 0)
            {
                var pace = options.WebSocketSpeed == 0 ? "no delays" : $"speed {options.WebSocketSpeed.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
                environment.Out.WriteLine($"websocket streams ({pace}, {(options.WebSocketLoop ? "looping" : "closing at the end")}; per connection ?speed=X&loop=true|false&drop_after=N&silent_after=N&duplicate_every=K&reorder_every=K&corrupt_every=K):");
                foreach (var stream in server.Streams)
                {
                    environment.Out.WriteLine($"  {stream.Address}  {stream.Feed}");
                }
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
                await Task.Delay(Timeout.InfiniteTimeSpan, environment.TimeProvider, cancellationToken);
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

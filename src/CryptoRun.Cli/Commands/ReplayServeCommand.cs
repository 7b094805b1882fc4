using System.CommandLine;
using CryptoRun.Replay;

namespace CryptoRun.Cli.Commands;

/// <summary>
/// <c>cryptorun replay serve [--candles VENUE:BASE/QUOTE:TF=PATH ...] [--port N] [--data DIR]</c>:
/// serves recorded real data through the venues' REST APIs on 127.0.0.1 until Ctrl-C. The first
/// line of standard output is <c>listening on http://127.0.0.1:PORT</c>.
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
        var command = new Command("serve", "Serve recorded real data through the venues' REST APIs on 127.0.0.1") { candles, port, data };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new ReplayOptions
            {
                Port = parse.GetValue(port),
                DataRoot = parse.GetValue(data) is { } dir ? environment.FullPath(dir) : null,
                TimeProvider = environment.Time,
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

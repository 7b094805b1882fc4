using System.Diagnostics;
using System.Globalization;
using CryptoRun.Cli;
using CryptoRun.Domain;
using CryptoRun.Replay;

namespace CryptoRun.Benchmarks;

/// <summary>
/// Issue 4's backfill benchmark, run once (not by BenchmarkDotNet: it takes minutes of real time):
/// <c>cryptorun history fetch</c> backfills a year's worth of 1m candles from the replay venue as Binance
/// USD-M under Binance's real weight limit (2,400 a minute, klines of 1,500 weigh 10), and the elapsed
/// time is divided by the weight-bound minimum.
/// </summary>
/// <remarks>
/// The recordings hold one month of 1m candles (AVAX/USDT:USDT, 2026-07), not a year, so the "year" is
/// that month fetched twelve times, each into a fresh store: 12 x 44,640 = 535,680 candles in 360 pages,
/// the same requests and weight as 525,600 candles. The minimum: the weight needs ceil(W / 2,400) fixed
/// minute windows; starting at a window's beginning, the last window opens (n - 1) minutes later, and its
/// share of the requests then takes what it takes with no limit at all (measured by the same run against
/// the replay with limits off).
/// </remarks>
internal static class YearBackfill
{
    private const int Months = 12;
    private const int WeightPerMinute = 2400;
    private const string Symbol = "AVAX/USDT:USDT";

    internal static async Task<int> RunAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "cryptorun-year-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            // The replay still counts weight with its limits off and our gate still follows its weight header, so
            // one month of the run waits for a window; the median month is the pace with no limit.
            Console.WriteLine("warm-up and unlimited pace (replay limits off)...");
            var (months, _) = await FetchTwelveAsync(folder, enforceLimits: false, alignToMinute: false);
            var free = months.Order().ElementAt(Months / 2) * Months;
            Console.WriteLine($"  months took {string.Join(", ", months.Select(m => m.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture)))} s; unlimited pace {free.TotalSeconds:F2} s for {Months} (median x {Months})");

            Console.WriteLine("under Binance's real weight limit (starting at a minute window's beginning)...");
            var (limitedMonths, requests) = await FetchTwelveAsync(folder, enforceLimits: true, alignToMinute: true);
            var limited = limitedMonths.Aggregate(TimeSpan.Zero, (a, b) => a + b);
            var ok = requests.Where(r => r.Status == 200).ToList();
            var weight = ok.Sum(r => r.Weight);
            var refused = requests.Count(r => r.Status is 429 or 418);
            var windows = (weight + WeightPerMinute - 1) / WeightPerMinute;
            var lastShare = (weight - ((windows - 1) * WeightPerMinute)) / (double)weight;
            var minimum = TimeSpan.FromMinutes(windows - 1) + (free * lastShare);
            if (minimum < free)
            {
                minimum = free;
            }

            var perWindow = ok.GroupBy(r => r.Time.ToUnixTimeMilliseconds() / 60_000).Select(g => g.Sum(r => r.Weight)).ToList();
            Console.WriteLine($"  {ok.Count} requests answered, {refused} refused (429/418), weight {weight}; weight per minute window: {string.Join(", ", perWindow)}");
            Console.WriteLine($"  elapsed {limited.TotalSeconds:F2} s; weight-bound minimum {minimum.TotalSeconds:F2} s ({windows - 1} window waits + {lastShare:P0} of the unlimited time)");
            Console.WriteLine($"  ratio {(limited / minimum).ToString("F3", CultureInfo.InvariantCulture)} (target 1.2 or less)");
            return refused == 0 ? 0 : 1;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<(List<TimeSpan> Months, IReadOnlyList<ReplayRequest> Requests)> FetchTwelveAsync(string folder, bool enforceLimits, bool alignToMinute)
    {
        var options = new ReplayOptions { EnforceLimits = enforceLimits };
        options.Candles.Add(new ReplayCandleSource("binance-usdm", Instrument.Parse(Symbol), Timeframe.M1, BenchData.AvaxMonth));
        await using var server = await ReplayServer.StartAsync(options);
        if (alignToMinute)
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await Task.Delay(TimeSpan.FromMilliseconds(60_000 - (now % 60_000) + 50));
        }

        var months = new List<TimeSpan>();
        for (var month = 0; month < Months; month++)
        {
            var started = Stopwatch.GetTimestamp();
            var store = Path.Combine(folder, $"{Guid.NewGuid():N}.db");
            var error = new StringWriter();
            var environment = new CliEnvironment(TextWriter.Null, error, interactive: false, TimeProvider.System, folder, new Dictionary<string, string>());
            var code = await CliApp.RunAsync(
                ["history", "fetch", "--venue", "binance-usdm", "--symbol", Symbol, "--timeframe", "1m",
                 "--from", "2026-07-01T00:00:00Z", "--to", "2026-08-01T00:00:00Z", "--db", store, "--endpoint", $"all={server.BaseAddress}"],
                environment);
            months.Add(Stopwatch.GetElapsedTime(started));
            if (code != 0)
            {
                throw new InvalidOperationException($"history fetch exited {code}: {error}");
            }
        }

        return (months, server.Requests);
    }
}

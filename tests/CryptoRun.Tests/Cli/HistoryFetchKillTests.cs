using System.Diagnostics;
using CryptoRun.CandleFiles;
using CryptoRun.Cli;
using CryptoRun.Domain;
using CryptoRun.Replay;
using CryptoRun.Storage;
using CryptoRun.Storage.Sqlite;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Cli;

/// <summary>Seed 004's crash safety: a fetch killed with SIGKILL mid-way leaves no half-written window; run again, it finishes the rest.</summary>
public sealed class HistoryFetchKillTests
{
    private static readonly SeriesKey Key = new("coinbase", Instrument.Parse("BTC/USD"), Timeframe.M1);

    [Fact]
    public async Task Fetch_KilledMidwayThenRunAgain_StoreEqualsTheRecordingValueForValue()
    {
        await using var replay = await ReplayHarness.StartAsync(enforceLimits: false, candles: [new ReplayCandleSource("coinbase", Key.Instrument, Key.Timeframe, TestData.CoinbaseMinute)]);
        using var dir = new TempDir();
        string[] fetch = ["history", "fetch", "--venue", "coinbase", "--symbol", "BTC/USD", "--timeframe", "1m",
            "--from", "2020-11-22", "--to", "2020-12-13", "--endpoint", $"coinbase={replay.Server.BaseAddress}"];

        // The process paces itself at Coinbase's 10 requests/s: 94 pages take about 9 s; kill it at 20 %.
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir.Path };
        start.ArgumentList.Add(typeof(CliApp).Assembly.Location);
        foreach (var arg in fetch)
        {
            start.ArgumentList.Add(arg);
        }

        var seen = new System.Text.StringBuilder();
        using (var process = Process.Start(start)!)
        {
            // Standard error is drained as it comes, so the child never blocks on a full pipe.
            process.ErrorDataReceived += (_, e) => { lock (seen) { seen.AppendLine(e.Data); } };
            process.BeginErrorReadLine();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(45));
            var killed = false;
            try
            {
                while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
                {
                    lock (seen)
                    {
                        seen.AppendLine(line);
                    }

                    if (System.Text.RegularExpressions.Regex.Match(line, @"\((\d+)% of the missing range\)") is { Success: true } m
                        && int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 20)
                    {
                        process.Kill(); // SIGKILL on Linux: no finally block, no flush
                        killed = true;
                        break;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"the fetch printed no 20 % line within 45 s:\n{seen}");
            }

            await process.WaitForExitAsync(CancellationToken.None);
            Assert.True(killed, $"the fetch ended before it could be killed:\n{seen}");
        }

        long afterKill;
        await using (var store = await SqliteStore.OpenAsync(dir.File("cryptorun.db")))
        {
            afterKill = (await store.GetSummaryAsync(Key)).Count;
        }

        var again = await new CliRun(dir.Path, TimeProvider.System).RunAsync(fetch);

        Assert.InRange(afterKill, 1, 27_949);
        Assert.True(again.ExitCode == 0, again.Error);
        Assert.Contains($"stored {27_950 - afterKill}", again.Out, StringComparison.Ordinal);
        // Coinbase's REST candles carry open time, OHLC and volume; the recording's extra quote volume is not served.
        var recorded = CandleFileReader.Read(TestData.CoinbaseMinute).Rows.Select(r => r.Candle with { QuoteVolume = null, TradeCount = null }).ToList();
        await using var final = await SqliteStore.OpenAsync(dir.File("cryptorun.db"));
        var stored = new List<Candle>();
        await foreach (var row in final.ReadAsync(Key))
        {
            stored.Add(row.Candle);
        }

        Assert.Equal(recorded.Count, stored.Count);
        Assert.Equal(recorded, stored);
    }
}

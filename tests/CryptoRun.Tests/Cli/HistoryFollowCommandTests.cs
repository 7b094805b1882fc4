using System.Globalization;
using CryptoRun.CandleFiles;
using CryptoRun.Cli;
using CryptoRun.Cli.Commands;
using CryptoRun.Domain;
using CryptoRun.Replay;
using CryptoRun.Storage;
using CryptoRun.Storage.Sqlite;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Cli;

public sealed class HistoryFollowCommandTests
{
    private static readonly SeriesKey Key = new("binance-usdm", Instrument.Parse("AVAX/USDT:USDT"), Timeframe.M1);

    [Fact]
    public async Task Follow_AppendsEachCandleAsItClosesUntilCtrlC()
    {
        // The replay venue and the command share one manual clock, in the middle of the recorded month.
        var now = DateTimeOffset.Parse("2026-07-15T00:00:30Z", CultureInfo.InvariantCulture);
        await using var replay = await ReplayHarness.StartAsync(now, candles: [new ReplayCandleSource(Key.Venue, Key.Instrument, Key.Timeframe, TestData.AvaxMonth)]);
        using var dir = new TempDir();
        using var output = new StringWriter();
        var synchronized = TextWriter.Synchronized(output);
        var environment = new CliEnvironment(synchronized, TextWriter.Null, interactive: false, replay.Clock, dir.Path, new Dictionary<string, string>());
        using var ctrlC = new CancellationTokenSource();

        var run = HistoryFollowCommand.RunAsync(environment, Key.Venue, Key.Instrument, Key.Timeframe, now.AddSeconds(-30).AddMinutes(-5).ToUnixTimeMilliseconds(),
            TimeSpan.FromSeconds(2), new StoreTarget(dir.File("cryptorun.db"), null), [$"binance-usdm={replay.Server.BaseAddress}"], null, ctrlC.Token);

        // Three more minutes, a second at a time.
        var started = DateTime.UtcNow;
        while (replay.Clock.GetUtcNow() < now.AddMinutes(3).AddSeconds(5) && DateTime.UtcNow - started < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(3);
            replay.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        // Stop once the last candle is out (its fetch may still be in flight).
        while (!output.ToString().Contains("2026-07-15T00:02:00Z", StringComparison.Ordinal) && DateTime.UtcNow - started < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(10);
        }

        await ctrlC.CancelAsync();
        var code = await run;

        Assert.Equal(0, code);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var appended = lines.Where(l => l.StartsWith("2026-07-1", StringComparison.Ordinal)).ToList();

        // 23:55 .. 23:59 at once, then 00:00, 00:01, 00:02 as each closes; each once, with the recording's values.
        Assert.Equal(Enumerable.Range(-5, 8).Select(m => TimeRange.Format(now.AddSeconds(-30).AddMinutes(m).ToUnixTimeMilliseconds())), appended.Select(l => l.Split(' ')[0]));
        var recorded = CandleFileReader.Read(TestData.AvaxMonth).Rows.Select(r => r.Candle).Single(c => c.OpenTimeMs == now.AddSeconds(-30).AddMinutes(2).ToUnixTimeMilliseconds());
        Assert.StartsWith(string.Create(CultureInfo.InvariantCulture, $"2026-07-15T00:02:00Z O {recorded.Open} H {recorded.High} L {recorded.Low} C {recorded.Close} V {recorded.Volume} (binance-usdm, OK)"), appended[^1], StringComparison.Ordinal);
        Assert.Equal("follow: stopped; 8 candles appended", lines[^1]);
        await using var store = await SqliteStore.OpenAsync(dir.File("cryptorun.db"));
        Assert.Equal(8, (await store.GetSummaryAsync(Key)).Count);
    }
}

using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Cli;

public sealed class DemoCommandTests
{
    [Fact]
    public async Task Demo_FreshStore_FetchesEveryRecordingShowsCoverageAndMaterializedBars_SecondRunFetchesNothing()
    {
        using var dir = new TempDir();

        // The real clock: the demo paces itself by the venues' real limits (Coinbase 10 requests/s).
        var cli = new CliRun(dir.Path, TimeProvider.System);

        var first = await cli.RunAsync("demo");
        var second = await cli.RunAsync("demo");

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Matches(@"binance-usdm\s*│\s*AVAX/USDT:USDT\s*│\s*1m\s*│\s*2026-07-01T00:00:00Z\s*│\s*2026-07-31T23:59:00Z\s*│\s*44,640\s*│\s*0\s*│\s*none", first.Out);
        Assert.Matches(@"coinbase\s*│\s*BTC/USD\s*│\s*1m\s*│\s*2020-11-22T18:46:00Z\s*│\s*2020-12-12T04:36:00Z\s*│\s*27,950\s*│\s*1\s*│\s*2020-11-24T21:09:00Z\s", first.Out);
        Assert.Matches(@"coinbase\s*│\s*BTC/USD\s*│\s*1h\s*│.*22,601\s*│\s*1\s*│\s*2019-04-13T15:00:00Z\s", first.Out);
        Assert.Contains("fetched 95,191 candles in 200 requests", first.Out, StringComparison.Ordinal);
        Assert.Contains("rate-limit refusals (429/418): 0", first.Out, StringComparison.Ordinal);
        Assert.Contains($"data lives in {dir.File("cryptorun.db")}", first.Out, StringComparison.Ordinal);

        // Materialized from the 1m candles: every AVAX hour complete; Coinbase's one missing minute leaves one hour short.
        Assert.Matches(@"binance-usdm\s*│\s*AVAX/USDT:USDT\s*│\s*1h\s*│\s*744\s*│\s*744\s*│\s*2026-07-01T00:00:00Z\s*│\s*2026-07-31T23:00:00Z\s*│\s*6\.3830\s*│", first.Out);
        Assert.Matches(@"coinbase\s*│\s*BTC/USD\s*│\s*1h\s*│\s*465\s*│\s*464\s*│", first.Out);
        Assert.True(second.ExitCode == 0, second.Error);
        Assert.Contains("fetched 0 candles in 0 requests", second.Out, StringComparison.Ordinal);
        Assert.Matches(@"AVAX/USDT:USDT\s*│\s*1m\s*│.*44,640\s*│\s*0\s*│\s*none", second.Out);
    }
}

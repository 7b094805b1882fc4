using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Cli;

public sealed class HistoryCoverageCommandTests
{
    private static readonly string[] CoinbaseMinutes = ["--venue", "coinbase", "--symbol", "BTC/USD", "--timeframe", "1m"];

    [Fact]
    public async Task Gaps_ImportedCoinbaseMinutes_TheMissingMinuteIsNoCandleAndTheDaysBeforeAreNotFetched()
    {
        using var dir = new TempDir();
        var cli = new CliRun(dir.Path);
        await cli.RunAsync(["history", "import", TestData.CoinbaseMinute, .. CoinbaseMinutes]);

        var gaps = await cli.RunAsync(["history", "gaps", .. CoinbaseMinutes, "--from", "2020-11-20", "--to", "2020-11-25"]);
        var coverage = await cli.RunAsync(["history", "coverage", "--from", "2020-11-20", "--to", "2020-11-25", .. CoinbaseMinutes]);

        Assert.True(gaps.ExitCode == 0, gaps.Error);
        Assert.Equal(
            ["from,to,slots,kind", "2020-11-20T00:00:00Z,2020-11-22T18:46:00Z,4006,not_fetched", "2020-11-24T21:09:00Z,2020-11-24T21:10:00Z,1,no_candle"],
            gaps.Lines);
        Assert.Contains("4006 slots not fetched, 1 without a candle, 3193 candles held (44.4 % fetched)", gaps.Error, StringComparison.Ordinal);
        Assert.Matches(@"coinbase\s*│\s*BTC/USD\s*│\s*1m\s*│.*│\s*44\.4 %\s*│\s*3,193\s*│\s*1\s*│\s*4,006\s*│", coverage.Out);
    }

    [Theory]
    [InlineData(new[] { "history", "coverage", "--venue", "coinbase" }, "--venue, --symbol and --timeframe go together")]
    [InlineData(new[] { "history", "gaps", "--venue", "coinbase", "--symbol", "BTC/USD", "--timeframe", "1m", "--from", "2020-11-20" }, "give both --from and --to, or neither")]
    [InlineData(new[] { "history", "coverage", "--db", "nope.db" }, "does not exist; fetch or import first")]
    public async Task BadArguments_Exit2NamingWhatIsWrong(string[] args, string message)
    {
        using var dir = new TempDir();
        var cli = new CliRun(dir.Path);
        await cli.RunAsync(["history", "import", TestData.CoinbaseMinute, .. CoinbaseMinutes]);

        var result = await cli.RunAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
    }
}

using System.Globalization;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Cli;

public sealed class BarsCommandTests
{
    private static readonly string[] Coinbase = ["--venue", "coinbase", "--symbol", "BTC/USD"];

    [Fact]
    public async Task Materialize_CoinbaseMinutesToHours_EqualTheVenuesOwnHourlyCandlesWhereTheMinutesCoverTheHour()
    {
        using var dir = new TempDir();
        var cli = new CliRun(dir.Path);
        await Import(cli, TestData.CoinbaseMinute, "1m");
        await Import(cli, TestData.CoinbaseHour, "1h");

        var materialize = await cli.RunAsync(["bars", "materialize", .. Coinbase, "--source", "1m", "--timeframes", "5m,15m,1h,1d"]);
        var bars = Rows(await cli.RunAsync(["bars", "export", .. Coinbase, "--timeframe", "1h"]));
        var venue = Rows(await cli.RunAsync(["history", "export", .. Coinbase, "--timeframe", "1h", "--from", "2020-11-22"]));

        Assert.True(materialize.ExitCode == 0, materialize.Error);
        Assert.Equal("coinbase:BTC/USD:1h: 465 bars from 1m candles (464 with every 1m slot present), 2020-11-22T19:00:00Z .. 2020-12-12T03:00:00Z", materialize.Lines[2]);

        // Every hour the 1m file covers completely, up to the 1h file's newest candle (still open when recorded).
        var newestVenueHour = venue.Keys.Max(StringComparer.Ordinal);
        var compared = bars.Values
            .Where(b => b["source_candles"] == "60" && string.CompareOrdinal(b["open_time"], newestVenueHour) < 0)
            .ToList();
        Assert.Equal(459, compared.Count);
        Assert.All(compared, b =>
        {
            var v = venue[b["open_time"]];
            Assert.Equal(
                (Dec(v["open"]), Dec(v["high"]), Dec(v["low"]), Dec(v["close"])),
                (Dec(b["open"]), Dec(b["high"]), Dec(b["low"]), Dec(b["close"])));
        });
    }

    [Fact]
    public async Task Materialize_Twice_RewritesTheSameRows()
    {
        using var dir = new TempDir();
        var cli = new CliRun(dir.Path, new ManualClock(ReplayFixture.Now));
        await Import(cli, TestData.CoinbaseMinute, "1m");
        string[] materialize = ["bars", "materialize", .. Coinbase, "--timeframes", "15m,1d"];
        string[] export = ["bars", "export", .. Coinbase, "--timeframe", "15m", "--format", "jsonl"];

        await cli.RunAsync(materialize);
        var first = (await cli.RunAsync(export)).Out;
        await cli.RunAsync(materialize);
        var second = (await cli.RunAsync(export)).Out;

        Assert.Equal(1862, first.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(first, second);
    }

    [Theory]
    [InlineData("--timeframes", "7m", "--timeframes '7m' is not supported")]
    [InlineData("--timeframes", "1m", "--timeframes 1m: 1m bars cannot be built from 1m candles: the target must be a coarser whole multiple of the source")]
    [InlineData("--vol-window", "1", "--vol-window 1: must be 2 or more")]
    public async Task Materialize_BadArgument_Exits2NamingIt(string option, string value, string message)
    {
        using var dir = new TempDir();
        var cli = new CliRun(dir.Path);
        await Import(cli, TestData.CoinbaseMinute, "1m");

        var result = await cli.RunAsync(["bars", "materialize", .. Coinbase, option, value]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Materialize_NoSourceCandles_Exits2SayingWhatToDo()
    {
        using var dir = new TempDir();
        var cli = new CliRun(dir.Path);
        await Import(cli, TestData.CoinbaseMinute, "1m");

        var result = await cli.RunAsync("bars", "materialize", "--venue", "kraken", "--symbol", "BTC/USD");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("the store holds no candles for kraken:BTC/USD:1m; fetch or import them first", result.Error, StringComparison.Ordinal);
    }

    private static async Task Import(CliRun cli, string file, string timeframe)
    {
        var result = await cli.RunAsync(["history", "import", file, .. Coinbase, "--timeframe", timeframe]);
        Assert.True(result.ExitCode == 0, result.Error);
    }

    /// <summary>CSV rows keyed by open time, each a map from column to text.</summary>
    private static Dictionary<string, Dictionary<string, string>> Rows(CliResult export)
    {
        Assert.True(export.ExitCode == 0, export.Error);
        var header = export.Lines[0].Split(',');
        return export.Lines.Skip(1)
            .Select(line => header.Zip(line.Split(',')).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal))
            .ToDictionary(r => r["open_time"], StringComparer.Ordinal);
    }

    private static decimal Dec(string text) => decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
}

using System.Diagnostics;
using System.Text.Json;
using CryptoRun.Cli;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Cli;

/// <summary>The built <c>cryptorun</c> program, run as a process: <c>replay serve</c> announces its address first and serves.</summary>
public sealed class ReplayServeProcessTests
{
    [Fact]
    public async Task ReplayServe_AsAProcess_FirstLineIsTheAddressAndItServesTheCandles()
    {
        var program = typeof(CliApp).Assembly.Location;
        Assert.Equal("cryptorun.dll", Path.GetFileName(program));
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { program, "replay", "serve", "--port", "0", "--candles", $"coinbase:BTC/USD:1m={TestData.CoinbaseMinute}" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment[CryptoRun.Replay.RecordedData.EnvironmentVariable] = TestData.Root;
        using var process = Process.Start(start)!;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var first = await process.StandardOutput.ReadLineAsync(timeout.Token);

            Assert.NotNull(first);
            Assert.Matches(@"^listening on http://127\.0\.0\.1:\d+$", first);
            using var http = new HttpClient { BaseAddress = new Uri(first!["listening on ".Length..] + "/") };
            var body = await http.GetStringAsync(new Uri("products/BTC-USD/candles?granularity=60&start=2020-12-12T04:35:00Z&end=2020-12-12T04:36:00Z", UriKind.Relative), timeout.Token);
            using var json = JsonDocument.Parse(body);
            Assert.Equal(2, json.RootElement.GetArrayLength());
            Assert.Equal("18299.03", json.RootElement[0][3].GetRawText());
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}

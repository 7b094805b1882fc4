using System.Diagnostics;
using System.Net.WebSockets;
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

    [Fact]
    public async Task ReplayServe_WsSpeed0AndWsLoop_ListsTheStreamUrlsAndServesThemLooping()
    {
        var program = typeof(CliApp).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { program, "replay", "serve", "--port", "0", "--ws-speed", "0", "--ws-loop" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment[CryptoRun.Replay.RecordedData.EnvironmentVariable] = TestData.Root;
        using var process = Process.Start(start)!;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var lines = new List<string>();
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line && !line.StartsWith("rate limits:", StringComparison.Ordinal))
            {
                lines.Add(line);
            }

            var authority = new Uri(lines[0]["listening on ".Length..]).Authority;
            Assert.Contains(lines, l => l.StartsWith("websocket streams (no delays, looping;", StringComparison.Ordinal));
            var urls = lines.Where(l => l.StartsWith("  ws://", StringComparison.Ordinal)).Select(l => l.Trim().Split(' ')[0]).ToList();
            Assert.Equal(CryptoRun.Replay.ReplayServer.StreamNames.Select(n => $"ws://{authority}/ws/{n}"), urls);

            using var client = new ClientWebSocket();
            await client.ConnectAsync(new Uri($"ws://{authority}/ws/okx"), timeout.Token);
            var frames = new List<string>();
            var buffer = new byte[1 << 16];
            using var message = new MemoryStream();
            while (frames.Count < 411)
            {
                var result = await client.ReceiveAsync(buffer.AsMemory(), timeout.Token);
                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    frames.Add(System.Text.Encoding.UTF8.GetString(message.ToArray()));
                    message.SetLength(0);
                }
            }

            Assert.Equal(frames[0], frames[410]); // 410 recorded frames, then the first again
            var recorded = File.ReadLines(TestData.Capture("OKX.ws.1.0")).ElementAt(4); // after the connect and 3 sends
            Assert.Equal(recorded[(recorded.IndexOf(": ", StringComparison.Ordinal) + 2)..], frames[0]);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}

using System.Text.Json;
using CryptoRun.Replay;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Replay;

/// <summary>The request log: one JSON line per request in the file, the same entries in <see cref="ReplayServer.Requests"/>.</summary>
public sealed class ReplayRequestLogTests
{
    [Fact]
    public async Task RequestLog_FileAndMemory_HoldOneEntryPerRequestWithEveryField()
    {
        using var dir = new TempDir();
        var path = dir.File("logs/requests.jsonl");
        var faults = ReplayFaults.Parse("""
            rules:
              - name: okx-down
                venue: okx
                status: 503
            """, "faults.yaml");
        IReadOnlyList<ReplayRequest> inMemory;
        await using (var replay = await ReplayHarness.StartAsync(faults: faults, requestLog: path))
        {
            await replay.GetAsync("api/v3/depth?symbol=NKNUSDT&limit=1000");
            replay.Clock.Advance(TimeSpan.FromMilliseconds(1500));
            await replay.GetAsync("api/v5/public/time");
            await replay.GetAsync("api/v9/nothing");
            await replay.GetManyAsync("time", 16);
            inMemory = replay.Server.Requests;
        }

        var lines = File.ReadAllLines(path);
        Assert.Equal(19, lines.Length);
        Assert.Equal(
            """{"time":"2026-09-01T00:00:00.000Z","venue":"binance","method":"GET","path":"/api/v3/depth","query":"symbol=NKNUSDT&limit=1000","status":200,"weight":50,"fault":null}""",
            lines[0]);
        Assert.Equal(
            """{"time":"2026-09-01T00:00:01.500Z","venue":"okx","method":"GET","path":"/api/v5/public/time","query":"","status":503,"weight":1,"fault":"okx-down"}""",
            lines[1]);
        Assert.Equal(
            """{"time":"2026-09-01T00:00:01.500Z","venue":null,"method":"GET","path":"/api/v9/nothing","query":"","status":404,"weight":1,"fault":null}""",
            lines[2]);
        Assert.Equal(
            """{"time":"2026-09-01T00:00:01.500Z","venue":"coinbase","method":"GET","path":"/time","query":"","status":429,"weight":1,"fault":null}""",
            lines[^1]);
        Assert.Equal(lines.Select(Parse), inMemory);
    }

    [Fact]
    public async Task Requests_IsASnapshot_LaterRequestsDoNotChangeIt()
    {
        await using var replay = await ReplayHarness.StartAsync();
        await replay.GetAsync("api/v3/ping");

        var first = replay.Server.Requests;
        await replay.GetAsync("api/v3/ping");

        Assert.Single(first);
        Assert.Equal(2, replay.Server.Requests.Count);
    }

    [Fact]
    public async Task RequestLog_FolderCannotBeCreated_FailsStartUpNamingTheFile()
    {
        using var dir = new TempDir();
        var blocker = dir.Write("file", "not a folder");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => ReplayHarness.StartAsync(requestLog: Path.Combine(blocker, "requests.jsonl")));

        Assert.Contains($"cannot create the request log '{Path.Combine(blocker, "requests.jsonl")}'", error.Message, StringComparison.Ordinal);
    }

    private static ReplayRequest Parse(string line)
    {
        var json = JsonDocument.Parse(line).RootElement;
        return new ReplayRequest(
            DateTimeOffset.Parse(json.GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
            json.GetProperty("venue").GetString(),
            json.GetProperty("method").GetString()!,
            json.GetProperty("path").GetString()!,
            json.GetProperty("query").GetString()!,
            json.GetProperty("status").GetInt32(),
            json.GetProperty("weight").GetInt32(),
            json.GetProperty("fault").GetString());
    }
}

using System.Globalization;
using System.Text.Json;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Cli;

/// <summary><c>probe data --pit</c> keeps snapshots in the cold tier; <c>pit show</c> reads them as of a time, verified; <c>pit cleanup</c> applies retention.</summary>
public sealed class PitCommandTests
{
    [Fact]
    public async Task ProbeWithPit_ThenPitShow_ReadsTheVenuesBookBackAsOfNow_AndNothingBeforeIt()
    {
        await using var replay = await ReplayHarness.StartAsync();
        using var dir = new TempDir();
        var cli = new CliRun(dir.Path, TimeProvider.System);

        var probe = await cli.RunAsync("probe", "data", "--venue", "kraken", "--pair", "XMR/USD", "--pit", "pit", "--endpoint", $"all={replay.Server.BaseAddress}");
        var show = await cli.RunAsync("pit", "show", "--dir", "pit", "--venue", "kraken", "--symbol", "XMR/USD", "--format", "json");
        var before = await cli.RunAsync("pit", "show", "--dir", "pit", "--venue", "kraken", "--symbol", "XMR/USD", "--as-of", "2020-01-01");

        Assert.True(probe.ExitCode == 0, probe.Out + probe.Error);
        Assert.Contains(probe.Lines, l => l.StartsWith("kept in the point-in-time store: book ", StringComparison.Ordinal));
        Assert.True(show.ExitCode == 0, show.Out + show.Error);
        var json = JsonDocument.Parse(show.Out).RootElement;
        var depth = (await replay.GetAsync("/0/public/Depth?pair=XXMRZUSD&count=100")).Json.GetProperty("result").EnumerateObject().Single().Value;
        Assert.Equal(
            depth.GetProperty("bids").EnumerateArray().Select(l => decimal.Parse(l[0].GetString()!, CultureInfo.InvariantCulture)),
            json.GetProperty("bids").EnumerateArray().Select(l => l[0].GetDecimal()));
        Assert.Equal(64, json.GetProperty("sha256").GetString()!.Length);
        Assert.Equal(6, before.ExitCode);
        Assert.Contains("no book snapshot of kraken XMR/USD taken at or before 2020-01-01", before.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PitShow_ACorruptedSnapshot_ExitsFourNamingTheFile()
    {
        await using var replay = await ReplayHarness.StartAsync();
        using var dir = new TempDir();
        var cli = new CliRun(dir.Path, TimeProvider.System);
        await cli.RunAsync("probe", "data", "--venue", "kraken", "--pair", "XMR/USD", "--pit", "pit", "--endpoint", $"all={replay.Server.BaseAddress}");
        var file = Directory.EnumerateFiles(Path.Combine(dir.Path, "pit"), "*_book_*.json.gz", SearchOption.AllDirectories).Single();
        var bytes = await File.ReadAllBytesAsync(file);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(file, bytes);

        var show = await cli.RunAsync("pit", "show", "--dir", "pit", "--venue", "kraken", "--symbol", "XMR/USD");

        Assert.Equal(4, show.ExitCode);
        Assert.Contains(Path.GetFileName(file), show.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PitCleanup_KeepsTheNewestOfEachSeries()
    {
        await using var replay = await ReplayHarness.StartAsync();
        using var dir = new TempDir();
        var cli = new CliRun(dir.Path, TimeProvider.System);
        await cli.RunAsync("probe", "data", "--venue", "kraken", "--pair", "XMR/USD", "--pit", "pit", "--endpoint", $"all={replay.Server.BaseAddress}");

        var cleanup = await cli.RunAsync("pit", "cleanup", "--dir", "pit", "--retention", "1ms");

        Assert.True(cleanup.ExitCode == 0, cleanup.Out + cleanup.Error);
        Assert.Equal("deleted 0 snapshots, 0 metadata files, 0 temporary files, 0 empty folders; kept 2 newest-of-series older than the retention", cleanup.Lines.Single());
    }
}

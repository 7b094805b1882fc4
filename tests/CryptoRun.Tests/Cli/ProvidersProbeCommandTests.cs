using System.Text.Json;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Cli;

public sealed class ProvidersProbeCommandTests
{
    // Offline the replay serves every exchange, Hyperliquid and CoinGecko; it holds no recording of
    // CoinPaprika's /v1/global, DexScreener, DeFiLlama, or The Graph (which also needs an API key).
    private static readonly string[] Served = ["binance", "binance-usdm", "kraken", "coinbase", "okx", "hyperliquid", "coingecko"];
    private static readonly string[] NotServed = ["coinpaprika", "dexscreener", "defillama", "thegraph"];

    [Fact]
    public async Task Probe_EveryProviderAtTheReplay_TableSaysWhichAreUpAndExitsThreeForDownPrimaries()
    {
        await using var replay = await ReplayHarness.StartAsync();
        using var dir = new TempDir();

        // The real clock: the probe's latency and timeout are measured on it.
        var result = await new CliRun(dir.Path, TimeProvider.System).RunAsync("providers", "probe", "--endpoint", $"all={replay.Server.BaseAddress}");

        Assert.True(result.ExitCode == 3, result.Out + result.Error);
        Assert.StartsWith("Provider Capability Report (Generated: ", result.Lines[0], StringComparison.Ordinal);
        foreach (var name in Served)
        {
            Assert.Matches($@"^{name}\s+✅ UP\s+\d+ms\s+(\d+)/\1 available$", Row(result, name));
        }

        foreach (var name in NotServed)
        {
            Assert.Matches($@"^{name}\s+❌ DOWN\s+-\s+0/\d+ available$", Row(result, name));
        }

        Assert.Contains("primary provider down: dexscreener (first of dex)", result.Lines);
        Assert.Contains("primary provider down: defillama (first of defi)", result.Lines);
        Assert.Contains("primary provider down: thegraph (first of protocol-analytics)", result.Lines);
        Assert.DoesNotContain(result.Lines, l => l.StartsWith("primary provider down: coinpaprika", StringComparison.Ordinal));
        Assert.Contains(result.Lines, l => l.StartsWith("thegraph: thegraph: no API key", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Probe_Json_CarriesStatusCapabilitiesChainsAndBudgets()
    {
        await using var replay = await ReplayHarness.StartAsync();
        using var dir = new TempDir();

        var result = await new CliRun(dir.Path, TimeProvider.System).RunAsync("providers", "probe", "--format", "json", "--endpoint", $"all={replay.Server.BaseAddress}");

        Assert.True(result.ExitCode == 3, result.Out + result.Error);
        var root = JsonDocument.Parse(result.Out).RootElement;
        var providers = root.GetProperty("providers").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        Assert.Equal(Served.Concat(NotServed).Order(), providers.Keys.Order());

        var binance = providers["binance"];
        Assert.Equal("UP", binance.GetProperty("status").GetString());
        Assert.Equal("exchange-native", binance.GetProperty("compliance").GetString());
        Assert.True(binance.GetProperty("latency_ms").GetInt64() >= 0);
        Assert.Equal(replay.Server.BaseAddress.AbsoluteUri, binance.GetProperty("base_url").GetString());
        Assert.Contains("l2-book", binance.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(["microstructure"], binance.GetProperty("primary_of").EnumerateArray().Select(c => c.GetString()!));
        Assert.Equal("CLOSED", binance.GetProperty("breaker").GetProperty("state").GetString());

        // Binance's budget after the probe: the replay's exchangeInfo limits (1200 weight a minute), with the probe's weight used.
        var minute = binance.GetProperty("budget").EnumerateArray().Single(b => b.GetProperty("window").GetString() == "1M");
        Assert.Equal(1200, minute.GetProperty("limit").GetInt32());
        Assert.True(minute.GetProperty("used").GetInt32() > 0);

        var dexscreener = providers["dexscreener"];
        Assert.Equal("DOWN", dexscreener.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, dexscreener.GetProperty("latency_ms").ValueKind);
        Assert.Equal(0, dexscreener.GetProperty("capabilities_available").GetInt32());
        Assert.Contains("HTTP 404", dexscreener.GetProperty("error").GetString(), StringComparison.Ordinal);

        var spot = root.GetProperty("chains").EnumerateArray().Single(c => c.GetProperty("data_class").GetString() == "spot");
        Assert.Equal(["coinbase", "kraken"], spot.GetProperty("providers").EnumerateArray().Select(p => p.GetString()!));
        Assert.Equal(["defillama", "dexscreener", "thegraph"], root.GetProperty("primary_down").EnumerateArray().Select(p => p.GetString()!).Order());
    }

    [Fact]
    public async Task Probe_ChainsOfServedProvidersOnly_ExitsZero()
    {
        await using var replay = await ReplayHarness.StartAsync();
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "offline.yaml"), """
            chains:
              market-data: { providers: [coingecko, coinpaprika, binance] }
              defi: { providers: [] }
              dex: { providers: [] }
              protocol-analytics: { providers: [] }
            """);

        var result = await new CliRun(dir.Path, TimeProvider.System).RunAsync("providers", "probe", "--config", "offline.yaml", "--endpoint", $"all={replay.Server.BaseAddress}");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.DoesNotContain(result.Lines, l => l.StartsWith("primary provider down", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Probe_PrimaryAnswersWithServerErrors_IsDownAndExitsThree()
    {
        await using var replay = await ReplayHarness.WithFaultsAsync("""
            rules:
              - venue: coinbase
                status: 503
            """);
        using var dir = new TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "spot-only.yaml"), """
            chains:
              defi: { providers: [] }
              dex: { providers: [] }
              protocol-analytics: { providers: [] }
            """);

        var result = await new CliRun(dir.Path, TimeProvider.System).RunAsync("providers", "probe", "--verbose", "--config", "spot-only.yaml", "--endpoint", $"all={replay.Server.BaseAddress}");

        Assert.True(result.ExitCode == 3, result.Out + result.Error);
        Assert.Matches(@"^coinbase\s+❌ DOWN", Row(result, "coinbase"));
        Assert.Contains("primary provider down: coinbase (first of spot)", result.Lines);

        // --verbose: the failure is counted by coinbase's breaker and named as its last error.
        Assert.Contains(result.Lines, l => l.StartsWith("coinbase", StringComparison.Ordinal) && l.Contains("HTTP 503", StringComparison.Ordinal));
    }

    private static string Row(CliResult result, string provider)
        => result.Lines.First(l => l.StartsWith(provider + " ", StringComparison.Ordinal));
}

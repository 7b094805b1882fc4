using CryptoRun.Domain;
using CryptoRun.History;
using CryptoRun.Providers;
using CryptoRun.Replay;
using CryptoRun.Resilience;
using CryptoRun.Storage.Sqlite;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Scenarios;

/// <summary>
/// Rate limits spoken inside an HTTP 200 (Kraken's <c>EAPI:Rate limit exceeded</c>, OKX's codes 50011 and
/// 50061) are rate limits: the gate backs off and retries them as it does a 429, each answer costs its
/// request in the provider's budget, and the breaker does not count them as failures.
/// </summary>
public sealed class RateLimitInA200ScenarioTests
{
    private static readonly DateTimeOffset July31 = new(2026, 7, 31, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task KrakenOhlc_RateLimitInA200Twice_BacksOffRetriesAndTheBackfillCompletes()
    {
        var avax = ReplayFixture.Avax["kraken"];
        await using var kit = await ScenarioKit.StartAsync(
            faults: """
                rules:
                  - name: kraken-limit
                    venue: kraken
                    path: /0/public/OHLC
                    status: 200
                    body: '{"error":["EAPI:Rate limit exceeded"]}'
                    count: 2
                """,
            candles: [new ReplayCandleSource("kraken", avax, Timeframe.M1, TestData.AvaxMonth)]);
        using var dir = new TempDir();
        await using var store = await SqliteStore.OpenAsync(dir.File("store.db"), kit.Clock);

        // Kraken serves its 720 most recent minutes: the last half-day of the recording.
        var report = await kit.RunAsync(new CandleBackfill(store, kit.Clock).RunAsync(
            kit.Provider<ICandleProvider>("kraken"), avax, Timeframe.M1, new TimeRange(July31.AddHours(12), July31.AddDays(1))));

        Assert.Equal(720, report.CandlesStored);
        var ohlc = kit.Requests("kraken").Where(r => r.Path == "/0/public/OHLC").ToList();
        Assert.Equal(["kraken-limit", "kraken-limit", null], ohlc.Select(r => r.Fault));
        Assert.True(ohlc[2].Time > ohlc[1].Time && ohlc[1].Time > ohlc[0].Time, "the rate-limited requests were retried without backing off");
        AssertCountedInTheBudgetNotTheBreaker(kit, "kraken");
    }

    [Theory]
    [InlineData("50011", "Rate limit reached. Please refer to API documentation and throttle requests accordingly.")]
    [InlineData("50061", "You've reached the maximum order rate limit for this account.")]
    public async Task OkxCandles_RateLimitCodeInA200Twice_BacksOffRetriesAndTheBackfillCompletes(string code, string message)
    {
        var avax = ReplayFixture.Avax["okx"];
        await using var kit = await ScenarioKit.StartAsync(
            faults: "rules:\n  - name: okx-limit\n    venue: okx\n    path: /api/v5/market\n    status: 200\n"
                + $"    body: '{{\"code\":\"{code}\",\"msg\":\"{message.Replace("'", "''", StringComparison.Ordinal)}\",\"data\":[]}}'\n    count: 2\n",
            candles: [new ReplayCandleSource("okx", avax, Timeframe.M1, TestData.AvaxMonth)]);
        using var dir = new TempDir();
        await using var store = await SqliteStore.OpenAsync(dir.File("store.db"), kit.Clock);

        // 300 minutes: one OKX page.
        var report = await kit.RunAsync(new CandleBackfill(store, kit.Clock).RunAsync(
            kit.Provider<ICandleProvider>("okx"), avax, Timeframe.M1, new TimeRange(July31, July31.AddHours(5))));

        Assert.Equal(300, report.CandlesStored);
        var candles = kit.Requests("okx").Where(r => r.Path.StartsWith("/api/v5/market", StringComparison.Ordinal)).ToList();
        Assert.Equal(["okx-limit", "okx-limit", null], candles.Select(r => r.Fault));
        AssertCountedInTheBudgetNotTheBreaker(kit, "okx");
    }

    [Fact]
    public async Task Klines_VenueResetsTheConnection_FailsAsConnectionResetNamingTheEndpoint()
    {
        await using var replay = await ReplayHarness.WithFaultsAsync("rules:\n  - { venue: binance-usdm, path: /fapi/v1/klines, reset: true }\n");
        var provider = replay.Connect<ICandleProvider>("binance-usdm");

        var error = await Assert.ThrowsAsync<VenueUnavailableException>(async () =>
        {
            await foreach (var _ in provider.FetchCandlesAsync(Instrument.Parse("SUSHI/USDT:USDT"), Timeframe.M1, new TimeRange(0, 60_000_000)))
            {
            }
        });

        Assert.StartsWith("binance-usdm GET /fapi/v1/klines?symbol=SUSHIUSDT&interval=1m&", error.Message, StringComparison.Ordinal);
        Assert.EndsWith(": connection reset by the venue (no answer)", error.Message, StringComparison.Ordinal);
        Assert.True(error.IsTransient);
    }

    /// <summary>Every request the venue saw took its unit from the provider's hourly budget; the breaker counted none as a failure.</summary>
    private static void AssertCountedInTheBudgetNotTheBreaker(ScenarioKit kit, string provider)
    {
        var status = kit.Gate(provider).Status;
        var hour = status.Budget.Single(b => b.Window.Key == "1H");
        Assert.Equal(kit.Requests(provider).Count, hour.Used);
        Assert.Equal(0, status.Breaker.ConsecutiveFailures);
        Assert.Equal(BreakerState.Closed, status.Breaker.State);
    }
}

using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Resilience;

namespace CryptoRun.Tests.Scenarios;

/// <summary>
/// Seed 000's degradation scenarios, end to end: the real connectors, gates and router as the CLI
/// composes them, the replay venue with faults, one manual clock. BTC/USD is served by every
/// exchange (candle-derived tickers), so the spot chain coinbase → kraken has a common instrument.
/// Scenario 6 (weight-header parsing) is in <see cref="BinanceLimitScenarioTests"/>.
/// </summary>
public sealed class DegradationScenarioTests
{
    private const string TickerPath = "/products/BTC-USD/ticker";

    [Fact]
    public async Task RateLimitExhaustion_PrimaryBudgetSpent_FallsBackWithoutCallingIt()
    {
        // Coinbase's daily budget: 3 requests. The first quote costs 2 (/products, then the ticker), the second 1.
        await using var kit = await ScenarioKit.StartAsync(
            providers: new Dictionary<string, string> { ["coinbase"] = "rate_limits: { daily_budget: 3 }" },
            candles: ScenarioKit.BtcUsdEverywhere());

        var first = await Quote(kit);
        var second = await Quote(kit);
        var third = await Quote(kit);

        Assert.Equal(("coinbase", "coinbase"), (first.ServedBy, second.ServedBy));
        Assert.Equal("kraken", third.ServedBy);
        Assert.Equal("kraken", third.Provenance.Provider);
        Assert.Equal(AttemptOutcome.Skipped, third.Attempts[0].Outcome);
        Assert.Equal("coinbase's request budget is spent until 2026-09-02T00:00:00Z", third.Attempts[0].Reason);
        Assert.Equal(new ProviderAttempt("kraken", AttemptOutcome.Served, "fallback"), third.Attempts[1]);
        Assert.Equal(3, kit.Requests("coinbase").Count);
        Assert.Equal(FetchStatus.Degraded, kit.Gate("coinbase").Status.Health);
    }

    [Fact]
    public async Task CircuitBreaker_TripsAtItsThresholdAndNotBefore()
    {
        // Coinbase's breaker (seed 000): 3 consecutive failures. No retries, so each quote is one failure.
        await using var kit = await ScenarioKit.StartAsync(
            chains: "  spot: { providers: [coinbase, kraken], max_retries: 0 }\n",
            faults: $"rules:\n  - venue: coinbase\n    path: {TickerPath}\n    status: 503\n",
            candles: ScenarioKit.BtcUsdEverywhere());

        var states = new List<BreakerState>();
        for (var i = 0; i < 3; i++)
        {
            var answer = await Quote(kit);
            Assert.Equal("kraken", answer.ServedBy);
            Assert.Equal(AttemptOutcome.Failed, answer.Attempts[0].Outcome);
            Assert.Contains("HTTP 503", answer.Attempts[0].Reason, StringComparison.Ordinal);
            states.Add(kit.Gate("coinbase").Status.Breaker.State);
        }

        Assert.Equal([BreakerState.Closed, BreakerState.Closed, BreakerState.Open], states);

        // Open: the fourth quote skips coinbase without a request.
        var fourth = await Quote(kit);
        Assert.Equal("kraken", fourth.ServedBy);
        Assert.Equal(AttemptOutcome.Skipped, fourth.Attempts[0].Outcome);
        Assert.StartsWith("coinbase's circuit is open until ", fourth.Attempts[0].Reason, StringComparison.Ordinal);
        Assert.Equal(3, kit.Requests("coinbase").Count(r => r.Path == TickerPath));
    }

    [Fact]
    public async Task ProviderRecovery_AfterTheOpenTimeout_HalfOpenProbesThenCloses()
    {
        // Three failures open coinbase's breaker; the venue is healthy again afterwards (count: 3).
        // Coinbase (seed 000): open 2 minutes, 2 successes to close.
        await using var kit = await ScenarioKit.StartAsync(
            chains: "  spot: { providers: [coinbase, kraken], max_retries: 0 }\n",
            faults: $"rules:\n  - venue: coinbase\n    path: {TickerPath}\n    status: 503\n    count: 3\n",
            candles: ScenarioKit.BtcUsdEverywhere());
        for (var i = 0; i < 3; i++)
        {
            await Quote(kit);
        }

        var openUntil = kit.Gate("coinbase").Status.Breaker.OpenUntil!.Value;
        // RunAsync moves the clock while requests are in flight: stop well short of the end.
        kit.Clock.Advance(openUntil - kit.Clock.GetUtcNow() - TimeSpan.FromSeconds(30));
        var stillOpen = await Quote(kit);
        kit.Clock.Advance(openUntil - kit.Clock.GetUtcNow());
        var probe = await Quote(kit);
        var afterProbe = kit.Gate("coinbase").Status;
        var second = await Quote(kit);

        Assert.Equal("kraken", stillOpen.ServedBy);
        Assert.Equal("coinbase", probe.ServedBy);
        Assert.Equal((BreakerState.HalfOpen, FetchStatus.Degraded), (afterProbe.Breaker.State, afterProbe.Health));
        Assert.Equal("coinbase", second.ServedBy);
        Assert.Equal(BreakerState.Closed, kit.Gate("coinbase").Status.Breaker.State);
        Assert.Equal(FetchStatus.Ok, kit.Gate("coinbase").Status.Health);
    }

    [Fact]
    public async Task CacheTtl_DoublesWhileTheBudgetIsSpent()
    {
        // Coinbase's hot TTL is 30 s (seed 000). Its daily budget of 2 is spent by the first quote (/products and the ticker).
        await using var kit = await ScenarioKit.StartAsync(
            providers: new Dictionary<string, string> { ["coinbase"] = "rate_limits: { daily_budget: 2 }" },
            candles: ScenarioKit.BtcUsdEverywhere());

        var fresh = await Quote(kit, CacheTier.Hot);
        Assert.NotNull(kit.Gate("coinbase").Status.DepletedUntil);
        kit.Clock.Advance(TimeSpan.FromSeconds(45));
        var at45 = await Quote(kit, CacheTier.Hot);
        kit.Clock.Advance(TimeSpan.FromSeconds(20));
        var at65 = await Quote(kit, CacheTier.Hot);

        Assert.Equal("coinbase", fresh.ServedBy);
        Assert.False(fresh.FromCache);

        // 45 s is past the 30 s TTL but within its doubled 60 s: the cached answer, no request.
        Assert.True(at45.FromCache);
        Assert.Equal("coinbase", at45.ServedBy);
        Assert.Equal(new ProviderAttempt("coinbase", AttemptOutcome.Served, "from the hot cache, 45 s old"), at45.Attempts.Single());

        // 65 s is past the doubled TTL too: the chain is asked, coinbase is skipped (spent), kraken serves.
        Assert.False(at65.FromCache);
        Assert.Equal("kraken", at65.ServedBy);
        Assert.Equal(2, kit.Requests("coinbase").Count);
    }

    [Fact]
    public async Task CacheTtl_NotDoubledWhileTheBudgetLasts()
    {
        await using var kit = await ScenarioKit.StartAsync(candles: ScenarioKit.BtcUsdEverywhere());

        await Quote(kit, CacheTier.Hot);
        kit.Clock.Advance(TimeSpan.FromSeconds(45));
        var at45 = await Quote(kit, CacheTier.Hot);

        Assert.False(at45.FromCache);
        Assert.Equal("coinbase", at45.ServedBy);
        Assert.Equal(2, kit.Requests("coinbase").Count(r => r.Path == TickerPath));
    }

    [Fact]
    public async Task FallbackChain_PrimaryFailsAfterItsRetries_FallbackServesAndSaysWhy()
    {
        // The spot chain (seed 002): 3 retries with a 1 s base backoff, then kraken.
        await using var kit = await ScenarioKit.StartAsync(
            providers: new Dictionary<string, string> { ["coinbase"] = "circuit_breaker: { failure_threshold: 10 }" },
            faults: $"rules:\n  - venue: coinbase\n    path: {TickerPath}\n    status: 500\n",
            candles: ScenarioKit.BtcUsdEverywhere());

        // Fine clock steps: the clock also moves while requests are in flight, which would blur the gaps.
        var answer = await Quote(kit, step: TimeSpan.FromMilliseconds(20));

        Assert.Equal("kraken", answer.ServedBy);
        Assert.Equal(FetchStatus.Ok, answer.Provenance.Status);
        Assert.Contains("/0/public/Ticker", answer.Provenance.Endpoint, StringComparison.Ordinal);
        Assert.Equal(AttemptOutcome.Failed, answer.Attempts[0].Outcome);
        Assert.Contains("HTTP 500", answer.Attempts[0].Reason, StringComparison.Ordinal);
        Assert.Equal(new ProviderAttempt("kraken", AttemptOutcome.Served, "fallback"), answer.Attempts[1]);

        // One attempt and three retries, each after an exponential backoff of 1, 2, 4 s (±20 % jitter;
        // the upper bounds allow for the clock moving while each request is in flight).
        var tries = kit.Requests("coinbase").Where(r => r.Path == TickerPath).Select(r => r.Time).ToList();
        Assert.Equal(4, tries.Count);
        var gaps = tries.Zip(tries.Skip(1), (a, b) => (b - a).TotalSeconds).ToList();
        Assert.InRange(gaps[0], 0.8, 1.7);
        Assert.InRange(gaps[1], 1.6, 2.9);
        Assert.InRange(gaps[2], 3.2, 5.3);
    }

    [Fact]
    public async Task RetryAfter_IsHonouredOverTheBackoff()
    {
        await using var kit = await ScenarioKit.StartAsync(
            faults: $"rules:\n  - venue: coinbase\n    path: {TickerPath}\n    status: 429\n    retry_after: 7\n    count: 1\n",
            candles: ScenarioKit.BtcUsdEverywhere());

        // Fine clock steps: the clock also moves while requests are in flight, which would blur the gap.
        var answer = await Quote(kit, step: TimeSpan.FromMilliseconds(20));

        // The spot chain's backoff would wait about 1 s; Retry-After says 7.
        Assert.Equal("coinbase", answer.ServedBy);
        var tries = kit.Requests("coinbase").Where(r => r.Path == TickerPath).ToList();
        Assert.Equal([429, 200], tries.Select(r => r.Status));
        Assert.InRange((tries[1].Time - tries[0].Time).TotalSeconds, 7, 8);
    }

    private static Task<RoutedAnswer<SpotQuote>> Quote(ScenarioKit kit, CacheTier tier = CacheTier.None, TimeSpan? step = null)
        => kit.RunAsync(kit.Router.ExecuteAsync<ITickerProvider, SpotQuote>(
            DataClass.Spot,
            "ticker:BTC/USD",
            tier,
            (provider, ct) => provider.GetSpotQuoteAsync(ScenarioKit.BtcUsd, ct),
            quote => SnapshotChecks.Problem(quote, new Provenance("gate", "gate", null, 0, DateTimeOffset.UnixEpoch))),
            step);
}

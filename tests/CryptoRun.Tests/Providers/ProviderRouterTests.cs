using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Resilience;
using CryptoRun.Tests.Resilience;
using CryptoRun.Tests.TestSupport;
using static CryptoRun.Tests.Resilience.GateKit;

namespace CryptoRun.Tests.Providers;

/// <summary>Fallback chains over fake tickers behind real gates: skip reasons, cache tiers, last-known-good, quality gate, bans.</summary>
public sealed class ProviderRouterTests : IDisposable
{
    private const string Key = "ticker:BTC/USD";
    private static readonly Instrument Btc = Instrument.Parse("BTC/USD");

    private readonly ManualClock _clock = new(Start);
    private readonly ProviderRegistry _registry = new();
    private readonly List<ProviderRouter> _routers = [];

    public void Dispose()
    {
        foreach (var router in _routers)
        {
            router.Dispose();
        }

        _registry.Dispose();
    }

    [Fact]
    public async Task Execute_PrimaryAnswers_ServedByPrimaryAndTheFallbackIsNotCalled()
    {
        var coinbase = Add("coinbase", price: 101m);
        var kraken = Add("kraken", price: 102m);
        var router = Router(Spot("coinbase", "kraken"));

        var answer = await QuoteAsync(router);

        Assert.Equal(101m, answer.Value.Price);
        Assert.Equal("coinbase", answer.ServedBy);
        Assert.Equal(new ProviderAttempt("coinbase", AttemptOutcome.Served, "primary"), answer.Attempts[0]);
        Assert.DoesNotContain(answer.Attempts, a => a.Provider == "kraken" && a.Outcome != AttemptOutcome.Skipped);
        Assert.Equal(FetchStatus.Ok, answer.Provenance.Status);
        Assert.Equal("coinbase", answer.Provenance.Provider);
        Assert.False(answer.FromCache);
        Assert.False(answer.IsLastKnownGood);
        Assert.Equal(TimeSpan.Zero, answer.Age);
        Assert.Equal((1, 0), (coinbase.Calls, kraken.Calls));
    }

    [Fact]
    public async Task Execute_PrimaryFails_FallbackServesAndThePrimarysFailureIsRecorded()
    {
        var coinbase = Add("coinbase", script: _ => throw Fail.Unavailable("coinbase"));
        var kraken = Add("kraken", price: 102m);
        var router = Router(Spot("coinbase", "kraken"));

        var answer = await QuoteAsync(router);

        Assert.Equal("kraken", answer.ServedBy);
        Assert.Equal(102m, answer.Value.Price);
        Assert.Equal(2, answer.Attempts.Count);
        Assert.Equal(("coinbase", AttemptOutcome.Failed), (answer.Attempts[0].Provider, answer.Attempts[0].Outcome));
        Assert.Contains("HTTP 503", answer.Attempts[0].Reason, StringComparison.Ordinal);
        Assert.Equal(new ProviderAttempt("kraken", AttemptOutcome.Served, "fallback"), answer.Attempts[1]);
        Assert.Equal((1, 1), (coinbase.Calls, kraken.Calls));
    }

    [Fact]
    public async Task Execute_ChainRetrySettings_AreUsedByTheMembersGate()
    {
        // The gate's own policy says no retries; the chain says 2, so the third attempt answers.
        var coinbase = Add("coinbase", Policy("coinbase", maxRetries: 0, failureThreshold: 100), script: n => n < 2 ? throw Fail.Unavailable("coinbase") : 101m);
        var kraken = Add("kraken");
        var router = Router(new ChainPolicy(DataClass.Spot, ["coinbase", "kraken"], 2, TimeSpan.FromMilliseconds(100)));

        var answer = await DriveAsync(_clock, QuoteAsync(router), TimeSpan.FromMilliseconds(50));

        Assert.Equal("coinbase", answer.ServedBy);
        Assert.Equal(3, coinbase.Calls);
        Assert.Equal(0, kraken.Calls);
    }

    [Fact]
    public async Task Execute_MembersThatCannotServe_AreSkippedWithTheirReasons()
    {
        var disabled = Add("off", Policy("off", enabled: false));
        Register(new FakeBareProvider("bare"));
        Add("kraken", price: 102m);
        var router = Router(Spot("ghost", "off", "bare", "kraken"));

        var answer = await QuoteAsync(router);

        Assert.Equal(
            [
                new ProviderAttempt("ghost", AttemptOutcome.Skipped, "ghost is not configured"),
                new ProviderAttempt("off", AttemptOutcome.Skipped, "off is disabled in the configuration"),
                new ProviderAttempt("bare", AttemptOutcome.Skipped, "bare does not serve ticker"),
                new ProviderAttempt("kraken", AttemptOutcome.Served, "fallback"),
            ],
            answer.Attempts);
        Assert.Equal(0, disabled.Calls);
    }

    [Fact]
    public async Task Execute_PrimaryCircuitOpen_SkippedWithoutCallingIt()
    {
        var coinbase = Add("coinbase", Policy("coinbase", failureThreshold: 1), script: _ => throw Fail.Unavailable("coinbase"));
        Add("kraken", price: 102m);
        var router = Router(Spot("coinbase", "kraken"));
        await QuoteAsync(router);

        var answer = await QuoteAsync(router);

        Assert.Equal(1, coinbase.Calls);
        Assert.Equal("kraken", answer.ServedBy);
        Assert.Equal(AttemptOutcome.Skipped, answer.Attempts[0].Outcome);
        Assert.StartsWith("coinbase's circuit is open until 2026-09-01T12:02:00Z", answer.Attempts[0].Reason, StringComparison.Ordinal);
        Assert.Contains("503", answer.Attempts[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_MemberFailsUntilItsBreakerOpensMidRetries_RecordedAsFailedWithTheVenueError()
    {
        var coinbase = Add("coinbase", Policy("coinbase", failureThreshold: 2), script: _ => throw Fail.Unavailable("coinbase"));
        Add("kraken", price: 102m);
        var router = Router(new ChainPolicy(DataClass.Spot, ["coinbase", "kraken"], 5, TimeSpan.FromMilliseconds(100)));

        var answer = await DriveAsync(_clock, QuoteAsync(router), TimeSpan.FromMilliseconds(50));

        Assert.Equal(2, coinbase.Calls);
        Assert.Equal("kraken", answer.ServedBy);
        Assert.Equal(AttemptOutcome.Failed, answer.Attempts[0].Outcome);
        Assert.Contains("HTTP 503", answer.Attempts[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_PrimaryOpenTimeoutEnded_PrimaryIsProbedAgain()
    {
        var coinbase = Add("coinbase", Policy("coinbase", failureThreshold: 1, successThreshold: 1), script: n => n == 0 ? throw Fail.Unavailable("coinbase") : 101m);
        Add("kraken", price: 102m);
        var router = Router(Spot("coinbase", "kraken"));
        await QuoteAsync(router);
        _clock.Advance(TimeSpan.FromMinutes(2));

        var answer = await QuoteAsync(router);

        Assert.Equal("coinbase", answer.ServedBy);
        Assert.Equal(2, coinbase.Calls);
    }

    [Fact]
    public async Task Execute_PrimaryBudgetDepleted_SkippedWithoutCallingIt()
    {
        var coinbase = Add("coinbase", Policy("coinbase", limits: new RateLimitOptions { DailyBudget = 1 }), price: 101m);
        Add("kraken", price: 102m);
        var router = Router(Spot("coinbase", "kraken"));
        Assert.Equal("coinbase", (await QuoteAsync(router)).ServedBy);

        var answer = await QuoteAsync(router);

        Assert.Equal(1, coinbase.Calls);
        Assert.Equal("kraken", answer.ServedBy);
        Assert.Equal(
            new ProviderAttempt("coinbase", AttemptOutcome.Skipped, "coinbase's request budget is spent until 2026-09-02T00:00:00Z"),
            answer.Attempts[0]);
    }

    [Fact]
    public async Task Execute_MicrostructureChainWithAnAggregator_SkipsItAtRunTime()
    {
        var coingecko = Add("coingecko", compliance: ComplianceClass.Aggregator, price: 99m);
        var dexscreener = Add("dexscreener", compliance: ComplianceClass.DeFi, price: 98m);
        Add("binance", price: 101m);
        var router = Router(new ChainPolicy(DataClass.Microstructure, ["coingecko", "dexscreener", "binance"], 0, TimeSpan.FromSeconds(1)));

        var answer = await QuoteAsync(router, DataClass.Microstructure);

        Assert.Equal("binance", answer.ServedBy);
        Assert.Equal((0, 0), (coingecko.Calls, dexscreener.Calls));
        Assert.Equal(
            new ProviderAttempt("coingecko", AttemptOutcome.Skipped, "coingecko is aggregator; only exchange-native providers may serve microstructure"),
            answer.Attempts[0]);
        Assert.Equal(
            new ProviderAttempt("dexscreener", AttemptOutcome.Skipped, "dexscreener is defi; only exchange-native providers may serve microstructure"),
            answer.Attempts[1]);
    }

    [Fact]
    public async Task Execute_AggregatorInAMarketDataChain_IsUsed()
    {
        Add("coingecko", compliance: ComplianceClass.Aggregator, price: 99m);
        var router = Router(new ChainPolicy(DataClass.MarketData, ["coingecko"], 0, TimeSpan.FromSeconds(1)));

        var answer = await QuoteAsync(router, DataClass.MarketData);

        Assert.Equal("coingecko", answer.ServedBy);
    }

    [Fact]
    public async Task Execute_HotTier_ServedFromCacheWithinTtlAndRefetchedAfter()
    {
        var coinbase = Add("coinbase", Policy("coinbase", cache: new CacheTtlOptions { Hot = TimeSpan.FromSeconds(30) }), script: n => 100m + n);
        var router = Router(Spot("coinbase"));
        await QuoteAsync(router, tier: CacheTier.Hot);

        _clock.Advance(TimeSpan.FromSeconds(29));
        var cached = await QuoteAsync(router, tier: CacheTier.Hot);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var fresh = await QuoteAsync(router, tier: CacheTier.Hot);

        Assert.True(cached.FromCache);
        Assert.Equal(100m, cached.Value.Price);
        Assert.Equal(TimeSpan.FromSeconds(29), cached.Age);
        Assert.Equal(new ProviderAttempt("coinbase", AttemptOutcome.Served, "from the hot cache, 29 s old"), Assert.Single(cached.Attempts));
        Assert.Equal(FetchStatus.Ok, cached.Provenance.Status);
        Assert.False(fresh.FromCache);
        Assert.Equal(101m, fresh.Value.Price);
        Assert.Equal(2, coinbase.Calls);
    }

    [Fact]
    public async Task Execute_TierNone_AlwaysCalls()
    {
        var coinbase = Add("coinbase");
        var router = Router(Spot("coinbase"));

        await QuoteAsync(router);
        await QuoteAsync(router);

        Assert.Equal(2, coinbase.Calls);
    }

    [Fact]
    public async Task Execute_ServingProvidersBudgetDepleted_CacheTtlIsDoubled()
    {
        var coinbase = Add("coinbase", Policy("coinbase", limits: new RateLimitOptions { DailyBudget = 1 }, cache: new CacheTtlOptions { Hot = TimeSpan.FromSeconds(30) }), price: 101m);
        var kraken = Add("kraken", price: 102m);
        var router = Router(Spot("coinbase", "kraken"));
        await QuoteAsync(router, tier: CacheTier.Hot);
        Assert.NotNull(Gate("coinbase").Status.DepletedUntil);

        _clock.Advance(TimeSpan.FromSeconds(45));
        var extended = await QuoteAsync(router, tier: CacheTier.Hot);
        _clock.Advance(TimeSpan.FromSeconds(15));
        var expired = await QuoteAsync(router, tier: CacheTier.Hot);

        Assert.True(extended.FromCache, "a 45 s old answer was not served while the budget was spent (TTL 30 s doubled to 60 s)");
        Assert.Equal(TimeSpan.FromSeconds(45), extended.Age);
        Assert.False(expired.FromCache);
        Assert.Equal("kraken", expired.ServedBy);
        Assert.Equal((1, 1), (coinbase.Calls, kraken.Calls));
    }

    [Fact]
    public async Task Execute_EveryMemberFails_ReturnsLastKnownGoodMarkedDegradedWithItsAge()
    {
        var coinbase = Add("coinbase", Policy("coinbase", failureThreshold: 100), script: n => n == 0 ? 101m : throw Fail.Unavailable("coinbase"));
        Add("kraken", Policy("kraken", failureThreshold: 100), script: _ => throw Fail.Unavailable("kraken"));
        var router = Router(Spot("coinbase", "kraken"));
        var first = await QuoteAsync(router);

        _clock.Advance(TimeSpan.FromSeconds(90));
        var answer = await QuoteAsync(router);

        Assert.Equal(101m, answer.Value.Price);
        Assert.Equal("coinbase", answer.ServedBy);
        Assert.True(answer.IsLastKnownGood);
        Assert.True(answer.FromCache);
        Assert.Equal(TimeSpan.FromSeconds(90), answer.Age);
        Assert.Equal(FetchStatus.Degraded, answer.Provenance.Status);
        Assert.Equal(first.Provenance.FetchedAt, answer.Provenance.FetchedAt);
        Assert.Contains("every provider of the spot chain failed", answer.Provenance.Error, StringComparison.Ordinal);
        Assert.Contains("from coinbase, 90 s old", answer.Provenance.Error, StringComparison.Ordinal);
        Assert.Equal(
            [("coinbase", AttemptOutcome.Failed), ("kraken", AttemptOutcome.Failed), ("coinbase", AttemptOutcome.Served)],
            answer.Attempts.Select(a => (a.Provider, a.Outcome)));
        Assert.Equal("last known good, 90 s old", answer.Attempts[2].Reason);
        Assert.Equal(2, coinbase.Calls);
        // The stored first answer is untouched: DEGRADED marks this answer only.
        Assert.Equal(FetchStatus.Ok, first.Provenance.Status);
    }

    [Fact]
    public async Task Execute_LastKnownGoodOlderThanTheDegradedTtl_ThrowsAllProvidersFailedListingEveryAttempt()
    {
        var cache = new CacheTtlOptions { Degraded = TimeSpan.FromMinutes(10) };
        Add("coinbase", Policy("coinbase", failureThreshold: 100, cache: cache), script: n => n == 0 ? 101m : throw Fail.Unavailable("coinbase"));
        Add("kraken", Policy("kraken", failureThreshold: 100), script: _ => throw Fail.Unavailable("kraken"));
        var router = Router(Spot("ghost", "coinbase", "kraken"));
        await QuoteAsync(router);

        _clock.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        var stillGood = await QuoteAsync(router);
        Assert.True(stillGood.IsLastKnownGood);
        Assert.Contains("10 min old", stillGood.Provenance.Error, StringComparison.Ordinal);

        _clock.Advance(TimeSpan.FromSeconds(2));
        var error = await Assert.ThrowsAsync<AllProvidersFailedException>(() => QuoteAsync(router));

        Assert.Equal(
            [("ghost", AttemptOutcome.Skipped), ("coinbase", AttemptOutcome.Failed), ("kraken", AttemptOutcome.Failed)],
            error.Attempts.Select(a => (a.Provider, a.Outcome)));
        Assert.StartsWith("no provider of the spot chain could answer ticker:BTC/USD: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("ghost skipped: ghost is not configured", error.Message, StringComparison.Ordinal);
        Assert.Contains("coinbase failed: coinbase: HTTP 503", error.Message, StringComparison.Ordinal);
        Assert.Contains("kraken failed: kraken: HTTP 503", error.Message, StringComparison.Ordinal);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task Execute_NothingEverAnswered_ThrowsAllProvidersFailed()
    {
        Add("coinbase", script: _ => throw Fail.BadRequest("coinbase"));
        var router = Router(Spot("coinbase"));

        var error = await Assert.ThrowsAsync<AllProvidersFailedException>(() => QuoteAsync(router));

        var attempt = Assert.Single(error.Attempts);
        Assert.Equal(AttemptOutcome.Failed, attempt.Outcome);
        Assert.Contains("HTTP 400", attempt.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_AnswerFailsTheQualityGate_FallsThroughToTheNextMember()
    {
        var coinbase = Add("coinbase", price: 0m);
        Add("kraken", price: 102m);
        var router = Router(Spot("coinbase", "kraken"));

        var answer = await QuoteAsync(router, qualityGate: q => q.Price <= 0 ? $"price {q.Price} is not positive" : null);

        Assert.Equal("kraken", answer.ServedBy);
        Assert.Equal(102m, answer.Value.Price);
        Assert.Equal(new ProviderAttempt("coinbase", AttemptOutcome.Failed, "rejected by the quality gate: price 0 is not positive"), answer.Attempts[0]);
        Assert.Equal(1, coinbase.Calls);
    }

    [Fact]
    public async Task Execute_RejectedAnswer_IsNeverKeptAsLastKnownGood()
    {
        Add("coinbase", Policy("coinbase", failureThreshold: 100), script: n => n == 0 ? 0m : throw Fail.Unavailable("coinbase"));
        var router = Router(Spot("coinbase"));
        static string? Positive(SpotQuote q) => q.Price <= 0 ? "price is not positive" : null;
        await Assert.ThrowsAsync<AllProvidersFailedException>(() => QuoteAsync(router, qualityGate: Positive));

        _clock.Advance(TimeSpan.FromSeconds(10));
        var error = await Assert.ThrowsAsync<AllProvidersFailedException>(() => QuoteAsync(router, qualityGate: Positive));

        Assert.Contains("HTTP 503", Assert.Single(error.Attempts).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_LastViableMemberBanned_WaitsForTheBanWhenItEndsBeforeTheDeadline()
    {
        Add("coinbase", script: _ => throw Fail.Forbidden("coinbase"));
        var kraken = Add("kraken", Policy("kraken", successThreshold: 1), price: 102m);
        var router = Router(Spot("coinbase", "kraken"));
        await Assert.ThrowsAsync<VenueRequestException>(() => Gate("coinbase").ExecuteAsync(new RequestCost(1), _ => ValueTask.FromException<int>(Fail.Forbidden("coinbase")), CancellationToken.None).AsTask());
        Gate("kraken").Ban(Start.AddMinutes(2), "HTTP 418");

        var call = QuoteAsync(router, deadline: Start.AddMinutes(5));
        await _clock.WhenTimersPendingAsync().WaitAsync(HangGuard);
        _clock.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromMilliseconds(1));
        Assert.False(call.IsCompleted, "kraken was called before its ban ended");
        Assert.Equal(0, kraken.Calls);
        _clock.Advance(TimeSpan.FromMilliseconds(1));

        var answer = await call.WaitAsync(HangGuard);
        Assert.Equal("kraken", answer.ServedBy);
        Assert.Equal(Start.AddMinutes(2), answer.Provenance.FetchedAt);
        Assert.Equal(AttemptOutcome.Skipped, answer.Attempts[0].Outcome);
        Assert.Contains("circuit is open", answer.Attempts[0].Reason, StringComparison.Ordinal);
        Assert.Equal(new ProviderAttempt("kraken", AttemptOutcome.Served, "fallback"), answer.Attempts[1]);
        Assert.Equal(1, kraken.Calls);
    }

    [Fact]
    public async Task Execute_LastViableMemberBannedPastTheDeadline_FailsWithoutCallingIt()
    {
        var kraken = Add("kraken", price: 102m);
        var router = Router(Spot("ghost", "kraken"));
        Gate("kraken").Ban(Start.AddMinutes(30), "HTTP 418");

        var error = await Assert.ThrowsAsync<AllProvidersFailedException>(() => QuoteAsync(router, deadline: Start.AddMinutes(5)).WaitAsync(HangGuard));

        Assert.Equal(0, kraken.Calls);
        Assert.Equal(Start, _clock.GetUtcNow());
        var attempt = error.Attempts[1];
        Assert.Equal(("kraken", AttemptOutcome.Skipped), (attempt.Provider, attempt.Outcome));
        Assert.Contains("2026-09-01T12:30:00Z", attempt.Reason, StringComparison.Ordinal);
        Assert.Contains("after the deadline", attempt.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_BannedMemberWithAViableFallback_IsSkippedWithoutWaiting()
    {
        var kraken = Add("kraken", price: 102m);
        Add("coinbase", price: 101m);
        var router = Router(Spot("kraken", "coinbase"));
        Gate("kraken").Ban(Start.AddMinutes(2), "HTTP 418");

        var call = QuoteAsync(router, deadline: Start.AddMinutes(5));

        Assert.True(call.IsCompleted, "the router waited for a banned member although a fallback could serve");
        var answer = await call;
        Assert.Equal("coinbase", answer.ServedBy);
        Assert.Equal(new ProviderAttempt("kraken", AttemptOutcome.Skipped, "kraken is banned (HTTP 418) until 2026-09-01T12:02:00Z"), answer.Attempts[0]);
        Assert.Equal(0, kraken.Calls);
    }

    [Fact]
    public async Task Execute_PrimaryBanEnded_PrimaryIsTriedAgain()
    {
        var kraken = Add("kraken", Policy("kraken", successThreshold: 1), price: 102m);
        Add("coinbase", price: 101m);
        var router = Router(Spot("kraken", "coinbase"));
        Gate("kraken").Ban(Start.AddMinutes(2), "HTTP 418");
        _clock.Advance(TimeSpan.FromMinutes(3));

        var answer = await QuoteAsync(router);

        Assert.Equal("kraken", answer.ServedBy);
        Assert.Equal(1, kraken.Calls);
    }

    [Fact]
    public async Task Execute_DataClassWithoutChain_ThrowsArgumentException()
    {
        Add("coinbase");
        var router = Router(Spot("coinbase"));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => QuoteAsync(router, DataClass.Derivatives));

        Assert.Contains("no chain is configured for derivatives", error.Message, StringComparison.Ordinal);
    }

    private static ChainPolicy Spot(params string[] providers) => new(DataClass.Spot, providers, 0, TimeSpan.FromSeconds(1));

    private FakeTicker Add(
        string name,
        ProviderPolicy? policy = null,
        ComplianceClass compliance = ComplianceClass.ExchangeNative,
        decimal price = 100m,
        Func<int, decimal>? script = null)
    {
        var ticker = new FakeTicker(name, compliance, _clock) { Script = script ?? (_ => price) };
        var gate = new ProviderGate(policy ?? Policy(name), _clock);
        ticker.Gate = gate;
        _registry.Register(ticker, gate);
        return ticker;
    }

    private void Register(FakeBareProvider provider) => _registry.Register(provider, new ProviderGate(Policy(provider.Name), _clock));

    private ProviderGate Gate(string name) => _registry.TryGet(name, out var registered) ? registered.Gate : throw new InvalidOperationException(name);

    private ProviderRouter Router(params ChainPolicy[] chains)
    {
        var router = new ProviderRouter(_registry, chains.ToDictionary(c => c.DataClass), _clock);
        _routers.Add(router);
        return router;
    }

    private static Task<RoutedAnswer<SpotQuote>> QuoteAsync(
        ProviderRouter router,
        DataClass dataClass = DataClass.Spot,
        CacheTier tier = CacheTier.None,
        Func<SpotQuote, string?>? qualityGate = null,
        DateTimeOffset? deadline = null)
        => router.ExecuteAsync<ITickerProvider, SpotQuote>(dataClass, Key, tier, (p, ct) => p.GetSpotQuoteAsync(Btc, ct), qualityGate, deadline);
}

using CryptoRun.Domain;
using CryptoRun.Resilience;
using CryptoRun.Tests.TestSupport;
using static CryptoRun.Tests.Resilience.GateKit;

namespace CryptoRun.Tests.Resilience;

/// <summary>The gate's request budgets: depleting budgets, waiting windows, venue resyncs and published limits.</summary>
public sealed class ProviderGateBudgetTests
{
    private static readonly DateTimeOffset Midnight = new(2026, 9, 2, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Execute_DailyBudgetSpent_DegradedUntilMidnightAndRefusesWithoutSending()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(maxRetries: 3, limits: new RateLimitOptions { DailyBudget = 2 }), clock);
        var events = new List<(ProviderStatus Status, string Reason)>();
        gate.StatusChanged += (status, reason) => events.Add((status, reason));
        var send = new FakeSend(clock);

        await send.Through(gate);
        Assert.Null(gate.Status.DepletedUntil);
        await send.Through(gate);

        var status = gate.Status;
        Assert.Equal(Midnight, status.DepletedUntil);
        Assert.Equal(FetchStatus.Degraded, status.Health);
        Assert.Equal(BreakerState.Closed, status.Breaker.State);
        var day = Assert.Single(status.Budget);
        Assert.Equal("1D", day.Window.Key);
        Assert.Equal(2, day.Used);
        var degraded = Assert.Single(events);
        Assert.Equal(FetchStatus.Degraded, degraded.Status.Health);
        Assert.Equal(Midnight, degraded.Status.DepletedUntil);

        var refused = await Assert.ThrowsAsync<ProviderUnavailableException>(() => send.Through(gate));
        Assert.Equal(UnavailableReason.BudgetDepleted, refused.Reason);
        Assert.Equal(Midnight, refused.Until);
        Assert.Contains("daily budget of 2", refused.Message, StringComparison.Ordinal);
        Assert.Equal(2, send.Calls);
        Assert.Equal(0, gate.Status.Breaker.ConsecutiveFailures);
    }

    [Fact]
    public async Task Execute_DailyBudgetResetsAtMidnight_HealthOkAgainAndSends()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(limits: new RateLimitOptions { DailyBudget = 1 }), clock);
        var events = new List<(ProviderStatus Status, string Reason)>();
        gate.StatusChanged += (status, reason) => events.Add((status, reason));
        var send = new FakeSend(clock);
        await send.Through(gate);

        clock.Advance(Midnight - Start - TimeSpan.FromTicks(1));
        await Assert.ThrowsAsync<ProviderUnavailableException>(() => send.Through(gate));
        clock.Advance(TimeSpan.FromTicks(1));

        Assert.Null(gate.Status.DepletedUntil);
        Assert.Equal(FetchStatus.Ok, gate.Status.Health);
        Assert.Equal([FetchStatus.Degraded, FetchStatus.Ok], events.Select(e => e.Status.Health));
        Assert.Contains("1D budget window reset", events[1].Reason, StringComparison.Ordinal);
        Assert.Equal(Midnight, events[1].Status.UpdatedAt);
        Assert.Equal(42, await send.Through(gate));
        Assert.Equal(2, send.Calls);
    }

    [Fact]
    public async Task Execute_HourlyBudgetSpent_DepletedUntilTheNextUtcHour()
    {
        var clock = new ManualClock(Start.AddMinutes(20));
        using var gate = new ProviderGate(Policy(limits: new RateLimitOptions { RequestsPerHour = 1, DailyBudget = 100 }), clock);
        var send = new FakeSend(clock);

        await send.Through(gate);
        var refused = await Assert.ThrowsAsync<ProviderUnavailableException>(() => send.Through(gate));

        Assert.Equal(Start.AddHours(1), gate.Status.DepletedUntil);
        Assert.Equal(Start.AddHours(1), refused.Until);
        Assert.Contains("hourly", refused.Message, StringComparison.Ordinal);
        // The refused request took nothing from the day.
        Assert.Equal(1, gate.Status.Budget.Single(b => b.Window.Key == "1D").Used);
    }

    [Fact]
    public async Task Execute_WeightedRequest_TakesItsWeightFromEveryWindow()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(limits: new RateLimitOptions { RequestsPerMinute = 1200, DailyBudget = 100_000 }), clock);
        var send = new FakeSend(clock);

        await gate.ExecuteAsync(new RequestCost(20), send.SendAsync, CancellationToken.None);

        Assert.Equal([("1M", 20), ("1D", 20)], gate.Status.Budget.Select(b => (b.Window.Key, b.Used)));
    }

    [Fact]
    public async Task SyncUsed_VenueReportsTheMinuteSpent_NextRequestWaitsForTheMinuteBoundary()
    {
        var clock = new ManualClock(Start.AddSeconds(30));
        using var gate = new ProviderGate(Policy(limits: new RateLimitOptions { RequestsPerMinute = 100 }), clock);
        var send = new FakeSend(clock);

        gate.SyncUsed("1M", 100);
        Assert.Equal(100, gate.Status.Budget.Single().Used);
        var call = send.Through(gate);
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.False(call.IsCompleted, "sent although the venue said the minute was spent");
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(42, await call.WaitAsync(HangGuard));
        Assert.Equal([Start.AddMinutes(1)], send.Times);
    }

    [Fact]
    public async Task SyncUsed_MinuteSpentAndDeadlineBeforeTheBoundary_RefusesWithoutSending()
    {
        var clock = new ManualClock(Start.AddSeconds(30));
        using var gate = new ProviderGate(Policy(maxRetries: 3, limits: new RateLimitOptions { RequestsPerMinute = 100 }), clock);
        var send = new FakeSend(clock);
        gate.SyncUsed("1M", 100);

        Task<int> call;
        using (CallScope.Begin(new CallSettings(Deadline: Start.AddSeconds(40))))
        {
            call = send.Through(gate);
        }

        var refused = await Assert.ThrowsAsync<ProviderUnavailableException>(() => call.WaitAsync(HangGuard));
        Assert.Equal(UnavailableReason.RateWindowPastDeadline, refused.Reason);
        Assert.Equal(Start.AddMinutes(1), refused.Until);
        Assert.Equal(0, send.Calls);
    }

    [Fact]
    public void SyncUsed_LowerThanOurs_NeverLowersAndOtherKeysAreUntouched()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(limits: new RateLimitOptions { RequestsPerMinute = 1200, DailyBudget = 5000 }), clock);

        gate.SyncUsed("1M", 700);
        gate.SyncUsed("1M", 10);
        gate.SyncUsed("1H", 999);

        Assert.Equal([("1M", 700), ("1D", 0)], gate.Status.Budget.Select(b => (b.Window.Key, b.Used)));
    }

    [Fact]
    public async Task ConfigureLimits_VenuePublishesWindows_ReplacesWaitingWindowsKeepsDepletingOnesAndTheirUse()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(limits: new RateLimitOptions { RequestsPerMinute = 1200, DailyBudget = 100 }), clock);
        var send = new FakeSend(clock);
        await send.Through(gate);
        await send.Through(gate);

        gate.ConfigureLimits([
            new BudgetWindow(BudgetPeriod.Minute, 1, 6000),
            new BudgetWindow(BudgetPeriod.Second, 10, 300),
            new BudgetWindow(BudgetPeriod.Day, 1, 999_999),
        ]);

        var budget = gate.Status.Budget;
        Assert.Equal(["1M:6000", "10S:300", "1D:100"], budget.Select(b => b.Window.ToString()));
        // Same key, same window: the minute's use is kept; the day keeps its limit and its use.
        Assert.Equal([2, 0, 2], budget.Select(b => b.Used));
    }

    [Fact]
    public async Task ConfigureLimits_NoWaitingWindowPublished_ChangesNothing()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(limits: new RateLimitOptions { RequestsPerMinute = 1200, DailyBudget = 100 }), clock);
        await new FakeSend(clock).Through(gate);

        gate.ConfigureLimits([new BudgetWindow(BudgetPeriod.Day, 1, 5)]);

        Assert.Equal(["1M:1200", "1D:100"], gate.Status.Budget.Select(b => b.Window.ToString()));
        Assert.Equal([1, 1], gate.Status.Budget.Select(b => b.Used));
    }

    [Fact]
    public async Task ConfigureLimits_SmallerMinuteLimit_TakesEffectForTheNextRequest()
    {
        var clock = new ManualClock(Start.AddSeconds(30));
        using var gate = new ProviderGate(Policy(limits: new RateLimitOptions { RequestsPerMinute = 1200 }), clock);
        var send = new FakeSend(clock);
        await send.Through(gate);
        await send.Through(gate);

        gate.ConfigureLimits([new BudgetWindow(BudgetPeriod.Minute, 1, 2)]);
        var call = send.Through(gate);
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.False(call.IsCompleted, "a third request passed a published limit of 2 per minute");
        clock.Advance(TimeSpan.FromSeconds(1));

        await call.WaitAsync(HangGuard);
        Assert.Equal(Start.AddMinutes(1), send.Times[2]);
    }

    [Fact]
    public void Windows_SeedLimits_MapToPacingMinuteHourDayAndMonthWindows()
    {
        var windows = ProviderGate.Windows(new RateLimitOptions
        {
            RequestsPerSecond = 4,
            RequestsPerMinute = 1200,
            RequestsPerHour = 7200,
            DailyBudget = 100_000,
            MonthlyBudget = 2_000_000,
        });

        Assert.Equal(["250MS:1", "1M:1200", "1H:7200", "1D:100000", "1MO:2000000"], windows.Select(w => w.ToString()));
        Assert.Equal([true, true, false, false, false], windows.Select(w => w.Waits));
        Assert.Empty(ProviderGate.Windows(new RateLimitOptions()));
    }

    [Fact]
    public async Task Execute_MonthlyBudgetSpent_DepletedUntilTheFirstOfNextMonth()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(limits: new RateLimitOptions { MonthlyBudget = 1, DailyBudget = 10 }), clock);
        var send = new FakeSend(clock);

        await send.Through(gate);
        var refused = await Assert.ThrowsAsync<ProviderUnavailableException>(() => send.Through(gate));

        var nextMonth = new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(nextMonth, gate.Status.DepletedUntil);
        Assert.Equal(nextMonth, refused.Until);
        Assert.Contains("monthly", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_TenPerSecond_SecondRequestIsSentOneSlotOf100MsLater()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(limits: new RateLimitOptions { RequestsPerSecond = 10 }), clock);
        var send = new FakeSend(clock);
        await send.Through(gate);

        var second = send.Through(gate);
        clock.Advance(TimeSpan.FromMilliseconds(99));
        Assert.False(second.IsCompleted, "the second request was not paced");
        clock.Advance(TimeSpan.FromMilliseconds(1));

        await second.WaitAsync(HangGuard);
        Assert.Equal([Start, Start.AddMilliseconds(100)], send.Times);
    }

    [Fact]
    public async Task Execute_MaxConcurrentInFlight_NextRequestWaitsForASlot()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(maxConcurrent: 2), clock);
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thirdStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = 0;
        ValueTask<int> Blocking(CancellationToken ct)
        {
            if (Interlocked.Increment(ref started) == 3)
            {
                thirdStarted.TrySetResult();
                return ValueTask.FromResult(3);
            }

            return new ValueTask<int>(release.Task);
        }

        var first = gate.ExecuteAsync(new RequestCost(1), Blocking, CancellationToken.None).AsTask();
        var second = gate.ExecuteAsync(new RequestCost(1), Blocking, CancellationToken.None).AsTask();
        var third = gate.ExecuteAsync(new RequestCost(1), Blocking, CancellationToken.None).AsTask();

        Assert.Equal(2, Volatile.Read(ref started));
        Assert.False(third.IsCompleted, "a third request ran with two in flight and MaxConcurrent 2");
        release.SetResult(1);
        await thirdStarted.Task.WaitAsync(HangGuard);
        await Task.WhenAll(first, second, third).WaitAsync(HangGuard);
        Assert.Equal((1, 1, 3), (await first, await second, await third));
    }
}

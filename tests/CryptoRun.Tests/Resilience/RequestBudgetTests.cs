using CryptoRun.Domain;
using CryptoRun.Resilience;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Resilience;

public sealed class RequestBudgetTests
{
    private static readonly DateTimeOffset Start = new(2026, 9, 1, 0, 0, 30, TimeSpan.Zero);

    [Fact]
    public async Task TenPerSecond_PacedOnePer100Ms_SecondRequestWaitsForTheNextSlot()
    {
        var clock = new ManualClock(Start);
        using var budget = new RequestBudget("coinbase", ProviderGate.Windows(new RateLimitOptions { RequestsPerSecond = 10 }), clock);
        await budget.AcquireAsync(1, null, CancellationToken.None);

        var second = budget.AcquireAsync(1, null, CancellationToken.None).AsTask();
        clock.Advance(TimeSpan.FromMilliseconds(99));
        Assert.False(second.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));

        await second.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("100MS", budget.Use.Single().Window.Key);
    }

    [Fact]
    public async Task TenPerSecond_TwentyFiveRequests_EachAfterTheFirstWaitsOneSlotOf100Ms()
    {
        var clock = new ManualClock(Start);
        using var budget = new RequestBudget("coinbase", ProviderGate.Windows(new RateLimitOptions { RequestsPerSecond = 10 }), clock);
        await budget.AcquireAsync(1, null, CancellationToken.None);

        for (var i = 1; i < 25; i++)
        {
            var acquire = budget.AcquireAsync(1, null, CancellationToken.None).AsTask();
            Assert.False(acquire.IsCompleted, $"request {i + 1} was granted without waiting for the next 100 ms slot");
            clock.Advance(TimeSpan.FromMilliseconds(100));
            await acquire.WaitAsync(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(Start + TimeSpan.FromMilliseconds(2400), clock.GetUtcNow());
    }

    [Fact]
    public async Task PerMinuteBudget_SpentWindow_WaitsForTheUtcMinuteBoundary()
    {
        var clock = new ManualClock(Start);
        using var budget = new RequestBudget("binance", [new BudgetWindow(BudgetPeriod.Minute, 1, 1200)], clock);
        await budget.AcquireAsync(1200, null, CancellationToken.None);

        var next = budget.AcquireAsync(10, null, CancellationToken.None).AsTask();
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.False(next.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));

        await next.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(10, budget.Use.Single().Used);
        Assert.Equal(Start.AddSeconds(90), budget.Use.Single().ResetsAt);
    }

    [Fact]
    public async Task PerMinuteBudget_ResetAfterTheDeadline_RefusesAtOnceNamingTheReset()
    {
        var clock = new ManualClock(Start);
        using var budget = new RequestBudget("binance", [new BudgetWindow(BudgetPeriod.Minute, 1, 100)], clock);
        await budget.AcquireAsync(100, null, CancellationToken.None);

        var error = await Assert.ThrowsAsync<ProviderUnavailableException>(
            () => budget.AcquireAsync(1, Start.AddSeconds(10), CancellationToken.None).AsTask());

        Assert.Equal(UnavailableReason.RateWindowPastDeadline, error.Reason);
        Assert.Equal(Start.AddSeconds(30), error.Until);
        Assert.Contains("2026-09-01T00:01:00Z", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DailyBudget_Spent_ProviderIsDepletedUntilMidnightAndRecovers()
    {
        var clock = new ManualClock(Start);
        using var budget = new RequestBudget("coingecko", [new BudgetWindow(BudgetPeriod.Day, 1, 3)], clock);
        var resets = new List<BudgetWindow>();
        budget.WindowReset += resets.Add;
        for (var i = 0; i < 3; i++)
        {
            await budget.AcquireAsync(1, null, CancellationToken.None);
        }

        var error = await Assert.ThrowsAsync<ProviderUnavailableException>(() => budget.AcquireAsync(1, null, CancellationToken.None).AsTask());
        Assert.Equal(UnavailableReason.BudgetDepleted, error.Reason);
        Assert.Equal(new DateTimeOffset(2026, 9, 2, 0, 0, 0, TimeSpan.Zero), budget.DepletedUntil);

        clock.Advance(TimeSpan.FromDays(1));
        Assert.Null(budget.DepletedUntil);
        Assert.Single(resets);
        await budget.AcquireAsync(1, null, CancellationToken.None);
    }

    [Fact]
    public void Sync_VenueReportsMoreUsed_RaisesOursNeverLowers()
    {
        var clock = new ManualClock(Start);
        using var budget = new RequestBudget("binance", [new BudgetWindow(BudgetPeriod.Minute, 1, 1200)], clock);

        budget.Sync("1M", 1000);
        budget.Sync("1M", 400);

        Assert.Equal(1000, budget.Use.Single().Used);
        Assert.Equal(200, budget.Use.Single().Available);
    }

    [Fact]
    public void MonthWindow_ResetsAtTheFirstOfTheNextMonthUtc()
        => Assert.Equal(new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero), new BudgetWindow(BudgetPeriod.Month, 1, 5).NextBoundary(Start));
}

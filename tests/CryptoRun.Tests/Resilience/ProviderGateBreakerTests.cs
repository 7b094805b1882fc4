using CryptoRun.Domain;
using CryptoRun.Resilience;
using CryptoRun.Tests.TestSupport;
using static CryptoRun.Tests.Resilience.GateKit;

namespace CryptoRun.Tests.Resilience;

/// <summary>Seed 000's circuit breaker inside the gate: consecutive failures, half-open probes one at a time, 403 trips, 418 bans.</summary>
public sealed class ProviderGateBreakerTests
{
    [Fact]
    public async Task Execute_FailureThresholdConsecutive503s_OpensAndRefusesWithoutSending()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(failureThreshold: 3, openTimeout: TimeSpan.FromMinutes(2)), clock);
        var send = new FakeSend(clock, _ => throw Fail.Unavailable());

        for (var i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<VenueUnavailableException>(() => send.Through(gate));
            Assert.Equal(BreakerState.Closed, gate.Status.Breaker.State);
        }

        await Assert.ThrowsAsync<VenueUnavailableException>(() => send.Through(gate));
        var refused = await Assert.ThrowsAsync<ProviderUnavailableException>(() => send.Through(gate));

        Assert.Equal(3, send.Calls);
        Assert.Equal(UnavailableReason.CircuitOpen, refused.Reason);
        Assert.Equal(Start.AddMinutes(2), refused.Until);
        Assert.Contains("3 consecutive failures", refused.Message, StringComparison.Ordinal);
        Assert.Contains("503", refused.Message, StringComparison.Ordinal);
        var status = gate.Status;
        Assert.Equal(BreakerState.Open, status.Breaker.State);
        Assert.Equal(Start.AddMinutes(2), status.Breaker.OpenUntil);
        Assert.False(status.Breaker.Banned);
        Assert.Equal(FetchStatus.Down, status.Health);
    }

    [Fact]
    public async Task Execute_RetriesReachTheThreshold_BreakerOpensAndStopsTheRetries()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(maxRetries: 10, retryDelay: TimeSpan.FromMilliseconds(100), failureThreshold: 3), clock);
        var send = new FakeSend(clock, _ => throw Fail.Unavailable());

        var error = await DriveToFailureAsync(clock, send.Through(gate), TimeSpan.FromMilliseconds(50));

        // The third failure opens the circuit: the call ends with that failure (not a refusal), and nothing more is sent.
        Assert.IsType<VenueUnavailableException>(error);
        Assert.Equal(3, send.Calls);
        Assert.Equal(BreakerState.Open, gate.Status.Breaker.State);
    }

    [Fact]
    public async Task Execute_SuccessBetweenFailures_ResetsTheConsecutiveCount()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(failureThreshold: 3), clock);
        // fail, fail, ok, fail, fail, fail
        var send = new FakeSend(clock, n => n == 2 ? 42 : throw Fail.Unavailable());

        await Assert.ThrowsAsync<VenueUnavailableException>(() => send.Through(gate));
        await Assert.ThrowsAsync<VenueUnavailableException>(() => send.Through(gate));
        Assert.Equal(42, await send.Through(gate));
        Assert.Equal(0, gate.Status.Breaker.ConsecutiveFailures);
        await Assert.ThrowsAsync<VenueUnavailableException>(() => send.Through(gate));
        await Assert.ThrowsAsync<VenueUnavailableException>(() => send.Through(gate));

        Assert.Equal(BreakerState.Closed, gate.Status.Breaker.State);
        Assert.Equal(2, gate.Status.Breaker.ConsecutiveFailures);

        await Assert.ThrowsAsync<VenueUnavailableException>(() => send.Through(gate));
        Assert.Equal(BreakerState.Open, gate.Status.Breaker.State);
    }

    [Fact]
    public async Task Execute_429sAndRequestErrors_AreNotCountedByTheBreaker()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(failureThreshold: 1), clock);
        var send = new FakeSend(clock, n => n switch
        {
            0 => throw Fail.RateLimited(TimeSpan.FromSeconds(1)),
            1 => throw Fail.BadRequest(),
            _ => throw Fail.BadData(),
        });

        await Assert.ThrowsAsync<VenueRateLimitedException>(() => send.Through(gate));
        clock.Advance(TimeSpan.FromSeconds(1)); // the 429's Retry-After holds every request of the provider until it has passed
        await Assert.ThrowsAsync<VenueRequestException>(() => send.Through(gate));
        await Assert.ThrowsAsync<VenueDataException>(() => send.Through(gate));

        Assert.Equal(BreakerState.Closed, gate.Status.Breaker.State);
        Assert.Equal(0, gate.Status.Breaker.ConsecutiveFailures);
        Assert.Equal(3, send.Calls);
    }

    [Fact]
    public async Task Execute_OpenTimeoutEnds_LetsOneProbeThroughAtATime()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(failureThreshold: 1, successThreshold: 2, openTimeout: TimeSpan.FromMinutes(2)), clock);
        await Assert.ThrowsAsync<VenueUnavailableException>(() => new FakeSend(clock, _ => throw Fail.Unavailable()).Through(gate));

        clock.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromTicks(1));
        var early = new FakeSend(clock);
        await Assert.ThrowsAsync<ProviderUnavailableException>(() => early.Through(gate));
        Assert.Equal(0, early.Calls);
        clock.Advance(TimeSpan.FromTicks(1));

        var answer = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var probeCalls = 0;
        var probe = gate.ExecuteAsync(new RequestCost(1), _ =>
        {
            Interlocked.Increment(ref probeCalls);
            return new ValueTask<int>(answer.Task);
        }, CancellationToken.None).AsTask();
        Assert.Equal(BreakerState.HalfOpen, gate.Status.Breaker.State);
        Assert.Equal(FetchStatus.Degraded, gate.Status.Health);

        var second = new FakeSend(clock);
        var refused = await Assert.ThrowsAsync<ProviderUnavailableException>(() => second.Through(gate));
        Assert.Equal(UnavailableReason.CircuitOpen, refused.Reason);
        Assert.Contains("probe in flight", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, second.Calls);

        answer.SetResult(1);
        Assert.Equal(1, await probe.WaitAsync(HangGuard));
        Assert.Equal(1, probeCalls);
        Assert.Equal(BreakerState.HalfOpen, gate.Status.Breaker.State);
        Assert.Equal(1, gate.Status.Breaker.HalfOpenSuccesses);

        // The probe is back: the next request is let through, and the second success closes the circuit.
        Assert.Equal(42, await second.Through(gate));
        Assert.Equal(1, second.Calls);
        Assert.Equal(BreakerState.Closed, gate.Status.Breaker.State);
        Assert.Equal(FetchStatus.Ok, gate.Status.Health);
    }

    [Fact]
    public async Task Execute_FailureInHalfOpen_ReopensForAnotherOpenTimeout()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(failureThreshold: 2, successThreshold: 2, openTimeout: TimeSpan.FromMinutes(3)), clock);
        var send = new FakeSend(clock, n => n == 2 ? 42 : throw Fail.Unavailable());
        await Assert.ThrowsAsync<VenueUnavailableException>(() => send.Through(gate));
        await Assert.ThrowsAsync<VenueUnavailableException>(() => send.Through(gate));
        clock.Advance(TimeSpan.FromMinutes(3));

        // Half-open: one success is not enough (threshold 2); the failure after it opens the circuit again at once.
        Assert.Equal(42, await send.Through(gate));
        await Assert.ThrowsAsync<VenueUnavailableException>(() => send.Through(gate));

        var status = gate.Status.Breaker;
        Assert.Equal(BreakerState.Open, status.State);
        Assert.Equal(Start.AddMinutes(6), status.OpenUntil);
        Assert.Equal(0, status.HalfOpenSuccesses);
        var refused = await Assert.ThrowsAsync<ProviderUnavailableException>(() => send.Through(gate));
        Assert.Equal(Start.AddMinutes(6), refused.Until);
        Assert.Equal(4, send.Calls);
    }

    [Fact]
    public async Task Execute_403_OpensTheCircuitAtOnce()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(maxRetries: 3, failureThreshold: 5, openTimeout: TimeSpan.FromMinutes(2)), clock);
        var events = new List<(ProviderStatus Status, string Reason)>();
        gate.StatusChanged += (status, reason) => events.Add((status, reason));
        var send = new FakeSend(clock, _ => throw Fail.Forbidden());

        await Assert.ThrowsAsync<VenueRequestException>(() => send.Through(gate));
        var refused = await Assert.ThrowsAsync<ProviderUnavailableException>(() => send.Through(gate));

        Assert.Equal(1, send.Calls);
        Assert.Equal(UnavailableReason.CircuitOpen, refused.Reason);
        Assert.Equal(BreakerState.Open, gate.Status.Breaker.State);
        Assert.Equal(Start.AddMinutes(2), gate.Status.Breaker.OpenUntil);
        var opened = Assert.Single(events);
        Assert.Equal(FetchStatus.Down, opened.Status.Health);
        Assert.Contains("403", opened.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_418WithRetryAfter_BansUntilThenAndSendsNothingBefore()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(maxRetries: 3, failureThreshold: 5, successThreshold: 1, openTimeout: TimeSpan.FromMinutes(2)), clock);
        var send = new FakeSend(clock, n => n == 0 ? throw Fail.Banned(TimeSpan.FromMinutes(10)) : 42);

        await Assert.ThrowsAsync<VenueBannedException>(() => send.Through(gate));
        var status = gate.Status;
        Assert.True(status.Breaker.Banned);
        Assert.Equal(Start.AddMinutes(10), status.Breaker.OpenUntil);
        Assert.Equal(FetchStatus.Down, status.Health);

        // Past the breaker's own 2 min open timeout, and up to one tick before the ban ends: nothing is sent.
        foreach (var at in new[] { TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10) - TimeSpan.FromTicks(1) })
        {
            clock.Advance(Start + at - clock.GetUtcNow());
            var refused = await Assert.ThrowsAsync<ProviderUnavailableException>(() => send.Through(gate));
            Assert.Equal(UnavailableReason.Banned, refused.Reason);
            Assert.Equal(Start.AddMinutes(10), refused.Until);
            Assert.Contains("2026-09-01T12:10:00Z", refused.Message, StringComparison.Ordinal);
        }

        Assert.Equal(1, send.Calls);
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(42, await send.Through(gate));
        Assert.Equal(2, send.Calls);
        Assert.Equal(BreakerState.Closed, gate.Status.Breaker.State);
    }

    [Fact]
    public async Task Execute_418WithoutRetryAfter_BansForThirtyMinutes()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(openTimeout: TimeSpan.FromMinutes(2)), clock);
        var send = new FakeSend(clock, n => n == 0 ? throw Fail.Banned(null) : 42);

        await Assert.ThrowsAsync<VenueBannedException>(() => send.Through(gate));
        clock.Advance(TimeSpan.FromMinutes(30) - TimeSpan.FromTicks(1));
        var refused = await Assert.ThrowsAsync<ProviderUnavailableException>(() => send.Through(gate));

        Assert.Equal(UnavailableReason.Banned, refused.Reason);
        Assert.Equal(Start.AddMinutes(30), refused.Until);
        Assert.Equal(Start.AddMinutes(30), gate.Status.Breaker.OpenUntil);
        Assert.Equal(1, send.Calls);
    }

    [Fact]
    public async Task Execute_WaitForBanWithDeadlineAfterTheBanEnd_WaitsThenSends()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(successThreshold: 1), clock);
        var send = new FakeSend(clock, n => n == 0 ? throw Fail.Banned(TimeSpan.FromMinutes(5)) : 42);
        await Assert.ThrowsAsync<VenueBannedException>(() => send.Through(gate));

        Task<int> call;
        using (CallScope.Begin(new CallSettings(Deadline: Start.AddMinutes(6), WaitForBan: true)))
        {
            call = send.Through(gate);
        }

        await clock.WhenTimersPendingAsync().WaitAsync(HangGuard);
        clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromMilliseconds(1));
        Assert.False(call.IsCompleted, "sent before the ban ended");
        Assert.Equal(1, send.Calls);
        clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(42, await call.WaitAsync(HangGuard));
        Assert.Equal([Start, Start.AddMinutes(5)], send.Times);
    }

    [Fact]
    public async Task Execute_WaitForBanWithDeadlineBeforeTheBanEnd_FailsAtOnceNamingTheBanEnd()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(), clock);
        var send = new FakeSend(clock, n => n == 0 ? throw Fail.Banned(TimeSpan.FromMinutes(30)) : 42);
        await Assert.ThrowsAsync<VenueBannedException>(() => send.Through(gate));

        Task<int> call;
        using (CallScope.Begin(new CallSettings(Deadline: Start.AddMinutes(5), WaitForBan: true)))
        {
            call = send.Through(gate);
        }

        var refused = await Assert.ThrowsAsync<ProviderUnavailableException>(() => call.WaitAsync(HangGuard));
        Assert.Equal(UnavailableReason.Banned, refused.Reason);
        Assert.Equal(Start.AddMinutes(30), refused.Until);
        Assert.Contains("2026-09-01T12:30:00Z", refused.Message, StringComparison.Ordinal);
        Assert.Contains("2026-09-01T12:05:00Z", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, send.Calls);
        Assert.Equal(Start, clock.GetUtcNow());
    }

    [Fact]
    public async Task Execute_BannedWithoutWaitForBan_RefusesAtOnce()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(), clock);
        var send = new FakeSend(clock, n => n == 0 ? throw Fail.Banned(TimeSpan.FromMinutes(5)) : 42);
        await Assert.ThrowsAsync<VenueBannedException>(() => send.Through(gate));

        Task<int> call;
        using (CallScope.Begin(new CallSettings(Deadline: Start.AddMinutes(6), WaitForBan: false)))
        {
            call = send.Through(gate);
        }

        var refused = await Assert.ThrowsAsync<ProviderUnavailableException>(() => call.WaitAsync(HangGuard));
        Assert.Equal(UnavailableReason.Banned, refused.Reason);
        Assert.Equal(1, send.Calls);
    }

    [Fact]
    public async Task Ban_LearnedElsewhere_RefusesUntilItEnds()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(successThreshold: 1), clock);
        var send = new FakeSend(clock);

        gate.Ban(Start.AddMinutes(7), "418 seen by another process");
        var refused = await Assert.ThrowsAsync<ProviderUnavailableException>(() => send.Through(gate));
        clock.Advance(TimeSpan.FromMinutes(7));

        Assert.Equal(UnavailableReason.Banned, refused.Reason);
        Assert.Equal(Start.AddMinutes(7), refused.Until);
        Assert.Equal(42, await send.Through(gate));
        Assert.Equal(1, send.Calls);
    }

    [Fact]
    public async Task StatusChanged_OpenHalfOpenClosed_FiresDownDegradedOkWithReasons()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(failureThreshold: 2, successThreshold: 2, openTimeout: TimeSpan.FromMinutes(2)), clock);
        var events = new List<(ProviderStatus Status, string Reason)>();
        gate.StatusChanged += (status, reason) => events.Add((status, reason));
        var send = new FakeSend(clock, n => n < 2 ? throw Fail.Unavailable() : 42);

        await Assert.ThrowsAsync<VenueUnavailableException>(() => send.Through(gate));
        Assert.Empty(events);
        await Assert.ThrowsAsync<VenueUnavailableException>(() => send.Through(gate));
        clock.Advance(TimeSpan.FromMinutes(2));
        await send.Through(gate);
        await send.Through(gate);

        Assert.Equal(
            [(FetchStatus.Down, BreakerState.Open), (FetchStatus.Degraded, BreakerState.HalfOpen), (FetchStatus.Ok, BreakerState.Closed)],
            events.Select(e => (e.Status.Health, e.Status.Breaker.State)));
        Assert.Contains("2 consecutive failures", events[0].Reason, StringComparison.Ordinal);
        Assert.Contains("probe", events[1].Reason, StringComparison.Ordinal);
        Assert.Contains("closed", events[2].Reason, StringComparison.Ordinal);
        Assert.Equal([Start, Start.AddMinutes(2), Start.AddMinutes(2)], events.Select(e => e.Status.UpdatedAt));
        Assert.Equal("venue", events[0].Status.Provider);
        Assert.Equal(Start.AddMinutes(2), events[0].Status.Breaker.OpenUntil);
    }

    [Fact]
    public async Task StatusChanged_Ban_FiresDownWithTheBanEnd()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(), clock);
        var events = new List<(ProviderStatus Status, string Reason)>();
        gate.StatusChanged += (status, reason) => events.Add((status, reason));

        await Assert.ThrowsAsync<VenueBannedException>(() => new FakeSend(clock, _ => throw Fail.Banned(TimeSpan.FromMinutes(10))).Through(gate));

        var banned = Assert.Single(events);
        Assert.Equal(FetchStatus.Down, banned.Status.Health);
        Assert.True(banned.Status.Breaker.Banned);
        Assert.Contains("2026-09-01T12:10:00Z", banned.Reason, StringComparison.Ordinal);
        Assert.Contains("418", banned.Status.LastError, StringComparison.Ordinal);
    }
}

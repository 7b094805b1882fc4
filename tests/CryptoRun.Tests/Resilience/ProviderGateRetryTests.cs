using CryptoRun.Domain;
using CryptoRun.Resilience;
using CryptoRun.Tests.TestSupport;
using Polly.Timeout;
using static CryptoRun.Tests.Resilience.GateKit;

namespace CryptoRun.Tests.Resilience;

/// <summary>The gate's retry and per-attempt timeout: Retry-After honoured, jittered exponential back-off, limits from the call or the policy, deadlines.</summary>
public sealed class ProviderGateRetryTests
{
    [Fact]
    public async Task Execute_VenueAnswers_PassesTheResultThroughAndRecordsLastOk()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(maxRetries: 3), clock);
        var send = new FakeSend(clock);

        var result = await send.Through(gate).WaitAsync(HangGuard);

        Assert.Equal(42, result);
        Assert.Equal(1, send.Calls);
        Assert.Equal(FetchStatus.Ok, gate.Status.Health);
        Assert.Equal(Start, gate.Status.LastOkAt);
        Assert.Null(gate.Status.LastError);
    }

    [Fact]
    public async Task Execute_VenueReturns429_WaitsRetryAfterThenSucceeds()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(maxRetries: 3, retryDelay: TimeSpan.FromSeconds(1)), clock);
        var send = new FakeSend(clock, n => n == 0 ? throw Fail.RateLimited(TimeSpan.FromSeconds(5)) : 42);

        var call = send.Through(gate);
        await clock.WhenTimersPendingAsync().WaitAsync(HangGuard);
        clock.Advance(TimeSpan.FromMilliseconds(4999));
        Assert.False(call.IsCompleted, "the retry was sent before Retry-After ended");
        Assert.Equal(1, send.Calls);
        clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(42, await call.WaitAsync(HangGuard));
        Assert.Equal([Start, Start.AddSeconds(5)], send.Times);
    }

    [Fact]
    public async Task Execute_429WithRetryAfterShorterThanBackoff_WaitsTheBackoff()
    {
        // Retry-After 1 ms, base delay 10 s: the back-off (8-12 s with jitter) is the longer wait and wins.
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(maxRetries: 1, retryDelay: TimeSpan.FromSeconds(10)), clock);
        var send = new FakeSend(clock, n => n == 0 ? throw Fail.RateLimited(TimeSpan.FromMilliseconds(1)) : 42);

        var call = send.Through(gate);
        await clock.WhenTimersPendingAsync().WaitAsync(HangGuard);
        clock.Advance(TimeSpan.FromMilliseconds(7999));
        Assert.False(call.IsCompleted, "retried after Retry-After although the back-off was longer");

        Assert.Equal(42, await DriveAsync(clock, call, TimeSpan.FromMilliseconds(100)));
        var gap = send.Times[1] - send.Times[0];
        Assert.InRange(gap, TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(12.1));
    }

    [Fact]
    public async Task Execute_503Repeatedly_BacksOffExponentiallyWithTwentyPercentJitter()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(maxRetries: 3, retryDelay: TimeSpan.FromSeconds(1), failureThreshold: 100), clock);
        var send = new FakeSend(clock, n => n < 3 ? throw Fail.Unavailable() : 42);

        Assert.Equal(42, await DriveAsync(clock, send.Through(gate), TimeSpan.FromMilliseconds(10)));

        var times = send.Times;
        Assert.Equal(4, times.Count);
        // Attempt n waits base * 2^n * [0.8, 1.2]; the clock moves in 10 ms steps, so a gap may read up to 10 ms long.
        Assert.InRange(times[1] - times[0], TimeSpan.FromMilliseconds(800), TimeSpan.FromMilliseconds(1210));
        Assert.InRange(times[2] - times[1], TimeSpan.FromMilliseconds(1600), TimeSpan.FromMilliseconds(2410));
        Assert.InRange(times[3] - times[2], TimeSpan.FromMilliseconds(3200), TimeSpan.FromMilliseconds(4810));
    }

    [Fact]
    public async Task Execute_CallScopeMaxRetries_StopsAfterThatManyRetriesAndThrowsTheLastFailure()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(maxRetries: 5, failureThreshold: 100), clock);
        var send = new FakeSend(clock, _ => throw Fail.Unavailable());

        Task<int> call;
        using (CallScope.Begin(new CallSettings(MaxRetries: 1, RetryDelay: TimeSpan.FromMilliseconds(100))))
        {
            call = send.Through(gate);
        }

        var error = await DriveToFailureAsync(clock, call, TimeSpan.FromMilliseconds(50));

        Assert.IsType<VenueUnavailableException>(error);
        Assert.Equal(2, send.Calls);
        // The scope's 100 ms base delay was used, not the policy's 1 s.
        Assert.InRange(send.Times[1] - send.Times[0], TimeSpan.FromMilliseconds(80), TimeSpan.FromMilliseconds(170));
    }

    [Fact]
    public async Task Execute_NoCallScope_UsesThePolicysMaxRetries()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(maxRetries: 2, retryDelay: TimeSpan.FromMilliseconds(100), failureThreshold: 100), clock);
        var send = new FakeSend(clock, _ => throw Fail.Unavailable());

        var error = await DriveToFailureAsync(clock, send.Through(gate), TimeSpan.FromMilliseconds(50));

        Assert.IsType<VenueUnavailableException>(error);
        Assert.Equal(3, send.Calls);
    }

    [Fact]
    public async Task Execute_RateLimitsBetweenFailures_DoNotSpendTheCallsRetries()
    {
        // Two retries allowed: 429, 503, 429, 429, 503, then an answer. Counting every refusal would give up at the third
        // attempt; rate limits are the venue pacing us and are retried on their own count, so the two 503s are the retries.
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(maxRetries: 2, retryDelay: TimeSpan.FromMilliseconds(100), failureThreshold: 100), clock);
        var send = new FakeSend(clock, n => n switch
        {
            0 or 2 or 3 => throw Fail.RateLimited(TimeSpan.FromSeconds(1)),
            1 or 4 => throw Fail.Unavailable(),
            _ => 42,
        });

        Assert.Equal(42, await DriveAsync(clock, send.Through(gate), TimeSpan.FromMilliseconds(50)));
        Assert.Equal(6, send.Calls);
    }

    [Fact]
    public async Task Execute_VenueKeepsAnswering429_GivesUpAfterTheRateLimitRetries()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(maxRetries: 2, retryDelay: TimeSpan.FromMilliseconds(100), failureThreshold: 100), clock);
        var send = new FakeSend(clock, _ => throw Fail.RateLimited(TimeSpan.FromSeconds(1)));

        var error = await DriveToFailureAsync(clock, send.Through(gate), TimeSpan.FromMilliseconds(100));

        Assert.IsType<VenueRateLimitedException>(error);
        Assert.Equal(ProviderGate.MaxRateLimitRetries + 1, send.Calls);
    }

    [Fact]
    public async Task Execute_CallScopeZeroRetries_SendsOnce()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(maxRetries: 3, failureThreshold: 100), clock);
        var send = new FakeSend(clock, _ => throw Fail.Unavailable());

        Task<int> call;
        using (CallScope.Begin(new CallSettings(MaxRetries: 0)))
        {
            call = send.Through(gate);
        }

        await Assert.ThrowsAsync<VenueUnavailableException>(() => call.WaitAsync(HangGuard));
        Assert.Equal(1, send.Calls);
    }

    [Fact]
    public async Task Execute_RetryAfterEndsPastTheDeadline_FailsAtOnceWithoutRetrying()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(maxRetries: 3), clock);
        var send = new FakeSend(clock, n => n == 0 ? throw Fail.RateLimited(TimeSpan.FromSeconds(5)) : 42);

        Task<int> call;
        using (CallScope.Begin(new CallSettings(Deadline: Start.AddSeconds(3))))
        {
            call = send.Through(gate);
        }

        var error = await Assert.ThrowsAsync<VenueRateLimitedException>(() => call.WaitAsync(HangGuard));
        Assert.Equal(TimeSpan.FromSeconds(5), error.RetryAfter);
        Assert.Equal(1, send.Calls);
        Assert.Equal(Start, clock.GetUtcNow());
    }

    [Fact]
    public async Task Execute_RetryAfterEndsBeforeTheDeadline_Retries()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(maxRetries: 3), clock);
        var send = new FakeSend(clock, n => n == 0 ? throw Fail.RateLimited(TimeSpan.FromSeconds(5)) : 42);

        Task<int> call;
        using (CallScope.Begin(new CallSettings(Deadline: Start.AddSeconds(6))))
        {
            call = send.Through(gate);
        }

        Assert.Equal(42, await DriveAsync(clock, call, TimeSpan.FromSeconds(1)));
        Assert.Equal(2, send.Calls);
    }

    [Fact]
    public async Task Execute_BackoffPassesTheDeadline_FailsWithoutRetrying()
    {
        // 503 without Retry-After: the first back-off is 0.8-1.2 s, past a deadline 0.5 s away.
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(maxRetries: 3, retryDelay: TimeSpan.FromSeconds(1), failureThreshold: 100), clock);
        var send = new FakeSend(clock, n => n == 0 ? throw Fail.Unavailable() : 42);

        Task<int> call;
        using (CallScope.Begin(new CallSettings(Deadline: Start.AddMilliseconds(500))))
        {
            call = send.Through(gate);
        }

        await Assert.ThrowsAsync<VenueUnavailableException>(() => call.WaitAsync(HangGuard));
        Assert.Equal(1, send.Calls);
    }

    public static TheoryData<string> NonTransient => new() { "400", "data", "banned", "forbidden" };

    [Theory]
    [MemberData(nameof(NonTransient))]
    public async Task Execute_NonTransientFailure_IsNotRetried(string kind)
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(maxRetries: 3, failureThreshold: 100), clock);
        VenueException failure = kind switch
        {
            "400" => Fail.BadRequest(),
            "data" => Fail.BadData(),
            "banned" => Fail.Banned(TimeSpan.FromMinutes(1)),
            _ => Fail.Forbidden(),
        };
        var send = new FakeSend(clock, n => n == 0 ? throw failure : 42);

        var error = await Assert.ThrowsAnyAsync<VenueException>(() => send.Through(gate).WaitAsync(HangGuard));

        Assert.Same(failure, error);
        Assert.Equal(1, send.Calls);
    }

    [Fact]
    public async Task Execute_SendNeverAnswers_TimesOutAfterAttemptTimeoutAsUnavailableAndCountsAFailure()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(maxRetries: 0, attemptTimeout: TimeSpan.FromSeconds(10), failureThreshold: 3), clock);
        var calls = 0;

        var call = gate.ExecuteAsync(new RequestCost(1), async ct =>
        {
            Interlocked.Increment(ref calls);
            await Task.Delay(Timeout.Infinite, ct);
            return 1;
        }, CancellationToken.None).AsTask();
        clock.Advance(TimeSpan.FromMilliseconds(9999));
        Assert.False(call.IsCompleted, "the attempt was abandoned before its timeout");
        clock.Advance(TimeSpan.FromMilliseconds(1));

        var error = await Assert.ThrowsAsync<VenueUnavailableException>(() => call.WaitAsync(HangGuard));
        Assert.IsType<TimeoutRejectedException>(error.InnerException);
        Assert.Contains("no answer within 10 s", error.Message, StringComparison.Ordinal);
        Assert.Equal("venue", error.Venue);
        Assert.Equal(1, calls);
        Assert.Equal(1, gate.Status.Breaker.ConsecutiveFailures);
    }

    [Fact]
    public async Task Execute_AttemptTimesOut_LastErrorIsTheMessageTheCallerGot()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(maxRetries: 0, attemptTimeout: TimeSpan.FromSeconds(10)), clock);

        var call = gate.ExecuteAsync(new RequestCost(1), async ct =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return 1;
        }, CancellationToken.None).AsTask();
        clock.Advance(TimeSpan.FromSeconds(10));

        var error = await Assert.ThrowsAsync<VenueUnavailableException>(() => call.WaitAsync(HangGuard));
        Assert.Equal(error.Message, gate.Status.LastError);
        Assert.Equal(error.Message, gate.Status.Breaker.LastError);
    }

    [Fact]
    public async Task Execute_TimeoutsReachTheFailureThreshold_OpenTheBreaker()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(maxRetries: 0, attemptTimeout: TimeSpan.FromSeconds(5), failureThreshold: 2), clock);

        for (var i = 0; i < 2; i++)
        {
            var call = gate.ExecuteAsync(new RequestCost(1), async ct =>
            {
                await Task.Delay(Timeout.Infinite, ct);
                return 1;
            }, CancellationToken.None).AsTask();
            clock.Advance(TimeSpan.FromSeconds(5));
            await Assert.ThrowsAsync<VenueUnavailableException>(() => call.WaitAsync(HangGuard));
        }

        Assert.Equal(BreakerState.Open, gate.Status.Breaker.State);
        Assert.Equal(FetchStatus.Down, gate.Status.Health);
    }

    [Fact]
    public async Task Execute_TimedOutAttempt_IsRetriedAsTransient()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(maxRetries: 1, retryDelay: TimeSpan.FromMilliseconds(100), attemptTimeout: TimeSpan.FromSeconds(1), failureThreshold: 100), clock);
        var calls = 0;

        var call = gate.ExecuteAsync(new RequestCost(1), async ct =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                await Task.Delay(Timeout.Infinite, ct);
            }

            return 7;
        }, CancellationToken.None).AsTask();

        Assert.Equal(7, await DriveAsync(clock, call, TimeSpan.FromMilliseconds(100)));
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task Execute_CallerCancels_ThrowsCanceledAndDoesNotCountAFailure()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(maxRetries: 3, failureThreshold: 1), clock);
        using var cancel = new CancellationTokenSource();

        var call = gate.ExecuteAsync(new RequestCost(1), async ct =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return 1;
        }, cancel.Token).AsTask();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(HangGuard));
        Assert.Equal(BreakerState.Closed, gate.Status.Breaker.State);
        Assert.Equal(0, gate.Status.Breaker.ConsecutiveFailures);
    }
}

using CryptoRun.Domain;
using CryptoRun.Resilience;
using CryptoRun.Tests.TestSupport;
using static CryptoRun.Tests.Resilience.GateKit;

namespace CryptoRun.Tests.Resilience;

/// <summary>
/// The gate under calls in flight together (a backfill's parallel pages): the breaker judges the
/// requests in the order they were sent, a page keeps its retries, a ban is waited out by every call
/// that may wait, and a breaker that does stop the calls says so.
/// </summary>
public sealed class ProviderGateParallelTests
{
    [Fact]
    public async Task Execute_ParallelCalls_ASlowSuccessSentBetweenFailuresBreaksTheirRun()
    {
        // Sent in this order: fail, slow success, fail, fail. The two failures after the slow one answer
        // before it: three failures came back in a row, but no three requests sent in a row failed.
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(failureThreshold: 3), clock);
        var send = new ScriptedSend();
        var slow = send.Hold(1);

        await Assert.ThrowsAsync<VenueUnavailableException>(() => send.Through(gate, Outcome.Failure));
        var held = send.Through(gate, Outcome.Succeed);
        await slow.Sent.WaitAsync(HangGuard);
        await Assert.ThrowsAsync<VenueUnavailableException>(() => send.Through(gate, Outcome.Failure));
        await Assert.ThrowsAsync<VenueUnavailableException>(() => send.Through(gate, Outcome.Failure));

        Assert.Equal(BreakerState.Closed, gate.Status.Breaker.State);
        Assert.Equal(2, gate.Status.Breaker.ConsecutiveFailures);

        slow.Release();
        Assert.Equal(42, await held.WaitAsync(HangGuard));
        Assert.Equal(BreakerState.Closed, gate.Status.Breaker.State);
        Assert.Equal(2, gate.Status.Breaker.ConsecutiveFailures);

        // A third failure sent after the last two makes three in a row: the breaker still opens.
        await Assert.ThrowsAsync<VenueUnavailableException>(() => send.Through(gate, Outcome.Failure));
        Assert.Equal(BreakerState.Open, gate.Status.Breaker.State);
        Assert.Equal(5, send.Sent);
    }

    [Fact]
    public async Task Execute_ParallelCallsOneBanned_EveryCallThatMayWaitWaitsForTheBanEndThenSucceeds()
    {
        // The first call's answer is a 418 with Retry-After 15 s; two more calls start during the ban. All may
        // wait (no fallback, deadline in 10 minutes): none sends before the ban ends, then all three succeed.
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(maxRetries: 3, successThreshold: 3), clock);
        var send = new ScriptedSend(clock);

        Task<int>[] calls;
        using (CallScope.Begin(new CallSettings(Deadline: Start.AddMinutes(10), WaitForBan: true)))
        {
            calls = [send.Through(gate, Outcome.Ban(TimeSpan.FromSeconds(15))), send.Through(gate, Outcome.Succeed), send.Through(gate, Outcome.Succeed)];
        }

        var results = await DriveAsync(clock, Task.WhenAll(calls), TimeSpan.FromSeconds(1));

        Assert.Equal([42, 42, 42], results);
        Assert.Equal(Start, send.Times[0]);
        Assert.Equal(4, send.Sent);
        Assert.All(send.Times.Skip(1), t => Assert.True(t >= Start.AddSeconds(15), $"a request was sent at {t:O}, inside the ban"));
        Assert.Equal(BreakerState.Closed, gate.Status.Breaker.State);
    }

    [Fact]
    public async Task Execute_FailureOpensTheBreaker_TheMessageNamesTheBreakerTheCauseAndWhenItReopens()
    {
        var clock = new ManualClock(Start);
        using var gate = new ProviderGate(Policy(maxRetries: 5, retryDelay: TimeSpan.FromMilliseconds(100), failureThreshold: 2, openTimeout: TimeSpan.FromMinutes(2)), clock);
        var send = new FakeSend(clock, _ => throw Fail.Unavailable());

        var error = await DriveToFailureAsync(clock, send.Through(gate), TimeSpan.FromMilliseconds(50));

        Assert.IsType<VenueUnavailableException>(error);
        Assert.Equal(2, send.Calls);
        var reopens = gate.Status.Breaker.OpenUntil!.Value;
        Assert.Contains("HTTP 503 service unavailable", error.Message, StringComparison.Ordinal);
        Assert.Contains("circuit breaker", error.Message, StringComparison.Ordinal);
        Assert.Contains("2 consecutive failures", error.Message, StringComparison.Ordinal);
        Assert.Contains(TimeRange.Format(reopens.ToUnixTimeMilliseconds()), error.Message, StringComparison.Ordinal);
    }

    /// <summary>What one scripted attempt does.</summary>
    private sealed record Outcome(Func<int>? Act)
    {
        public static Outcome Succeed { get; } = new(() => 42);

        public static Outcome Failure { get; } = new(() => throw Fail.Unavailable());

        public static Outcome Ban(TimeSpan retryAfter) => new(() => throw Fail.Banned(retryAfter));
    }

    /// <summary>A request the test holds in flight until it says so.</summary>
    private sealed class Held
    {
        private readonly TaskCompletionSource _sent = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Sent => _sent.Task;

        public Task Released => _released.Task;

        public void MarkSent() => _sent.TrySetResult();

        public void Release() => _released.TrySetResult();
    }

    /// <summary>
    /// Sends scripted per call: a call's first attempt does what the test says, later attempts (retries) succeed;
    /// the n-th request sent (0-based) can be held in flight.
    /// </summary>
    private sealed class ScriptedSend(TimeProvider? clock = null)
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<int, Held> _holds = [];
        private readonly List<DateTimeOffset> _times = [];

        public int Sent
        {
            get
            {
                lock (_lock)
                {
                    return _times.Count;
                }
            }
        }

        public IReadOnlyList<DateTimeOffset> Times
        {
            get
            {
                lock (_lock)
                {
                    return [.. _times];
                }
            }
        }

        public Held Hold(int request)
        {
            var held = new Held();
            lock (_lock)
            {
                _holds[request] = held;
            }

            return held;
        }

        public Task<int> Through(ProviderGate gate, Outcome first)
        {
            var attempts = 0;
            return gate.ExecuteAsync(new RequestCost(1), async _ =>
            {
                Held? held;
                lock (_lock)
                {
                    held = _holds.GetValueOrDefault(_times.Count);
                    _times.Add(clock?.GetUtcNow() ?? Start);
                }

                if (held is not null)
                {
                    held.MarkSent();
                    await held.Released.ConfigureAwait(false);
                }

                return attempts++ == 0 ? first.Act!() : 42;
            }, CancellationToken.None).AsTask();
        }
    }
}

using CryptoRun.Domain;
using CryptoRun.Resilience;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Resilience;

/// <summary>Policies, venue failures and a clock driver for tests of <see cref="ProviderGate"/>.</summary>
internal static class GateKit
{
    /// <summary>A Tuesday noon, UTC: 12 hours before the day budget resets, 30 s into nothing in particular.</summary>
    internal static readonly DateTimeOffset Start = new(2026, 9, 1, 12, 0, 0, TimeSpan.Zero);

    internal static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(10);

    /// <summary>A policy with no budgets and no default retries unless asked: each test states what it relies on.</summary>
    internal static ProviderPolicy Policy(
        string name = "venue",
        int maxRetries = 0,
        TimeSpan? retryDelay = null,
        int failureThreshold = 3,
        int successThreshold = 2,
        TimeSpan? openTimeout = null,
        TimeSpan? attemptTimeout = null,
        RateLimitOptions? limits = null,
        CacheTtlOptions? cache = null,
        bool enabled = true,
        int maxConcurrent = 10)
        => new()
        {
            Name = name,
            Enabled = enabled,
            MaxRetries = maxRetries,
            RetryDelay = retryDelay ?? TimeSpan.FromSeconds(1),
            AttemptTimeout = attemptTimeout ?? TimeSpan.FromSeconds(10),
            RateLimits = limits ?? new RateLimitOptions(),
            Cache = cache ?? new CacheTtlOptions(),
            CircuitBreaker = new CircuitBreakerOptions
            {
                FailureThreshold = failureThreshold,
                SuccessThreshold = successThreshold,
                OpenTimeout = openTimeout ?? TimeSpan.FromMinutes(2),
                MaxConcurrent = maxConcurrent,
            },
        };

    /// <summary>
    /// Moves the clock in <paramref name="step"/>s while <paramref name="task"/> waits on it (retry
    /// back-offs, ban waits), advancing only once a timer is pending; fails rather than hangs.
    /// </summary>
    internal static async Task<T> DriveAsync<T>(ManualClock clock, Task<T> task, TimeSpan step, int maxSteps = 20_000)
    {
        for (var i = 0; i < maxSteps && !task.IsCompleted; i++)
        {
            await Task.WhenAny(task, clock.WhenTimersPendingAsync()).WaitAsync(HangGuard);
            if (!task.IsCompleted)
            {
                clock.Advance(step);
            }
        }

        return await task.WaitAsync(HangGuard);
    }

    internal static async Task<Exception> DriveToFailureAsync<T>(ManualClock clock, Task<T> task, TimeSpan step)
    {
        try
        {
            await DriveAsync(clock, task, step);
        }
        catch (Exception ex) when (ex is not TimeoutException)
        {
            return ex;
        }

        throw new Xunit.Sdk.XunitException("expected the call to fail, but it succeeded");
    }
}

/// <summary>The typed failures a connector throws, as the gate sees them.</summary>
internal static class Fail
{
    internal static VenueRateLimitedException RateLimited(TimeSpan? retryAfter, string venue = "venue")
        => new(venue, $"{venue}: HTTP 429 too many requests") { StatusCode = 429, RetryAfter = retryAfter };

    internal static VenueUnavailableException Unavailable(string venue = "venue")
        => new(venue, $"{venue}: HTTP 503 service unavailable") { StatusCode = 503 };

    internal static VenueRequestException Forbidden(string venue = "venue")
        => new(venue, $"{venue}: HTTP 403 forbidden (WAF)") { StatusCode = 403 };

    internal static VenueBannedException Banned(TimeSpan? retryAfter, string venue = "venue")
        => new(venue, $"{venue}: HTTP 418 IP banned") { StatusCode = 418, RetryAfter = retryAfter };

    internal static VenueRequestException BadRequest(string venue = "venue")
        => new(venue, $"{venue}: HTTP 400 invalid symbol") { StatusCode = 400 };

    internal static VenueDataException BadData(string venue = "venue")
        => new(venue, $"{venue}: field 'price' missing at $.data[0]");
}

/// <summary>
/// A hand-written send: call <c>n</c> (0-based) does what <c>script(n)</c> says (return a value or
/// throw), and every call is counted with the clock's time.
/// </summary>
internal sealed class FakeSend(TimeProvider clock, Func<int, int> script)
{
    private readonly Lock _lock = new();
    private readonly List<DateTimeOffset> _times = [];

    /// <summary>A send that always answers 42.</summary>
    internal FakeSend(TimeProvider clock)
        : this(clock, _ => 42)
    {
    }

    internal int Calls
    {
        get
        {
            lock (_lock)
            {
                return _times.Count;
            }
        }
    }

    internal IReadOnlyList<DateTimeOffset> Times
    {
        get
        {
            lock (_lock)
            {
                return [.. _times];
            }
        }
    }

    internal ValueTask<int> SendAsync(CancellationToken cancellationToken)
    {
        int n;
        lock (_lock)
        {
            n = _times.Count;
            _times.Add(clock.GetUtcNow());
        }

        try
        {
            return ValueTask.FromResult(script(n));
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<int>(ex);
        }
    }

    internal Task<int> Through(IRequestGate gate, CancellationToken cancellationToken = default)
        => gate.ExecuteAsync(new RequestCost(1), SendAsync, cancellationToken).AsTask();
}

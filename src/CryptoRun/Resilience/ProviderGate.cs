using System.Threading.RateLimiting;
using CryptoRun.Domain;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace CryptoRun.Resilience;

/// <summary>A provider's health at one moment (seed 002's provider_health row, and more).</summary>
/// <param name="Provider">The provider.</param>
/// <param name="Health">OK; DEGRADED (half-open, or a budget spent); DOWN (open or banned).</param>
/// <param name="Breaker">The circuit breaker.</param>
/// <param name="Budget">Each budget window's use.</param>
/// <param name="DepletedUntil">When a spent hour/day/month budget resets; null when none is spent.</param>
/// <param name="LastOkAt">The last successful request (UTC).</param>
/// <param name="LastError">The last failure's message.</param>
/// <param name="UpdatedAt">When this state began (UTC).</param>
public sealed record ProviderStatus(
    string Provider,
    FetchStatus Health,
    BreakerSnapshot Breaker,
    IReadOnlyList<BudgetUse> Budget,
    DateTimeOffset? DepletedUntil,
    DateTimeOffset? LastOkAt,
    string? LastError,
    DateTimeOffset UpdatedAt);

/// <summary>A call held until a ban ends (see <see cref="ProviderGate.WaitingForBan"/>).</summary>
/// <param name="Provider">The banned provider.</param>
/// <param name="Until">When the ban ends (UTC): nothing is sent before then.</param>
/// <param name="Deadline">The call's deadline, which the ban ends before; null for none.</param>
/// <param name="Reason">What the venue said (the 418's message).</param>
public sealed record BanWait(string Provider, DateTimeOffset Until, DateTimeOffset? Deadline, string Reason);

/// <summary>
/// A provider's resilience pipeline, composed with Polly v8 over System.Threading.RateLimiting:
/// retry (exponential backoff with jitter, honouring <c>Retry-After</c>; each attempt re-enters
/// everything below) → circuit breaker (<see cref="ProviderBreaker"/>) → request budget
/// (<see cref="RequestBudget"/>: weights, windows, venue resync) and concurrency limit → the breaker's
/// ticket (the order requests leave in) → per-attempt timeout → the request. A 429's <c>Retry-After</c>
/// holds every later attempt of any call until it has passed. Reads time only through the injected
/// <see cref="TimeProvider"/>. With an <see cref="ISharedRateBudget"/>, each attempt also takes its weight
/// from the cluster-wide waiting windows, so workers on one IP stay under the venue's limit together.
/// </summary>
/// <remarks>
/// A ban (HTTP 418, learned from any answer, the market metadata's included, or met at the breaker because
/// another call learned it) is waited out when the call's <see cref="CallSettings.WaitForBan"/> allows and the
/// ban ends before its <see cref="CallSettings.Deadline"/>: nothing is sent before the ban ends, the wait uses
/// none of the call's retries, and <see cref="WaitingForBan"/> is raised so the caller can show it.
/// </remarks>
public sealed class ProviderGate : IRequestGate, IDisposable
{
    private static readonly ResiliencePropertyKey<RequestCost> CostKey = new("cryptorun.cost");
    private static readonly ResiliencePropertyKey<CallSettings?> SettingsKey = new("cryptorun.settings");
    private static readonly ResiliencePropertyKey<TimeSpan> NextDelayKey = new("cryptorun.next-delay");
    private static readonly ResiliencePropertyKey<int> RetriesKey = new("cryptorun.retries");
    private static readonly ResiliencePropertyKey<int> RateLimitRetriesKey = new("cryptorun.rate-limit-retries");

    /// <summary>Rate-limit answers (429, and those a venue states in a 200) retried per call, apart from its retries of failures (none when the call allows no retries).</summary>
    internal const int MaxRateLimitRetries = 10;

    private readonly ProviderPolicy _policy;
    private readonly TimeProvider _time;
    private readonly ProviderBreaker _breaker;
    private readonly RequestBudget _budget;
    private readonly ConcurrencyLimiter _concurrency;
    private readonly ISharedRateBudget? _shared;
    private readonly ResiliencePipeline _pipeline;
    private readonly Lock _lock = new();
    private DateTimeOffset? _lastOkAt;
    private string? _lastError;
    private FetchStatus _lastHealth = FetchStatus.Ok;
    private DateTimeOffset _updatedAt;
    private long _retryAfterUntilTicks;

    /// <summary>Builds the gate.</summary>
    /// <param name="policy">The provider's policy (budgets, breaker, timeout, default retries).</param>
    /// <param name="time">The clock.</param>
    /// <param name="sharedBudget">
    /// A budget shared with other workers (the PostgreSQL store's), or null (the default) for local budgets only.
    /// When set, every attempt, after the local budget, takes its weight from the shared spacing, per-second
    /// and per-minute windows too, waiting on <paramref name="time"/> for the next window when one is spent.
    /// </param>
    public ProviderGate(ProviderPolicy policy, TimeProvider time, ISharedRateBudget? sharedBudget = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        _policy = policy;
        _time = time;
        _shared = sharedBudget;
        _updatedAt = time.GetUtcNow();
        _breaker = new ProviderBreaker(policy.Name, policy.CircuitBreaker, time);
        _breaker.Changed += (snapshot, reason) => Publish(reason);
        _budget = new RequestBudget(policy.Name, Windows(policy.RateLimits), time);
        _budget.WindowReset += window => Publish($"{window.Key} budget window reset");
        _concurrency = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = Math.Max(1, policy.CircuitBreaker.MaxConcurrent),
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                // ShouldRetry decides (the call's retries of transient failures, plus ban waits bounded by its deadline); this only guards.
                MaxRetryAttempts = 1000,
                ShouldHandle = ShouldRetry,
                DelayGenerator = args => new ValueTask<TimeSpan?>(args.Context.Properties.GetValue(NextDelayKey, TimeSpan.Zero)),
            })
            .AddStrategy(_ => _breaker)
            .AddStrategy(_ => new BudgetStrategy(this, _concurrency))
            .AddStrategy(_ => _breaker.Sending)
            .AddStrategy(_ => new NamedTimeoutStrategy(policy.Name, policy.AttemptTimeout))
            .AddTimeout(policy.AttemptTimeout)
            .Build();
    }

    /// <summary>Raised after every change of state (breaker, budget, health), with the reason.</summary>
    public event Action<ProviderStatus, string>? StatusChanged;

    /// <summary>
    /// Raised when a call is held until a ban ends (its <see cref="CallSettings.WaitForBan"/> allows it and the ban
    /// ends before its deadline), once per call and wait, on the calling flow, before the wait begins.
    /// </summary>
    public event Action<BanWait>? WaitingForBan;

    /// <summary>The provider's name.</summary>
    public string Provider => _policy.Name;

    /// <summary>The provider's policy.</summary>
    public ProviderPolicy Policy => _policy;

    /// <summary>The provider's state now.</summary>
    public ProviderStatus Status
    {
        get
        {
            var breaker = _breaker.Snapshot;
            var depleted = _budget.DepletedUntil;
            lock (_lock)
            {
                return new ProviderStatus(Provider, HealthOf(breaker, depleted), breaker, _budget.Use, depleted, _lastOkAt, _lastError ?? breaker.LastError, _updatedAt);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask<T> ExecuteAsync<T>(RequestCost cost, Func<CancellationToken, ValueTask<T>> send, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(send);
        var settings = CallScope.Current;
        await WaitOutBanAsync(settings, cancellationToken).ConfigureAwait(false);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(CostKey, cost);
        context.Properties.Set(SettingsKey, settings);
        try
        {
            var outcome = await _pipeline.ExecuteOutcomeAsync(
                static async (ctx, state) =>
                {
                    try
                    {
                        return Outcome.FromResult(await state(ctx.CancellationToken).ConfigureAwait(false));
                    }
                    catch (Exception ex)
                    {
                        // Every failure is an outcome: Polly's timeout turns its own cancellation into TimeoutRejectedException,
                        // which NamedTimeoutStrategy names as the provider's VenueUnavailableException.
                        return Outcome.FromException<T>(ex);
                    }
                },
                context,
                send).ConfigureAwait(false);
            Observe(outcome.Exception);
            return outcome.Exception is { } error ? throw Rethrow(Explain(error)) : outcome.Result!;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <inheritdoc />
    public void SyncUsed(string windowKey, int used) => _budget.Sync(windowKey, used);

    /// <inheritdoc />
    public void ConfigureLimits(IEnumerable<BudgetWindow> windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        var published = windows.Where(w => w.Waits).ToList();
        if (published.Count == 0)
        {
            return;
        }

        var kept = _budget.Use.Select(u => u.Window).Where(w => !w.Waits);
        _budget.Configure(published.Concat(kept));
    }

    /// <summary>Opens the breaker until <paramref name="until"/> as a ban (for a ban learned elsewhere).</summary>
    /// <param name="until">When the ban ends.</param>
    /// <param name="reason">Why, for the health record.</param>
    public void Ban(DateTimeOffset until, string reason) => _breaker.Ban(until, reason);

    /// <summary>Stops timers and limiters.</summary>
    public void Dispose()
    {
        _budget.Dispose();
        _concurrency.Dispose();
    }

    /// <summary>The budget windows of seed 000's rate-limit table.</summary>
    /// <param name="limits">The configured limits.</param>
    /// <returns>Second and minute (wait), hour, day and month windows for the limits that are set.</returns>
    public static IReadOnlyList<BudgetWindow> Windows(RateLimitOptions limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var windows = new List<BudgetWindow>();
        // N per second is paced as one request per 1000/N ms: fixed one-second windows would let N pass at the
        // end of one second and N more at the start of the next, over a venue's burst (Coinbase: 10/s, bursts of 15).
        if (limits.RequestsPerSecond is { } perSecond)
        {
            windows.Add(new BudgetWindow(BudgetPeriod.Millisecond, Math.Max(1, 1000 / perSecond), 1));
        }

        if (limits.RequestsPerMinute is { } perMinute)
        {
            windows.Add(new BudgetWindow(BudgetPeriod.Minute, 1, perMinute));
        }

        if (limits.RequestsPerHour is { } perHour)
        {
            windows.Add(new BudgetWindow(BudgetPeriod.Hour, 1, perHour));
        }

        if (limits.DailyBudget is { } daily)
        {
            windows.Add(new BudgetWindow(BudgetPeriod.Day, 1, daily));
        }

        if (limits.MonthlyBudget is { } monthly)
        {
            windows.Add(new BudgetWindow(BudgetPeriod.Month, 1, monthly));
        }

        return windows;
    }

    /// <summary>
    /// A failure that ends a call while the breaker is open (this failure opened it, or stopped the call's retries):
    /// the message also names the breaker, how many failures opened it and when it lets a probe through.
    /// </summary>
    private Exception Explain(Exception error)
    {
        if (error is not VenueUnavailableException failure || _breaker.Snapshot is not { State: BreakerState.Open, Banned: false, OpenUntil: { } until } breaker)
        {
            return error;
        }

        return new VenueUnavailableException(
            failure.Venue,
            $"{failure.Message}; {Provider}'s circuit breaker is open after {breaker.ConsecutiveFailures} consecutive failures: nothing is sent before {TimeRange.Format(until.ToUnixTimeMilliseconds())} (then one probe)",
            failure)
        {
            RetryAfter = failure.RetryAfter,
            StatusCode = failure.StatusCode,
            VenueCode = failure.VenueCode,
        };
    }

    private static Exception Rethrow(Exception error)
    {
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
        return error;
    }

    private static FetchStatus HealthOf(BreakerSnapshot breaker, DateTimeOffset? depleted) => breaker.State switch
    {
        BreakerState.Open => FetchStatus.Down,
        BreakerState.HalfOpen => FetchStatus.Degraded,
        _ => depleted is null ? FetchStatus.Ok : FetchStatus.Degraded,
    };

    private async ValueTask WaitOutBanAsync(CallSettings? settings, CancellationToken cancellationToken)
    {
        var breaker = _breaker.Snapshot;
        if (!breaker.Banned || breaker.OpenUntil is not { } until || settings is not { WaitForBan: true })
        {
            return;
        }

        if (settings.Deadline is { } deadline && until > deadline)
        {
            throw new ProviderUnavailableException(Provider, UnavailableReason.Banned, until,
                $"{Provider}: banned (HTTP 418) until {TimeRange.Format(until.ToUnixTimeMilliseconds())}, after the deadline {TimeRange.Format(deadline.ToUnixTimeMilliseconds())}; nothing was sent");
        }

        var wait = until - _time.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            WaitingForBan?.Invoke(new BanWait(Provider, until, settings.Deadline, breaker.LastError ?? "banned (HTTP 418)"));
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Takes the local budget, then the shared waiting windows; throws <see cref="ProviderUnavailableException"/> when one resets after the deadline.</summary>
    private async ValueTask AcquireAsync(int weight, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        await _budget.AcquireAsync(weight, deadline, cancellationToken).ConfigureAwait(false);
        if (_shared is null)
        {
            return;
        }

        // Longest window first: waiting for the next minute then wastes no units already taken from a shorter window.
        var windows = _budget.Use.Select(u => u.Window).Where(w => w.Waits).OrderByDescending(w => w.NextBoundary(DateTimeOffset.MinValue)).ToList();
        foreach (var window in windows)
        {
            var units = Math.Min(Math.Max(weight, 1), window.Limit);
            while (true)
            {
                var take = await _shared.TryTakeAsync(Provider, window, units, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                if (take.Granted)
                {
                    break;
                }

                if (deadline is { } last && last < take.ResetsAt)
                {
                    throw new ProviderUnavailableException(Provider, UnavailableReason.RateWindowPastDeadline, take.ResetsAt,
                        $"{Provider}: the cluster-wide {window.Key} window of {window.Limit} is spent; it resets at {TimeRange.Format(take.ResetsAt.ToUnixTimeMilliseconds())}, after the deadline");
                }

                var wait = take.ResetsAt - _time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>
    /// Waits until the <c>Retry-After</c> of the provider's last 429 has passed, so that no request of any call goes out
    /// before the venue allows it (Binance bans an IP that sends anything inside that window).
    /// </summary>
    /// <exception cref="ProviderUnavailableException">The wait would end after the caller's deadline; nothing was sent.</exception>
    private async ValueTask WaitOutRetryAfterAsync(DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        var ticks = Interlocked.Read(ref _retryAfterUntilTicks);
        if (ticks == 0)
        {
            return;
        }

        var until = new DateTimeOffset(ticks, TimeSpan.Zero);
        var wait = until - _time.GetUtcNow();
        if (wait <= TimeSpan.Zero)
        {
            return;
        }

        if (deadline is { } last && last < until)
        {
            throw new ProviderUnavailableException(Provider, UnavailableReason.RateWindowPastDeadline, until,
                $"{Provider}: the venue asked for no request before {TimeRange.Format(until.ToUnixTimeMilliseconds())} (Retry-After of an HTTP 429), after the deadline; nothing was sent");
        }

        await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Remembers a 429's <c>Retry-After</c> for every later request of the provider.</summary>
    private void NoteRetryAfter(Exception? error)
    {
        if (error is not VenueRateLimitedException { RetryAfter: { } after } || after <= TimeSpan.Zero)
        {
            return;
        }

        LatestTime.Raise(ref _retryAfterUntilTicks, (_time.GetUtcNow() + after).UtcTicks);
    }

    private ValueTask<bool> ShouldRetry(RetryPredicateArguments<object> args)
    {
        if (args.Outcome.Exception is not { } error)
        {
            return ValueTask.FromResult(false);
        }

        var settings = args.Context.Properties.GetValue(SettingsKey, null);
        var now = _time.GetUtcNow();

        // A ban (this answer's 418, or the breaker's refusal because another call met one) is waited out when the
        // call may wait and the ban ends before its deadline; the wait uses none of the call's retries.
        var banEnd = error switch
        {
            VenueBannedException when _breaker.Snapshot is { Banned: true, OpenUntil: { } until } => until,
            ProviderUnavailableException { Reason: UnavailableReason.Banned } refused => refused.Until,
            _ => (DateTimeOffset?)null,
        };
        if (banEnd is { } end && settings is { WaitForBan: true } && (settings.Deadline is not { } last || end <= last))
        {
            args.Context.Properties.Set(NextDelayKey, end > now ? end - now : TimeSpan.Zero);
            WaitingForBan?.Invoke(new BanWait(Provider, end, settings.Deadline, error.Message));
            return ValueTask.FromResult(true);
        }

        var transient = error is VenueException { IsTransient: true } && error is not ProviderUnavailableException;

        // A rate limit is the venue pacing us, not a failure of the request: it is retried on its own count (after its
        // Retry-After, which holds every request of the provider), so a page keeps its retries for real failures. In a chain
        // with a fallback left, rate limits count as retries, so the chain moves on after its max_retries (seed 000).
        var rateLimited = error is VenueRateLimitedException && settings is not { HasFallback: true };
        var key = rateLimited ? RateLimitRetriesKey : RetriesKey;
        var retries = args.Context.Properties.GetValue(key, 0);
        var maxRetries = settings?.MaxRetries ?? _policy.MaxRetries;
        var allowed = rateLimited && maxRetries > 0 ? Math.Max(maxRetries, MaxRateLimitRetries) : maxRetries;

        // A failure that opened the breaker ends the call with that failure: the next attempt would only be refused.
        if (!transient || retries >= allowed || _breaker.Snapshot.State == BreakerState.Open)
        {
            return ValueTask.FromResult(false);
        }

        // Honour Retry-After; otherwise exponential backoff from the call's base delay, with +-20 % jitter.
        var baseDelay = settings?.RetryDelay ?? _policy.RetryDelay;
        var backoff = TimeSpan.FromTicks((long)(baseDelay.Ticks * Math.Pow(2, Math.Min(retries, 4)) * (0.8 + (0.4 * Random.Shared.NextDouble()))));
        var delay = (error as VenueException)?.RetryAfter is { } retryAfter && retryAfter > backoff ? retryAfter : backoff;
        if (settings?.Deadline is { } deadline && now + delay > deadline)
        {
            return ValueTask.FromResult(false);
        }

        args.Context.Properties.Set(key, retries + 1);
        args.Context.Properties.Set(NextDelayKey, delay);
        return ValueTask.FromResult(true);
    }

    private void Observe(Exception? error)
    {
        lock (_lock)
        {
            if (error is null)
            {
                _lastOkAt = _time.GetUtcNow();
                _lastError = null;
            }
            else if (error is not ProviderUnavailableException and not OperationCanceledException)
            {
                _lastError = error.Message;
            }
        }

        if (Status.Health != _lastHealth)
        {
            Publish(error is null ? "recovered" : error.Message);
        }
    }

    private void Publish(string reason)
    {
        ProviderStatus status;
        lock (_lock)
        {
            _updatedAt = _time.GetUtcNow();
        }

        status = Status;
        lock (_lock)
        {
            _lastHealth = status.Health;
        }

        StatusChanged?.Invoke(status, reason);
    }

    /// <summary>Names an attempt's timeout: Polly's <see cref="TimeoutRejectedException"/> becomes the provider's <see cref="VenueUnavailableException"/> ("no answer within N s"), so the breaker, the health record and the caller all see the same message.</summary>
    private sealed class NamedTimeoutStrategy(string provider, TimeSpan timeout) : ResilienceStrategy
    {
        protected override async ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
            Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback,
            ResilienceContext context,
            TState state)
        {
            var outcome = await callback(context, state).ConfigureAwait(context.ContinueOnCapturedContext);
            return outcome.Exception is TimeoutRejectedException rejected
                ? Outcome.FromException<TResult>(new VenueUnavailableException(provider, $"{provider}: no answer within {timeout.TotalSeconds:0.#} s", rejected))
                : outcome;
        }
    }

    /// <summary>Waits out the last 429's <c>Retry-After</c>, takes the request's weight from the budgets (local, then shared) and a concurrency slot before letting it through; remembers a 429's <c>Retry-After</c> for every later request.</summary>
    private sealed class BudgetStrategy(ProviderGate gate, ConcurrencyLimiter concurrency) : ResilienceStrategy
    {
        protected override async ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
            Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback,
            ResilienceContext context,
            TState state)
        {
            var cost = context.Properties.GetValue(CostKey, new RequestCost(1));
            var settings = context.Properties.GetValue(SettingsKey, null);
            try
            {
                await gate.WaitOutRetryAfterAsync(settings?.Deadline, context.CancellationToken).ConfigureAwait(context.ContinueOnCapturedContext);
                await gate.AcquireAsync(cost.Weight, settings?.Deadline, context.CancellationToken).ConfigureAwait(context.ContinueOnCapturedContext);
            }
            catch (ProviderUnavailableException refused)
            {
                return Outcome.FromException<TResult>(refused);
            }

            using var slot = await concurrency.AcquireAsync(1, context.CancellationToken).ConfigureAwait(context.ContinueOnCapturedContext);
            try
            {
                // A 429 may have come back to another call while this one waited for its slot.
                await gate.WaitOutRetryAfterAsync(settings?.Deadline, context.CancellationToken).ConfigureAwait(context.ContinueOnCapturedContext);
            }
            catch (ProviderUnavailableException refused)
            {
                return Outcome.FromException<TResult>(refused);
            }

            var outcome = await callback(context, state).ConfigureAwait(context.ContinueOnCapturedContext);
            gate.NoteRetryAfter(outcome.Exception);
            return outcome;
        }
    }
}

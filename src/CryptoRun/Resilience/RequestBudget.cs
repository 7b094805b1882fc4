using System.Globalization;
using System.Threading.RateLimiting;
using CryptoRun.Domain;

namespace CryptoRun.Resilience;

/// <summary>The unit of a budget window's length.</summary>
public enum BudgetPeriod
{
    /// <summary>Milliseconds: spacing windows that pace a per-second limit (one request per 1000/N ms).</summary>
    Millisecond,

    /// <summary>Seconds (Binance <c>SECOND</c>).</summary>
    Second,

    /// <summary>Minutes (Binance <c>MINUTE</c>).</summary>
    Minute,

    /// <summary>Hours.</summary>
    Hour,

    /// <summary>Days (UTC).</summary>
    Day,

    /// <summary>Calendar months (UTC).</summary>
    Month,
}

/// <summary>
/// One request budget: at most <paramref name="Limit"/> units (requests, or Binance request weight)
/// per <paramref name="Count"/> <paramref name="Period"/>s, in windows aligned to UTC boundaries
/// (the clock minute, hour, day; the calendar month), as venues count them.
/// </summary>
/// <param name="Period">The unit.</param>
/// <param name="Count">How many units one window spans (Binance <c>intervalNum</c>).</param>
/// <param name="Limit">Units allowed per window.</param>
public sealed record BudgetWindow(BudgetPeriod Period, int Count, int Limit)
{
    /// <summary>
    /// The window's key, as Binance names it in <c>X-MBX-USED-WEIGHT-(n)(S|M|H|D)</c>: <c>1M</c>,
    /// <c>10S</c>, <c>1H</c>, <c>1D</c>; months are <c>1MO</c>, spacing windows <c>100MS</c>.
    /// </summary>
    public string Key => Count.ToString(CultureInfo.InvariantCulture) + Period switch
    {
        BudgetPeriod.Millisecond => "MS",
        BudgetPeriod.Second => "S",
        BudgetPeriod.Minute => "M",
        BudgetPeriod.Hour => "H",
        BudgetPeriod.Day => "D",
        _ => "MO",
    };

    /// <summary>
    /// Whether a request waits for the next window when this one is spent (seconds and minutes), rather
    /// than the provider counting as budget-depleted until it resets (hours, days, months).
    /// </summary>
    public bool Waits => Period is BudgetPeriod.Millisecond or BudgetPeriod.Second or BudgetPeriod.Minute;

    /// <summary>The start of the window after the one holding <paramref name="now"/>.</summary>
    /// <param name="now">A time.</param>
    /// <returns>The next boundary, UTC.</returns>
    public DateTimeOffset NextBoundary(DateTimeOffset now)
    {
        if (Period == BudgetPeriod.Month)
        {
            var month = new DateTimeOffset(now.UtcDateTime.Year, now.UtcDateTime.Month, 1, 0, 0, 0, TimeSpan.Zero);
            return month.AddMonths(Count);
        }

        var unit = Period switch
        {
            BudgetPeriod.Millisecond => TimeSpan.TicksPerMillisecond,
            BudgetPeriod.Second => TimeSpan.TicksPerSecond,
            BudgetPeriod.Minute => TimeSpan.TicksPerMinute,
            BudgetPeriod.Hour => TimeSpan.TicksPerHour,
            _ => TimeSpan.TicksPerDay,
        } * Count;
        var ticks = now.UtcTicks;
        return new DateTimeOffset(ticks - (ticks % unit) + unit, TimeSpan.Zero);
    }

    /// <summary>The start of the window holding <paramref name="now"/>: the boundary before <see cref="NextBoundary"/>.</summary>
    /// <param name="now">A time.</param>
    /// <returns>The window's first instant, UTC.</returns>
    public DateTimeOffset Start(DateTimeOffset now)
    {
        var next = NextBoundary(now);
        return Period == BudgetPeriod.Month ? next.AddMonths(-Count) : next - (Period switch
        {
            BudgetPeriod.Millisecond => TimeSpan.FromMilliseconds(Count),
            BudgetPeriod.Second => TimeSpan.FromSeconds(Count),
            BudgetPeriod.Minute => TimeSpan.FromMinutes(Count),
            BudgetPeriod.Hour => TimeSpan.FromHours(Count),
            _ => TimeSpan.FromDays(Count),
        });
    }

    /// <summary>Returns the key and limit, for example <c>1M:1200</c>.</summary>
    /// <returns>The window as text.</returns>
    public override string ToString() => $"{Key}:{Limit}";
}

/// <summary>One window's use: used units of the limit, and when it resets.</summary>
/// <param name="Window">The window.</param>
/// <param name="Used">Units used in the current window (ours and, after a header sync, others' on the same IP).</param>
/// <param name="ResetsAt">When the current window ends (UTC).</param>
public sealed record BudgetUse(BudgetWindow Window, int Used, DateTimeOffset ResetsAt)
{
    /// <summary>Units still available in the current window.</summary>
    public int Available => Math.Max(0, Window.Limit - Used);
}

/// <summary>
/// A provider's request budgets over <see cref="FixedWindowRateLimiter"/>s, one per window, whose
/// windows are reset at UTC-aligned boundaries by timers of the injected <see cref="TimeProvider"/>
/// (the limiters' own replenishment reads the wall clock, so each is replenished by hand). Spacing,
/// per-second and per-minute windows make a request wait for the next window; hour, day and month
/// budgets make the provider unavailable (budget-depleted) until they reset. Used units can be
/// resynced from what the venue reports.
/// </summary>
public sealed class RequestBudget : IDisposable
{
    private readonly string _provider;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private List<Window> _windows = [];

    /// <summary>Creates a budget.</summary>
    /// <param name="provider">The provider name, for messages.</param>
    /// <param name="windows">The windows; none for no limit.</param>
    /// <param name="time">The clock that resets windows.</param>
    public RequestBudget(string provider, IEnumerable<BudgetWindow> windows, TimeProvider time)
    {
        _provider = provider;
        _time = time;
        Configure(windows);
    }

    /// <summary>Raised when an hour, day or month budget resets (a provider that spent it may recover).</summary>
    public event Action<BudgetWindow>? WindowReset;

    /// <summary>The windows and their current use.</summary>
    public IReadOnlyList<BudgetUse> Use
    {
        get
        {
            lock (_lock)
            {
                return _windows.Select(w => w.Use()).ToList();
            }
        }
    }

    /// <summary>When a depleting (hour, day, month) budget is spent: the latest reset among spent ones; null when none is.</summary>
    public DateTimeOffset? DepletedUntil
    {
        get
        {
            lock (_lock)
            {
                var spent = _windows.Where(w => !w.Spec.Waits && w.Available <= 0).Select(w => w.ResetsAt).ToList();
                return spent.Count == 0 ? null : spent.Max();
            }
        }
    }

    /// <summary>Replaces the windows (for example with the limits a venue publishes). Use of a window whose key stays is kept.</summary>
    /// <param name="windows">The new windows.</param>
    public void Configure(IEnumerable<BudgetWindow> windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        lock (_lock)
        {
            var old = _windows.ToDictionary(w => w.Spec.Key, StringComparer.Ordinal);
            var next = new List<Window>();
            foreach (var spec in windows.Where(w => w.Limit > 0))
            {
                var window = new FixedWindow(spec, _time, OnReset);
                if (old.TryGetValue(spec.Key, out var previous) && previous.ResetsAt == window.ResetsAt)
                {
                    window.Consume(Math.Min(previous.Use().Used, spec.Limit));
                }

                next.Add(window);
            }

            foreach (var window in _windows)
            {
                window.Dispose();
            }

            _windows = next;
        }
    }

    /// <summary>Takes <paramref name="units"/> from every window, waiting in per-second and per-minute windows for their next window.</summary>
    /// <param name="units">Request weight (1 for a plain request); clamped to each window's limit.</param>
    /// <param name="deadline">The latest time the caller can wait until; null for no deadline.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the units are taken.</returns>
    /// <exception cref="ProviderUnavailableException">A depleting budget is spent, or a waiting window resets only after <paramref name="deadline"/>; nothing was taken from a depleting window.</exception>
    public async ValueTask AcquireAsync(int units, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        List<Window> windows;
        lock (_lock)
        {
            windows = _windows;
        }

        foreach (var window in windows.Where(w => !w.Spec.Waits))
        {
            if (window.Available < Math.Min(units, window.Spec.Limit))
            {
                throw new ProviderUnavailableException(_provider, UnavailableReason.BudgetDepleted, window.ResetsAt,
                    $"{_provider}: the {Describe(window.Spec)} budget of {window.Spec.Limit} is spent until {TimeRange.Format(window.ResetsAt.ToUnixTimeMilliseconds())}");
            }
        }

        foreach (var window in windows.Where(w => w.Spec.Waits))
        {
            await window.TakeAsync(units, deadline, _provider, cancellationToken).ConfigureAwait(false);
        }

        foreach (var window in windows.Where(w => !w.Spec.Waits))
        {
            window.Consume(units);
        }
    }

    /// <summary>Raises a window's used units to what the venue reports (others on the same IP count too); never lowers it.</summary>
    /// <param name="key">The window key, for example <c>1M</c>.</param>
    /// <param name="used">Units the venue says are used in the current window.</param>
    public void Sync(string key, int used)
    {
        lock (_lock)
        {
            foreach (var window in _windows.Where(w => w.Spec.Key == key))
            {
                var ours = window.Use().Used;
                if (used > ours)
                {
                    window.Consume(used - ours);
                }
            }
        }
    }

    /// <summary>Stops the window timers.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var window in _windows)
            {
                window.Dispose();
            }

            _windows = [];
        }
    }

    private static string Describe(BudgetWindow window) => window.Period switch
    {
        BudgetPeriod.Hour => "hourly",
        BudgetPeriod.Day => "daily",
        BudgetPeriod.Month => "monthly",
        _ => window.Key,
    };

    private void OnReset(Window window)
    {
        if (!window.Spec.Waits)
        {
            WindowReset?.Invoke(window.Spec);
        }
    }

    /// <summary>One budget window over a limiter that only this window's timer replenishes.</summary>
    private abstract class Window : IDisposable
    {
        private readonly Action<Window> _onReset;

        protected Window(BudgetWindow spec, TimeProvider time, Action<Window> onReset)
        {
            Spec = spec;
            Time = time;
            _onReset = onReset;
        }

        internal BudgetWindow Spec { get; }

        internal DateTimeOffset ResetsAt { get; set; }

        internal int Available => (int)Math.Max(0, Limiter.GetStatistics()?.CurrentAvailablePermits ?? 0);

        protected TimeProvider Time { get; }

        protected abstract ReplenishingRateLimiter Limiter { get; }

        internal BudgetUse Use() => new(Spec, Spec.Limit - Available, ResetsAt);

        internal void Consume(int units)
        {
            var take = Math.Min(units, Available);
            if (take > 0)
            {
                using var lease = Limiter.AttemptAcquire(take);
            }
        }

        internal async ValueTask TakeAsync(int units, DateTimeOffset? deadline, string provider, CancellationToken cancellationToken)
        {
            var take = Math.Min(Math.Max(units, 1), Spec.Limit);
            using var now = Limiter.AttemptAcquire(take);
            if (now.IsAcquired)
            {
                return;
            }

            if (deadline is { } last && last < ResetsAt)
            {
                throw new ProviderUnavailableException(provider, UnavailableReason.RateWindowPastDeadline, ResetsAt,
                    $"{provider}: the {Spec.Key} window of {Spec.Limit} is spent; it resets at {TimeRange.Format(ResetsAt.ToUnixTimeMilliseconds())}, after the deadline");
            }

            using var later = await Limiter.AcquireAsync(take, cancellationToken).ConfigureAwait(false);
        }

        public abstract void Dispose();

        protected void Replenished() => _onReset(this);
    }

    /// <summary>A fixed window aligned to UTC boundaries: all units come back at the boundary.</summary>
    private sealed class FixedWindow : Window
    {
        private readonly FixedWindowRateLimiter _limiter;
        private readonly ITimer _timer;

        internal FixedWindow(BudgetWindow spec, TimeProvider time, Action<Window> onReset)
            : base(spec, time, onReset)
        {
            // Replenished by hand: a one-tick window with auto-replenishment off resets on every TryReplenish.
            _limiter = new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
            {
                PermitLimit = spec.Limit,
                Window = TimeSpan.FromTicks(1),
                AutoReplenishment = false,
                QueueLimit = int.MaxValue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            });
            var now = time.GetUtcNow();
            ResetsAt = spec.NextBoundary(now);
            _timer = time.CreateTimer(_ => Reset(), null, ResetsAt - now, Timeout.InfiniteTimeSpan);
        }

        protected override ReplenishingRateLimiter Limiter => _limiter;

        public override void Dispose()
        {
            _timer.Dispose();
            _limiter.Dispose();
        }

        private void Reset()
        {
            var now = Time.GetUtcNow();
            if (now < ResetsAt)
            {
                // A timer may fire a little before the boundary by the clock: wait out the rest, reset once.
                _timer.Change(ResetsAt - now, Timeout.InfiniteTimeSpan);
                return;
            }

            ResetsAt = Spec.NextBoundary(now);
            _timer.Change(ResetsAt - now, Timeout.InfiniteTimeSpan);
            _limiter.TryReplenish();
            Replenished();
        }
    }
}

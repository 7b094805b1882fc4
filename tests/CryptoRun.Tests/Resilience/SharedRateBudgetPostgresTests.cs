using CryptoRun.Domain;
using CryptoRun.Postgres;
using CryptoRun.Resilience;
using CryptoRun.Tests.TestSupport;
using static CryptoRun.Tests.Resilience.GateKit;

namespace CryptoRun.Tests.Resilience;

/// <summary>
/// The cluster-wide rate budget on a real PostgreSQL: two stores on one schema stand for two workers on
/// one IP. Units taken by one count for the other, so together they stay under the venue's limit.
/// </summary>
public sealed class SharedRateBudgetPostgresTests : IAsyncLifetime
{
    private static readonly BudgetWindow Minute = new(BudgetPeriod.Minute, 1, 100);
    private readonly PostgresSchema _schema = new();

    public Task InitializeAsync() => _schema.CreateAsync();

    public Task DisposeAsync() => _schema.DropAsync();

    [PostgresFact]
    public async Task TryTake_TwoWorkersAtOnce_NeverExceedTheLimitTogetherAndRefusalSaysWhenTheWindowResets()
    {
        await using var first = await PostgresStore.OpenAsync(_schema.ConnectionString);
        await using var second = await PostgresStore.OpenAsync(_schema.ConnectionString);
        var now = Start.AddSeconds(30);

        // 2 x 40 takes of weight 7 at once against 100: 14 fit (98), the other 66 must be refused.
        var takes = await Task.WhenAll(Enumerable.Range(0, 80).Select(i => Task.Run(
            async () => await (i % 2 == 0 ? first : second).TryTakeAsync("binance", Minute, 7, now))));

        var granted = takes.Where(t => t.Granted).ToList();
        Assert.Equal(14, granted.Count);
        Assert.Equal(Enumerable.Range(1, 14).Select(n => n * 7), granted.Select(t => t.Used).Order());
        Assert.All(takes, t => Assert.Equal(Start.AddMinutes(1), t.ResetsAt));
        Assert.All(takes.Where(t => !t.Granted), t => Assert.Equal(0, t.Used));
        var rows = await _schema.QueryAsync("SELECT provider, window_key, window_start, used FROM rate_budget");
        var row = Assert.Single(rows);
        Assert.Equal(["binance", "1M", Start.ToUnixTimeMilliseconds(), 98], row);

        // What is left (2) is still taken: a refusal took nothing.
        Assert.True((await second.TryTakeAsync("binance", Minute, 2, now)).Granted);
        Assert.False((await first.TryTakeAsync("binance", Minute, 1, now)).Granted);
    }

    [PostgresFact]
    public async Task TryTake_NextWindowOrOtherKey_CountsApartAndDropsTheSpentRow()
    {
        await using var store = await PostgresStore.OpenAsync(_schema.ConnectionString);
        Assert.True((await store.TryTakeAsync("binance", Minute, 100, Start)).Granted);
        Assert.False((await store.TryTakeAsync("binance", Minute, 1, Start.AddSeconds(59.999))).Granted);

        var other = await store.TryTakeAsync("okx", Minute, 100, Start);
        var next = await store.TryTakeAsync("binance", Minute, 60, Start.AddMinutes(1));
        var second = await store.TryTakeAsync("binance", new BudgetWindow(BudgetPeriod.Second, 10, 50), 50, Start.AddSeconds(5));

        Assert.True(other.Granted);
        Assert.Equal(new SharedBudgetTake(true, 60, Start.AddMinutes(2)), next);
        Assert.Equal(new SharedBudgetTake(true, 50, Start.AddSeconds(10)), second);
        var rows = await _schema.QueryAsync("SELECT provider, window_key, window_start, used FROM rate_budget ORDER BY provider, window_key");
        Assert.Equal(
            [
                ["binance", "10S", Start.ToUnixTimeMilliseconds(), 50],
                ["binance", "1M", Start.AddMinutes(1).ToUnixTimeMilliseconds(), 60],
                ["okx", "1M", Start.ToUnixTimeMilliseconds(), 100],
            ],
            rows);
    }

    [PostgresFact]
    public async Task TryTake_UnitsOutsideOneToTheLimit_ThrowsAndTakesNothing()
    {
        await using var store = await PostgresStore.OpenAsync(_schema.ConnectionString);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.TryTakeAsync("binance", Minute, 101, Start));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.TryTakeAsync("binance", Minute, 0, Start));

        Assert.Equal(0L, await _schema.ScalarAsync("SELECT COUNT(*) FROM rate_budget"));
    }

    [PostgresFact]
    public async Task Execute_SecondWorkerWhenTheSharedMinuteIsSpent_WaitsForTheNextWindowInsteadOfSending()
    {
        var clock = new ManualClock(Start);
        await using var firstStore = await PostgresStore.OpenAsync(_schema.ConnectionString, clock);
        await using var secondStore = await PostgresStore.OpenAsync(_schema.ConnectionString, clock);

        // Each worker's own budget allows 10 a minute: alone, each would send its three weight-3 requests at once.
        var policy = Policy(limits: new RateLimitOptions { RequestsPerMinute = 10 });
        using var first = new ProviderGate(policy, clock, firstStore);
        using var second = new ProviderGate(policy, clock, secondStore);
        var sends = new WeightedSends(clock);

        for (var i = 0; i < 3; i++)
        {
            await sends.Through(first, "first", 3).WaitAsync(HangGuard);
        }

        var waiting = Enumerable.Range(0, 3).Select(_ => sends.Through(second, "second", 3)).ToList();

        // Two local window timers, and the second worker's three waits for the shared minute's end.
        await clock.WhenTimersPendingAsync(5).WaitAsync(HangGuard);
        Assert.All(waiting, call => Assert.False(call.IsCompleted, "sent although the workers together had spent the minute"));
        Assert.Equal(3, sends.Count);
        clock.Advance(TimeSpan.FromMinutes(1));
        await Task.WhenAll(waiting).WaitAsync(HangGuard);

        Assert.Equal(Enumerable.Repeat(Start, 3), sends.Of("first").Select(s => s.At));
        Assert.Equal(Enumerable.Repeat(Start.AddMinutes(1), 3), sends.Of("second").Select(s => s.At));
        var rows = await _schema.QueryAsync("SELECT window_start, used FROM rate_budget WHERE provider = 'venue' AND window_key = '1M'");
        Assert.Equal([[Start.AddMinutes(1).ToUnixTimeMilliseconds(), 9]], rows);
    }

    [PostgresFact]
    public async Task Execute_TwoWorkersAtOnce_UnitsSentPerWindowNeverExceedTheSharedLimit()
    {
        var clock = new ManualClock(Start);
        await using var firstStore = await PostgresStore.OpenAsync(_schema.ConnectionString, clock);
        await using var secondStore = await PostgresStore.OpenAsync(_schema.ConnectionString, clock);
        var policy = Policy(limits: new RateLimitOptions { RequestsPerMinute = 10 });
        using var first = new ProviderGate(policy, clock, firstStore);
        using var second = new ProviderGate(policy, clock, secondStore);
        var sends = new WeightedSends(clock);

        // 8 requests of weight 3 against 10 a minute, shared: 3 fit in a minute (9), so 3, 3 and 2 in three minutes.
        // In the first minute each gate lets 3 through its own window (the 4th queues there), 3 of those 6 get
        // the shared units and 3 wait on the clock: 2 window timers + 3. In the second, 5 contend, 2 wait: 2 + 2.
        var calls = Enumerable.Range(0, 8).Select(i => i % 2 == 0 ? sends.Through(first, "first", 3) : sends.Through(second, "second", 3)).ToList();
        foreach (var (sentBy, timers) in new[] { (3, 5), (6, 4) })
        {
            await sends.WhenCountAsync(sentBy).WaitAsync(HangGuard);
            await clock.WhenTimersPendingAsync(timers).WaitAsync(HangGuard);
            Assert.Equal(sentBy, sends.Count);
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        await Task.WhenAll(calls).WaitAsync(HangGuard);

        var perMinute = sends.All.GroupBy(s => s.At).OrderBy(g => g.Key).Select(g => (g.Key, Units: g.Sum(s => s.Weight))).ToList();
        Assert.Equal([(Start, 9), (Start.AddMinutes(1), 9), (Start.AddMinutes(2), 6)], perMinute);
        Assert.NotEmpty(sends.Of("first"));
        Assert.NotEmpty(sends.Of("second"));
    }

    [PostgresFact]
    public async Task Execute_SharedWindowResetsAfterTheDeadline_RefusesWithoutSending()
    {
        var clock = new ManualClock(Start.AddSeconds(30));
        await using var store = await PostgresStore.OpenAsync(_schema.ConnectionString, clock);
        using var gate = new ProviderGate(Policy(maxRetries: 3, limits: new RateLimitOptions { RequestsPerMinute = 10 }), clock, store);
        var sends = new WeightedSends(clock);

        // Another worker spent 8 of the shared 10 in this minute; our gate alone has used nothing.
        Assert.True((await store.TryTakeAsync("venue", new BudgetWindow(BudgetPeriod.Minute, 1, 10), 8, clock.GetUtcNow())).Granted);
        Task call;
        using (CallScope.Begin(new CallSettings(Deadline: Start.AddSeconds(40))))
        {
            call = sends.Through(gate, "ours", 3);
        }

        var refused = await Assert.ThrowsAsync<ProviderUnavailableException>(() => call.WaitAsync(HangGuard));
        Assert.Equal(UnavailableReason.RateWindowPastDeadline, refused.Reason);
        Assert.Equal(Start.AddMinutes(1), refused.Until);
        Assert.Contains("cluster-wide 1M window of 10", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, sends.Count);
        Assert.Equal(8, await _schema.ScalarAsync("SELECT used FROM rate_budget"));
    }

    /// <summary>A hand-written send recording who sent what weight when, with a wait for the n-th send.</summary>
    private sealed class WeightedSends(TimeProvider clock)
    {
        private readonly Lock _lock = new();
        private readonly List<(string Worker, DateTimeOffset At, int Weight)> _sent = [];
        private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];

        internal int Count
        {
            get
            {
                lock (_lock)
                {
                    return _sent.Count;
                }
            }
        }

        internal IReadOnlyList<(string Worker, DateTimeOffset At, int Weight)> All
        {
            get
            {
                lock (_lock)
                {
                    return [.. _sent];
                }
            }
        }

        internal IEnumerable<(string Worker, DateTimeOffset At, int Weight)> Of(string worker) => All.Where(s => s.Worker == worker);

        internal Task WhenCountAsync(int count)
        {
            lock (_lock)
            {
                if (_sent.Count >= count)
                {
                    return Task.CompletedTask;
                }

                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((count, done));
                return done.Task;
            }
        }

        internal Task<int> Through(ProviderGate gate, string worker, int weight)
            => gate.ExecuteAsync(new RequestCost(weight), _ => Send(worker, weight), CancellationToken.None).AsTask();

        private ValueTask<int> Send(string worker, int weight)
        {
            lock (_lock)
            {
                _sent.Add((worker, clock.GetUtcNow(), weight));
                foreach (var waiter in _waiters.Where(w => _sent.Count >= w.Count).ToList())
                {
                    _waiters.Remove(waiter);
                    waiter.Done.TrySetResult();
                }
            }

            return ValueTask.FromResult(42);
        }
    }
}

using System.Collections.Concurrent;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Resilience;
using CryptoRun.Storage;
using CryptoRun.Storage.Sqlite;
using CryptoRun.Tests.Resilience;
using CryptoRun.Tests.TestSupport;
using Microsoft.Extensions.Logging;
using static CryptoRun.Tests.Resilience.GateKit;

namespace CryptoRun.Tests.Providers;

/// <summary>Seed 002's provider_health rows, written by the recorder from real gates driven by fake sends.</summary>
public sealed class ProviderHealthRecorderTests
{
    private readonly ManualClock _clock = new(Start);

    [Fact]
    public async Task Recorder_BreakerOpensHalfOpensAndCloses_WritesARowForEachTransitionInOrder()
    {
        using var registry = new ProviderRegistry();
        var gate = Register(registry, "kraken", Policy("kraken", failureThreshold: 2, successThreshold: 1, openTimeout: TimeSpan.FromMinutes(4)));
        var store = new FakeHealthStore();
        var recorder = new ProviderHealthRecorder(registry, store, new ListLogger());
        var send = new FakeSend(_clock, n => n < 2 ? throw Fail.Unavailable("kraken") : 42);

        await Assert.ThrowsAsync<VenueUnavailableException>(() => send.Through(gate));
        await Assert.ThrowsAsync<VenueUnavailableException>(() => send.Through(gate));
        _clock.Advance(TimeSpan.FromMinutes(4));
        await send.Through(gate);
        await recorder.DisposeAsync();

        var rows = store.Writes;
        Assert.Equal([FetchStatus.Down, FetchStatus.Degraded, FetchStatus.Ok], rows.Select(r => r.Status));
        Assert.All(rows, r => Assert.Equal("kraken", r.Provider));
        var down = rows[0];
        Assert.Equal(2, down.FailCount);
        Assert.Equal(Start.AddMinutes(4), down.DisabledUntil);
        Assert.Equal(Start, down.UpdatedAt);
        Assert.Null(down.LastOkAt);
        Assert.Contains("HTTP 503", down.LastError, StringComparison.Ordinal);
        Assert.Null(rows[1].DisabledUntil);
        Assert.Equal(Start.AddMinutes(4), rows[2].UpdatedAt);
    }

    [Fact]
    public async Task Recorder_BreakerOpensOnARealStore_RowReadsBackWithTheOpenState()
    {
        using var dir = new TempDir();
        await using var store = await SqliteStore.OpenAsync(dir.File("health.db"), _clock);
        using var registry = new ProviderRegistry();
        var gate = Register(registry, "binance", Policy("binance", failureThreshold: 1, openTimeout: TimeSpan.FromMinutes(2)));
        Register(registry, "okx", Policy("okx"));
        var recorder = new ProviderHealthRecorder(registry, store, new ListLogger());
        var ok = new FakeSend(_clock);
        await ok.Through(gate);
        _clock.Advance(TimeSpan.FromSeconds(5));

        await Assert.ThrowsAsync<VenueUnavailableException>(() => new FakeSend(_clock, _ => throw Fail.Unavailable("binance")).Through(gate));
        await recorder.DisposeAsync();

        var row = Assert.Single(await store.ReadHealthAsync());
        Assert.Equal(
            new ProviderHealthRecord("binance", FetchStatus.Down, Start, 1, Start.AddSeconds(5).AddMinutes(2), "binance: HTTP 503 service unavailable", Start.AddSeconds(5)),
            row);
    }

    [Fact]
    public async Task Recorder_BudgetSpentThenReset_WritesDegradedUntilTheResetThenOk()
    {
        using var registry = new ProviderRegistry();
        var gate = Register(registry, "coingecko", Policy("coingecko", limits: new RateLimitOptions { DailyBudget = 1 }));
        var store = new FakeHealthStore();
        var recorder = new ProviderHealthRecorder(registry, store, new ListLogger());

        await new FakeSend(_clock).Through(gate);
        _clock.Advance(TimeSpan.FromHours(12));
        await recorder.DisposeAsync();

        var midnight = new DateTimeOffset(2026, 9, 2, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(
            [(FetchStatus.Degraded, (DateTimeOffset?)midnight), (FetchStatus.Ok, null)],
            store.Writes.Select(r => (r.Status, r.DisabledUntil)));
        Assert.Equal(midnight, store.Writes[1].UpdatedAt);
    }

    [Fact]
    public async Task SaveAllAsync_WritesEveryProvidersCurrentState()
    {
        using var dir = new TempDir();
        await using var store = await SqliteStore.OpenAsync(dir.File("health.db"), _clock);
        using var registry = new ProviderRegistry();
        var kraken = Register(registry, "kraken", Policy("kraken", failureThreshold: 1));
        var coinbase = Register(registry, "coinbase", Policy("coinbase"));
        Register(registry, "okx", Policy("okx"));
        await using var recorder = new ProviderHealthRecorder(registry, store, new ListLogger());
        await Assert.ThrowsAsync<VenueBannedException>(() => new FakeSend(_clock, _ => throw Fail.Banned(TimeSpan.FromMinutes(10), "kraken")).Through(kraken));
        await new FakeSend(_clock).Through(coinbase);

        await recorder.SaveAllAsync();

        var rows = await store.ReadHealthAsync();
        Assert.Equal(["coinbase", "kraken", "okx"], rows.Select(r => r.Provider));
        Assert.Equal([FetchStatus.Ok, FetchStatus.Down, FetchStatus.Ok], rows.Select(r => r.Status));
        Assert.Equal(Start, rows[0].LastOkAt);
        Assert.Equal(Start.AddMinutes(10), rows[1].DisabledUntil);
        Assert.Contains("418", rows[1].LastError, StringComparison.Ordinal);
        Assert.Null(rows[2].LastOkAt);
        Assert.Null(rows[2].DisabledUntil);
    }

    [Fact]
    public async Task Recorder_StoreWriteFails_LogsAndKeepsWritingLaterChanges()
    {
        using var registry = new ProviderRegistry();
        var gate = Register(registry, "kraken", Policy("kraken", failureThreshold: 1, successThreshold: 1, openTimeout: TimeSpan.FromMinutes(1)));
        var store = new FakeHealthStore { FailWhen = r => r.Status == FetchStatus.Down };
        var logger = new ListLogger();
        var recorder = new ProviderHealthRecorder(registry, store, logger);

        await Assert.ThrowsAsync<VenueUnavailableException>(() => new FakeSend(_clock, _ => throw Fail.Unavailable("kraken")).Through(gate));
        _clock.Advance(TimeSpan.FromMinutes(1));
        await new FakeSend(_clock).Through(gate);
        await recorder.DisposeAsync();

        Assert.Equal([FetchStatus.Degraded, FetchStatus.Ok], store.Writes.Select(r => r.Status));
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("could not record kraken's health: disk full", StringComparison.Ordinal));
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Information && e.Message.StartsWith("kraken is Down (breaker Open)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Recorder_Disposed_RecordsNoLaterChange()
    {
        using var registry = new ProviderRegistry();
        var gate = Register(registry, "kraken", Policy("kraken", failureThreshold: 1));
        var store = new FakeHealthStore();
        var recorder = new ProviderHealthRecorder(registry, store, new ListLogger());
        await recorder.DisposeAsync();

        await Assert.ThrowsAsync<VenueUnavailableException>(() => new FakeSend(_clock, _ => throw Fail.Unavailable("kraken")).Through(gate));

        Assert.Equal(BreakerState.Open, gate.Status.Breaker.State);
        Assert.Empty(store.Writes);
    }

    [Fact]
    public void ToRecord_BudgetSpentWithCircuitClosed_DisabledUntilIsTheBudgetReset()
    {
        var reset = Start.AddHours(12);
        var status = new ProviderStatus(
            "coingecko",
            FetchStatus.Degraded,
            new BreakerSnapshot(BreakerState.Closed, null, false, 0, 0, null),
            [],
            reset,
            Start,
            null,
            Start.AddMinutes(1));

        Assert.Equal(
            new ProviderHealthRecord("coingecko", FetchStatus.Degraded, Start, 0, reset, null, Start.AddMinutes(1)),
            ProviderHealthRecorder.ToRecord(status));
    }

    private ProviderGate Register(ProviderRegistry registry, string name, ProviderPolicy policy)
    {
        var gate = new ProviderGate(policy, _clock);
        registry.Register(new FakeTicker(name, _clock) { Gate = gate }, gate);
        return gate;
    }

    /// <summary>Keeps every row written, in order; can fail chosen writes.</summary>
    private sealed class FakeHealthStore : IProviderHealthStore
    {
        private readonly ConcurrentQueue<ProviderHealthRecord> _writes = new();

        public Func<ProviderHealthRecord, bool>? FailWhen { get; init; }

        public IReadOnlyList<ProviderHealthRecord> Writes => [.. _writes];

        public Task UpsertHealthAsync(ProviderHealthRecord record, CancellationToken cancellationToken = default)
        {
            if (FailWhen?.Invoke(record) == true)
            {
                return Task.FromException(new IOException("disk full"));
            }

            _writes.Enqueue(record);
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<ProviderHealthRecord>> ReadHealthAsync(CancellationToken cancellationToken = default)
            => Task.FromResult<IReadOnlyList<ProviderHealthRecord>>(
                [.. _writes.GroupBy(r => r.Provider).Select(g => g.Last()).OrderBy(r => r.Provider, StringComparer.Ordinal)]);
    }
}

using System.Runtime.CompilerServices;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.History;

/// <summary>
/// A hand-written kline venue over an in-memory list of candles: walks a range in pages of
/// <see cref="MaxCandlesPerRequest"/> slots, records every walk and page window asked for, and can fail
/// a chosen request or corrupt a chosen page.
/// </summary>
internal sealed class FakeCandleProvider(string name, Instrument instrument, Timeframe timeframe, IReadOnlyList<Candle> source) : ICandleProvider
{
    public const string Endpoint = "GET /fake/klines";

    public string Name => name;

    public ComplianceClass Compliance => ComplianceClass.ExchangeNative;

    public Task<Provenance> ProbeAsync(CancellationToken cancellationToken = default)
        => Task.FromResult(new Provenance(name, "GET /fake/ping", null, 0, DateTimeOffset.UnixEpoch));

    public IReadOnlyList<Timeframe> SupportedTimeframes => [timeframe];

    public int MaxCandlesPerRequest { get; init; } = 1000;

    /// <summary>The earliest open time the venue keeps (Kraken serves only its last 720 candles); null for all history.</summary>
    public long? EarliestMs { get; init; }

    /// <summary>The 1-based request that fails with <see cref="VenueUnavailableException"/>; 0 for none.</summary>
    public int FailOnRequest { get; init; }

    /// <summary>The 1-based request whose page is passed through <see cref="Corrupt"/>; 0 for none.</summary>
    public int CorruptRequest { get; init; }

    public Func<List<Candle>, List<Candle>>? Corrupt { get; init; }

    /// <summary>Each request's simulated latency; the clock, when given, is advanced by it.</summary>
    public TimeSpan Latency { get; init; } = TimeSpan.FromMilliseconds(250);

    public ManualClock? Clock { get; set; }

    /// <summary>Every range passed to <see cref="FetchCandlesAsync"/>.</summary>
    public List<TimeRange> Walks { get; } = [];

    /// <summary>Every page window requested, in order (including a failing one).</summary>
    public List<TimeRange> Requests { get; } = [];

    /// <summary>The clock's time at each request (the Unix epoch without a clock).</summary>
    public List<DateTimeOffset> RequestedAt { get; } = [];

    /// <summary>When set, every request waits for it first (to hold a backfill in flight).</summary>
    public Task? Hold { get; set; }

    /// <summary>Real time each request takes (so concurrent requests overlap); zero for none.</summary>
    public TimeSpan RealDelay { get; init; }

    /// <summary>Whether any window can be asked for on its own (false: like Kraken, only the most recent candles).</summary>
    public bool ServesAnyWindow { get; init; } = true;

    /// <summary>The most requests that were in flight at once.</summary>
    public int MaxInFlight => _maxInFlight;

    private int _inFlight;
    private int _maxInFlight;

    public Task<MarketCatalog> GetMarketsAsync(CancellationToken cancellationToken = default)
        => Task.FromResult(new MarketCatalog(name, [new Market(instrument, "FAKE", instrument.IsPerpetual ? MarketKind.Perpetual : MarketKind.Spot, IsTrading: true)]));

    public async IAsyncEnumerable<CandlePage> FetchCandlesAsync(
        Instrument instrument,
        Timeframe timeframe,
        TimeRange range,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        lock (Walks)
        {
            Walks.Add(range);
        }

        var cursor = Math.Max(range.FromMs, EarliestMs ?? long.MinValue);
        while (cursor < range.ToMs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var window = new TimeRange(cursor, Math.Min(cursor + (MaxCandlesPerRequest * timeframe.Milliseconds), range.ToMs));
            if (Hold is { } hold)
            {
                await hold.WaitAsync(cancellationToken);
            }

            lock (Requests)
            {
                Requests.Add(window);
                RequestedAt.Add(Clock?.GetUtcNow() ?? DateTimeOffset.UnixEpoch);
            }

            var inFlight = Interlocked.Increment(ref _inFlight);
            InterlockedMax(ref _maxInFlight, inFlight);
            if (RealDelay > TimeSpan.Zero)
            {
                await Task.Delay(RealDelay, cancellationToken);
            }

            Interlocked.Decrement(ref _inFlight);
            if (Requests.Count == FailOnRequest)
            {
                throw new VenueUnavailableException(name, $"{name} {Endpoint}: HTTP 503 Service Unavailable on request {Requests.Count}");
            }

            Clock?.Advance(Latency);
            var candles = source.Where(c => window.Contains(c.OpenTimeMs)).ToList();
            if (Requests.Count == CorruptRequest && Corrupt is not null)
            {
                candles = Corrupt(candles);
            }

            var provenance = new Provenance(name, Endpoint, window, (long)Latency.TotalMilliseconds, Clock?.GetUtcNow() ?? DateTimeOffset.UnixEpoch);
            await Task.Yield();
            yield return new CandlePage(candles, window, provenance);
            cursor = window.ToMs;
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}

/// <summary>Records progress synchronously, in order (<see cref="Progress{T}"/> would post to the thread pool).</summary>
internal sealed class RecordingProgress<T>(Action<T>? onReport = null) : IProgress<T>
{
    public List<T> Reports { get; } = [];

    public void Report(T value)
    {
        Reports.Add(value);
        onReport?.Invoke(value);
    }
}

using CryptoRun.Providers;

namespace CryptoRun.Resilience;

/// <summary>A provider's request budgets (seed 000's rate-limit table). Null means no limit.</summary>
/// <remarks>Binance counts request weight rather than requests; its per-minute limit is replaced by the venue's own <c>exchangeInfo</c> <c>rateLimits</c> when read.</remarks>
public sealed record RateLimitOptions
{
    /// <summary>Requests per second (venues that limit bursts: Coinbase 10/s, Kraken about 1/s), paced evenly: one request per 1000/N ms.</summary>
    public int? RequestsPerSecond { get; init; }

    /// <summary>Requests (or weight) per UTC minute; a request waits for the next minute when it is spent.</summary>
    public int? RequestsPerMinute { get; init; }

    /// <summary>Requests per UTC hour; when spent the provider is budget-depleted until the hour ends.</summary>
    public int? RequestsPerHour { get; init; }

    /// <summary>Requests per UTC day; when spent the provider is budget-depleted until midnight UTC.</summary>
    public int? DailyBudget { get; init; }

    /// <summary>Requests per calendar month (UTC); when spent the provider is budget-depleted until the month ends.</summary>
    public int? MonthlyBudget { get; init; }
}

/// <summary>A provider's circuit-breaker settings (seed 000's breaker table).</summary>
public sealed record CircuitBreakerOptions
{
    /// <summary>Consecutive failures (5xx, timeouts, unreachable, connection resets) that open the circuit, counted in the order the requests were sent (see <see cref="ProviderGate"/>).</summary>
    /// <value>Default 5.</value>
    public int FailureThreshold { get; init; } = 5;

    /// <summary>Consecutive successes in half-open that close it again.</summary>
    /// <value>Default 3.</value>
    public int SuccessThreshold { get; init; } = 3;

    /// <summary>How long the circuit stays open before letting a probe through (half-open).</summary>
    /// <value>Default 2 minutes.</value>
    public TimeSpan OpenTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Requests in flight at once; more wait.</summary>
    /// <value>Default 10.</value>
    public int MaxConcurrent { get; init; } = 10;

    /// <summary>How often a long-running process (ingest) probes a provider that is not healthy.</summary>
    /// <value>Default 30 seconds.</value>
    public TimeSpan HealthCheckInterval { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>How long answers stay fresh in the cache tiers (seed 000's cache table).</summary>
public sealed record CacheTtlOptions
{
    /// <summary>Hot tier (prices, books).</summary>
    /// <value>Default 30 seconds.</value>
    public TimeSpan Hot { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Warm tier (REST answers such as candles, funding).</summary>
    /// <value>Default 5 minutes.</value>
    public TimeSpan Warm { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Cold tier (metadata, supply).</summary>
    /// <value>Default 24 hours.</value>
    public TimeSpan Cold { get; init; } = TimeSpan.FromHours(24);

    /// <summary>How long a last-known-good answer may stand in, marked DEGRADED, when every provider fails.</summary>
    /// <value>Default 10 minutes.</value>
    public TimeSpan Degraded { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Most cached answers kept for the provider.</summary>
    /// <value>Default 10,000.</value>
    public int MaxSize { get; init; } = 10_000;

    /// <summary>Whether cached answers are kept compressed (the seed table's flag; informational here).</summary>
    /// <value>Default true.</value>
    public bool Compression { get; init; } = true;
}

/// <summary>Everything configured for one provider.</summary>
public sealed record ProviderPolicy
{
    /// <summary>The provider's name.</summary>
    public required string Name { get; init; }

    /// <summary>Whether the provider is used at all.</summary>
    /// <value>Default true.</value>
    public bool Enabled { get; init; } = true;

    /// <summary>The REST base URL; null for the provider's real one.</summary>
    public Uri? BaseUrl { get; init; }

    /// <summary>Request budgets.</summary>
    public RateLimitOptions RateLimits { get; init; } = new();

    /// <summary>Circuit-breaker settings.</summary>
    public CircuitBreakerOptions CircuitBreaker { get; init; } = new();

    /// <summary>Cache TTLs.</summary>
    public CacheTtlOptions Cache { get; init; } = new();

    /// <summary>Time allowed for one attempt (one HTTP request).</summary>
    /// <value>Default 10 seconds.</value>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries of a transient failure when the call is not part of a chain (chains set their own).</summary>
    /// <value>Default 3.</value>
    public int MaxRetries { get; init; } = 3;

    /// <summary>Base delay of the exponential backoff, when the call is not part of a chain.</summary>
    /// <value>Default 1 second.</value>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>A fallback chain for one data class: providers in priority order, with the chain's retry settings.</summary>
/// <param name="DataClass">The data class.</param>
/// <param name="Providers">Provider names, primary first.</param>
/// <param name="MaxRetries">Retries of a transient failure per provider before falling back.</param>
/// <param name="RetryDelay">Base delay of the exponential backoff between retries.</param>
public sealed record ChainPolicy(DataClass DataClass, IReadOnlyList<string> Providers, int MaxRetries, TimeSpan RetryDelay);

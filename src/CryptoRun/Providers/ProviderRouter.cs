using CryptoRun.Domain;
using CryptoRun.Resilience;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Internal;

namespace CryptoRun.Providers;

/// <summary>How a chain member fared for one request.</summary>
public enum AttemptOutcome
{
    /// <summary>It answered; its answer was used.</summary>
    Served,

    /// <summary>It was not tried (missing, disabled, not capable, barred, circuit open, banned, budget spent).</summary>
    Skipped,

    /// <summary>It was tried and failed (after its retries), or its answer failed the quality gate.</summary>
    Failed,
}

/// <summary>One chain member's part in an answer.</summary>
/// <param name="Provider">The provider.</param>
/// <param name="Outcome">Served, skipped or failed.</param>
/// <param name="Reason">Why (for skipped and failed), or how (served fresh, from cache).</param>
public sealed record ProviderAttempt(string Provider, AttemptOutcome Outcome, string Reason);

/// <summary>How fresh a cached answer must be: seed 000's cache tiers.</summary>
public enum CacheTier
{
    /// <summary>Not cached.</summary>
    None,

    /// <summary>Prices and books (<see cref="CacheTtlOptions.Hot"/>).</summary>
    Hot,

    /// <summary>REST answers such as candles and funding (<see cref="CacheTtlOptions.Warm"/>).</summary>
    Warm,

    /// <summary>Metadata and supply (<see cref="CacheTtlOptions.Cold"/>).</summary>
    Cold,
}

/// <summary>An answer from a fallback chain.</summary>
/// <typeparam name="T">The value's type.</typeparam>
/// <param name="Value">The value.</param>
/// <param name="Provenance">Provider, endpoint, latency, fetched-at and status: DEGRADED (with the error) when it is a last-known-good answer.</param>
/// <param name="ServedBy">The provider whose answer this is.</param>
/// <param name="Attempts">The chain members in order up to the one that served (the members after it were not needed): served, skipped or failed, and why; a last-known-good answer adds its provider last.</param>
/// <param name="FromCache">Whether it came from the cache rather than a call.</param>
/// <param name="Age">How old the answer is (0 for a fresh call).</param>
/// <param name="IsLastKnownGood">Whether this is a last-known-good answer standing in for failed providers (its status is DEGRADED).</param>
public sealed record RoutedAnswer<T>(T Value, Provenance Provenance, string ServedBy, IReadOnlyList<ProviderAttempt> Attempts, bool FromCache, TimeSpan Age, bool IsLastKnownGood = false);

/// <summary>Every provider of a chain failed and no last-known-good answer is fresh enough.</summary>
public sealed class AllProvidersFailedException : VenueException
{
    /// <summary>Creates the failure.</summary>
    /// <param name="dataClass">The chain's data class.</param>
    /// <param name="key">What was asked for.</param>
    /// <param name="attempts">Each member's outcome.</param>
    public AllProvidersFailedException(DataClass dataClass, string key, IReadOnlyList<ProviderAttempt> attempts)
        : base(
            dataClass.Name(),
            $"no provider of the {dataClass.Name()} chain could answer {key}: "
                + string.Join("; ", (attempts ?? []).Select(a => $"{a.Provider} {a.Outcome.ToString().ToLowerInvariant()}: {a.Reason}")),
            isTransient: true)
        => Attempts = attempts ?? [];

    /// <summary>Each member's outcome.</summary>
    public IReadOnlyList<ProviderAttempt> Attempts { get; }
}

/// <summary>
/// Routes a request through its data class's fallback chain: each member in order is skipped with
/// the reason when it cannot serve (missing, disabled, lacks the capability, barred from
/// microstructure, circuit open, banned, budget spent), or called with the chain's retry settings;
/// answers failing the quality gate count as failures. A fresh cached answer is served first
/// (TTL by tier, doubled while the provider's budget is spent); when every member fails, the last
/// valid answer is returned marked DEGRADED with its age, while younger than the provider's degraded TTL.
/// </summary>
public sealed class ProviderRouter : IDisposable
{
    private readonly ProviderRegistry _registry;
    private readonly IReadOnlyDictionary<DataClass, ChainPolicy> _chains;
    private readonly TimeProvider _time;
    private readonly MemoryCache _cache;
    private readonly MemoryCache _lastGood;

    /// <summary>Creates a router.</summary>
    /// <param name="registry">The providers and their gates.</param>
    /// <param name="chains">Each data class's chain.</param>
    /// <param name="time">The clock (TTLs, ages, deadlines).</param>
    public ProviderRouter(ProviderRegistry registry, IReadOnlyDictionary<DataClass, ChainPolicy> chains, TimeProvider time)
    {
        _registry = registry;
        _chains = chains;
        _time = time;
        var clock = new Clock(time);
        _cache = new MemoryCache(new MemoryCacheOptions { Clock = clock });
        _lastGood = new MemoryCache(new MemoryCacheOptions { Clock = clock });
    }

    /// <summary>How an attempt's reason starts when the provider answered but the quality gate refused the answer.</summary>
    public const string QualityGateRejection = "rejected by the quality gate";

    /// <summary>The chains in use.</summary>
    public IReadOnlyDictionary<DataClass, ChainPolicy> Chains => _chains;

    /// <summary>Asks the chain of <paramref name="dataClass"/> for an answer.</summary>
    /// <typeparam name="TCapability">The capability interface the call needs.</typeparam>
    /// <typeparam name="T">The answer's type.</typeparam>
    /// <param name="dataClass">The data class (its chain).</param>
    /// <param name="key">What is asked for, for caching and last-known-good (for example <c>ticker:BTC/USD</c>).</param>
    /// <param name="tier">The cache tier; <see cref="CacheTier.None"/> to always call.</param>
    /// <param name="call">Calls one provider.</param>
    /// <param name="qualityGate">Says what is wrong with an answer, or null when it is valid; null for no gate.</param>
    /// <param name="deadline">The latest time the caller can wait until (retries, rate windows, bans); null for none.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The answer, with which provider served it and why the others did not.</returns>
    /// <exception cref="ArgumentException">The data class has no chain.</exception>
    /// <exception cref="AllProvidersFailedException">No member answered and no last-known-good answer is fresh enough.</exception>
    public async Task<RoutedAnswer<T>> ExecuteAsync<TCapability, T>(
        DataClass dataClass,
        string key,
        CacheTier tier,
        Func<TCapability, CancellationToken, Task<Sourced<T>>> call,
        Func<T, string?>? qualityGate = null,
        DateTimeOffset? deadline = null,
        CancellationToken cancellationToken = default)
        where TCapability : class
    {
        ArgumentNullException.ThrowIfNull(call);
        if (!_chains.TryGetValue(dataClass, out var chain))
        {
            throw new ArgumentException($"no chain is configured for {dataClass.Name()}", nameof(dataClass));
        }

        var cacheKey = $"{dataClass.Name()}|{key}";
        var attempts = new List<ProviderAttempt>();
        var now = _time.GetUtcNow();
        if (tier != CacheTier.None && _cache.TryGetValue(cacheKey, out Cached<T>? cached) && cached is not null
            && _registry.TryGet(cached.Sourced.Provenance.Provider, out var cachedProvider)
            && now - cached.At < Ttl(cachedProvider, tier))
        {
            attempts.Add(new ProviderAttempt(cached.Sourced.Provenance.Provider, AttemptOutcome.Served, $"from the {tier.ToString().ToLowerInvariant()} cache, {Age(now - cached.At)} old"));
            return new RoutedAnswer<T>(cached.Sourced.Value, cached.Sourced.Provenance, cached.Sourced.Provenance.Provider, attempts, true, now - cached.At);
        }

        var members = chain.Providers.Select(name => (Name: name, Skip: SkipReason(name, dataClass, typeof(TCapability)))).ToList();
        for (var i = 0; i < members.Count; i++)
        {
            var (name, skip) = members[i];
            var lastViable = !members.Skip(i + 1).Any(m => m.Skip is null);
            if (skip is not null && !(skip.Banned && lastViable))
            {
                attempts.Add(new ProviderAttempt(name, AttemptOutcome.Skipped, skip.Reason));
                continue;
            }

            _registry.TryGet(name, out var registered);
            var capability = (TCapability)registered!.Provider;
            try
            {
                Sourced<T> answer;
                using (CallScope.Begin(new CallSettings(deadline, chain.MaxRetries, chain.RetryDelay, WaitForBan: lastViable, HasFallback: !lastViable)))
                {
                    answer = await call(capability, cancellationToken).ConfigureAwait(false);
                }

                if (qualityGate?.Invoke(answer.Value) is { } problem)
                {
                    attempts.Add(new ProviderAttempt(name, AttemptOutcome.Failed, $"{QualityGateRejection}: {problem}"));
                    continue;
                }

                attempts.Add(new ProviderAttempt(name, AttemptOutcome.Served, i == 0 ? "primary" : "fallback"));
                Remember(cacheKey, answer, registered, tier);
                return new RoutedAnswer<T>(answer.Value, answer.Provenance, name, attempts, false, TimeSpan.Zero);
            }
            catch (VenueException ex)
            {
                attempts.Add(new ProviderAttempt(name, ex is ProviderUnavailableException ? AttemptOutcome.Skipped : AttemptOutcome.Failed, ex.Message));
            }
        }

        now = _time.GetUtcNow();
        if (_lastGood.TryGetValue(cacheKey, out Cached<T>? good) && good is not null)
        {
            var age = now - good.At;
            var provenance = good.Sourced.Provenance with
            {
                Status = FetchStatus.Degraded,
                Error = $"every provider of the {dataClass.Name()} chain failed; last known good answer from {good.Sourced.Provenance.Provider}, {Age(age)} old",
            };
            attempts.Add(new ProviderAttempt(good.Sourced.Provenance.Provider, AttemptOutcome.Served, $"last known good, {Age(age)} old"));
            return new RoutedAnswer<T>(good.Sourced.Value, provenance, good.Sourced.Provenance.Provider, attempts, true, age, IsLastKnownGood: true);
        }

        throw new AllProvidersFailedException(dataClass, key, attempts);
    }

    /// <summary>Releases the caches.</summary>
    public void Dispose()
    {
        _cache.Dispose();
        _lastGood.Dispose();
    }

    private static string Age(TimeSpan age) => age.TotalSeconds < 120 ? $"{age.TotalSeconds:0} s" : $"{age.TotalMinutes:0} min";

    private static TimeSpan Ttl(RegisteredProvider provider, CacheTier tier)
    {
        var cache = provider.Gate.Policy.Cache;
        var ttl = tier switch
        {
            CacheTier.Hot => cache.Hot,
            CacheTier.Warm => cache.Warm,
            _ => cache.Cold,
        };

        // Budget depletion: cached answers stay fresh twice as long (seed 000).
        return provider.Gate.Status.DepletedUntil is null ? ttl : ttl * 2;
    }

    private void Remember<T>(string cacheKey, Sourced<T> answer, RegisteredProvider provider, CacheTier tier)
    {
        var now = _time.GetUtcNow();
        var entry = new Cached<T>(answer, now);
        if (tier != CacheTier.None)
        {
            // Kept for twice the TTL so a depletion can extend freshness; freshness is judged when read.
            _cache.Set(cacheKey, entry, now + (Ttl(provider, tier) * 2));
        }

        _lastGood.Set(cacheKey, entry, now + provider.Gate.Policy.Cache.Degraded);
    }

    private Skip? SkipReason(string name, DataClass dataClass, Type capability)
    {
        if (!_registry.TryGet(name, out var registered))
        {
            return new Skip($"{name} is not configured", false);
        }

        if (!registered.Gate.Policy.Enabled)
        {
            return new Skip($"{name} is disabled in the configuration", false);
        }

        var provider = registered.Provider;
        if (dataClass.IsMicrostructure() && provider.Compliance != ComplianceClass.ExchangeNative)
        {
            return new Skip($"{name} is {provider.Compliance.Name()}; only exchange-native providers may serve microstructure", false);
        }

        if (!capability.IsInstanceOfType(provider))
        {
            return new Skip($"{name} does not serve {Capabilities.All.FirstOrDefault(c => Capabilities.InterfaceOf(c) == capability).Name()}", false);
        }

        var status = registered.Gate.Status;
        var now = _time.GetUtcNow();
        if (status.Breaker.Banned && status.Breaker.OpenUntil is { } banEnd && banEnd > now)
        {
            return new Skip($"{name} is banned (HTTP 418) until {TimeRange.Format(banEnd.ToUnixTimeMilliseconds())}", true);
        }

        if (status.Breaker.State == BreakerState.Open && status.Breaker.OpenUntil is { } openUntil && openUntil > now)
        {
            return new Skip($"{name}'s circuit is open until {TimeRange.Format(openUntil.ToUnixTimeMilliseconds())} ({status.Breaker.LastError})", false);
        }

        return status.DepletedUntil is { } depleted
            ? new Skip($"{name}'s request budget is spent until {TimeRange.Format(depleted.ToUnixTimeMilliseconds())}", false)
            : null;
    }

    private sealed record Skip(string Reason, bool Banned);

    private sealed record Cached<T>(Sourced<T> Sourced, DateTimeOffset At);

    /// <summary>The cache's clock is the injected <see cref="TimeProvider"/>.</summary>
    private sealed class Clock(TimeProvider time) : ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }
}

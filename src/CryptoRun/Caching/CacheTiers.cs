namespace CryptoRun.Caching;

/// <summary>
/// The warm tier's four caches (seed 001 section 2), each with its own TTL. Named apart from
/// <c>CryptoRun.Providers.CacheTier</c> (the router's freshness classes None/Hot/Warm/Cold) so both can be in scope.
/// </summary>
public enum TtlTier
{
    /// <summary>Streaming price updates; 5 s.</summary>
    PricesHot = 0,

    /// <summary>REST price responses; 30 s.</summary>
    PricesWarm = 1,

    /// <summary>Volume analysis (VADR inputs); 120 s. The seed's <c>VolumesVADR</c>.</summary>
    VolumesVadr = 2,

    /// <summary>Token metadata (supply, names, decimals); 24 h.</summary>
    TokenMeta = 3,
}

/// <summary>Options of <see cref="CacheTiers"/>: a TTL and a capacity per tier. Validated when the tiers are created.</summary>
/// <remarks>
/// The default capacities share seed 001's <c>MaxEntries</c> of 10 000: prices are cached per venue and instrument over
/// the full universe, so the two price tiers get 4 000 each; VADR inputs are per instrument and token metadata per asset,
/// 1 000 each.
/// </remarks>
public sealed record CacheTiersOptions
{
    /// <summary>TTL of <see cref="TtlTier.PricesHot"/>.</summary>
    /// <value>5 seconds.</value>
    public TimeSpan PricesHotTtl { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>TTL of <see cref="TtlTier.PricesWarm"/>.</summary>
    /// <value>30 seconds.</value>
    public TimeSpan PricesWarmTtl { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>TTL of <see cref="TtlTier.VolumesVadr"/>.</summary>
    /// <value>120 seconds.</value>
    public TimeSpan VolumesVadrTtl { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>TTL of <see cref="TtlTier.TokenMeta"/>.</summary>
    /// <value>24 hours.</value>
    public TimeSpan TokenMetaTtl { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Most entries of <see cref="TtlTier.PricesHot"/>.</summary>
    /// <value>4 000.</value>
    public int PricesHotCapacity { get; init; } = 4_000;

    /// <summary>Most entries of <see cref="TtlTier.PricesWarm"/>.</summary>
    /// <value>4 000.</value>
    public int PricesWarmCapacity { get; init; } = 4_000;

    /// <summary>Most entries of <see cref="TtlTier.VolumesVadr"/>.</summary>
    /// <value>1 000.</value>
    public int VolumesVadrCapacity { get; init; } = 1_000;

    /// <summary>Most entries of <see cref="TtlTier.TokenMeta"/>.</summary>
    /// <value>1 000.</value>
    public int TokenMetaCapacity { get; init; } = 1_000;
}

/// <summary>The counters of all four tiers, shaped for <c>DataFacade.CacheStats()</c> (seed 001: <c>stats.PricesHot.HitRatio</c>).</summary>
/// <param name="PricesHot">The 5 s streaming-price tier.</param>
/// <param name="PricesWarm">The 30 s REST-price tier.</param>
/// <param name="VolumesVadr">The 120 s volume-analysis tier.</param>
/// <param name="TokenMeta">The 24 h token-metadata tier.</param>
public sealed record CacheStats(CacheTierStats PricesHot, CacheTierStats PricesWarm, CacheTierStats VolumesVadr, CacheTierStats TokenMeta)
{
    /// <summary>The four tiers in <see cref="TtlTier"/> order.</summary>
    public IReadOnlyList<CacheTierStats> Tiers => [PricesHot, PricesWarm, VolumesVadr, TokenMeta];

    /// <summary>Hits over lookups across all tiers, 0 to 1; 0 before the first lookup.</summary>
    public double HitRatio
    {
        get
        {
            long hits = Tiers.Sum(t => t.Hits), lookups = Tiers.Sum(t => t.Hits + t.Misses);
            return lookups == 0 ? 0 : (double)hits / lookups;
        }
    }
}

/// <summary>
/// The warm tier's TTL caches (seed 001 section 2): <see cref="TtlTier.PricesHot"/> 5 s, <see cref="TtlTier.PricesWarm"/>
/// 30 s, <see cref="TtlTier.VolumesVadr"/> 120 s, <see cref="TtlTier.TokenMeta"/> 24 h, each a <see cref="TtlCache{TKey, TValue}"/>
/// keyed by string (for example <c>binance:BTC/USDT</c>), LRU-bounded, thread-safe, single-flight, on one clock.
/// </summary>
public sealed class CacheTiers
{
    private readonly TtlCache<string, object>[] _tiers;

    /// <summary>Creates the four tiers, empty.</summary>
    /// <param name="clock">The clock TTLs are measured on.</param>
    /// <param name="options">TTLs and capacities; the seed's defaults when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A TTL is not positive or a capacity is below 1.</exception>
    public CacheTiers(TimeProvider clock, CacheTiersOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(clock);
        var o = options ?? new CacheTiersOptions();
        _tiers =
        [
            new(nameof(TtlTier.PricesHot), o.PricesHotTtl, o.PricesHotCapacity, clock, StringComparer.Ordinal),
            new(nameof(TtlTier.PricesWarm), o.PricesWarmTtl, o.PricesWarmCapacity, clock, StringComparer.Ordinal),
            new(nameof(TtlTier.VolumesVadr), o.VolumesVadrTtl, o.VolumesVadrCapacity, clock, StringComparer.Ordinal),
            new(nameof(TtlTier.TokenMeta), o.TokenMetaTtl, o.TokenMetaCapacity, clock, StringComparer.Ordinal),
        ];
    }

    /// <summary>One tier's cache, for direct use.</summary>
    /// <param name="tier">The tier.</param>
    /// <returns>The cache.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined tier.</exception>
    public TtlCache<string, object> this[TtlTier tier] =>
        (int)tier >= 0 && (int)tier < _tiers.Length ? _tiers[(int)tier] : throw new ArgumentOutOfRangeException(nameof(tier), tier, "not a cache tier");

    /// <summary>The fresh value of a key in a tier, or the factory's value, stored; single-flight per tier and key.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="tier">The tier.</param>
    /// <param name="key">The key, for example <c>binance:BTC/USDT</c>.</param>
    /// <param name="factory">Loads the value on a miss (for example a REST call).</param>
    /// <param name="cancellationToken">Cancels this caller's wait (and the load, when this caller runs it).</param>
    /// <returns>The value.</returns>
    /// <exception cref="InvalidCastException">The key holds a value of another type; the message names tier, key and both types.</exception>
    public async Task<T> GetOrAddAsync<T>(TtlTier tier, string key, Func<CancellationToken, Task<T>> factory, CancellationToken cancellationToken = default)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(factory);
        var value = await this[tier].GetOrAddAsync(key, async (_, ct) => (object)await factory(ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        return value is T typed
            ? typed
            : throw new InvalidCastException($"cache {tier} key '{key}' holds a {value.GetType().Name}, not a {typeof(T).Name}");
    }

    /// <summary>Every tier's counters now.</summary>
    /// <returns>Per tier: hits, misses, hit ratio, entries, evictions, expirations, TTL and capacity.</returns>
    public CacheStats Stats() => new(_tiers[0].Stats(), _tiers[1].Stats(), _tiers[2].Stats(), _tiers[3].Stats());
}

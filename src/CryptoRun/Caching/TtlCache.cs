namespace CryptoRun.Caching;

/// <summary>One cache's counters at one moment.</summary>
/// <param name="Name">The cache (tier) name, for example <c>PricesHot</c>.</param>
/// <param name="Ttl">How long an entry stays fresh after it was written.</param>
/// <param name="Capacity">The most entries it holds; the least recently used goes first beyond that.</param>
/// <param name="Entries">Entries held now, expired ones purged first.</param>
/// <param name="Hits">Lookups that found a fresh entry.</param>
/// <param name="Misses">Lookups that found nothing fresh (including callers that joined a load already running).</param>
/// <param name="Evictions">Fresh entries removed to make room (least recently used first).</param>
/// <param name="Expirations">Entries removed because their TTL had passed.</param>
public sealed record CacheTierStats(
    string Name,
    TimeSpan Ttl,
    int Capacity,
    int Entries,
    long Hits,
    long Misses,
    long Evictions,
    long Expirations)
{
    /// <summary>Hits over lookups, 0 to 1; 0 before the first lookup.</summary>
    public double HitRatio => Hits + Misses == 0 ? 0 : (double)Hits / (Hits + Misses);
}

/// <summary>
/// A thread-safe cache whose entries expire a fixed TTL after they were written, bounded by a capacity with
/// least-recently-used eviction, counting hits, misses, evictions and expirations, on an injected clock.
/// <see cref="GetOrAddAsync"/> is single-flight: concurrent misses on one key run the factory once.
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
/// <remarks>
/// <para>Why not <c>Microsoft.Extensions.Caching.Memory.MemoryCache</c> (allowed by DESIGN.md): with a <c>SizeLimit</c> it
/// rejects the entry that would exceed the limit and compacts on a thread-pool task later, removing a percentage by
/// priority and last access, so the set of entries after a write is not deterministic and a new entry can be dropped
/// while stale ones stay; its clock is <c>ISystemClock</c>, not <see cref="TimeProvider"/>; and its statistics
/// (<c>GetCurrentStatistics</c>) have no eviction or expiration counts. The tiers need exact LRU bounding, exact counts and
/// a manual clock in tests, which this ~200-line class gives.</para>
/// <para>Every TTL is the same within one cache, so entries expire in write order: a write-ordered list lets each
/// operation purge expired entries from its head in O(1) amortized time (seed 001's "automatic expiration cleanup"),
/// no timer needed. An expired entry still held is never returned.</para>
/// </remarks>
public sealed class TtlCache<TKey, TValue>
    where TKey : notnull
{
    private readonly Lock _lock = new();
    private readonly Dictionary<TKey, Entry> _entries;
    private readonly LinkedList<Entry> _byUse = new();      // least recently used first
    private readonly LinkedList<Entry> _byWrite = new();    // oldest write (first to expire) first
    private readonly Dictionary<TKey, Task<TValue>> _loading;
    private readonly TimeProvider _clock;
    private long _hits;
    private long _misses;
    private long _evictions;
    private long _expirations;

    /// <summary>Creates an empty cache.</summary>
    /// <param name="name">The name its statistics carry, for example <c>PricesHot</c>.</param>
    /// <param name="ttl">How long an entry stays fresh after it is written; positive.</param>
    /// <param name="capacity">The most entries held; at least 1.</param>
    /// <param name="clock">The clock TTLs are measured on.</param>
    /// <param name="comparer">Key comparer; default equality when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">The TTL is not positive or the capacity is below 1.</exception>
    public TtlCache(string name, TimeSpan ttl, int capacity, TimeProvider clock, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Name = name;
        Ttl = ttl;
        Capacity = capacity;
        _clock = clock;
        _entries = new Dictionary<TKey, Entry>(comparer);
        _loading = new Dictionary<TKey, Task<TValue>>(comparer);
    }

    /// <summary>The cache's name.</summary>
    public string Name { get; }

    /// <summary>How long an entry stays fresh after it is written.</summary>
    public TimeSpan Ttl { get; }

    /// <summary>The most entries held.</summary>
    public int Capacity { get; }

    /// <summary>Looks a key up; a fresh entry counts a hit and becomes most recently used, anything else a miss.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value when fresh.</param>
    /// <returns><see langword="true"/> when a fresh entry was found.</returns>
    public bool TryGet(TKey key, out TValue value)
    {
        lock (_lock)
        {
            PurgeExpiredLocked(Now());
            if (_entries.TryGetValue(key, out var entry))
            {
                _byUse.Remove(entry.UseNode);
                _byUse.AddLast(entry.UseNode);
                _hits++;
                value = entry.Value;
                return true;
            }

            _misses++;
            value = default!;
            return false;
        }
    }

    /// <summary>Writes a value, fresh for <see cref="Ttl"/> from now; evicts the least recently used entry when full.</summary>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    public void Set(TKey key, TValue value)
    {
        lock (_lock)
        {
            SetLocked(key, value, Now());
        }
    }

    /// <summary>Removes a key (not counted as an eviction or expiration).</summary>
    /// <param name="key">The key.</param>
    /// <returns><see langword="true"/> when it was held.</returns>
    public bool Remove(TKey key)
    {
        lock (_lock)
        {
            if (!_entries.Remove(key, out var entry))
            {
                return false;
            }

            _byUse.Remove(entry.UseNode);
            _byWrite.Remove(entry.WriteNode);
            return true;
        }
    }

    /// <summary>
    /// The fresh value of a key, or the factory's value, stored. Single-flight: while a load of a key runs, other
    /// callers missing on it wait for that load instead of starting their own, and get its value or its exception.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <param name="factory">Loads the value (for example a REST call); runs with the first missing caller's token.</param>
    /// <param name="cancellationToken">Cancels this caller's wait; cancelling the first caller cancels the load itself, which the joined callers then see as <see cref="OperationCanceledException"/>.</param>
    /// <returns>The value.</returns>
    /// <exception cref="OperationCanceledException">This caller, or the caller running the load, was cancelled.</exception>
    /// <remarks>A failed load stores nothing; the next call runs the factory again.</remarks>
    public async Task<TValue> GetOrAddAsync(TKey key, Func<TKey, CancellationToken, Task<TValue>> factory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        TaskCompletionSource<TValue> load;
        Task<TValue>? joined = null;
        lock (_lock)
        {
            PurgeExpiredLocked(Now());
            if (_entries.TryGetValue(key, out var entry))
            {
                _byUse.Remove(entry.UseNode);
                _byUse.AddLast(entry.UseNode);
                _hits++;
                return entry.Value;
            }

            _misses++;
            load = new TaskCompletionSource<TValue>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_loading.TryGetValue(key, out var running))
            {
                joined = running;
            }
            else
            {
                _loading[key] = load.Task;
            }
        }

        if (joined is not null)
        {
            return await joined.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var value = await factory(key, cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                SetLocked(key, value, Now());
                _loading.Remove(key);
            }

            load.SetResult(value);
            return value;
        }
        catch (Exception e)
        {
            lock (_lock)
            {
                _loading.Remove(key);
            }

            if (e is OperationCanceledException oce)
            {
                load.SetCanceled(oce.CancellationToken);
            }
            else
            {
                load.SetException(e);
            }

            throw;
        }
    }

    /// <summary>Removes every expired entry now (each counted as an expiration).</summary>
    /// <returns>How many were removed.</returns>
    public int PurgeExpired()
    {
        lock (_lock)
        {
            return PurgeExpiredLocked(Now());
        }
    }

    /// <summary>The counters now, after purging expired entries.</summary>
    /// <returns>Name, TTL, capacity, entries, hits, misses, hit ratio, evictions and expirations.</returns>
    public CacheTierStats Stats()
    {
        lock (_lock)
        {
            PurgeExpiredLocked(Now());
            return new CacheTierStats(Name, Ttl, Capacity, _entries.Count, _hits, _misses, _evictions, _expirations);
        }
    }

    private long Now() => _clock.GetUtcNow().UtcTicks;

    private void SetLocked(TKey key, TValue value, long now)
    {
        PurgeExpiredLocked(now);
        if (_entries.Remove(key, out var old))
        {
            _byUse.Remove(old.UseNode);
            _byWrite.Remove(old.WriteNode);
        }
        else if (_entries.Count >= Capacity)
        {
            var lru = _byUse.First!.Value;
            _entries.Remove(lru.Key);
            _byUse.RemoveFirst();
            _byWrite.Remove(lru.WriteNode);
            _evictions++;
        }

        var entry = new Entry(key, value, now + Ttl.Ticks);
        entry.UseNode = _byUse.AddLast(entry);
        entry.WriteNode = _byWrite.AddLast(entry);
        _entries[key] = entry;
    }

    private int PurgeExpiredLocked(long now)
    {
        var purged = 0;
        while (_byWrite.First is { } head && head.Value.ExpiresAtTicks <= now)
        {
            var entry = head.Value;
            _byWrite.RemoveFirst();
            _byUse.Remove(entry.UseNode);
            _entries.Remove(entry.Key);
            purged++;
        }

        _expirations += purged;
        return purged;
    }

    private sealed class Entry(TKey key, TValue value, long expiresAtTicks)
    {
        public TKey Key { get; } = key;

        public TValue Value { get; } = value;

        public long ExpiresAtTicks { get; } = expiresAtTicks;

        public LinkedListNode<Entry> UseNode { get; set; } = null!;

        public LinkedListNode<Entry> WriteNode { get; set; } = null!;
    }
}

using CryptoRun.Domain;

namespace CryptoRun.Venues.Common;

/// <summary>
/// Caches a venue's <see cref="MarketCatalog"/> for a time-to-live; concurrent callers share one
/// load. Market metadata changes rarely; symbol mapping must not cost a call per request.
/// </summary>
internal sealed class CatalogCache
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _ttl;
    private readonly Lock _lock = new();
    private Task<MarketCatalog>? _load;
    private DateTimeOffset _loadedAt;

    /// <param name="time">The clock.</param>
    /// <param name="ttl">How long a loaded catalog is reused.</param>
    internal CatalogCache(TimeProvider time, TimeSpan ttl)
    {
        _time = time;
        _ttl = ttl;
    }

    /// <summary>The cached catalog, loading it when missing, failed or expired.</summary>
    /// <param name="load">Loads the catalog from the venue.</param>
    /// <param name="cancellationToken">Cancels this caller's wait (not the shared load).</param>
    internal Task<MarketCatalog> GetAsync(Func<CancellationToken, Task<MarketCatalog>> load, CancellationToken cancellationToken)
    {
        Task<MarketCatalog> current;
        lock (_lock)
        {
            var expired = _load is { IsCompletedSuccessfully: true } && _time.GetUtcNow() - _loadedAt >= _ttl;
            if (_load is null || _load.IsFaulted || _load.IsCanceled || expired)
            {
                _load = LoadAsync(load);
            }

            current = _load;
        }

        return current.WaitAsync(cancellationToken);
    }

    private async Task<MarketCatalog> LoadAsync(Func<CancellationToken, Task<MarketCatalog>> load)
    {
        var catalog = await load(CancellationToken.None).ConfigureAwait(false);
        _loadedAt = _time.GetUtcNow();
        return catalog;
    }
}

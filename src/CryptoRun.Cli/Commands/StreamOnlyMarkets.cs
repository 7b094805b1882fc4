using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Venues;

namespace CryptoRun.Cli.Commands;

/// <summary>
/// A stream-only venue's market metadata as the facade's REST side (<see cref="IExchangeNativeProvider"/>): markets only,
/// from the stream descriptor's metadata fetch through the venue's gate (<paramref name="rest"/>, the one its book
/// snapshots use too), loaded once per command. It serves no klines, trades or books.
/// </summary>
internal sealed class StreamOnlyMarkets(StreamVenueDescriptor stream, VenueConnection rest) : IExchangeNativeProvider
{
    private readonly Lock _gate = new();
    private Task<MarketCatalog>? _catalog;

    public string Name => stream.Name;

    public ComplianceClass Compliance => ComplianceClass.ExchangeNative;

    public async Task<Provenance> ProbeAsync(CancellationToken cancellationToken = default)
    {
        var started = rest.TimeProvider.GetTimestamp();
        await GetMarketsAsync(cancellationToken).ConfigureAwait(false);
        return new Provenance(Name, "market metadata", null, (long)rest.TimeProvider.GetElapsedTime(started).TotalMilliseconds, rest.TimeProvider.GetUtcNow());
    }

    public Task<MarketCatalog> GetMarketsAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_catalog is null || _catalog.IsFaulted || _catalog.IsCanceled)
            {
                _catalog = stream.FetchMarkets!(rest, cancellationToken);
            }

            return _catalog;
        }
    }
}

using CryptoRun.Providers;
using CryptoRun.Venues.Binance;
using CryptoRun.Venues.Coinbase;
using CryptoRun.Venues.Kraken;
using CryptoRun.Venues.Okx;

namespace CryptoRun.Venues;

/// <summary>A venue CryptoRun can connect to.</summary>
/// <param name="Name">The venue name used everywhere (<c>--venue</c>, <c>--endpoint NAME=URL</c>, the store).</param>
/// <param name="DefaultBaseAddress">The venue's real REST base URL.</param>
/// <param name="Create">Creates the connector over an <see cref="HttpClient"/> (from <c>IHttpClientFactory</c>, base address set) and a clock.</param>
public sealed record VenueDescriptor(string Name, Uri DefaultBaseAddress, Func<HttpClient, TimeProvider, IMarketDataProvider> Create);

/// <summary>Every venue connector, by name. A new venue is one folder and one line here.</summary>
public static class VenueRegistry
{
    /// <summary>All venues, in the order commands list them.</summary>
    public static IReadOnlyList<VenueDescriptor> All { get; } =
    [
        new(BinanceApi.Spot.Name, BinanceApi.Spot.DefaultBaseAddress, (http, time) => new BinanceConnector(BinanceApi.Spot, http, time)),
        new(BinanceApi.UsdM.Name, BinanceApi.UsdM.DefaultBaseAddress, (http, time) => new BinanceConnector(BinanceApi.UsdM, http, time)),
        new(KrakenConnector.VenueName, KrakenConnector.DefaultBaseAddress, (http, time) => new KrakenConnector(http, time)),
        new(CoinbaseConnector.VenueName, CoinbaseConnector.DefaultBaseAddress, (http, time) => new CoinbaseConnector(http, time)),
        new(OkxConnector.VenueName, OkxConnector.DefaultBaseAddress, (http, time) => new OkxConnector(http, time)),
    ];

    /// <summary>Finds a venue by name (case-insensitive).</summary>
    /// <param name="name">The venue name.</param>
    /// <returns>The venue.</returns>
    /// <exception cref="ArgumentException">No venue has that name; the message lists the known ones.</exception>
    public static VenueDescriptor Get(string name)
        => All.FirstOrDefault(v => string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase))
           ?? throw new ArgumentException($"unknown venue '{name}': use one of {string.Join(", ", All.Select(v => v.Name))}", nameof(name));
}

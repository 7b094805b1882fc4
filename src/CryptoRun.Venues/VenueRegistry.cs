using CryptoRun.Providers;
using CryptoRun.Venues.Binance;
using CryptoRun.Venues.Coinbase;
using CryptoRun.Venues.CoinGecko;
using CryptoRun.Venues.CoinPaprika;
using CryptoRun.Venues.DefiLlama;
using CryptoRun.Venues.DexScreener;
using CryptoRun.Venues.Hyperliquid;
using CryptoRun.Venues.Kraken;
using CryptoRun.Venues.Okx;
using CryptoRun.Venues.TheGraph;

namespace CryptoRun.Venues;

/// <summary>A venue CryptoRun can connect to.</summary>
/// <param name="Name">The venue name used everywhere (<c>--venue</c>, <c>--endpoint NAME=URL</c>, the store).</param>
/// <param name="DefaultBaseAddress">The venue's real REST base URL.</param>
/// <param name="Compliance">Exchange-native, aggregator or DeFi.</param>
/// <param name="Create">Creates the connector over a connection (an <c>IHttpClientFactory</c> client with its base address, a clock, the provider's gate).</param>
public sealed record VenueDescriptor(string Name, Uri DefaultBaseAddress, ComplianceClass Compliance, Func<VenueConnection, IMarketDataProvider> Create);

/// <summary>Every venue connector, by name. A new venue is one folder and one line here.</summary>
public static class VenueRegistry
{
    /// <summary>All venues, in the order commands list them.</summary>
    public static IReadOnlyList<VenueDescriptor> All { get; } =
    [
        new(BinanceApi.Spot.Name, BinanceApi.Spot.DefaultBaseAddress, ComplianceClass.ExchangeNative, c => new BinanceConnector(BinanceApi.Spot, c)),
        new(BinanceApi.UsdM.Name, BinanceApi.UsdM.DefaultBaseAddress, ComplianceClass.ExchangeNative, c => new BinanceUsdmConnector(c)),
        new(KrakenConnector.VenueName, KrakenConnector.DefaultBaseAddress, ComplianceClass.ExchangeNative, c => new KrakenConnector(c)),
        new(CoinbaseConnector.VenueName, CoinbaseConnector.DefaultBaseAddress, ComplianceClass.ExchangeNative, c => new CoinbaseConnector(c)),
        new(OkxConnector.VenueName, OkxConnector.DefaultBaseAddress, ComplianceClass.ExchangeNative, c => new OkxConnector(c)),
        new(HyperliquidConnector.VenueName, HyperliquidConnector.DefaultBaseAddress, ComplianceClass.ExchangeNative, c => new HyperliquidConnector(c)),
        new(CoinGeckoConnector.VenueName, CoinGeckoConnector.DefaultBaseAddress, ComplianceClass.Aggregator, c => new CoinGeckoConnector(c)),
        new(CoinPaprikaConnector.VenueName, CoinPaprikaConnector.DefaultBaseAddress, ComplianceClass.Aggregator, c => new CoinPaprikaConnector(c)),
        new(DexScreenerConnector.VenueName, DexScreenerConnector.DefaultBaseAddress, ComplianceClass.DeFi, c => new DexScreenerConnector(c)),
        new(DefiLlamaConnector.VenueName, DefiLlamaConnector.DefaultBaseAddress, ComplianceClass.DeFi, c => new DefiLlamaConnector(c)),
        new(TheGraphConnector.VenueName, TheGraphConnector.DefaultBaseAddress, ComplianceClass.DeFi, c => new TheGraphConnector(c)),
    ];

    /// <summary>Finds a venue by name (case-insensitive).</summary>
    /// <param name="name">The venue name.</param>
    /// <returns>The venue.</returns>
    /// <exception cref="ArgumentException">No venue has that name; the message lists the known ones.</exception>
    public static VenueDescriptor Get(string name)
        => All.FirstOrDefault(v => string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase))
           ?? throw new ArgumentException($"unknown venue '{name}': use one of {string.Join(", ", All.Select(v => v.Name))}", nameof(name));
}

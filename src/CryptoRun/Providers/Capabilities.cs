using CryptoRun.Domain;

namespace CryptoRun.Providers;

/// <summary>What a provider can serve; each value is one capability interface.</summary>
public enum Capability
{
    /// <summary><see cref="ICandleProvider"/>: historical candles.</summary>
    Candles,

    /// <summary><see cref="ITradeProvider"/>: recent public trades (microstructure).</summary>
    SpotTrades,

    /// <summary><see cref="IL2BookProvider"/>: L2 order books (microstructure).</summary>
    L2Book,

    /// <summary><see cref="ITickerProvider"/>: spot price quotes.</summary>
    Ticker,

    /// <summary><see cref="IFundingRateProvider"/>: perpetual funding history.</summary>
    FundingHistory,

    /// <summary><see cref="IOpenInterestProvider"/>: derivative open interest.</summary>
    OpenInterest,

    /// <summary><see cref="ISupplyProvider"/>: asset supply and reserves.</summary>
    SupplyReserves,

    /// <summary><see cref="IDexPairProvider"/>: DEX pair snapshots and search.</summary>
    DexPairSnapshot,

    /// <summary><see cref="ITvlProvider"/>: DeFi protocol TVL.</summary>
    DefiTvl,
}

/// <summary>Seed 000's compliance classes.</summary>
public enum ComplianceClass
{
    /// <summary>A venue's own data (Binance, Kraken, OKX, Coinbase, Hyperliquid): may serve microstructure.</summary>
    ExchangeNative,

    /// <summary>An aggregator (CoinGecko, CoinPaprika): market-data fallback only, never microstructure.</summary>
    Aggregator,

    /// <summary>DeFi / on-chain analytics (DeFiLlama, TheGraph, DEXScreener): volume, TVL, DEX pairs; never microstructure.</summary>
    DeFi,
}

/// <summary>Capability checks on providers.</summary>
public static class Capabilities
{
    /// <summary>Every capability, in a stable order.</summary>
    public static IReadOnlyList<Capability> All { get; } = Enum.GetValues<Capability>();

    /// <summary>The microstructure capabilities, which only exchange-native providers may serve.</summary>
    public static IReadOnlyList<Capability> Microstructure { get; } = [Capability.SpotTrades, Capability.L2Book];

    /// <summary>Whether the provider implements the capability's interface.</summary>
    /// <param name="provider">The provider.</param>
    /// <param name="capability">The capability.</param>
    /// <returns><see langword="true"/> when it does.</returns>
    public static bool HasCapability(this IMarketDataProvider provider, Capability capability) => capability switch
    {
        Capability.Candles => provider is ICandleProvider,
        Capability.SpotTrades => provider is ITradeProvider,
        Capability.L2Book => provider is IL2BookProvider,
        Capability.Ticker => provider is ITickerProvider,
        Capability.FundingHistory => provider is IFundingRateProvider,
        Capability.OpenInterest => provider is IOpenInterestProvider,
        Capability.SupplyReserves => provider is ISupplyProvider,
        Capability.DexPairSnapshot => provider is IDexPairProvider,
        Capability.DefiTvl => provider is ITvlProvider,
        _ => false,
    };

    /// <summary>The capabilities a provider implements.</summary>
    /// <param name="provider">The provider.</param>
    /// <returns>Its capabilities in <see cref="All"/> order.</returns>
    public static IReadOnlyList<Capability> Of(IMarketDataProvider provider)
        => All.Where(provider.HasCapability).ToList();

    /// <summary>The interface a capability is served through.</summary>
    /// <param name="capability">The capability.</param>
    /// <returns>The capability interface type.</returns>
    public static Type InterfaceOf(Capability capability) => capability switch
    {
        Capability.Candles => typeof(ICandleProvider),
        Capability.SpotTrades => typeof(ITradeProvider),
        Capability.L2Book => typeof(IL2BookProvider),
        Capability.Ticker => typeof(ITickerProvider),
        Capability.FundingHistory => typeof(IFundingRateProvider),
        Capability.OpenInterest => typeof(IOpenInterestProvider),
        Capability.SupplyReserves => typeof(ISupplyProvider),
        Capability.DexPairSnapshot => typeof(IDexPairProvider),
        _ => typeof(ITvlProvider),
    };

    /// <summary>The kebab-case name used in config and output (<c>l2-book</c>).</summary>
    /// <param name="capability">The capability.</param>
    /// <returns>The name.</returns>
    public static string Name(this Capability capability) => capability switch
    {
        Capability.Candles => "candles",
        Capability.SpotTrades => "spot-trades",
        Capability.L2Book => "l2-book",
        Capability.Ticker => "ticker",
        Capability.FundingHistory => "funding-history",
        Capability.OpenInterest => "open-interest",
        Capability.SupplyReserves => "supply-reserves",
        Capability.DexPairSnapshot => "dex-pair-snapshot",
        _ => "defi-tvl",
    };

    /// <summary>The kebab-case name of a compliance class (<c>exchange-native</c>).</summary>
    /// <param name="compliance">The class.</param>
    /// <returns>The name.</returns>
    public static string Name(this ComplianceClass compliance) => compliance switch
    {
        ComplianceClass.ExchangeNative => "exchange-native",
        ComplianceClass.Aggregator => "aggregator",
        _ => "defi",
    };
}

/// <summary>Capability: spot price quotes (tickers).</summary>
public interface ITickerProvider : IMarketDataProvider
{
    /// <summary>The current spot quote of an instrument.</summary>
    /// <param name="instrument">The instrument.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The quote with the call's provenance.</returns>
    /// <exception cref="VenueException">The call failed or the instrument is unknown.</exception>
    Task<Sourced<SpotQuote>> GetSpotQuoteAsync(Instrument instrument, CancellationToken cancellationToken = default);
}

/// <summary>Capability: perpetual funding-rate history.</summary>
public interface IFundingRateProvider : IMarketDataProvider
{
    /// <summary>Funding settlements of a perpetual in a range, oldest first.</summary>
    /// <param name="instrument">The perpetual (<c>BASE/QUOTE:SETTLE</c>).</param>
    /// <param name="range">Half-open range of funding times.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The settlements with the provenance of the (last) call.</returns>
    /// <exception cref="VenueException">A call failed.</exception>
    Task<Sourced<IReadOnlyList<FundingRate>>> GetFundingHistoryAsync(Instrument instrument, TimeRange range, CancellationToken cancellationToken = default);
}

/// <summary>Capability: open interest of a derivative.</summary>
public interface IOpenInterestProvider : IMarketDataProvider
{
    /// <summary>The current open interest.</summary>
    /// <param name="instrument">The perpetual.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The open interest with the call's provenance.</returns>
    /// <exception cref="VenueException">The call failed.</exception>
    Task<Sourced<OpenInterest>> GetOpenInterestAsync(Instrument instrument, CancellationToken cancellationToken = default);
}

/// <summary>Capability: asset supply and reserves.</summary>
public interface ISupplyProvider : IMarketDataProvider
{
    /// <summary>An asset's circulating, total and maximum supply.</summary>
    /// <param name="asset">The asset code, for example <c>BTC</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The supply with the call's provenance.</returns>
    /// <exception cref="VenueException">The call failed or the asset is unknown.</exception>
    Task<Sourced<SupplySnapshot>> GetSupplyAsync(string asset, CancellationToken cancellationToken = default);
}

/// <summary>Capability: DEX pair snapshots.</summary>
public interface IDexPairProvider : IMarketDataProvider
{
    /// <summary>A pair's current snapshot.</summary>
    /// <param name="chainId">The chain, for example <c>solana</c>.</param>
    /// <param name="pairAddress">The pair address.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The snapshot with the call's provenance.</returns>
    /// <exception cref="VenueException">The call failed or the pair is unknown.</exception>
    Task<Sourced<DexPairSnapshot>> GetPairAsync(string chainId, string pairAddress, CancellationToken cancellationToken = default);

    /// <summary>Pairs matching a query (symbol, name or address).</summary>
    /// <param name="query">The search text.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Matching pairs with the call's provenance.</returns>
    /// <exception cref="VenueException">The call failed.</exception>
    Task<Sourced<IReadOnlyList<DexPairSnapshot>>> SearchPairsAsync(string query, CancellationToken cancellationToken = default);
}

/// <summary>Capability: DeFi protocol TVL.</summary>
public interface ITvlProvider : IMarketDataProvider
{
    /// <summary>A protocol's current total value locked.</summary>
    /// <param name="protocol">The protocol slug, for example <c>uniswap</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The TVL with the call's provenance.</returns>
    /// <exception cref="VenueException">The call failed or the protocol is unknown.</exception>
    Task<Sourced<TvlPoint>> GetProtocolTvlAsync(string protocol, CancellationToken cancellationToken = default);
}

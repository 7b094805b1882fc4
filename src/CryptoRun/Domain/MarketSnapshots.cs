namespace CryptoRun.Domain;

/// <summary>A spot price quote (ticker).</summary>
/// <param name="Instrument">The instrument.</param>
/// <param name="Price">Last trade price in quote units.</param>
/// <param name="Bid">Best bid, when the source gives it.</param>
/// <param name="Ask">Best ask, when the source gives it.</param>
/// <param name="Volume24h">Traded amount over the last 24 h in base units, when given.</param>
/// <param name="TimeMs">The source's time for the quote, Unix epoch milliseconds.</param>
public sealed record SpotQuote(Instrument Instrument, decimal Price, decimal? Bid, decimal? Ask, decimal? Volume24h, long TimeMs);

/// <summary>One funding-rate settlement of a perpetual swap.</summary>
/// <param name="Instrument">The perpetual.</param>
/// <param name="TimeMs">Funding time, Unix epoch milliseconds.</param>
/// <param name="Rate">The rate for the funding interval, as a fraction (0.0001 = 0.01 %); positive means longs pay shorts.</param>
/// <param name="MarkPrice">Mark price at funding, when the venue gives it.</param>
public sealed record FundingRate(Instrument Instrument, long TimeMs, decimal Rate, decimal? MarkPrice = null);

/// <summary>Open interest of a derivative at one time.</summary>
/// <param name="Instrument">The perpetual.</param>
/// <param name="TimeMs">The venue's time, Unix epoch milliseconds.</param>
/// <param name="Contracts">Open interest in contracts (or base units where the venue counts so).</param>
/// <param name="ValueQuote">Open interest in quote units, when the venue gives it.</param>
public sealed record OpenInterest(Instrument Instrument, long TimeMs, decimal Contracts, decimal? ValueQuote = null);

/// <summary>An asset's supply as an aggregator reports it.</summary>
/// <param name="Asset">The asset code, for example <c>BTC</c>.</param>
/// <param name="Circulating">Circulating supply in asset units, when known.</param>
/// <param name="Total">Total supply, when known.</param>
/// <param name="Max">Maximum supply, when the asset has one.</param>
/// <param name="TimeMs">When the source last updated it, Unix epoch milliseconds.</param>
public sealed record SupplySnapshot(string Asset, decimal? Circulating, decimal? Total, decimal? Max, long TimeMs);

/// <summary>A DEX liquidity pair at one time.</summary>
/// <param name="ChainId">The chain, for example <c>solana</c> or <c>ethereum</c>.</param>
/// <param name="PairAddress">The pair (pool) address on that chain.</param>
/// <param name="DexId">The DEX, for example <c>raydium</c> or <c>uniswap</c>.</param>
/// <param name="BaseSymbol">The base token symbol.</param>
/// <param name="QuoteSymbol">The quote token symbol.</param>
/// <param name="PriceUsd">Base token price in USD, when given.</param>
/// <param name="PriceNative">Base token price in quote tokens, when given.</param>
/// <param name="LiquidityUsd">Pool liquidity in USD, when given.</param>
/// <param name="Volume24hUsd">24 h volume in USD, when given.</param>
/// <param name="TimeMs">When it was read, Unix epoch milliseconds.</param>
public sealed record DexPairSnapshot(
    string ChainId,
    string PairAddress,
    string DexId,
    string BaseSymbol,
    string QuoteSymbol,
    decimal? PriceUsd,
    decimal? PriceNative,
    decimal? LiquidityUsd,
    decimal? Volume24hUsd,
    long TimeMs);

/// <summary>A DeFi protocol's total value locked at one time.</summary>
/// <param name="Protocol">The protocol slug, for example <c>uniswap</c>.</param>
/// <param name="TimeMs">The time of the value, Unix epoch milliseconds.</param>
/// <param name="TvlUsd">Total value locked in USD.</param>
public sealed record TvlPoint(string Protocol, long TimeMs, decimal TvlUsd);

using CryptoRun.Domain;

namespace CryptoRun.Providers;

/// <summary>A named source of market data. Its capabilities are the capability interfaces it implements.</summary>
public interface IMarketDataProvider
{
    /// <summary>The provider's name, lower-case, for example <c>binance</c>, <c>binance-usdm</c> or <c>coingecko</c>.</summary>
    string Name { get; }

    /// <summary>Exchange-native, aggregator or DeFi/on-chain (seed 000's compliance classes).</summary>
    ComplianceClass Compliance { get; }

    /// <summary>One cheap call that shows the provider answers (a ping or time endpoint).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The call's provenance (its latency tells how the provider is doing).</returns>
    /// <exception cref="VenueException">The provider did not answer normally.</exception>
    Task<Provenance> ProbeAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// A venue's own market data (an exchange, centralized or on-chain). Only exchange-native providers
/// may serve microstructure: order books and trades.
/// </summary>
public interface IExchangeNativeProvider : IMarketDataProvider
{
    /// <summary>The provider's markets, from its own market metadata; cached by the provider.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The catalog mapping unified instruments to venue symbols.</returns>
    /// <exception cref="VenueException">The metadata call failed.</exception>
    Task<MarketCatalog> GetMarketsAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// An aggregator (CoinGecko, CoinPaprika): market data fallback only. It never serves microstructure:
/// a type that is one must not implement <see cref="ITradeProvider"/> or <see cref="IL2BookProvider"/>;
/// the registry refuses such a type and a test of the build checks every provider type.
/// </summary>
public interface IAggregatorProvider : IMarketDataProvider;

/// <summary>A DeFi / on-chain analytics source (DeFiLlama, TheGraph, DEXScreener): volume, TVL and DEX pairs; no microstructure.</summary>
public interface IDeFiProvider : IMarketDataProvider;

/// <summary>One page of closed candles, and the window it answers for.</summary>
/// <param name="Candles">
/// The closed (final) candles the venue answered, oldest first, unfiltered by time: a connector drops only
/// the extras its venue documents (Kraken's candle in progress and the candles after the asked end, OKX's
/// unconfirmed candle), so a candle outside <paramref name="Covered"/> is the venue's stray, and the backfill's
/// conformance check rejects the page for it.
/// </param>
/// <param name="Covered">
/// The window the venue answered for: every closed candle the venue has with an open time in it is
/// in <paramref name="Candles"/>. A slot inside it with no candle is one the venue does not have. Empty when
/// the answer holds nothing the page can vouch for (a full page of strays).
/// </param>
/// <param name="Provenance">The call that produced the page.</param>
public sealed record CandlePage(IReadOnlyList<Candle> Candles, TimeRange Covered, Provenance Provenance);

/// <summary>Capability: historical candles (klines).</summary>
public interface ICandleProvider : IExchangeNativeProvider
{
    /// <summary>The timeframes the venue serves natively.</summary>
    IReadOnlyList<Timeframe> SupportedTimeframes { get; }

    /// <summary>The most candles one request may return (the page size used when walking a range).</summary>
    int MaxCandlesPerRequest { get; }

    /// <summary>
    /// True when any window of history can be asked for on its own (start/end or cursor parameters), so a
    /// backfill may fetch several page-sized windows at once; false for a venue that serves only its most
    /// recent candles whatever is asked (Kraken's OHLC).
    /// </summary>
    bool ServesAnyWindow => true;

    /// <summary>
    /// Walks <paramref name="range"/> by the venue's own cursor rules at its largest page, yielding
    /// closed candles page by page. Candles still open are never yielded.
    /// </summary>
    /// <param name="instrument">The instrument (must be listed; see <see cref="IExchangeNativeProvider.GetMarketsAsync"/>).</param>
    /// <param name="timeframe">A timeframe in <see cref="SupportedTimeframes"/>.</param>
    /// <param name="range">Half-open range <c>[From, To)</c> of candle open times.</param>
    /// <param name="cancellationToken">Cancels the walk.</param>
    /// <returns>Pages in the venue's walking order (forward on Binance and Coinbase, backward on OKX),
    /// each with its candles oldest first and the window it answers for; the union of windows may be smaller than
    /// <paramref name="range"/> where the venue keeps no history that far back, or the range reaches the open candle.</returns>
    /// <exception cref="InstrumentNotListedException">The venue does not list the instrument.</exception>
    /// <exception cref="VenueRequestException">The venue does not serve the timeframe, or rejected the request.</exception>
    /// <exception cref="VenueException">A call failed.</exception>
    IAsyncEnumerable<CandlePage> FetchCandlesAsync(
        Instrument instrument,
        Timeframe timeframe,
        TimeRange range,
        CancellationToken cancellationToken = default);
}

/// <summary>Capability (microstructure, exchange-native only): recent public trades.</summary>
public interface ITradeProvider : IExchangeNativeProvider
{
    /// <summary>The most recent public trades, oldest first.</summary>
    /// <param name="instrument">The instrument.</param>
    /// <param name="limit">How many trades at most; clamped to the venue's maximum.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The trades with the call's provenance.</returns>
    /// <exception cref="VenueException">The call failed.</exception>
    Task<Sourced<IReadOnlyList<Trade>>> GetRecentTradesAsync(
        Instrument instrument,
        int limit,
        CancellationToken cancellationToken = default);
}

/// <summary>A page of historical trades and the time window it is complete for.</summary>
/// <param name="Trades">
/// The trades the venue answered, oldest first, without those after the asked range (a venue's cursor answers
/// the next trades wherever they fall); a trade before <paramref name="Covered"/> is the venue's stray, and the
/// backfill rejects the page for it.
/// </param>
/// <param name="Covered">The window every trade of which is in this page or an earlier one.</param>
/// <param name="Provenance">The call that produced the page.</param>
public sealed record TradePage(IReadOnlyList<Trade> Trades, TimeRange Covered, Provenance Provenance);

/// <summary>
/// Trade history by time (seed 004's trades-to-bar gap repair): where a venue's candle history is
/// shallow (Kraken's OHLC keeps 720 candles), older candles are built from its trades.
/// </summary>
public interface ITradeHistoryProvider : IExchangeNativeProvider
{
    /// <summary>Walks the venue's trades of <paramref name="range"/> oldest first, page by page.</summary>
    /// <param name="instrument">The instrument.</param>
    /// <param name="range">Half-open range of trade times.</param>
    /// <param name="cancellationToken">Cancels the walk.</param>
    /// <returns>Pages whose windows together cover the range up to the venue's newest trade.</returns>
    /// <exception cref="VenueException">A call failed; pages before it were yielded.</exception>
    IAsyncEnumerable<TradePage> FetchTradesAsync(Instrument instrument, TimeRange range, CancellationToken cancellationToken = default);
}

/// <summary>Capability (microstructure, exchange-native only): L2 order book snapshots over REST.</summary>
public interface IL2BookProvider : IExchangeNativeProvider
{
    /// <summary>An L2 order book snapshot.</summary>
    /// <param name="instrument">The instrument.</param>
    /// <param name="depth">Levels per side wanted; rounded up to a depth the venue allows, and clamped to its maximum.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The snapshot with the call's provenance.</returns>
    /// <exception cref="VenueException">The call failed.</exception>
    Task<Sourced<L2BookSnapshot>> GetL2BookAsync(
        Instrument instrument,
        int depth,
        CancellationToken cancellationToken = default);
}

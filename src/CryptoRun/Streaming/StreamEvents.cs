using CryptoRun.Domain;

namespace CryptoRun.Streaming;

/// <summary>
/// Where and when one streamed event came from: the hot tier's provenance. Every <see cref="StreamEvent"/> carries one.
/// </summary>
/// <param name="Venue">The venue name (<c>binance</c>, <c>kraken</c>, <c>okx</c>...).</param>
/// <param name="Connection">The connection that received it, <c>venue#n</c> (n counts this process's connections to the venue, from 1); <c>venue:rest</c> for events a REST backfill supplied.</param>
/// <param name="Frame">The frame's number on its connection, from 1; 0 for events not read from a frame (gaps, status, REST backfill).</param>
/// <param name="ReceivedAt">When the frame was read off the socket, by the stream's clock (UTC).</param>
/// <param name="ExchangeTimeMs">The venue's own event time, Unix epoch milliseconds, when the frame has one (Binance <c>E</c>, Kraken's float seconds, OKX <c>ts</c>).</param>
/// <param name="Sequence">The venue's sequence for the event when it sends one (Binance <c>u</c>, OKX <c>seqId</c>, Coinbase <c>sequence</c>, Bybit <c>u</c>); otherwise null.</param>
public readonly record struct StreamProvenance(
    string Venue,
    string Connection,
    long Frame,
    DateTimeOffset ReceivedAt,
    long? ExchangeTimeMs,
    long? Sequence);

/// <summary>The data channel of a subscription.</summary>
public enum StreamChannel
{
    /// <summary>Public trades (Binance <c>aggTrade</c>, Kraken <c>trade</c>, OKX <c>trades</c>, Coinbase <c>market_trades</c>/<c>match</c>, Bybit <c>publicTrade</c>, Bitstamp <c>live_trades</c>).</summary>
    Trades,

    /// <summary>The L2 order book, snapshot plus deltas, kept in sync by sequence and checksum.</summary>
    Book,

    /// <summary>Top of book and 24 h statistics (Binance <c>bookTicker</c>, Kraken/OKX/Coinbase/Bybit <c>ticker(s)</c>).</summary>
    Ticker,

    /// <summary>Candles as they form (Binance <c>kline_1m</c>, Coinbase <c>candles</c>, Bybit <c>kline.1</c>).</summary>
    Candles,

    /// <summary>Funding rate, mark price and open interest of perpetuals (Bybit linear <c>tickers</c>).</summary>
    Funding,
}

/// <summary>One streamed, normalized event. Consumers switch on the concrete type.</summary>
/// <param name="Instrument">The instrument (unified symbol) the event is about.</param>
/// <param name="Provenance">Where and when it came from.</param>
public abstract record StreamEvent(Instrument Instrument, StreamProvenance Provenance);

/// <summary>One public trade.</summary>
/// <param name="Instrument">The instrument.</param>
/// <param name="Trade">The trade: venue id, exchange time (ms), price (quote units), size (base units or contracts), taker side.</param>
/// <param name="Provenance">Where and when it came from; <c>venue:rest</c> connection when a REST backfill of a disconnect window supplied it.</param>
public sealed record TradeEvent(Instrument Instrument, Trade Trade, StreamProvenance Provenance) : StreamEvent(Instrument, Provenance);

/// <summary>The L2 book was replaced by a snapshot (at subscription, and after every resync).</summary>
/// <param name="Instrument">The instrument.</param>
/// <param name="Bids">Bid levels after the snapshot, best first (prices in quote units, sizes in base units or contracts).</param>
/// <param name="Asks">Ask levels after the snapshot, best first.</param>
/// <param name="Provenance">Where and when it came from; <see cref="StreamProvenance.Sequence"/> is the book's sequence after it.</param>
public sealed record BookSnapshotEvent(
    Instrument Instrument,
    IReadOnlyList<BookLevel> Bids,
    IReadOnlyList<BookLevel> Asks,
    StreamProvenance Provenance) : StreamEvent(Instrument, Provenance)
{
    /// <summary>The best bid after the snapshot, if any.</summary>
    public BookLevel? BestBid => Bids.Count > 0 ? Bids[0] : null;

    /// <summary>The best ask after the snapshot, if any.</summary>
    public BookLevel? BestAsk => Asks.Count > 0 ? Asks[0] : null;
}

/// <summary>Level changes applied to a synced L2 book (a size of 0 removes the level).</summary>
/// <param name="Instrument">The instrument.</param>
/// <param name="Bids">Bid level changes, in the venue's order.</param>
/// <param name="Asks">Ask level changes, in the venue's order.</param>
/// <param name="BestBid">The book's best bid after the change, if any.</param>
/// <param name="BestAsk">The book's best ask after the change, if any.</param>
/// <param name="ChecksumVerified">True when the venue sent a checksum for this update and the book matched it (Kraken, OKX); false when the venue sends none.</param>
/// <param name="Provenance">Where and when it came from; <see cref="StreamProvenance.Sequence"/> is the book's sequence after it.</param>
public sealed record BookDeltaEvent(
    Instrument Instrument,
    IReadOnlyList<BookLevel> Bids,
    IReadOnlyList<BookLevel> Asks,
    BookLevel? BestBid,
    BookLevel? BestAsk,
    bool ChecksumVerified,
    StreamProvenance Provenance) : StreamEvent(Instrument, Provenance);

/// <summary>Top of book and, where the venue sends them, last price and 24 h volume.</summary>
/// <param name="Instrument">The instrument.</param>
/// <param name="BidPrice">Best bid price, quote units.</param>
/// <param name="BidSize">Size at the best bid.</param>
/// <param name="AskPrice">Best ask price, quote units.</param>
/// <param name="AskSize">Size at the best ask.</param>
/// <param name="LastPrice">Last trade price, when the venue sends it.</param>
/// <param name="Volume24h">Rolling 24 h volume in base units, when the venue sends it.</param>
/// <param name="Provenance">Where and when it came from.</param>
public sealed record TickerEvent(
    Instrument Instrument,
    decimal? BidPrice,
    decimal? BidSize,
    decimal? AskPrice,
    decimal? AskSize,
    decimal? LastPrice,
    decimal? Volume24h,
    StreamProvenance Provenance) : StreamEvent(Instrument, Provenance);

/// <summary>A candle as it forms, or as it closes.</summary>
/// <param name="Instrument">The instrument.</param>
/// <param name="Timeframe">The candle's timeframe.</param>
/// <param name="Candle">The candle so far (OHLCV; volume in base units).</param>
/// <param name="IsClosed">True when the venue says the candle is final (Binance <c>x</c>); false while it forms or when the venue does not say.</param>
/// <param name="Provenance">Where and when it came from.</param>
public sealed record CandleEvent(
    Instrument Instrument,
    Timeframe Timeframe,
    Candle Candle,
    bool IsClosed,
    StreamProvenance Provenance) : StreamEvent(Instrument, Provenance);

/// <summary>A perpetual's funding rate, with mark price and open interest when the venue sends them.</summary>
/// <param name="Instrument">The perpetual.</param>
/// <param name="FundingRate">The current (predicted) funding rate as a fraction per funding interval (0.0001 = 0.01 %).</param>
/// <param name="NextFundingTimeMs">When it is next charged, Unix epoch milliseconds, when sent.</param>
/// <param name="MarkPrice">Mark price, quote units, when sent.</param>
/// <param name="OpenInterest">Open interest in contracts (base units on linear perpetuals), when sent.</param>
/// <param name="Provenance">Where and when it came from.</param>
public sealed record FundingUpdateEvent(
    Instrument Instrument,
    decimal? FundingRate,
    long? NextFundingTimeMs,
    decimal? MarkPrice,
    decimal? OpenInterest,
    StreamProvenance Provenance) : StreamEvent(Instrument, Provenance);

/// <summary>Why continuity was lost.</summary>
public enum GapReason
{
    /// <summary>The connection dropped or was closed; events between <see cref="GapEvent.From"/> and <see cref="GapEvent.To"/> were not received.</summary>
    Disconnected,

    /// <summary>No frame arrived for longer than the stale limit; the connection was dropped and reopened.</summary>
    Stale,

    /// <summary>A book update did not follow the book's sequence; the book resyncs.</summary>
    SequenceGap,

    /// <summary>The book did not match the venue's checksum; the book resyncs.</summary>
    ChecksumFailed,

    /// <summary>The consumer read more slowly than events arrived; its bounded buffer was full and events were dropped for it alone.</summary>
    SlowConsumer,
}

/// <summary>
/// An explicit loss of continuity for one subscription. Every disconnect, stale stream, sequence gap, checksum
/// failure and consumer overflow produces one; nothing is lost silently.
/// </summary>
/// <param name="Instrument">The instrument.</param>
/// <param name="Channel">The channel that lost continuity.</param>
/// <param name="Reason">Why.</param>
/// <param name="From">The last moment continuity is known (the last event received before the gap).</param>
/// <param name="To">When continuity resumed, when known (the reconnect, the resynced snapshot); null while it has not.</param>
/// <param name="Dropped">Events dropped for a slow consumer; 0 for other reasons.</param>
/// <param name="Backfilled">Trades of the window supplied again from REST (only for <see cref="StreamChannel.Trades"/> after a disconnect, where the venue allows it); null when no backfill was tried.</param>
/// <param name="Provenance">Where and when it was detected.</param>
public sealed record GapEvent(
    Instrument Instrument,
    StreamChannel Channel,
    GapReason Reason,
    DateTimeOffset From,
    DateTimeOffset? To,
    long Dropped,
    int? Backfilled,
    StreamProvenance Provenance) : StreamEvent(Instrument, Provenance);

/// <summary>A subscription's connection state.</summary>
public enum StreamState
{
    /// <summary>Connected and subscribed; events flow.</summary>
    Live,

    /// <summary>The connection is being opened again after a loss (with backoff and jitter).</summary>
    Reconnecting,

    /// <summary>The book lost sync and waits for a fresh snapshot.</summary>
    Resyncing,

    /// <summary>The subscription ended (stopped, or the consumer left).</summary>
    Closed,
}

/// <summary>A subscription changed state (live, reconnecting, resyncing, closed).</summary>
/// <param name="Instrument">The instrument.</param>
/// <param name="Channel">The channel.</param>
/// <param name="State">The new state.</param>
/// <param name="Detail">Why, in words (the close status, the exception message, the resync cause).</param>
/// <param name="Provenance">Where and when.</param>
public sealed record StreamStatusEvent(
    Instrument Instrument,
    StreamChannel Channel,
    StreamState State,
    string Detail,
    StreamProvenance Provenance) : StreamEvent(Instrument, Provenance);

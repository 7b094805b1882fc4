using System.Globalization;
using System.Runtime.CompilerServices;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Kraken;

/// <summary>
/// Kraken spot (<c>kraken</c>, <c>https://api.kraken.com</c>): OHLC candles, recent trades and L2 depth.
/// </summary>
/// <remarks>
/// Sources: <c>GET /0/public/AssetPairs</c>, <c>/0/public/OHLC</c> (intervals 1, 5, 15, 30, 60, 240,
/// 1440 minutes; only the 720 most recent candles, plus the one in progress), <c>/0/public/Trades</c>
/// (at most 1000), <c>/0/public/Depth</c> (at most 500 levels). Kraken's OHLC history is shallow:
/// pages say which window they cover, and older parts of a range are reported as not covered.
/// Weekly candles are not offered: Kraken's week alignment is not documented.
/// </remarks>
public sealed class KrakenConnector : ICandleProvider, ITradeProvider, ITradeHistoryProvider, IL2BookProvider, ITickerProvider
{
    /// <summary>The venue name.</summary>
    public const string VenueName = "kraken";

    /// <summary>The most recent committed candles Kraken's OHLC endpoint returns.</summary>
    public const int OhlcDepth = 720;

    private static readonly IReadOnlyList<Timeframe> Timeframes =
        new[] { "1m", "5m", "15m", "30m", "1h", "4h", "1d" }.Select(Timeframe.Parse).ToList();

    private readonly VenueHttp _http;
    private readonly CatalogCache _catalog;

    internal KrakenConnector(VenueConnection connection)
    {
        _http = new VenueHttp(VenueName, connection, (status, body, _) => KrakenParser.ReadError(VenueName, status, body));
        _catalog = new CatalogCache(connection.TimeProvider, TimeSpan.FromHours(1));
    }

    /// <summary>The default base address.</summary>
    public static Uri DefaultBaseAddress { get; } = new("https://api.kraken.com/");

    /// <inheritdoc />
    public string Name => VenueName;

    /// <inheritdoc />
    public ComplianceClass Compliance => ComplianceClass.ExchangeNative;

    /// <inheritdoc />
    public IReadOnlyList<Timeframe> SupportedTimeframes => Timeframes;

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /0/public/Time</c>.</remarks>
    public async Task<Provenance> ProbeAsync(CancellationToken cancellationToken = default)
        => (await _http.GetAsync("/0/public/Time", null, body => KrakenParser.ParseTime(Name, body), cancellationToken).ConfigureAwait(false)).Provenance;

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /0/public/Ticker?pair=</c>: last trade <c>c</c>, best bid <c>b</c> and ask <c>a</c>, 24 h volume <c>v[1]</c>; Kraken gives no quote time, so it is the fetch time.</remarks>
    public async Task<Sourced<SpotQuote>> GetSpotQuoteAsync(Instrument instrument, CancellationToken cancellationToken = default)
    {
        var market = await MarketAsync(instrument, cancellationToken).ConfigureAwait(false);
        var now = _http.Time.GetUtcNow().ToUnixTimeMilliseconds();
        return await _http.GetAsync(Query.Build("/0/public/Ticker", ("pair", market.VenueSymbol)), null, body => KrakenParser.ParseTicker(Name, instrument, market.VenueSymbol, now, body), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public int MaxCandlesPerRequest => OhlcDepth;

    /// <inheritdoc />
    /// <remarks>False: <c>/0/public/OHLC</c> answers with the 720 most recent candles whatever window is asked.</remarks>
    public bool ServesAnyWindow => false;

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /0/public/AssetPairs</c>; cached one hour.</remarks>
    public Task<MarketCatalog> GetMarketsAsync(CancellationToken cancellationToken = default)
        => _catalog.GetAsync(
            async ct => (await _http.GetAsync("/0/public/AssetPairs", null, body => KrakenParser.ParseAssetPairs(Name, body), ct).ConfigureAwait(false)).Value,
            cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// One request: <c>GET /0/public/OHLC?pair=&amp;interval=&amp;since=</c> returns everything Kraken
    /// still keeps after <c>since</c>. When it returns the full 720, older slots of the range are
    /// not covered (Kraken no longer serves them).
    /// </remarks>
    public async IAsyncEnumerable<CandlePage> FetchCandlesAsync(
        Instrument instrument,
        Timeframe timeframe,
        TimeRange range,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        CandleRules.RequireTimeframe(Name, Timeframes, timeframe);
        var market = await MarketAsync(instrument, cancellationToken).ConfigureAwait(false);
        var start = timeframe.Ceiling(range.FromMs);
        var end = Math.Min(timeframe.Ceiling(range.ToMs), CandleRules.OpenCandleStart(timeframe, _http.Time));
        if (start >= end)
        {
            yield break;
        }

        // "since" may be exclusive; one second before an aligned open time is never an open time itself.
        var path = Query.Build(
            "/0/public/OHLC",
            ("pair", market.VenueSymbol),
            ("interval", timeframe.Minutes),
            ("since", (start / 1000) - 1));
        var ((candles, lastCommitted), provenance) = await _http.GetAsync(
            path, new TimeRange(start, end), body => KrakenParser.ParseOhlc(Name, body, market.VenueSymbol), cancellationToken).ConfigureAwait(false);

        // Kraken answers everything it keeps after "since", whatever the asked end: its documented extras are the
        // committed candles from the asked end on, and the one candle in progress right after "last". Only those are
        // left out; anything else (a candle before "since", a second uncommitted one) stays in the page for the
        // conformance check to reject it.
        var step = timeframe.Milliseconds;
        var page = candles.Where(c => c.OpenTimeMs <= lastCommitted ? c.OpenTimeMs < end : c.OpenTimeMs != lastCommitted + step).ToList();
        var committed = candles.Where(c => c.OpenTimeMs <= lastCommitted).ToList();

        // When Kraken returns its full 720, the slots before its oldest one are no longer served (not covered).
        var coveredFrom = committed.Count >= OhlcDepth ? Math.Clamp(committed[0].OpenTimeMs, start, end) : start;
        var coveredTo = Math.Clamp(lastCommitted + step, coveredFrom, end);
        yield return new CandlePage(page, new TimeRange(coveredFrom, coveredTo), provenance);
    }

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /0/public/Trades?pair=&amp;count=</c> (count 1..1000).</remarks>
    public async Task<Sourced<IReadOnlyList<Trade>>> GetRecentTradesAsync(
        Instrument instrument,
        int limit,
        CancellationToken cancellationToken = default)
    {
        var market = await MarketAsync(instrument, cancellationToken).ConfigureAwait(false);
        var path = Query.Build("/0/public/Trades", ("pair", market.VenueSymbol), ("count", Math.Clamp(limit, 1, 1000)));
        var trades = await _http.GetAsync(path, null, body => KrakenParser.ParseTrades(Name, body), cancellationToken).ConfigureAwait(false);
        return new Sourced<IReadOnlyList<Trade>>(trades.Value, trades.Provenance);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Source: <c>GET /0/public/Trades?pair=&amp;since=&amp;count=1000</c>, walked by its <c>last</c> cursor
    /// (nanoseconds). A page of fewer than 1000 trades is the newest there is, so the range is complete to its end.
    /// </remarks>
    public async IAsyncEnumerable<TradePage> FetchTradesAsync(
        Instrument instrument,
        TimeRange range,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        const int PageSize = 1000;
        var market = await MarketAsync(instrument, cancellationToken).ConfigureAwait(false);
        var since = (range.FromMs * 1_000_000L).ToString(CultureInfo.InvariantCulture);
        var cursorMs = range.FromMs;
        while (cursorMs < range.ToMs)
        {
            var path = Query.Build("/0/public/Trades", ("pair", market.VenueSymbol), ("since", since), ("count", PageSize));
            var ((trades, last), provenance) = await _http.GetAsync(path, new TimeRange(cursorMs, range.ToMs), body => KrakenParser.ParseTradeHistory(Name, body), cancellationToken).ConfigureAwait(false);
            var done = trades.Count < PageSize || last is null || trades[^1].TimeMs >= range.ToMs;

            // A full page may stop inside a millisecond: it is complete up to its last trade's millisecond, inclusive.
            var coveredTo = done ? range.ToMs : Math.Min(range.ToMs, trades[^1].TimeMs + 1);

            // Kraken answers the next trades after "since" wherever they fall: those from the range's end on are its
            // documented extra and left out. A trade before the cursor is a stray the backfill rejects the page for.
            yield return new TradePage(trades.Where(t => t.TimeMs < range.ToMs).ToList(), new TimeRange(cursorMs, Math.Max(cursorMs, coveredTo)), provenance);
            if (done || coveredTo <= cursorMs)
            {
                yield break;
            }

            since = last!;
            cursorMs = coveredTo;
        }
    }

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /0/public/Depth?pair=&amp;count=</c> (count 1..500).</remarks>
    public async Task<Sourced<L2BookSnapshot>> GetL2BookAsync(
        Instrument instrument,
        int depth,
        CancellationToken cancellationToken = default)
    {
        var market = await MarketAsync(instrument, cancellationToken).ConfigureAwait(false);
        var path = Query.Build("/0/public/Depth", ("pair", market.VenueSymbol), ("count", Math.Clamp(depth, 1, 500)));
        return await _http.GetAsync(path, null, body => KrakenParser.ParseDepth(Name, instrument, body), cancellationToken).ConfigureAwait(false);
    }

    private async Task<Market> MarketAsync(Instrument instrument, CancellationToken cancellationToken)
        => (await GetMarketsAsync(cancellationToken).ConfigureAwait(false)).Get(instrument);
}

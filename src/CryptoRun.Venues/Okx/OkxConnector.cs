using System.Runtime.CompilerServices;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Okx;

/// <summary>OKX v5 (<c>okx</c>, <c>https://www.okx.com</c>): spot and perpetual-swap candles, trades and L2 books.</summary>
/// <remarks>
/// Sources: <c>GET /api/v5/public/instruments?instType=SPOT|SWAP</c>, <c>/api/v5/market/candles</c>
/// (the latest 1440 candles; at most 300 per request), <c>/api/v5/market/history-candles</c> (older
/// candles; at most 300 per request per the 2026 docs), <c>/api/v5/market/trades</c> (at most 500),
/// <c>/api/v5/market/books</c> (at most 400 levels). Candles come newest first and are walked backward
/// with <c>after</c> (open times earlier than) and <c>before</c> (later than); daily and longer bars
/// use the UTC-aligned names (<c>1Dutc</c>), never OKX's Hong Kong-aligned <c>1D</c>.
/// </remarks>
public sealed class OkxConnector : ICandleProvider, ITradeProvider, IL2BookProvider, ITickerProvider, IFundingRateProvider, IOpenInterestProvider
{
    /// <summary>The venue name.</summary>
    public const string VenueName = "okx";

    /// <summary>The most candles one request returns.</summary>
    public const int MaxCandles = 300;

    /// <summary>How many recent candles <c>/api/v5/market/candles</c> reaches.</summary>
    public const int RecentCandles = 1440;

    private static readonly Dictionary<string, string> Bars = new(StringComparer.Ordinal)
    {
        ["1m"] = "1m", ["3m"] = "3m", ["5m"] = "5m", ["15m"] = "15m", ["30m"] = "30m",
        ["1h"] = "1H", ["2h"] = "2H", ["4h"] = "4H", ["6h"] = "6Hutc", ["12h"] = "12Hutc",
        ["1d"] = "1Dutc", ["1w"] = "1Wutc",
    };

    private static readonly IReadOnlyList<Timeframe> Timeframes = Bars.Keys.Select(Timeframe.Parse).ToList();

    private static readonly string[] InstrumentTypes = ["SPOT", "SWAP"];

    private readonly VenueHttp _http;
    private readonly CatalogCache _catalog;

    /// <summary>The most funding rows one request returns.</summary>
    public const int MaxFundingRows = 100;

    internal OkxConnector(VenueConnection connection)
    {
        _http = new VenueHttp(VenueName, connection, (status, body, endpoint) => OkxParser.ReadError(VenueName, status, body, endpoint));
        _catalog = new CatalogCache(connection.TimeProvider, TimeSpan.FromHours(1));
    }

    /// <summary>The default base address.</summary>
    public static Uri DefaultBaseAddress { get; } = new("https://www.okx.com/");

    /// <inheritdoc />
    public string Name => VenueName;

    /// <inheritdoc />
    public ComplianceClass Compliance => ComplianceClass.ExchangeNative;

    /// <inheritdoc />
    public IReadOnlyList<Timeframe> SupportedTimeframes => Timeframes;

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /api/v5/public/time</c>.</remarks>
    public async Task<Provenance> ProbeAsync(CancellationToken cancellationToken = default)
        => (await _http.GetAsync("/api/v5/public/time", null, body => OkxParser.ParseTime(Name, body), cancellationToken).ConfigureAwait(false)).Provenance;

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /api/v5/market/ticker?instId=</c>: <c>data[0] = {last, bidPx, askPx, vol24h, ts}</c>.</remarks>
    public async Task<Sourced<SpotQuote>> GetSpotQuoteAsync(Instrument instrument, CancellationToken cancellationToken = default)
    {
        var market = await MarketAsync(instrument, cancellationToken).ConfigureAwait(false);
        var path = Query.Build("/api/v5/market/ticker", ("instId", market.VenueSymbol));
        return await _http.GetAsync(path, null, body => OkxParser.ParseTicker(Name, instrument, body), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Source: <c>GET /api/v5/public/funding-rate-history?instId=&amp;after=&amp;before=&amp;limit=100</c>,
    /// newest first, walked backward with <c>after</c> (funding times earlier than).
    /// </remarks>
    public async Task<Sourced<IReadOnlyList<FundingRate>>> GetFundingHistoryAsync(Instrument instrument, TimeRange range, CancellationToken cancellationToken = default)
    {
        var market = await MarketAsync(instrument, cancellationToken).ConfigureAwait(false);
        if (market.Kind != MarketKind.Perpetual)
        {
            throw new VenueRequestException(Name, $"{Name}: {instrument} is not a perpetual swap; funding exists only for BASE/QUOTE:SETTLE");
        }

        var all = new List<FundingRate>();
        Provenance? last = null;
        var cursor = range.ToMs;
        while (cursor > range.FromMs)
        {
            var path = Query.Build("/api/v5/public/funding-rate-history", ("instId", market.VenueSymbol), ("after", cursor), ("before", range.FromMs - 1), ("limit", MaxFundingRows));
            var page = await _http.GetAsync(path, new TimeRange(range.FromMs, cursor), body => OkxParser.ParseFundingHistory(Name, instrument, body), cancellationToken).ConfigureAwait(false);
            last = page.Provenance;
            all.AddRange(page.Value.Where(r => range.Contains(r.TimeMs)));
            if (page.Value.Count < MaxFundingRows)
            {
                break;
            }

            cursor = page.Value[0].TimeMs;
        }

        all.Sort((a, b) => a.TimeMs.CompareTo(b.TimeMs));
        return new Sourced<IReadOnlyList<FundingRate>>(all, last ?? await ProbeAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /api/v5/public/open-interest?instType=SWAP&amp;instId=</c>: <c>data[0] = {oi (contracts), oiCcy, oiUsd, ts}</c>.</remarks>
    public async Task<Sourced<OpenInterest>> GetOpenInterestAsync(Instrument instrument, CancellationToken cancellationToken = default)
    {
        var market = await MarketAsync(instrument, cancellationToken).ConfigureAwait(false);
        var path = Query.Build("/api/v5/public/open-interest", ("instType", "SWAP"), ("instId", market.VenueSymbol));
        return await _http.GetAsync(path, null, body => OkxParser.ParseOpenInterest(Name, instrument, body), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public int MaxCandlesPerRequest => MaxCandles;

    /// <summary>OKX's <c>bar</c> name for a timeframe (<c>1h</c> to <c>1H</c>, <c>1d</c> to <c>1Dutc</c>).</summary>
    /// <param name="timeframe">The timeframe.</param>
    /// <returns>The bar name, or null when OKX has no such bar.</returns>
    public static string? BarName(Timeframe timeframe) => Bars.GetValueOrDefault(timeframe.Name);

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /api/v5/public/instruments?instType=SPOT</c> and <c>?instType=SWAP</c>; cached one hour.</remarks>
    public Task<MarketCatalog> GetMarketsAsync(CancellationToken cancellationToken = default)
        => _catalog.GetAsync(
            async ct =>
            {
                var markets = new List<Market>();
                foreach (var type in InstrumentTypes)
                {
                    var path = Query.Build("/api/v5/public/instruments", ("instType", type));
                    markets.AddRange((await _http.GetAsync(path, null, body => OkxParser.ParseInstruments(Name, body), ct).ConfigureAwait(false)).Value);
                }

                return new MarketCatalog(Name, markets);
            },
            cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<CandlePage> FetchCandlesAsync(
        Instrument instrument,
        Timeframe timeframe,
        TimeRange range,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        CandleRules.RequireTimeframe(Name, Timeframes, timeframe);
        var bar = Bars[timeframe.Name];
        var market = await MarketAsync(instrument, cancellationToken).ConfigureAwait(false);
        var openStart = CandleRules.OpenCandleStart(timeframe, _http.Time);
        var start = timeframe.Ceiling(range.FromMs);
        var cursor = Math.Min(timeframe.Ceiling(range.ToMs), openStart);

        // /candles only reaches the latest 1440 candles; older ones come from /history-candles.
        var path = start >= openStart - (RecentCandles * timeframe.Milliseconds)
            ? "/api/v5/market/candles"
            : "/api/v5/market/history-candles";
        while (cursor > start)
        {
            var query = Query.Build(
                path,
                ("instId", market.VenueSymbol),
                ("bar", bar),
                ("after", cursor),
                ("before", start - 1),
                ("limit", MaxCandles));
            var (rows, provenance) = await _http.GetAsync(query, new TimeRange(start, cursor), body => OkxParser.ParseCandles(Name, body), cancellationToken).ConfigureAwait(false);

            // after and before are exclusive and name exactly the window: nothing is filtered by time here, and a candle
            // outside the window is a stray the conformance check rejects the page for. The one extra OKX documents is
            // a candle not confirmed yet (confirm "0": its clock a moment behind ours at a boundary): it is not kept,
            // and the page answers only for the slots before it, so that slot is asked again, not recorded as empty.
            var top = rows.Where(r => !r.Confirmed).Select(r => Math.Clamp(r.Candle.OpenTimeMs, start, cursor)).DefaultIfEmpty(cursor).Min();
            var candles = rows.Where(r => r.Confirmed).Select(r => r.Candle).ToList();

            // A full page may stop short of the window's start (it answers from its oldest candle on); a short one
            // means nothing older is left in the window.
            var coveredFrom = rows.Count >= MaxCandles ? Math.Clamp(rows[0].Candle.OpenTimeMs, start, top) : start;
            yield return new CandlePage(candles, new TimeRange(Math.Min(coveredFrom, top), top), provenance);
            if (coveredFrom >= cursor)
            {
                yield break;
            }

            cursor = coveredFrom;
        }
    }

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /api/v5/market/trades?instId=&amp;limit=</c> (1..500).</remarks>
    public async Task<Sourced<IReadOnlyList<Trade>>> GetRecentTradesAsync(
        Instrument instrument,
        int limit,
        CancellationToken cancellationToken = default)
    {
        var market = await MarketAsync(instrument, cancellationToken).ConfigureAwait(false);
        var path = Query.Build("/api/v5/market/trades", ("instId", market.VenueSymbol), ("limit", Math.Clamp(limit, 1, 500)));
        var trades = await _http.GetAsync(path, null, body => OkxParser.ParseTrades(Name, body), cancellationToken).ConfigureAwait(false);
        return new Sourced<IReadOnlyList<Trade>>(trades.Value, trades.Provenance);
    }

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /api/v5/market/books?instId=&amp;sz=</c> (1..400).</remarks>
    public async Task<Sourced<L2BookSnapshot>> GetL2BookAsync(
        Instrument instrument,
        int depth,
        CancellationToken cancellationToken = default)
    {
        var market = await MarketAsync(instrument, cancellationToken).ConfigureAwait(false);
        var path = Query.Build("/api/v5/market/books", ("instId", market.VenueSymbol), ("sz", Math.Clamp(depth, 1, 400)));
        return await _http.GetAsync(path, null, body => OkxParser.ParseBook(Name, instrument, body), cancellationToken).ConfigureAwait(false);
    }

    private async Task<Market> MarketAsync(Instrument instrument, CancellationToken cancellationToken)
        => (await GetMarketsAsync(cancellationToken).ConfigureAwait(false)).Get(instrument);
}

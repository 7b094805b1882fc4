using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Resilience;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Binance;

/// <summary>
/// Binance spot (<c>binance</c>, <c>https://api.binance.com</c>), and the shared core of USD-M
/// futures (<see cref="BinanceUsdmConnector"/>): klines, aggregate trades, L2 depth, 24 h tickers.
/// </summary>
/// <remarks>
/// Sources: <c>GET /api/v3/exchangeInfo</c> (weight 20), <c>/api/v3/klines</c> (max 1000, weight 2),
/// <c>/api/v3/aggTrades</c> (weight 4), <c>/api/v3/depth</c> (weight 5/25/50/250 by limit),
/// <c>/api/v3/ticker/24hr</c> (weight 2), <c>/api/v3/ping</c> (weight 1); USD-M: <c>/fapi/v1/...</c>.
/// Every request states its weight to the gate; the venue's <c>rateLimits</c> replace the configured
/// per-minute budget, and <c>X-MBX-USED-WEIGHT-(n)(S|M|H|D)</c> resyncs the used weight after every answer.
/// </remarks>
public sealed class BinanceConnector : ICandleProvider, ITradeProvider, IL2BookProvider, ITickerProvider
{
    private readonly BinanceApi _api;
    private readonly VenueHttp _http;
    private readonly CatalogCache _catalog;

    internal BinanceConnector(BinanceApi api, VenueConnection connection)
    {
        _api = api;
        _http = new VenueHttp(api.Name, connection, (status, body, endpoint) => BinanceParser.ReadError(api.Name, status, body, endpoint), RecordWeight);
        _catalog = new CatalogCache(connection.TimeProvider, TimeSpan.FromHours(1));
    }

    /// <inheritdoc />
    public string Name => _api.Name;

    /// <inheritdoc />
    public ComplianceClass Compliance => ComplianceClass.ExchangeNative;

    /// <inheritdoc />
    public IReadOnlyList<Timeframe> SupportedTimeframes => BinanceApi.Timeframes;

    /// <inheritdoc />
    public int MaxCandlesPerRequest => _api.MaxKlinesPerRequest;

    /// <summary>The weight used per window as the venue last reported it (<c>X-MBX-USED-WEIGHT-1M</c> is key <c>1M</c>).</summary>
    public IReadOnlyDictionary<string, int> UsedWeight { get; private set; } = new Dictionary<string, int>();

    /// <summary>The venue's published limits from the last <c>exchangeInfo</c> (<c>rateLimits</c>).</summary>
    internal IReadOnlyList<BinanceRateLimit> RateLimits { get; private set; } = [];

    internal VenueHttp Http => _http;

    internal BinanceApi Api => _api;

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /api/v3/ping</c> or <c>/fapi/v1/ping</c> (weight 1).</remarks>
    public async Task<Provenance> ProbeAsync(CancellationToken cancellationToken = default)
        => (await _http.GetAsync($"{_api.PathPrefix}/ping", null, static _ => true, cancellationToken).ConfigureAwait(false)).Provenance;

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /api/v3/exchangeInfo</c> (weight 20) or <c>/fapi/v1/exchangeInfo</c> (weight 1); cached one hour. Its REQUEST_WEIGHT <c>rateLimits</c> become the gate's limits.</remarks>
    public Task<MarketCatalog> GetMarketsAsync(CancellationToken cancellationToken = default)
        => _catalog.GetAsync(
            async ct =>
            {
                var info = await _http.GetAsync($"{_api.PathPrefix}/exchangeInfo", null, body => BinanceParser.ParseExchangeInfo(Name, body), ct, _api.ExchangeInfoWeight).ConfigureAwait(false);
                RateLimits = info.Value.RateLimits;
                _http.Gate.ConfigureLimits(BinanceMarketParser.WeightWindows(RateLimits));
                return info.Value.Catalog;
            },
            cancellationToken);

    /// <inheritdoc />
    public async IAsyncEnumerable<CandlePage> FetchCandlesAsync(
        Instrument instrument,
        Timeframe timeframe,
        TimeRange range,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var market = await MarketAsync(instrument, cancellationToken).ConfigureAwait(false);
        var end = Math.Min(timeframe.Ceiling(range.ToMs), CandleRules.OpenCandleStart(timeframe, _http.Time));
        var cursor = timeframe.Ceiling(range.FromMs);
        var limit = _api.MaxKlinesPerRequest;
        while (cursor < end)
        {
            var path = Query.Build(
                $"{_api.PathPrefix}/klines",
                ("symbol", market.VenueSymbol),
                ("interval", timeframe.Name),
                ("startTime", cursor),
                ("endTime", end - 1),
                ("limit", limit));
            var (candles, provenance) = await _http.GetAsync(path, new TimeRange(cursor, end), body => BinanceParser.ParseKlines(body), cancellationToken, _api.KlineWeight(limit)).ConfigureAwait(false);

            // Binance answers exactly the open times in [startTime, endTime], and endTime stops before the candle in
            // progress: nothing is filtered here. A full page may stop short of the window (it answers up to its last
            // candle, never past the window); a short page means the venue has nothing more in it. A candle outside
            // [cursor, coveredTo) is a stray the conformance check rejects the page for.
            var coveredTo = candles.Count >= limit
                ? Math.Clamp(candles[^1].OpenTimeMs + timeframe.Milliseconds, cursor, end)
                : end;
            yield return new CandlePage(candles, new TimeRange(cursor, coveredTo), provenance);
            if (coveredTo <= cursor)
            {
                yield break;
            }

            cursor = coveredTo;
        }
    }

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /api/v3/aggTrades</c> (weight 4) or <c>/fapi/v1/aggTrades</c> (weight 20); at most 1000.</remarks>
    public async Task<Sourced<IReadOnlyList<Trade>>> GetRecentTradesAsync(
        Instrument instrument,
        int limit,
        CancellationToken cancellationToken = default)
    {
        var market = await MarketAsync(instrument, cancellationToken).ConfigureAwait(false);
        var path = Query.Build($"{_api.PathPrefix}/aggTrades", ("symbol", market.VenueSymbol), ("limit", Math.Clamp(limit, 1, 1000)));
        var trades = await _http.GetAsync(path, null, body => BinanceParser.ParseAggTrades(body), cancellationToken, _api.AggTradesWeight).ConfigureAwait(false);
        return new Sourced<IReadOnlyList<Trade>>(trades.Value, trades.Provenance);
    }

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /api/v3/depth</c> (limit 1..5000) or <c>/fapi/v1/depth</c> (limit 5/10/20/50/100/500/1000); weight by limit.</remarks>
    public async Task<Sourced<L2BookSnapshot>> GetL2BookAsync(
        Instrument instrument,
        int depth,
        CancellationToken cancellationToken = default)
    {
        var market = await MarketAsync(instrument, cancellationToken).ConfigureAwait(false);
        var limit = _api.DepthLimitFor(depth);
        var path = Query.Build($"{_api.PathPrefix}/depth", ("symbol", market.VenueSymbol), ("limit", limit));
        var book = await _http.GetAsync(path, null, body => BinanceParser.ParseDepth(instrument, body), cancellationToken, _api.DepthWeight(limit)).ConfigureAwait(false);
        return book with { Value = book.Value.Top(depth) };
    }

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /api/v3/ticker/24hr?symbol=</c> (weight 2) or <c>/fapi/v1/ticker/24hr?symbol=</c> (weight 1, no bid/ask).</remarks>
    public async Task<Sourced<SpotQuote>> GetSpotQuoteAsync(Instrument instrument, CancellationToken cancellationToken = default)
    {
        var market = await MarketAsync(instrument, cancellationToken).ConfigureAwait(false);
        var path = Query.Build($"{_api.PathPrefix}/ticker/24hr", ("symbol", market.VenueSymbol));
        return await _http.GetAsync(path, null, body => BinanceMarketParser.ParseTicker24h(instrument, body), cancellationToken, _api == BinanceApi.UsdM ? 1 : 2).ConfigureAwait(false);
    }

    /// <summary>The market of an instrument, from the cached catalog.</summary>
    internal async Task<Market> MarketAsync(Instrument instrument, CancellationToken cancellationToken)
        => (await GetMarketsAsync(cancellationToken).ConfigureAwait(false)).Get(instrument);

    /// <summary>Resyncs the gate's budget windows from an answer's <c>X-MBX-USED-WEIGHT-(n)(S|M|H|D)</c> headers (every answer, failed or not).</summary>
    /// <returns>The used weight per window key (<c>1M</c>), or null when the answer has no such header.</returns>
    internal static Dictionary<string, int>? SyncUsedWeight(IRequestGate gate, HttpResponseHeaders headers)
    {
        Dictionary<string, int>? used = null;
        foreach (var header in headers)
        {
            if (header.Key.StartsWith("X-MBX-USED-WEIGHT-", StringComparison.OrdinalIgnoreCase)
                && int.TryParse(header.Value.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var weight))
            {
                used ??= new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
                var key = header.Key["X-MBX-USED-WEIGHT-".Length..].ToUpperInvariant();
                used[key] = weight;
                gate.SyncUsed(key, weight);
            }
        }

        return used;
    }

    private void RecordWeight(HttpResponseHeaders headers)
    {
        if (SyncUsedWeight(_http.Gate, headers) is { } used)
        {
            UsedWeight = used;
        }
    }
}

/// <summary>
/// Binance USD-M futures (<c>binance-usdm</c>, <c>https://fapi.binance.com</c>): everything
/// <see cref="BinanceConnector"/> serves on <c>/fapi/v1</c>, plus funding history and open interest.
/// </summary>
/// <remarks>Sources: <c>GET /fapi/v1/fundingRate</c> (at most 1000 per request), <c>/fapi/v1/openInterest</c>.</remarks>
public sealed class BinanceUsdmConnector : ICandleProvider, ITradeProvider, IL2BookProvider, ITickerProvider, IFundingRateProvider, IOpenInterestProvider
{
    private readonly BinanceConnector _core;

    internal BinanceUsdmConnector(VenueConnection connection) => _core = new BinanceConnector(BinanceApi.UsdM, connection);

    /// <inheritdoc />
    public string Name => _core.Name;

    /// <inheritdoc />
    public ComplianceClass Compliance => _core.Compliance;

    /// <inheritdoc />
    public IReadOnlyList<Timeframe> SupportedTimeframes => _core.SupportedTimeframes;

    /// <inheritdoc />
    public int MaxCandlesPerRequest => _core.MaxCandlesPerRequest;

    /// <summary>The weight used per window as the venue last reported it.</summary>
    public IReadOnlyDictionary<string, int> UsedWeight => _core.UsedWeight;

    /// <inheritdoc />
    public Task<Provenance> ProbeAsync(CancellationToken cancellationToken = default) => _core.ProbeAsync(cancellationToken);

    /// <inheritdoc />
    public Task<MarketCatalog> GetMarketsAsync(CancellationToken cancellationToken = default) => _core.GetMarketsAsync(cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<CandlePage> FetchCandlesAsync(Instrument instrument, Timeframe timeframe, TimeRange range, CancellationToken cancellationToken = default)
        => _core.FetchCandlesAsync(instrument, timeframe, range, cancellationToken);

    /// <inheritdoc />
    public Task<Sourced<IReadOnlyList<Trade>>> GetRecentTradesAsync(Instrument instrument, int limit, CancellationToken cancellationToken = default)
        => _core.GetRecentTradesAsync(instrument, limit, cancellationToken);

    /// <inheritdoc />
    public Task<Sourced<L2BookSnapshot>> GetL2BookAsync(Instrument instrument, int depth, CancellationToken cancellationToken = default)
        => _core.GetL2BookAsync(instrument, depth, cancellationToken);

    /// <inheritdoc />
    public Task<Sourced<SpotQuote>> GetSpotQuoteAsync(Instrument instrument, CancellationToken cancellationToken = default)
        => _core.GetSpotQuoteAsync(instrument, cancellationToken);

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /fapi/v1/fundingRate?symbol=&amp;startTime=&amp;endTime=&amp;limit=1000</c>, walked forward by funding time.</remarks>
    public async Task<Sourced<IReadOnlyList<FundingRate>>> GetFundingHistoryAsync(Instrument instrument, TimeRange range, CancellationToken cancellationToken = default)
    {
        var market = await _core.MarketAsync(instrument, cancellationToken).ConfigureAwait(false);
        var all = new List<FundingRate>();
        Provenance? last = null;
        var cursor = range.FromMs;
        while (cursor < range.ToMs)
        {
            var path = Query.Build("/fapi/v1/fundingRate", ("symbol", market.VenueSymbol), ("startTime", cursor), ("endTime", range.ToMs - 1), ("limit", 1000));
            var page = await _core.Http.GetAsync(path, new TimeRange(cursor, range.ToMs), body => BinanceMarketParser.ParseFundingRates(instrument, body), cancellationToken).ConfigureAwait(false);
            last = page.Provenance;
            all.AddRange(page.Value.Where(r => range.Contains(r.TimeMs)));
            if (page.Value.Count < 1000)
            {
                break;
            }

            cursor = page.Value[^1].TimeMs + 1;
        }

        return new Sourced<IReadOnlyList<FundingRate>>(all, last ?? await ProbeAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /fapi/v1/openInterest?symbol=</c>.</remarks>
    public async Task<Sourced<OpenInterest>> GetOpenInterestAsync(Instrument instrument, CancellationToken cancellationToken = default)
    {
        var market = await _core.MarketAsync(instrument, cancellationToken).ConfigureAwait(false);
        var path = Query.Build("/fapi/v1/openInterest", ("symbol", market.VenueSymbol));
        return await _core.Http.GetAsync(path, null, body => BinanceMarketParser.ParseOpenInterest(instrument, body), cancellationToken).ConfigureAwait(false);
    }
}

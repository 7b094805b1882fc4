using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Binance;

/// <summary>
/// Binance spot (<c>binance</c>, <c>https://api.binance.com</c>) or USD-M futures
/// (<c>binance-usdm</c>, <c>https://fapi.binance.com</c>): klines, aggregate trades and L2 depth.
/// </summary>
/// <remarks>
/// Sources: <c>GET /api/v3/exchangeInfo</c>, <c>/api/v3/klines</c> (max 1000 per request, weight 2),
/// <c>/api/v3/aggTrades</c>, <c>/api/v3/depth</c>; USD-M: <c>/fapi/v1/...</c> (klines max 1500).
/// A range is walked forward with <c>startTime</c>/<c>endTime</c> at the largest page.
/// </remarks>
public sealed class BinanceConnector : IKlineProvider, ITradeProvider, IOrderBookProvider
{
    private readonly BinanceApi _api;
    private readonly VenueHttp _http;
    private readonly CatalogCache _catalog;

    internal BinanceConnector(BinanceApi api, HttpClient http, TimeProvider time)
    {
        _api = api;
        _http = new VenueHttp(api.Name, http, time, (status, body, endpoint) => BinanceParser.ReadError(api.Name, status, body, endpoint), RecordWeight);
        _catalog = new CatalogCache(time, TimeSpan.FromHours(1));
    }

    /// <inheritdoc />
    public string Name => _api.Name;

    /// <inheritdoc />
    public IReadOnlyList<Timeframe> SupportedTimeframes => BinanceApi.Timeframes;

    /// <inheritdoc />
    public int MaxCandlesPerRequest => _api.MaxKlinesPerRequest;

    /// <summary>The weight used per window as the venue last reported it (<c>X-MBX-USED-WEIGHT-1M</c> is key <c>1M</c>).</summary>
    public IReadOnlyDictionary<string, int> UsedWeight { get; private set; } = new Dictionary<string, int>();

    /// <summary>The venue's published limits from the last <c>exchangeInfo</c> (<c>rateLimits</c>).</summary>
    internal IReadOnlyList<BinanceRateLimit> RateLimits { get; private set; } = [];

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /api/v3/exchangeInfo</c> (weight 20) or <c>/fapi/v1/exchangeInfo</c> (weight 1); cached one hour.</remarks>
    public Task<MarketCatalog> GetMarketsAsync(CancellationToken cancellationToken = default)
        => _catalog.GetAsync(
            async ct =>
            {
                var info = await _http.GetAsync($"{_api.PathPrefix}/exchangeInfo", null, body => BinanceParser.ParseExchangeInfo(Name, body), ct).ConfigureAwait(false);
                RateLimits = info.Value.RateLimits;
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
            var (candles, provenance) = await _http.GetAsync(path, new TimeRange(cursor, end), body => BinanceParser.ParseKlines(body), cancellationToken).ConfigureAwait(false);
            var start = cursor;
            var page = candles.Where(c => c.OpenTimeMs >= start && c.OpenTimeMs < end).ToList();

            // A full page may stop short of the window; a short page means the venue has nothing more in it.
            var coveredTo = candles.Count >= limit && page.Count > 0 ? page[^1].OpenTimeMs + timeframe.Milliseconds : end;
            yield return new CandlePage(page, new TimeRange(cursor, coveredTo), provenance);
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
        var trades = await _http.GetAsync(path, null, body => BinanceParser.ParseAggTrades(body), cancellationToken).ConfigureAwait(false);
        return new Sourced<IReadOnlyList<Trade>>(trades.Value, trades.Provenance);
    }

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /api/v3/depth</c> (limit 1..5000) or <c>/fapi/v1/depth</c> (limit 5/10/20/50/100/500/1000).</remarks>
    public async Task<Sourced<OrderBookSnapshot>> GetOrderBookAsync(
        Instrument instrument,
        int depth,
        CancellationToken cancellationToken = default)
    {
        var market = await MarketAsync(instrument, cancellationToken).ConfigureAwait(false);
        var path = Query.Build($"{_api.PathPrefix}/depth", ("symbol", market.VenueSymbol), ("limit", _api.DepthLimitFor(depth)));
        var book = await _http.GetAsync(path, null, body => BinanceParser.ParseDepth(instrument, body), cancellationToken).ConfigureAwait(false);
        return book with { Value = book.Value.Top(depth) };
    }

    private async Task<Market> MarketAsync(Instrument instrument, CancellationToken cancellationToken)
        => (await GetMarketsAsync(cancellationToken).ConfigureAwait(false)).Get(instrument);

    private void RecordWeight(HttpResponseHeaders headers)
    {
        Dictionary<string, int>? used = null;
        foreach (var header in headers)
        {
            if (header.Key.StartsWith("X-MBX-USED-WEIGHT-", StringComparison.OrdinalIgnoreCase)
                && int.TryParse(header.Value.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var weight))
            {
                used ??= new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
                used[header.Key["X-MBX-USED-WEIGHT-".Length..].ToUpperInvariant()] = weight;
            }
        }

        if (used is not null)
        {
            UsedWeight = used;
        }
    }
}

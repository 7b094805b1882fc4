using System.Runtime.CompilerServices;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Coinbase;

/// <summary>
/// Coinbase Exchange (<c>coinbase</c>, <c>https://api.exchange.coinbase.com</c>): candles, recent
/// trades and the level-2 book.
/// </summary>
/// <remarks>
/// Sources: <c>GET /products</c>, <c>/products/{id}/candles</c> (granularity 60, 300, 900, 3600,
/// 21600 or 86400 s; at most 300 candles per request; <c>start</c> and <c>end</c> inclusive; newest
/// first; buckets without trades are left out), <c>/products/{id}/trades</c> (at most 1000),
/// <c>/products/{id}/book?level=2</c>.
/// </remarks>
public sealed class CoinbaseConnector : ICandleProvider, ITradeProvider, IL2BookProvider, ITickerProvider
{
    /// <summary>The venue name.</summary>
    public const string VenueName = "coinbase";

    /// <summary>The most candles one request may span.</summary>
    public const int MaxCandles = 300;

    private static readonly IReadOnlyList<Timeframe> Timeframes =
        new[] { "1m", "5m", "15m", "1h", "6h", "1d" }.Select(Timeframe.Parse).ToList();

    private readonly VenueHttp _http;
    private readonly CatalogCache _catalog;

    internal CoinbaseConnector(VenueConnection connection)
    {
        _http = new VenueHttp(VenueName, connection, (status, body, endpoint) => CoinbaseParser.ReadError(VenueName, status, body, endpoint));
        _catalog = new CatalogCache(connection.TimeProvider, TimeSpan.FromHours(1));
    }

    /// <summary>The default base address.</summary>
    public static Uri DefaultBaseAddress { get; } = new("https://api.exchange.coinbase.com/");

    /// <inheritdoc />
    public string Name => VenueName;

    /// <inheritdoc />
    public ComplianceClass Compliance => ComplianceClass.ExchangeNative;

    /// <inheritdoc />
    public IReadOnlyList<Timeframe> SupportedTimeframes => Timeframes;

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /time</c>.</remarks>
    public async Task<Provenance> ProbeAsync(CancellationToken cancellationToken = default)
        => (await _http.GetAsync("/time", null, static _ => true, cancellationToken).ConfigureAwait(false)).Provenance;

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /products/{id}/ticker</c>: <c>{"price", "bid", "ask", "volume", "time", ...}</c>.</remarks>
    public async Task<Sourced<SpotQuote>> GetSpotQuoteAsync(Instrument instrument, CancellationToken cancellationToken = default)
    {
        var market = await MarketAsync(instrument, cancellationToken).ConfigureAwait(false);
        var path = $"/products/{Uri.EscapeDataString(market.VenueSymbol)}/ticker";
        return await _http.GetAsync(path, null, body => CoinbaseParser.ParseTicker(instrument, body), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public int MaxCandlesPerRequest => MaxCandles;

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /products</c>; cached one hour.</remarks>
    public Task<MarketCatalog> GetMarketsAsync(CancellationToken cancellationToken = default)
        => _catalog.GetAsync(
            async ct => (await _http.GetAsync("/products", null, body => CoinbaseParser.ParseProducts(Name, body), ct).ConfigureAwait(false)).Value,
            cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// Walks forward in windows of 300 candles: <c>start</c> is the window's first open time and
    /// <c>end</c> its last (both inclusive), ISO-8601 UTC.
    /// </remarks>
    public async IAsyncEnumerable<CandlePage> FetchCandlesAsync(
        Instrument instrument,
        Timeframe timeframe,
        TimeRange range,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        CandleRules.RequireTimeframe(Name, Timeframes, timeframe);
        var market = await MarketAsync(instrument, cancellationToken).ConfigureAwait(false);
        var end = Math.Min(timeframe.Ceiling(range.ToMs), CandleRules.OpenCandleStart(timeframe, _http.Time));
        var cursor = timeframe.Ceiling(range.FromMs);
        while (cursor < end)
        {
            var windowEnd = Math.Min(end, cursor + (MaxCandles * timeframe.Milliseconds));
            var path = Query.Build(
                $"/products/{Uri.EscapeDataString(market.VenueSymbol)}/candles",
                ("granularity", timeframe.Seconds),
                ("start", TimeRange.Format(cursor)),
                ("end", TimeRange.Format(windowEnd - timeframe.Milliseconds)));
            var (candles, provenance) = await _http.GetAsync(path, new TimeRange(cursor, windowEnd), body => CoinbaseParser.ParseCandles(body), cancellationToken).ConfigureAwait(false);

            // start and end are inclusive and name exactly the window's first and last slot: the answer is the window,
            // nothing is filtered here; a candle outside it is a stray the conformance check rejects the page for.
            yield return new CandlePage(candles, new TimeRange(cursor, windowEnd), provenance);
            cursor = windowEnd;
        }
    }

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /products/{id}/trades?limit=</c> (1..1000).</remarks>
    public async Task<Sourced<IReadOnlyList<Trade>>> GetRecentTradesAsync(
        Instrument instrument,
        int limit,
        CancellationToken cancellationToken = default)
    {
        var market = await MarketAsync(instrument, cancellationToken).ConfigureAwait(false);
        var path = Query.Build($"/products/{Uri.EscapeDataString(market.VenueSymbol)}/trades", ("limit", Math.Clamp(limit, 1, 1000)));
        var trades = await _http.GetAsync(path, null, CoinbaseParser.ParseTrades, cancellationToken).ConfigureAwait(false);
        return new Sourced<IReadOnlyList<Trade>>(trades.Value, trades.Provenance);
    }

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /products/{id}/book?level=2</c> (the aggregated full book), cut to <paramref name="depth"/> levels.</remarks>
    public async Task<Sourced<L2BookSnapshot>> GetL2BookAsync(
        Instrument instrument,
        int depth,
        CancellationToken cancellationToken = default)
    {
        var market = await MarketAsync(instrument, cancellationToken).ConfigureAwait(false);
        var path = Query.Build($"/products/{Uri.EscapeDataString(market.VenueSymbol)}/book", ("level", 2));
        var book = await _http.GetAsync(path, null, body => CoinbaseParser.ParseBook(instrument, body), cancellationToken).ConfigureAwait(false);
        return book with { Value = book.Value.Top(depth) };
    }

    private async Task<Market> MarketAsync(Instrument instrument, CancellationToken cancellationToken)
        => (await GetMarketsAsync(cancellationToken).ConfigureAwait(false)).Get(instrument);
}

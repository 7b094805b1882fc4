using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Hyperliquid;

/// <summary>
/// Hyperliquid perpetuals (<c>hyperliquid</c>, <c>https://api.hyperliquid.xyz</c>): markets, closed
/// candles, L2 books, recent trades, funding history and mid prices, all through <c>POST /info</c>
/// with a JSON body <c>{"type": ...}</c>. Public and keyless.
/// </summary>
/// <remarks>
/// <para>
/// Markets come from <c>{"type": "meta"}</c>: every <c>universe</c> entry is a perpetual settled in USDC,
/// unified as <c>COIN/USDC:USDC</c> (upper-cased: <c>kPEPE</c> is <c>KPEPE/USDC:USDC</c>) with the coin
/// name as the venue symbol; cached one hour.
/// </para>
/// <para>
/// Candles: <c>{"type": "candleSnapshot", "req": {"coin", "interval", "startTime", "endTime"}}</c>. The venue's
/// intervals are <c>1m 3m 5m 15m 30m 1h 2h 4h 8h 12h 1d 3d 1w 1M</c>; CryptoRun serves those it models
/// with the same alignment: <c>1m 3m 5m 15m 30m 1h 2h 4h 8h 12h 1d</c> (<c>1w</c> is left out because the
/// venue's week alignment is not documented; there is no <c>6h</c>). Only the most recent 5000 candles of
/// an interval are available and one answer holds at most 5000, so a range is clipped to the 5000 closed
/// candles before the one in progress and walked forward in windows of 5000 slots: <c>startTime</c> is the
/// window's first open time and <c>endTime</c> its last millisecond. The venue answers every candle whose
/// interval touches <c>[startTime, endTime]</c>, including the one still open; the windows asked end before
/// the candle in progress, so the answer is the window's candles and is yielded as it is.
/// </para>
/// <para>
/// Funding: <c>{"type": "fundingHistory", "coin", "startTime", "endTime"}</c> (both inclusive), oldest first, at
/// most 500 rows per answer; walked forward from the last row's time + 1 ms while an answer is full.
/// Books: <c>{"type": "l2Book", "coin"}</c>, at most 20 levels per side. Trades: <c>{"type": "recentTrades", "coin"}</c>
/// (the venue decides how many). Tickers: <c>{"type": "allMids"}</c>, the mid price per coin (the last trade when
/// the book is empty), so bid and ask are null and the quote's time is the fetch time.
/// </para>
/// <para>
/// Weights (per IP, 1200 per minute): <c>l2Book</c> and <c>allMids</c> 2, every other documented <c>info</c>
/// request 20. The venue adds weight per returned item to some requests (candles per 60 items, trades and
/// funding per 20); candle requests add it up front from the window's slot count, the others cannot know
/// their size before the answer and state the base weight only.
/// </para>
/// <para>
/// Unknown input: a coin the venue does not list answers <c>null</c> to <c>l2Book</c> (nktkas/hyperliquid
/// <c>L2BookResponse</c>) and <c>candleSnapshot</c> (df-hyperliquid-core); a body the venue cannot read is
/// HTTP 422 with a plain-text reason (<c>Failed to deserialize the JSON body into the target type</c>, per the
/// nktkas API docs); 429 when over the limit. All map through the default rules: 4xx
/// <see cref="VenueRequestException"/> quoting the body, 429 <see cref="VenueRateLimitedException"/>, 5xx
/// <see cref="VenueUnavailableException"/>.
/// </para>
/// <para>
/// Sources: hyperliquid-docs "Info endpoint" (pagination: 500 elements per time-range answer; candle
/// snapshot: 5000 most recent, supported intervals; L2 book: 20 levels per side; all mids), "Info endpoint /
/// Perpetuals" (meta, fundingHistory), "Rate limits and user limits" (weights); the request and response
/// shapes are confirmed by hyperliquid-dex/hyperliquid-python-sdk's recorded cassettes (meta, l2Book DYDX,
/// candleSnapshot kPEPE 1h, fundingHistory BTC, allMids). <c>recentTrades</c> is not on the info page; its
/// shape (<c>coin, side, px, sz, time, hash, tid, users</c>) is from the nktkas/hyperliquid and
/// nautilus-hyperliquid SDKs, and the per-item weights from the current rate-limits page as quoted by the
/// guilder-client-hyperliquid README.
/// </para>
/// </remarks>
public sealed class HyperliquidConnector : ICandleProvider, IL2BookProvider, ITradeProvider, IFundingRateProvider, ITickerProvider
{
    /// <summary>The venue name.</summary>
    public const string VenueName = "hyperliquid";

    /// <summary>The most candles one answer holds, and how many recent candles the venue keeps per interval.</summary>
    public const int MaxCandles = 5000;

    /// <summary>The most funding rows one answer holds.</summary>
    public const int MaxFundingRows = 500;

    /// <summary>The most book levels per side.</summary>
    public const int MaxBookLevels = 20;

    private const string InfoPath = "/info";
    private const int LightWeight = 2;
    private const int InfoWeight = 20;
    private const int CandlesPerExtraWeight = 60;

    private static readonly IReadOnlyList<Timeframe> Timeframes =
        new[] { "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "8h", "12h", "1d" }.Select(Timeframe.Parse).ToList();

    private readonly VenueHttp _http;
    private readonly CatalogCache _catalog;

    internal HyperliquidConnector(VenueConnection connection)
    {
        _http = new VenueHttp(VenueName, connection, static (_, _, _) => null);
        _catalog = new CatalogCache(connection.TimeProvider, TimeSpan.FromHours(1));
    }

    /// <summary>The default base address.</summary>
    public static Uri DefaultBaseAddress { get; } = new("https://api.hyperliquid.xyz/");

    /// <inheritdoc />
    public string Name => VenueName;

    /// <inheritdoc />
    public ComplianceClass Compliance => ComplianceClass.ExchangeNative;

    /// <inheritdoc />
    public IReadOnlyList<Timeframe> SupportedTimeframes => Timeframes;

    /// <inheritdoc />
    public int MaxCandlesPerRequest => MaxCandles;

    /// <inheritdoc />
    /// <remarks>Source: <c>POST /info {"type": "meta"}</c> (weight 20).</remarks>
    public async Task<Provenance> ProbeAsync(CancellationToken cancellationToken = default)
        => (await _http.PostJsonAsync(InfoPath, Body(w => w.WriteString("type", "meta")), null, static _ => true, cancellationToken, InfoWeight).ConfigureAwait(false)).Provenance;

    /// <inheritdoc />
    /// <remarks>Source: <c>POST /info {"type": "meta"}</c> (weight 20); cached one hour.</remarks>
    public Task<MarketCatalog> GetMarketsAsync(CancellationToken cancellationToken = default)
        => _catalog.GetAsync(
            async ct =>
            {
                var meta = await _http.PostJsonAsync(InfoPath, Body(w => w.WriteString("type", "meta")), null, HyperliquidParser.ParseMeta, ct, InfoWeight).ConfigureAwait(false);
                return new MarketCatalog(Name, meta.Value);
            },
            cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// Source: <c>POST /info {"type": "candleSnapshot", "req": {"coin", "interval", "startTime", "endTime"}}</c>,
    /// weight 20 plus 1 per 60 slots in the window. The range is clipped to the 5000 most recent closed candles.
    /// </remarks>
    public async IAsyncEnumerable<CandlePage> FetchCandlesAsync(
        Instrument instrument,
        Timeframe timeframe,
        TimeRange range,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        CandleRules.RequireTimeframe(Name, Timeframes, timeframe);
        var market = await MarketAsync(instrument, cancellationToken).ConfigureAwait(false);
        var step = timeframe.Milliseconds;
        var openStart = CandleRules.OpenCandleStart(timeframe, _http.Time);
        var end = Math.Min(timeframe.Ceiling(range.ToMs), openStart);

        // Only the most recent 5000 candles exist on the venue; older slots are not claimed as covered.
        var cursor = Math.Max(timeframe.Ceiling(range.FromMs), openStart - (MaxCandles * step));
        while (cursor < end)
        {
            var windowEnd = Math.Min(end, cursor + (MaxCandles * step));
            var start = cursor;
            var body = Body(w =>
            {
                w.WriteString("type", "candleSnapshot");
                w.WriteStartObject("req");
                w.WriteString("coin", market.VenueSymbol);
                w.WriteString("interval", timeframe.Name);
                w.WriteNumber("startTime", start);
                w.WriteNumber("endTime", windowEnd - 1);
                w.WriteEndObject();
            });
            var slots = (int)((windowEnd - cursor) / step);
            var weight = InfoWeight + ((slots + CandlesPerExtraWeight - 1) / CandlesPerExtraWeight);
            var (candles, provenance) = await _http.PostJsonAsync(
                InfoPath, body, new TimeRange(cursor, windowEnd), json => HyperliquidParser.ParseCandles(Name, market.VenueSymbol, json), cancellationToken, weight).ConfigureAwait(false);
            // startTime and endTime are aligned to the window's first slot and last millisecond, which ends before the
            // candle in progress: every candle touching them opens in the window, so nothing is filtered here; a
            // candle outside it is a stray the conformance check rejects the page for. A full answer may stop short
            // of the window (it answers up to its last candle); a short one means the venue has nothing more in it.
            var coveredTo = candles.Count >= MaxCandles ? Math.Clamp(candles[^1].OpenTimeMs + step, cursor, windowEnd) : windowEnd;
            yield return new CandlePage(candles, new TimeRange(cursor, coveredTo), provenance);
            if (coveredTo <= cursor)
            {
                yield break;
            }

            cursor = coveredTo;
        }
    }

    /// <inheritdoc />
    /// <remarks>Source: <c>POST /info {"type": "l2Book", "coin"}</c> (weight 2), at most 20 levels per side, cut to <paramref name="depth"/>.</remarks>
    public async Task<Sourced<L2BookSnapshot>> GetL2BookAsync(Instrument instrument, int depth, CancellationToken cancellationToken = default)
    {
        var market = await MarketAsync(instrument, cancellationToken).ConfigureAwait(false);
        var body = Body(w =>
        {
            w.WriteString("type", "l2Book");
            w.WriteString("coin", market.VenueSymbol);
        });
        var book = await _http.PostJsonAsync(InfoPath, body, null, json => HyperliquidParser.ParseL2Book(Name, instrument, market.VenueSymbol, json), cancellationToken, LightWeight).ConfigureAwait(false);
        return book with { Value = book.Value.Top(Math.Clamp(depth, 1, MaxBookLevels)) };
    }

    /// <inheritdoc />
    /// <remarks>Source: <c>POST /info {"type": "recentTrades", "coin"}</c> (weight 20); the newest <paramref name="limit"/> of the trades the venue returns.</remarks>
    public async Task<Sourced<IReadOnlyList<Trade>>> GetRecentTradesAsync(Instrument instrument, int limit, CancellationToken cancellationToken = default)
    {
        var market = await MarketAsync(instrument, cancellationToken).ConfigureAwait(false);
        var body = Body(w =>
        {
            w.WriteString("type", "recentTrades");
            w.WriteString("coin", market.VenueSymbol);
        });
        var trades = await _http.PostJsonAsync(InfoPath, body, null, HyperliquidParser.ParseRecentTrades, cancellationToken, InfoWeight).ConfigureAwait(false);
        var keep = Math.Max(limit, 1);
        IReadOnlyList<Trade> newest = trades.Value.Count > keep ? trades.Value.Skip(trades.Value.Count - keep).ToList() : trades.Value;
        return new Sourced<IReadOnlyList<Trade>>(newest, trades.Provenance);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Source: <c>POST /info {"type": "fundingHistory", "coin", "startTime", "endTime"}</c> (weight 20), both
    /// times inclusive, oldest first, at most 500 rows; walked forward from the last row's time + 1 ms.
    /// </remarks>
    public async Task<Sourced<IReadOnlyList<FundingRate>>> GetFundingHistoryAsync(Instrument instrument, TimeRange range, CancellationToken cancellationToken = default)
    {
        var market = await MarketAsync(instrument, cancellationToken).ConfigureAwait(false);
        var all = new List<FundingRate>();
        Provenance? last = null;
        var cursor = range.FromMs;
        while (cursor < range.ToMs)
        {
            var from = cursor;
            var body = Body(w =>
            {
                w.WriteString("type", "fundingHistory");
                w.WriteString("coin", market.VenueSymbol);
                w.WriteNumber("startTime", from);
                w.WriteNumber("endTime", range.ToMs - 1);
            });
            var page = await _http.PostJsonAsync(InfoPath, body, new TimeRange(from, range.ToMs), json => HyperliquidParser.ParseFundingHistory(instrument, json), cancellationToken, InfoWeight).ConfigureAwait(false);
            last = page.Provenance;
            all.AddRange(page.Value.Where(r => range.Contains(r.TimeMs) && r.TimeMs >= from));
            if (page.Value.Count < MaxFundingRows)
            {
                break;
            }

            cursor = page.Value[^1].TimeMs + 1;
        }

        return new Sourced<IReadOnlyList<FundingRate>>(all, last ?? await ProbeAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <inheritdoc />
    /// <remarks>
    /// Source: <c>POST /info {"type": "allMids"}</c> (weight 2): the mid price is the quote's price; bid, ask and
    /// volume are null; the time is the fetch time (the answer carries none).
    /// </remarks>
    /// <exception cref="VenueRequestException">The answer has no mid for the coin.</exception>
    public async Task<Sourced<SpotQuote>> GetSpotQuoteAsync(Instrument instrument, CancellationToken cancellationToken = default)
    {
        var market = await MarketAsync(instrument, cancellationToken).ConfigureAwait(false);
        var mids = await _http.PostJsonAsync(InfoPath, Body(w => w.WriteString("type", "allMids")), null, HyperliquidParser.ParseAllMids, cancellationToken, LightWeight).ConfigureAwait(false);
        if (!mids.Value.TryGetValue(market.VenueSymbol, out var mid))
        {
            throw new VenueRequestException(Name, $"{Name} {mids.Provenance.Endpoint}: no mid price for coin '{market.VenueSymbol}'");
        }

        var quote = new SpotQuote(instrument, mid, null, null, null, mids.Provenance.FetchedAt.ToUnixTimeMilliseconds());
        return new Sourced<SpotQuote>(quote, mids.Provenance);
    }

    private async Task<Market> MarketAsync(Instrument instrument, CancellationToken cancellationToken)
        => (await GetMarketsAsync(cancellationToken).ConfigureAwait(false)).Get(instrument);

    /// <summary>Writes one <c>/info</c> request object.</summary>
    private static string Body(Action<Utf8JsonWriter> writeFields)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writeFields(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Venues.Hyperliquid;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CryptoRun.Replay.Venues;

/// <summary>
/// Hyperliquid's <c>POST /info</c> as recorded in <c>rest-samples/hyperliquid</c> (hyperliquid-python-sdk
/// cassettes, 2023-07-17): <c>{"type": "meta"}</c> (28 perpetuals), <c>{"type": "allMids"}</c>,
/// <c>{"type": "l2Book", "coin": "DYDX"}</c>, <c>{"type": "candleSnapshot", "req": {"coin": "kPEPE",
/// "interval": "1h", ...}}</c> and <c>{"type": "fundingHistory", "coin": "BTC", ...}</c>.
/// </summary>
/// <remarks>
/// <para>
/// Candles and funding are served for any window inside the recorded request's window: candles whose
/// interval touches <c>[startTime, endTime]</c> (the venue's rule, which the recording shows: its first candle
/// opens before <c>startTime</c>), funding rows with <c>startTime &lt;= time &lt;= endTime</c> (<c>endTime</c>
/// defaulting to the replay clock), at most 500. A window reaching outside the recorded one, a coin the meta
/// lists but nothing was recorded for, and the documented types not recorded (<c>recentTrades</c>,
/// <c>metaAndAssetCtxs</c>, ...) get the replay's 404 "no recording" answer: nothing is invented.
/// </para>
/// <para>
/// Unknown input is answered as the venue answers it: a coin the recorded meta does not list gets HTTP 200
/// <c>null</c> from <c>l2Book</c> (nktkas/hyperliquid <c>L2BookResponse</c>: "null if the market does not exist")
/// and from <c>candleSnapshot</c> (df-hyperliquid-core: "none when the venue answers null"); a body without a
/// known <c>type</c> or a required field is HTTP 422 in plain text (<c>Failed to deserialize the JSON body into the
/// target type</c>, the 422 text/plain the nktkas API docs list for <c>/info</c>). That text is the axum web
/// framework's, so a body that is not JSON gets axum's HTTP 400 and a request without
/// <c>Content-Type: application/json</c> axum's HTTP 415 (inferred, not documented). How the venue answers an
/// unknown coin to <c>fundingHistory</c> or <c>recentTrades</c> is not documented; those get the 404 above.
/// Candle files (<c>--candles hyperliquid:...</c>) are not served.
/// </para>
/// </remarks>
internal sealed class HyperliquidReplay : IReplayVenue
{
    private const int MaxFundingRows = 500;

    /// <summary>Hyperliquid's REST limit: 1200 weight per minute per IP (hyperliquid.gitbook.io, "Rate limits and user limits").</summary>
    private const int WeightPerMinute = 1200;

    private static readonly HashSet<string> LightTypes = ["l2Book", "allMids", "clearinghouseState", "orderStatus", "spotClearinghouseState", "exchangeStatus"];

    private readonly Limits.WindowCounter _weight = new(60_000);

    // Documented /info request types the replay knows but has no recording for: answered 404, not 422.
    private static readonly HashSet<string> DocumentedTypes =
    [
        "meta", "allMids", "l2Book", "candleSnapshot", "fundingHistory", "recentTrades", "metaAndAssetCtxs",
        "predictedFundings", "perpsAtOpenInterestCap", "spotMeta", "spotMetaAndAssetCtxs", "perpDexs",
        "clearinghouseState", "spotClearinghouseState", "openOrders", "frontendOpenOrders", "userFills",
        "userFillsByTime", "userFunding", "userNonFundingLedgerUpdates", "orderStatus", "historicalOrders",
        "userRateLimit", "subAccounts", "vaultDetails", "userVaultEquities", "userRole", "portfolio", "referral",
        "userFees", "delegations", "delegatorSummary", "delegatorHistory", "delegatorRewards", "maxBuilderFee",
        "userTwapSliceFills", "exchangeStatus", "tokenDetails",
    ];

    private static readonly HashSet<string> Intervals = ["1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "8h", "12h", "1d", "3d", "1w", "1M"];

    private readonly ReplayVenueContext _context;
    private readonly byte[]? _meta;
    private readonly byte[]? _allMids;
    private readonly HashSet<string> _coins = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte[]> _books = new(StringComparer.Ordinal);
    private readonly List<CandleRecording> _candles = [];
    private readonly List<FundingRecording> _funding = [];
    private readonly List<Instrument> _instruments = [];

    internal HyperliquidReplay(ReplayVenueContext context, string? folder)
    {
        if (context.Series.Count > 0)
        {
            throw new ArgumentException($"the hyperliquid replay serves only its recorded /info answers (rest-samples/hyperliquid); it does not serve candle files such as {context.Series[0].Source.Path}");
        }

        _context = context;
        foreach (var sample in RestSamples.Read(folder))
        {
            var type = sample.Request is { } r && r.TryGetProperty("type", out var t) ? t.GetString() : null;
            switch (type)
            {
                case "meta":
                    _meta = sample.Body;
                    foreach (var market in HyperliquidParser.ParseMeta(sample.Body))
                    {
                        _coins.Add(market.VenueSymbol);
                    }

                    break;
                case "allMids":
                    _allMids = sample.Body;
                    break;
                case "l2Book":
                    _books[sample.Request!.Value.GetProperty("coin").GetString()!] = sample.Body;
                    break;
                case "candleSnapshot":
                    _candles.Add(CandleRecording.From(sample));
                    break;
                case "fundingHistory":
                    _funding.Add(FundingRecording.From(sample));
                    break;
            }
        }

        foreach (var coin in _books.Keys.Concat(_candles.Select(c => c.Coin)).Concat(_funding.Select(f => f.Coin)).Distinct(StringComparer.Ordinal))
        {
            if (Instrument.TryParse($"{coin}/USDC:USDC", out var instrument))
            {
                _instruments.Add(instrument);
            }
        }
    }

    public string Name => HyperliquidConnector.VenueName;

    public IReadOnlyList<Instrument> Instruments => _instruments;

    public IReadOnlyList<string> Notices => [];

    /// <inheritdoc />
    /// <remarks>
    /// Counts each <c>/info</c> request's documented weight against 1200 per UTC minute: 2 for
    /// <c>l2Book</c>, <c>allMids</c> and the other light types, 20 for the rest. Over it: HTTP 429.
    /// </remarks>
    public async ValueTask<bool> AdmitAsync(HttpContext context, int weight)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!_context.EnforceLimits)
        {
            return true;
        }

        var cost = await WeightOfAsync(context).ConfigureAwait(false);
        var now = _context.NowMs;
        for (var i = 0; i < cost; i++)
        {
            if (!_weight.TryAdd("info", WeightPerMinute, now))
            {
                await SendErrorAsync(context, 429, (int)Math.Ceiling((60_000 - (now % 60_000)) / 1000.0)).ConfigureAwait(false);
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public Task SendErrorAsync(HttpContext context, int status, int? retryAfterSeconds)
    {
        ArgumentNullException.ThrowIfNull(context);
        foreach (var (name, value) in ReplayHttp.RetryAfter(retryAfterSeconds))
        {
            context.Response.Headers[name] = value;
        }

        return RestSamples.SendText(context, status, status == 429 ? "rate limited" : Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status));
    }

    private static async Task<int> WeightOfAsync(HttpContext context)
    {
        context.Request.EnableBuffering();
        try
        {
            using var document = await System.Text.Json.JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
            return document.RootElement.TryGetProperty("type", out var type) && LightTypes.Contains(type.GetString() ?? "") ? 2 : 20;
        }
        catch (System.Text.Json.JsonException)
        {
            return 20;
        }
        finally
        {
            context.Request.Body.Position = 0;
        }
    }

    public void Map(IEndpointRouteBuilder routes) => routes.MapPost("/info", InfoAsync);

    private async Task InfoAsync(HttpContext context)
    {
        if (context.Request.ContentType is not { } contentType || !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            await RestSamples.SendText(context, 415, "Expected request with `Content-Type: application/json`").ConfigureAwait(false);
            return;
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            await RestSamples.SendText(context, 400, $"Failed to parse the request body as JSON: {ex.Message}").ConfigureAwait(false);
            return;
        }

        using (document)
        {
            await AnswerAsync(context, document.RootElement).ConfigureAwait(false);
        }
    }

    private Task AnswerAsync(HttpContext context, JsonElement request)
    {
        var type = request.ValueKind == JsonValueKind.Object && request.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : null;
        if (type is null || !DocumentedTypes.Contains(type))
        {
            return Unreadable(context, type is null ? "missing field `type`" : $"unknown variant `{type}`");
        }

        switch (type)
        {
            case "meta" when _meta is not null:
                return ReplayHttp.Send(context, 200, _meta);
            case "allMids" when _allMids is not null:
                return ReplayHttp.Send(context, 200, _allMids);
            case "l2Book":
                return Book(context, request);
            case "candleSnapshot":
                return Candles(context, request);
            case "fundingHistory":
                return Funding(context, request);
            default:
                return RestSamples.NotRecorded(context, $"{{\"type\": \"{type}\"}}");
        }
    }

    private Task Book(HttpContext context, JsonElement request)
    {
        if (Text(request, "coin") is not { } coin)
        {
            return Unreadable(context, "missing field `coin`");
        }

        if (request.TryGetProperty("nSigFigs", out var figures) && figures.ValueKind != JsonValueKind.Null)
        {
            return RestSamples.NotRecorded(context, $"l2Book {coin} aggregated to nSigFigs {figures.GetRawText()}");
        }

        if (_books.TryGetValue(coin, out var book))
        {
            return ReplayHttp.Send(context, 200, book);
        }

        return IsUnknownCoin(coin) ? ReplayHttp.Send(context, 200, "null"u8.ToArray()) : RestSamples.NotRecorded(context, $"l2Book {coin}");
    }

    private Task Candles(HttpContext context, JsonElement request)
    {
        if (!request.TryGetProperty("req", out var req) || req.ValueKind != JsonValueKind.Object
            || Text(req, "coin") is not { } coin || Text(req, "interval") is not { } interval || Number(req, "startTime") is not { } start)
        {
            return Unreadable(context, "missing field `req` (coin, interval, startTime)");
        }

        if (!Intervals.Contains(interval))
        {
            return Unreadable(context, $"req.interval: unknown variant `{interval}`");
        }

        if (IsUnknownCoin(coin))
        {
            return ReplayHttp.Send(context, 200, "null"u8.ToArray());
        }

        var end = Number(req, "endTime") ?? _context.NowMs;
        var recording = _candles.FirstOrDefault(c => c.Coin == coin && c.Interval == interval && c.Covers(start, end));
        if (recording is null)
        {
            return RestSamples.NotRecorded(context, $"candleSnapshot {coin} {interval} [{start}, {end}]");
        }

        return ReplayHttp.Send(context, 200, ReplayHttp.Json(w =>
        {
            w.WriteStartArray();
            foreach (var candle in recording.Rows.Where(c => c.CloseMs >= start && c.OpenMs <= end))
            {
                candle.Row.WriteTo(w);
            }

            w.WriteEndArray();
        }));
    }

    private Task Funding(HttpContext context, JsonElement request)
    {
        if (Text(request, "coin") is not { } coin || Number(request, "startTime") is not { } start)
        {
            return Unreadable(context, "missing field `coin` or `startTime`");
        }

        var end = Number(request, "endTime") ?? _context.NowMs;
        var recording = _funding.FirstOrDefault(f => f.Coin == coin && start >= f.StartMs && end <= f.EndMs);
        if (recording is null)
        {
            return RestSamples.NotRecorded(context, $"fundingHistory {coin} [{start}, {end}]");
        }

        return ReplayHttp.Send(context, 200, ReplayHttp.Json(w =>
        {
            w.WriteStartArray();
            foreach (var row in recording.Rows.Where(r => r.TimeMs >= start && r.TimeMs <= end).Take(MaxFundingRows))
            {
                row.Row.WriteTo(w);
            }

            w.WriteEndArray();
        }));
    }

    /// <summary>A coin the recorded meta does not list (only known when a meta answer was recorded).</summary>
    private bool IsUnknownCoin(string coin) => _meta is not null && !_coins.Contains(coin);

    private static Task Unreadable(HttpContext context, string detail)
        => RestSamples.SendText(context, 422, $"Failed to deserialize the JSON body into the target type: {detail}");

    private static string? Text(JsonElement item, string name)
        => item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? Number(JsonElement item, string name)
        => item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : null;

    /// <summary>A recorded candleSnapshot: the request's coin, interval and window, and the candles it answered.</summary>
    private sealed record CandleRecording(string Coin, string Interval, long FirstOpenMs, long LastCloseMs, IReadOnlyList<(long OpenMs, long CloseMs, JsonElement Row)> Rows)
    {
        /// <summary>
        /// Whether every candle touching <c>[start, end]</c> is in the recording: the window lies within the first
        /// recorded candle's open and the last one's close (the recorded candles are every candle touching the
        /// recorded request's window).
        /// </summary>
        internal bool Covers(long start, long end) => start <= end && start >= FirstOpenMs && end <= LastCloseMs;

        internal static CandleRecording From(RestSample sample)
        {
            var req = sample.Request!.Value.GetProperty("req");
            using var document = JsonDocument.Parse(sample.Body);
            var rows = document.RootElement.EnumerateArray()
                .Select(c => (c.GetProperty("t").GetInt64(), c.GetProperty("T").GetInt64(), c.Clone()))
                .OrderBy(c => c.Item1)
                .ToList();
            return new CandleRecording(
                req.GetProperty("coin").GetString()!,
                req.GetProperty("interval").GetString()!,
                rows.Count > 0 ? rows[0].Item1 : long.MaxValue,
                rows.Count > 0 ? rows[^1].Item2 : long.MinValue,
                rows);
        }
    }

    /// <summary>A recorded fundingHistory: the request's coin and inclusive window, and the rows it answered.</summary>
    private sealed record FundingRecording(string Coin, long StartMs, long EndMs, IReadOnlyList<(long TimeMs, JsonElement Row)> Rows)
    {
        internal static FundingRecording From(RestSample sample)
        {
            var request = sample.Request!.Value;
            using var document = JsonDocument.Parse(sample.Body);
            var rows = document.RootElement.EnumerateArray()
                .Select(r => (r.GetProperty("time").GetInt64(), r.Clone()))
                .OrderBy(r => r.Item1)
                .ToList();

            // A recorded answer below the 500-row cap is complete for the requested window.
            var end = request.GetProperty("endTime").GetInt64();
            if (rows.Count >= MaxFundingRows)
            {
                end = rows[^1].Item1;
            }

            return new FundingRecording(request.GetProperty("coin").GetString()!, request.GetProperty("startTime").GetInt64(), end, rows);
        }
    }
}

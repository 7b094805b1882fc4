using System.Globalization;
using System.Text;
using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Replay.Limits;
using CryptoRun.Replay.Recordings;
using CryptoRun.Replay.WebSockets;
using CryptoRun.Venues.Binance;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CryptoRun.Replay.Venues;

/// <summary>
/// Binance spot (<c>/api/v3</c>) or USD-M futures (<c>/fapi/v1</c>) as recorded: <c>exchangeInfo</c>
/// (recorded symbol entries of the instruments held), <c>klines</c> (max 1000 spot / 1500 USD-M;
/// ascending; <c>startTime</c>/<c>endTime</c> inclusive on open time), <c>depth</c> (the book of the
/// stream's latest WebSocket connection once it has gone past the recorded REST snapshot, else that
/// snapshot; see <see cref="ReplayLiveBooks"/>), <c>aggTrades</c> (recorded <c>@aggTrade</c> frames), <c>ticker/24hr</c> (from the
/// candle series; see <see cref="Ticker24h"/>), <c>time</c>, <c>ping</c>;
/// errors as <c>{"code": -1121, "msg": "Invalid symbol."}</c> with HTTP 400; the used weight of the
/// current minute in <c>X-MBX-USED-WEIGHT-1M</c> and <c>X-MBX-USED-WEIGHT</c> on every answer, with the
/// recorded <c>REQUEST_WEIGHT</c> limit enforced per UTC minute (429, then 418 bans; see
/// <see cref="BinanceWeightLimiter"/>).
/// </summary>
internal sealed class BinanceReplay : IReplayVenue
{
    private static readonly HashSet<string> SpotIntervals = ["1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"];
    private static readonly HashSet<string> FuturesIntervals = ["1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"];

    private static readonly string[] KlineNumbers = ["startTime", "endTime", "limit"];
    private static readonly string[] AggTradeNumbers = ["fromId", "startTime", "endTime", "limit"];
    private static readonly string[] SpotAggTradeFields = ["a", "p", "q", "f", "l", "T", "m", "M"];
    private static readonly string[] FuturesAggTradeFields = ["a", "p", "q", "f", "l", "T", "m"];

    /// <summary>Where an admitted request's used weight waits for its answer's headers.</summary>
    private static readonly object UsedWeightKey = new();

    private readonly BinanceApi _api;
    private readonly ReplayVenueContext _context;
    private readonly bool _futures;
    private readonly Dictionary<string, string> _symbolEntries = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Symbol, string Interval), ReplaySeries> _series = [];
    private readonly Dictionary<string, string> _depth = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<JsonElement>> _aggTrades = new(StringComparer.Ordinal);
    private readonly List<string> _notices = [];
    private readonly List<Instrument> _instruments = [];
    private readonly string _rateLimits = "[]";
    private readonly BinanceWeightLimiter _limiter;
    private readonly ReplayLiveBooks? _liveBooks;

    /// <summary>The venue of <paramref name="api"/>; <paramref name="liveBooks"/>, when given, gets the recorded depth snapshots and answers <c>depth</c> from the WebSocket stream of the same name.</summary>
    internal BinanceReplay(BinanceApi api, ReplayVenueContext context, ReplayLiveBooks? liveBooks = null)
    {
        _liveBooks = liveBooks;
        _api = api;
        _context = context;
        _futures = api == BinanceApi.UsdM;
        MarketCatalog? catalog = null;
        var info = context.Responses.LastOrDefault(r => r.Url.EndsWith("/exchangeInfo", StringComparison.Ordinal));
        var rawEntries = new Dictionary<string, string>(StringComparer.Ordinal);
        if (info is not null)
        {
            (catalog, _) = BinanceParser.ParseExchangeInfo(api.Name, Encoding.UTF8.GetBytes(info.Body));
            using var document = JsonDocument.Parse(info.Body);
            foreach (var symbol in document.RootElement.GetProperty("symbols").EnumerateArray())
            {
                rawEntries[symbol.GetProperty("symbol").GetString()!] = symbol.GetRawText();
            }

            if (document.RootElement.TryGetProperty("rateLimits", out var limits))
            {
                _rateLimits = limits.GetRawText();
            }
        }

        _limiter = new BinanceWeightLimiter(WeightLimit(_rateLimits, _futures), context.EnforceLimits);

        foreach (var response in context.Responses.Where(r => r.Url.Contains("/depth?", StringComparison.Ordinal)))
        {
            var symbol = QueryValue(response.Url, "symbol");
            if (symbol is not null)
            {
                _depth[symbol] = response.Body;
            }
        }

        liveBooks?.SetRecordedDepth(api.Name, _depth);
        foreach (var frame in context.Frames)
        {
            if (!frame.Payload.Contains("@aggTrade", StringComparison.Ordinal))
            {
                continue;
            }

            using var document = JsonDocument.Parse(frame.Payload);
            var data = document.RootElement.GetProperty("data");
            var symbol = data.GetProperty("s").GetString()!;
            if (!_aggTrades.TryGetValue(symbol, out var list))
            {
                _aggTrades[symbol] = list = [];
            }

            list.Add(data.Clone());
        }

        foreach (var series in context.Series)
        {
            string symbol;
            if (catalog is not null && catalog.TryGet(series.Source.Instrument, out var market))
            {
                symbol = market.VenueSymbol;
            }
            else
            {
                (symbol, var entry) = Synthesize(series.Source.Instrument);
                rawEntries.TryAdd(symbol, entry);
            }

            _series[(symbol, series.Timeframe.Name)] = series;
            Hold(symbol, series.Source.Instrument, rawEntries);
            var missing = new List<string>();
            if (!series.HasQuoteVolume)
            {
                missing.Add("quote volume");
            }

            if (!series.HasTradeCount)
            {
                missing.Add("trade count");
            }

            if (!series.HasTakerVolumes)
            {
                missing.Add("taker buy volumes");
            }

            if (missing.Count > 0)
            {
                _notices.Add($"{api.Name}:{series.Source.Instrument}:{series.Timeframe}: the file has no {string.Join(", ", missing)}; klines carry 0 there");
            }
        }

        foreach (var symbol in _depth.Keys.Concat(_aggTrades.Keys))
        {
            if (catalog is not null && catalog.TryGetByVenueSymbol(symbol, out var market))
            {
                Hold(symbol, market.Instrument, rawEntries);
            }
        }
    }

    public string Name => _api.Name;

    public IReadOnlyList<Instrument> Instruments => _instruments;

    public IReadOnlyList<string> Notices => _notices;

    public void Map(IEndpointRouteBuilder routes)
    {
        var prefix = _api.PathPrefix;
        routes.MapGet($"{prefix}/ping", context => Reply(context, ReplayHttp.Json(w => { w.WriteStartObject(); w.WriteEndObject(); })));
        routes.MapGet($"{prefix}/time", context => Reply(context, ReplayHttp.Json(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("serverTime", _context.NowMs);
            w.WriteEndObject();
        })));
        routes.MapGet($"{prefix}/exchangeInfo", ExchangeInfo);
        routes.MapGet($"{prefix}/klines", Klines);
        routes.MapGet($"{prefix}/depth", Depth);
        routes.MapGet($"{prefix}/aggTrades", AggTrades);
        routes.MapGet($"{prefix}/ticker/24hr", Ticker24h);
    }

    /// <summary>
    /// The request's weight: <c>exchangeInfo</c> 20 spot / 1 USD-M; <c>klines</c> 2 spot, USD-M by
    /// <c>limit</c> (1/2/5/10; 5 without one); <c>depth</c> by <c>limit</c>; <c>aggTrades</c> 4 spot /
    /// 20 USD-M; <c>ticker/24hr</c> 2 spot / 1 USD-M with a <c>symbol</c>, 80 spot / 40 USD-M without;
    /// <c>ping</c>, <c>time</c> and anything else 1. Weights come from <see cref="BinanceApi"/> except
    /// the ticker's, which are from the spot <c>rest-api.md</c> ("symbol 1: 2; symbol parameter is
    /// omitted: 80") and the USD-M docs ("1 for a single symbol; 40 when the symbol parameter is omitted").
    /// </summary>
    public int WeightOf(HttpRequest request)
    {
        var path = request.Path.Value ?? "";
        var endpoint = path.StartsWith(_api.PathPrefix + "/", StringComparison.Ordinal) ? path[(_api.PathPrefix.Length + 1)..] : "";
        var limitText = request.Query["limit"].ToString();
        limitText = limitText.Length == 0 ? null : limitText;
        switch (endpoint)
        {
            case "exchangeInfo":
                return _api.ExchangeInfoWeight;
            case "aggTrades":
                return _api.AggTradesWeight;
            case "ticker/24hr":
                return request.Query["symbol"].ToString().Length > 0 ? (_futures ? 1 : 2) : (_futures ? 40 : 80);
            case "klines" when !_futures:
                return 2;
            case "klines":
                // measured: no limit costs as much as limit=1000
                return limitText is null ? 5 : _api.KlineWeight(int.TryParse(limitText, out var l) ? l : 500);
            case "depth":
                if (!ReplayHttp.TryLong(limitText, out var limitValue))
                {
                    return 1;
                }

                return _api.DepthWeight((int)Math.Clamp(limitValue ?? (_futures ? 500 : 100), 0, int.MaxValue));
            default:
                return 1;
        }
    }

    public async ValueTask<bool> AdmitAsync(HttpContext context, int weight)
    {
        var admission = _limiter.Admit(weight, _context.NowMs);
        if (admission.Verdict == BinanceVerdict.Served)
        {
            context.Items[UsedWeightKey] = admission.UsedWeight;
            return true;
        }

        var (status, body) = admission.Verdict == BinanceVerdict.RateLimited ? (429, TooMuchWeight()) : (418, Banned(admission.BannedUntilMs));
        await Send(context, status, body, admission.UsedWeight, ("Retry-After", admission.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture))).ConfigureAwait(false);
        return false;
    }

    /// <summary>
    /// A status fault in Binance's shape: 429 and 418 with the -1003 messages (a 418 bans until
    /// now + Retry-After, else 2 minutes), 5xx as -1001 "Internal error; unable to process your
    /// request. Please try again.", anything else as -1000 "An unknown error occurred while
    /// processing the request." (codes from Binance's errors.md). It counts no weight.
    /// </summary>
    public Task SendErrorAsync(HttpContext context, int status, int? retryAfterSeconds)
    {
        var now = _context.NowMs;
        var body = status switch
        {
            429 => TooMuchWeight(),
            418 => Banned(now + (retryAfterSeconds is { } seconds ? seconds * 1000L : BinanceWeightLimiter.BanLengthMs(1))),
            >= 500 => Code(-1001, "Internal error; unable to process your request. Please try again."),
            _ => Code(-1000, "An unknown error occurred while processing the request."),
        };
        return Send(context, status, body, _limiter.UsedAt(now), ReplayHttp.RetryAfter(retryAfterSeconds));
    }

    private Task ExchangeInfo(HttpContext context)
        => Reply(context, ReplayHttp.Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("timezone", "UTC");
            w.WriteNumber("serverTime", _context.NowMs);
            if (_futures)
            {
                w.WriteString("futuresType", "U_MARGINED");
            }

            w.WritePropertyName("rateLimits");
            w.WriteRawValue(_rateLimits);
            w.WritePropertyName("exchangeFilters");
            w.WriteStartArray();
            w.WriteEndArray();
            w.WritePropertyName("symbols");
            w.WriteStartArray();
            foreach (var entry in _symbolEntries.Values)
            {
                w.WriteRawValue(entry);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }));

    private Task Klines(HttpContext context)
    {
        var symbol = context.Query("symbol");
        var interval = context.Query("interval");
        var limitText = context.Query("limit");
        if (symbol is null)
        {
            return Error(context, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
        }

        if (interval is null)
        {
            return Error(context, -1102, "Mandatory parameter 'interval' was not sent, was empty/null, or malformed.");
        }

        if (!_symbolEntries.ContainsKey(symbol.ToUpperInvariant()))
        {
            return Error(context, -1121, "Invalid symbol.");
        }

        if (!(_futures ? FuturesIntervals : SpotIntervals).Contains(interval))
        {
            return Error(context, -1120, "Invalid interval.");
        }

        foreach (var name in KlineNumbers)
        {
            if (!ReplayHttp.TryLong(context.Query(name), out _))
            {
                return Error(context, -1100, $"Illegal characters found in parameter '{name}'; legal range is '^[0-9]{{1,20}}$'.");
            }
        }

        ReplayHttp.TryLong(context.Query("startTime"), out var startTime);
        ReplayHttp.TryLong(context.Query("endTime"), out var endTime);
        ReplayHttp.TryLong(limitText, out var limitValue);
        var limit = (int)Math.Min(limitValue ?? 500, int.MaxValue);
        if (limit < 1 || (_futures && limit > _api.MaxKlinesPerRequest))
        {
            return Error(context, -1130, "Data sent for parameter 'limit' is not valid.");
        }

        limit = Math.Min(limit, _api.MaxKlinesPerRequest); // spot caps silently

        var rows = new List<CryptoRun.CandleFiles.CandleFileRow>();
        if (_series.TryGetValue((symbol.ToUpperInvariant(), interval), out var series))
        {
            var now = _context.NowMs;
            var upper = Math.Min(endTime ?? long.MaxValue - 1, now) + 1;
            if (startTime is { } from)
            {
                rows.AddRange(series.Between(from, upper).Take(limit));
            }
            else
            {
                var all = series.Between(long.MinValue, upper).ToList();
                rows.AddRange(all.Skip(Math.Max(0, all.Count - limit)));
            }
        }

        var step = series?.Timeframe.Milliseconds ?? 0;
        return Reply(context, ReplayHttp.Json(w =>
        {
            w.WriteStartArray();
            foreach (var row in rows)
            {
                var c = row.Candle;
                w.WriteStartArray();
                w.WriteNumberValue(c.OpenTimeMs);
                w.Text(c.Open);
                w.Text(c.High);
                w.Text(c.Low);
                w.Text(c.Close);
                w.Text(c.Volume);
                w.WriteNumberValue(c.OpenTimeMs + step - 1);
                w.Text(c.QuoteVolume ?? 0m);
                w.WriteNumberValue(c.TradeCount ?? 0);
                w.Text(row.TakerBuyVolume ?? 0m);
                w.Text(row.TakerBuyQuoteVolume ?? 0m);
                w.WriteStringValue("0");
                w.WriteEndArray();
            }

            w.WriteEndArray();
        }));
    }

    private Task Depth(HttpContext context)
    {
        var symbol = context.Query("symbol")?.ToUpperInvariant();
        var limitText = context.Query("limit");
        if (!ReplayHttp.TryLong(limitText, out var limitValue))
        {
            return Error(context, -1100, "Illegal characters found in parameter 'limit'; legal range is '^[0-9]{1,20}$'.");
        }

        var limit = (int)Math.Clamp(limitValue ?? (_futures ? 500 : 100), 0, int.MaxValue);
        if (symbol is null)
        {
            return Error(context, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
        }

        if (!_symbolEntries.ContainsKey(symbol))
        {
            return Error(context, -1121, "Invalid symbol.");
        }

        if (_api.DepthLimits is { } allowed && !allowed.Contains(limit))
        {
            return Error(context, -4021, $"{limit} is not valid depth limit");
        }

        limit = Math.Clamp(limit, 1, _api.MaxDepth);
        if (_liveBooks is not null && _liveBooks.TryDepth(_api.Name, symbol, limit, out var live))
        {
            return Reply(context, live);
        }

        return Reply(context, ReplayHttp.Json(w =>
        {
            w.WriteStartObject();
            if (_depth.TryGetValue(symbol, out var recorded))
            {
                using var document = JsonDocument.Parse(recorded);
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    if (property.NameEquals("bids") || property.NameEquals("asks"))
                    {
                        w.WritePropertyName(property.Name);
                        w.WriteStartArray();
                        foreach (var level in property.Value.EnumerateArray().Take(limit))
                        {
                            level.WriteTo(w);
                        }

                        w.WriteEndArray();
                    }
                    else
                    {
                        property.WriteTo(w);
                    }
                }
            }
            else
            {
                // Held for candles only: no book was recorded for it.
                w.WriteNumber("lastUpdateId", 0);
                w.WriteStartArray("bids");
                w.WriteEndArray();
                w.WriteStartArray("asks");
                w.WriteEndArray();
            }

            w.WriteEndObject();
        }));
    }

    private Task AggTrades(HttpContext context)
    {
        var symbol = context.Query("symbol")?.ToUpperInvariant();
        if (symbol is null)
        {
            return Error(context, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
        }

        if (!_symbolEntries.ContainsKey(symbol))
        {
            return Error(context, -1121, "Invalid symbol.");
        }

        foreach (var name in AggTradeNumbers)
        {
            if (!ReplayHttp.TryLong(context.Query(name), out _))
            {
                return Error(context, -1100, $"Illegal characters found in parameter '{name}'; legal range is '^[0-9]{{1,20}}$'.");
            }
        }

        ReplayHttp.TryLong(context.Query("limit"), out var limitValue);
        ReplayHttp.TryLong(context.Query("fromId"), out var fromId);
        ReplayHttp.TryLong(context.Query("startTime"), out var startTime);
        ReplayHttp.TryLong(context.Query("endTime"), out var endTime);
        var limit = (int)Math.Clamp(limitValue ?? 500, 1, 1000);
        IEnumerable<JsonElement> trades = _aggTrades.GetValueOrDefault(symbol) ?? [];
        trades = trades.Where(t =>
            (fromId is null || t.GetProperty("a").GetInt64() >= fromId)
            && (startTime is null || t.GetProperty("T").GetInt64() >= startTime)
            && (endTime is null || t.GetProperty("T").GetInt64() <= endTime));
        var selected = fromId is null && startTime is null ? trades.TakeLast(limit) : trades.Take(limit);
        return Reply(context, ReplayHttp.Json(w =>
        {
            w.WriteStartArray();
            foreach (var trade in selected)
            {
                w.WriteStartObject();
                foreach (var field in _futures ? FuturesAggTradeFields : SpotAggTradeFields)
                {
                    if (trade.TryGetProperty(field, out var value))
                    {
                        w.WritePropertyName(field);
                        value.WriteTo(w);
                    }
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        }));
    }

    /// <summary>
    /// <c>GET ticker/24hr?symbol=</c>: the 24 h rolling-window statistics, computed from the symbol's
    /// candle series (Binance's own 24 h ticker was not recorded): <c>lastPrice</c> is the close of the
    /// latest candle closed at the replay clock, <c>closeTime</c> that candle's close time as in
    /// klines (open + timeframe - 1 ms), <c>openTime</c> 24 h before its close, and <c>openPrice</c>,
    /// <c>highPrice</c>, <c>lowPrice</c>, <c>volume</c>, <c>quoteVolume</c>, <c>count</c>,
    /// <c>weightedAvgPrice</c> (quoteVolume / volume, 8 decimals), <c>priceChange</c> and
    /// <c>priceChangePercent</c> (3 decimals) over the candles opening in <c>[openTime, closeTime]</c>
    /// (only those the series has, as Binance counts only trades since listing for a symbol younger
    /// than a day); spot also has <c>prevClosePrice</c>, the close before the window. Candles give no
    /// <c>lastQty</c>, bid, ask, <c>firstId</c> or <c>lastId</c>: those fields are absent, as are
    /// <c>quoteVolume</c>, <c>weightedAvgPrice</c> and <c>count</c> when the file lacks them. Without
    /// <c>symbol</c>, an array of every held symbol that has a ticker. A symbol not held, or held
    /// without a candle closed at the clock: HTTP 400 <c>{"code":-1121,"msg":"Invalid symbol."}</c>.
    /// </summary>
    /// <remarks>
    /// Shape: binance-spot-api-docs <c>rest-api.md</c> "24hr ticker price change statistics"
    /// (<c>GET /api/v3/ticker/24hr</c>, response FULL: symbol, priceChange, priceChangePercent,
    /// weightedAvgPrice, prevClosePrice, lastPrice, lastQty, bidPrice, bidQty, askPrice, askQty,
    /// openPrice, highPrice, lowPrice, volume, quoteVolume, openTime, closeTime, firstId, lastId, count);
    /// USD-M <c>GET /fapi/v1/ticker/24hr</c> (developers.binance.com derivatives "24hr Ticker Price
    /// Change Statistics": the same without prevClosePrice and the bid/ask fields).
    /// </remarks>
    private Task Ticker24h(HttpContext context)
    {
        var now = _context.NowMs;
        if (context.Query("symbol")?.ToUpperInvariant() is not { } symbol)
        {
            var all = _symbolEntries.Keys.Select(s => (Symbol: s, Ticker: TickerAt(s, now))).Where(t => t.Ticker is not null).ToList();
            return Reply(context, ReplayHttp.Json(w =>
            {
                w.WriteStartArray();
                foreach (var (s, ticker) in all)
                {
                    WriteTicker24h(w, s, ticker!);
                }

                w.WriteEndArray();
            }));
        }

        if (!_symbolEntries.ContainsKey(symbol) || TickerAt(symbol, now) is not { } found)
        {
            return Error(context, -1121, "Invalid symbol.");
        }

        return Reply(context, ReplayHttp.Json(w => WriteTicker24h(w, symbol, found)));
    }

    private CandleTicker? TickerAt(string symbol, long nowMs)
        => CandleTicker.At(_series.Where(s => s.Key.Symbol == symbol).Select(s => s.Value), nowMs);

    private void WriteTicker24h(Utf8JsonWriter w, string symbol, CandleTicker ticker)
    {
        var window = ticker.Window;
        var last = ticker.Last.Candle.Close;
        var change = last - window.Open;
        w.WriteStartObject();
        w.WriteString("symbol", symbol);
        w.WriteString("priceChange", change.ToString(CultureInfo.InvariantCulture));
        w.WriteString("priceChangePercent", (window.Open == 0 ? 0m : Math.Round(change / window.Open * 100, 3, MidpointRounding.AwayFromZero)).ToString("0.000", CultureInfo.InvariantCulture));
        if (window.QuoteVolume is { } quote && window.Volume > 0)
        {
            w.WriteString("weightedAvgPrice", Math.Round(quote / window.Volume, 8, MidpointRounding.AwayFromZero).ToString(CultureInfo.InvariantCulture));
        }

        if (!_futures && ticker.PreviousClose is { } previous)
        {
            w.WriteString("prevClosePrice", previous.ToString(CultureInfo.InvariantCulture));
        }

        w.WriteString("lastPrice", last.ToString(CultureInfo.InvariantCulture));
        w.WriteString("openPrice", window.Open.ToString(CultureInfo.InvariantCulture));
        w.WriteString("highPrice", window.High.ToString(CultureInfo.InvariantCulture));
        w.WriteString("lowPrice", window.Low.ToString(CultureInfo.InvariantCulture));
        w.WriteString("volume", window.Volume.ToString(CultureInfo.InvariantCulture));
        if (window.QuoteVolume is { } quoteVolume)
        {
            w.WriteString("quoteVolume", quoteVolume.ToString(CultureInfo.InvariantCulture));
        }

        w.WriteNumber("openTime", window.FromMs);
        w.WriteNumber("closeTime", ticker.CloseMs - 1);
        if (window.TradeCount is { } count)
        {
            w.WriteNumber("count", count);
        }

        w.WriteEndObject();
    }

    private void Hold(string symbol, Instrument instrument, Dictionary<string, string> rawEntries)
    {
        if (_symbolEntries.ContainsKey(symbol) || !rawEntries.TryGetValue(symbol, out var entry))
        {
            return;
        }

        _symbolEntries[symbol] = entry;
        _instruments.Add(instrument);
    }

    /// <summary>A minimal symbol entry for an instrument the recorded exchangeInfo does not list.</summary>
    private (string Symbol, string Entry) Synthesize(Instrument instrument)
    {
        var symbol = instrument.Base + instrument.Quote;
        var entry = ReplayHttp.Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("symbol", symbol);
            if (_futures)
            {
                w.WriteString("pair", symbol);
                w.WriteString("contractType", "PERPETUAL");
            }

            w.WriteString("status", "TRADING");
            w.WriteString("baseAsset", instrument.Base);
            w.WriteString("quoteAsset", instrument.Quote);
            if (_futures)
            {
                w.WriteString("marginAsset", instrument.Settle ?? instrument.Quote);
            }

            w.WriteEndObject();
        });
        return (symbol, Encoding.UTF8.GetString(entry));
    }

    /// <summary>The REQUEST_WEIGHT per 1 MINUTE of the recorded <c>exchangeInfo.rateLimits</c>; without a recording 6000 spot (the current docs) and 2400 USD-M.</summary>
    private static int WeightLimit(string rateLimits, bool futures)
    {
        using var document = JsonDocument.Parse(rateLimits);
        foreach (var limit in document.RootElement.EnumerateArray())
        {
            if (limit.TryGetProperty("rateLimitType", out var type) && type.ValueEquals("REQUEST_WEIGHT")
                && limit.TryGetProperty("interval", out var interval) && interval.ValueEquals("MINUTE")
                && limit.TryGetProperty("intervalNum", out var count) && count.ValueKind == JsonValueKind.Number && count.GetInt32() == 1
                && limit.TryGetProperty("limit", out var value) && value.ValueKind == JsonValueKind.Number)
            {
                return value.GetInt32();
            }
        }

        return futures ? 2400 : 6000;
    }

    private static byte[] Code(int code, string message) => ReplayHttp.Json(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("code", code);
        w.WriteString("msg", message);
        w.WriteEndObject();
    });

    private byte[] TooMuchWeight()
        => Code(-1003, $"Too much request weight used; current limit is {_limiter.Limit} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.");

    private static byte[] Banned(long untilMs)
        => Code(-1003, $"Way too much request weight used; IP banned until {untilMs.ToString(CultureInfo.InvariantCulture)}. Please use WebSocket Streams for live updates to avoid bans.");

    private Task Error(HttpContext context, int code, string message) => Reply(context, Code(code, message), 400);

    /// <summary>Sends an answer of an admitted request with the used weight its admission left.</summary>
    private Task Reply(HttpContext context, byte[] body, int status = 200)
        => Send(context, status, body, context.Items[UsedWeightKey] is int used ? used : _limiter.UsedAt(_context.NowMs));

    private static Task Send(HttpContext context, int status, byte[] body, int used, params (string Name, string Value)[] extra)
    {
        var text = used.ToString(CultureInfo.InvariantCulture);
        return ReplayHttp.Send(context, status, body, [("X-MBX-USED-WEIGHT-1M", text), ("X-MBX-USED-WEIGHT", text), .. extra]);
    }

    private static string? QueryValue(string url, string name)
    {
        var query = url.IndexOf('?', StringComparison.Ordinal);
        if (query < 0)
        {
            return null;
        }

        foreach (var part in url[(query + 1)..].Split('&'))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && part[..equals] == name)
            {
                return Uri.UnescapeDataString(part[(equals + 1)..]);
            }
        }

        return null;
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Replay.Limits;
using CryptoRun.Replay.Recordings;
using CryptoRun.Venues.Okx;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CryptoRun.Replay.Venues;

/// <summary>
/// OKX v5 as recorded: <c>/api/v5/public/instruments</c>, <c>/api/v5/market/candles</c> (the latest
/// 1440 candles) and <c>/history-candles</c> (all; both at most 300 per request, newest first,
/// <c>after</c>/<c>before</c> exclusive, <c>confirm</c> "0" for the candle in progress),
/// <c>/api/v5/market/trades</c> (recorded <c>trades</c> frames), <c>/api/v5/market/books</c> (the
/// recorded <c>books</c> snapshot), <c>/api/v5/market/ticker</c> (see <see cref="Ticker"/>),
/// <c>/api/v5/public/time</c>; errors as
/// <c>{"code": "51001", "msg": "...", "data": []}</c>, an unknown instrument with HTTP 200.
/// Public rate limits per endpoint and 2 s window (a <see cref="WindowCounter"/>): <c>public/time</c>
/// 10, <c>public/instruments</c> 20 per <c>instType</c>, <c>market/candles</c> 40,
/// <c>market/history-candles</c> 20, <c>market/trades</c> 100, <c>market/books</c> 40,
/// <c>market/ticker</c> 20; over it, HTTP
/// 429 <c>{"code":"50011","msg":"Rate limit reached. Please refer to API documentation and throttle
/// requests accordingly.","data":[]}</c>.
/// </summary>
/// <remarks>
/// Limits from each endpoint's "Rate Limit: N requests per 2 seconds" in okx.com/docs-v5/en
/// ("Rate limit rule: IP", instruments "IP + Instrument Type"); <c>public/time</c> 10 per 2 s as
/// quoted by hummingbot's OKX constants. Code 50011 is listed with HTTP 429 (and with 200) in the
/// REST error-code table (#error-code-rest-api-public).
/// </remarks>
internal sealed class OkxReplay : IReplayVenue
{
    private static readonly HashSet<string> Bars =
    [
        "1s", "1m", "3m", "5m", "15m", "30m", "1H", "2H", "4H", "6H", "12H", "1D", "2D", "3D", "1W", "1M", "3M",
        "6Hutc", "12Hutc", "1Dutc", "2Dutc", "3Dutc", "1Wutc", "1Mutc", "3Mutc",
    ];

    private static readonly string[] BookSides = ["asks", "bids"];

    /// <summary>Ticker fields a candle cannot give: served as OKX's empty value <c>""</c>.</summary>
    private static readonly string[] UnknownFromCandles = ["lastSz", "askPx", "askSz", "bidPx", "bidSz"];

    /// <summary>Requests per 2 s window, per endpoint (instruments also per <c>instType</c>).</summary>
    private static readonly Dictionary<string, int> EndpointLimits = new(StringComparer.Ordinal)
    {
        ["/api/v5/public/time"] = 10,
        ["/api/v5/public/instruments"] = 20,
        ["/api/v5/market/candles"] = 40,
        ["/api/v5/market/history-candles"] = 20,
        ["/api/v5/market/trades"] = 100,
        ["/api/v5/market/books"] = 40,
        ["/api/v5/market/ticker"] = 20,
    };

    private readonly ReplayVenueContext _context;
    private readonly Dictionary<string, (string Type, string Entry)> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<(string InstId, string Bar), ReplaySeries> _series = [];
    private readonly Dictionary<string, JsonElement> _books = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<JsonElement>> _trades = new(StringComparer.Ordinal);
    private readonly RecordedTickers _tickers = new();
    private readonly List<Instrument> _instruments = [];
    private readonly List<string> _notices = [];
    private readonly WindowCounter _windows = new(windowMs: 2000);

    internal OkxReplay(ReplayVenueContext context)
    {
        _context = context;
        var markets = new List<Market>();
        var raw = new Dictionary<string, (string Type, string Entry)>(StringComparer.Ordinal);
        // The recording repeats the same instrument downloads; the last one per type is enough.
        var latest = context.Responses
            .Where(r => r.Url.Contains("/api/v5/public/instruments", StringComparison.Ordinal))
            .GroupBy(r => r.Url, StringComparer.Ordinal)
            .Select(g => g.Last());
        foreach (var response in latest)
        {
            markets.AddRange(OkxParser.ParseInstruments(OkxConnector.VenueName, Encoding.UTF8.GetBytes(response.Body)));
            using var document = JsonDocument.Parse(response.Body);
            foreach (var item in document.RootElement.GetProperty("data").EnumerateArray())
            {
                raw[item.GetProperty("instId").GetString()!] = (item.GetProperty("instType").GetString()!, item.GetRawText());
            }
        }

        var catalog = new MarketCatalog(OkxConnector.VenueName, markets);
        foreach (var frame in context.Frames)
        {
            if (!frame.Payload.StartsWith('{'))
            {
                continue;
            }

            using var document = JsonDocument.Parse(frame.Payload);
            var message = document.RootElement;
            if (!message.TryGetProperty("arg", out var arg) || !message.TryGetProperty("data", out var data))
            {
                continue;
            }

            var channel = arg.GetProperty("channel").GetString();
            var instId = arg.GetProperty("instId").GetString()!;
            if (!catalog.TryGetByVenueSymbol(instId, out var market))
            {
                continue;
            }

            if (channel == "books" && message.TryGetProperty("action", out var action) && action.GetString() == "snapshot"
                && !_books.ContainsKey(instId))
            {
                _books[instId] = data[0].Clone();
                Hold(instId, market.Instrument, raw);
            }
            else if (channel == "trades")
            {
                if (!_trades.TryGetValue(instId, out var list))
                {
                    _trades[instId] = list = [];
                }

                list.AddRange(data.EnumerateArray().Select(t => t.Clone()));
                Hold(instId, market.Instrument, raw);
            }
            else if (channel == "tickers" && data.GetArrayLength() > 0 && data[0].TryGetProperty("ts", out var ts)
                && long.TryParse(ts.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var tsMs))
            {
                _tickers.Add(instId, tsMs, data[0].Clone());
                Hold(instId, market.Instrument, raw);
            }
        }

        foreach (var series in context.Series)
        {
            var instrument = series.Source.Instrument;
            string instId;
            if (catalog.TryGet(instrument, out var market))
            {
                instId = market.VenueSymbol;
            }
            else
            {
                var spot = instrument.Settle is null;
                instId = spot ? $"{instrument.Base}-{instrument.Quote}" : $"{instrument.Base}-{instrument.Quote}-SWAP";
                raw.TryAdd(instId, (spot ? "SPOT" : "SWAP", Encoding.UTF8.GetString(ReplayHttp.Json(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("instId", instId);
                    w.WriteString("instType", spot ? "SPOT" : "SWAP");
                    w.WriteString("baseCcy", spot ? instrument.Base : "");
                    w.WriteString("quoteCcy", spot ? instrument.Quote : "");
                    w.WriteString("settleCcy", instrument.Settle ?? "");
                    w.WriteString("uly", spot ? "" : $"{instrument.Base}-{instrument.Quote}");
                    w.WriteString("state", "live");
                    w.WriteEndObject();
                }))));
            }

            var bar = OkxConnector.BarName(series.Timeframe)
                ?? throw new ArgumentException($"okx has no bar for {series.Timeframe}; {series.Source.Path} cannot be served as okx");
            _series[(instId, bar)] = series;
            Hold(instId, instrument, raw);
            if (!series.HasQuoteVolume)
            {
                _notices.Add($"okx:{instrument}:{series.Timeframe}: the file has no quote volume; candles carry 0 there");
            }
        }
    }

    public string Name => OkxConnector.VenueName;

    public IReadOnlyList<Instrument> Instruments => _instruments;

    public IReadOnlyList<string> Notices => _notices;

    public async ValueTask<bool> AdmitAsync(HttpContext context, int weight)
    {
        var path = context.Request.Path.Value ?? "";
        var key = path == "/api/v5/public/instruments" ? path + "?instType=" + context.Query("instType") : path;
        if (!_context.EnforceLimits || !EndpointLimits.TryGetValue(path, out var limit) || _windows.TryAdd(key, limit, _context.NowMs))
        {
            return true;
        }

        await Error(context, 429, "50011", "Rate limit reached. Please refer to API documentation and throttle requests accordingly.").ConfigureAwait(false);
        return false;
    }

    /// <summary>
    /// A status fault in OKX's envelope: 429 code 50011 (as for the rate limit), 503 50001 "Service
    /// temporarily unavailable. Please try again later.", anything else 50026 "System error. Try again later.".
    /// </summary>
    public Task SendErrorAsync(HttpContext context, int status, int? retryAfterSeconds)
    {
        var (code, message) = status switch
        {
            429 => ("50011", "Rate limit reached. Please refer to API documentation and throttle requests accordingly."),
            503 => ("50001", "Service temporarily unavailable. Please try again later."),
            _ => ("50026", "System error. Try again later."),
        };
        return Error(context, status, code, message, ReplayHttp.RetryAfter(retryAfterSeconds));
    }

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v5/public/time", context => Ok(context, w =>
        {
            w.WriteStartObject();
            w.WriteString("ts", _context.NowMs.ToString(CultureInfo.InvariantCulture));
            w.WriteEndObject();
        }));
        routes.MapGet("/api/v5/public/instruments", ListInstruments);
        routes.MapGet("/api/v5/market/candles", context => Candles(context, recentOnly: true));
        routes.MapGet("/api/v5/market/history-candles", context => Candles(context, recentOnly: false));
        routes.MapGet("/api/v5/market/trades", Trades);
        routes.MapGet("/api/v5/market/books", Books);
        routes.MapGet("/api/v5/market/ticker", Ticker);
    }

    /// <summary>
    /// <c>GET /api/v5/market/ticker?instId=</c>: <c>data = [{instType, instId, last, lastSz, askPx,
    /// askSz, bidPx, bidSz, open24h, high24h, low24h, volCcy24h, vol24h, sodUtc0, sodUtc8, ts}]</c>,
    /// the recorded <c>tickers</c> frame's <c>data[0]</c> (the same fields) whose <c>ts</c> is the
    /// latest at or before the replay clock. Else, for an instrument with a candle series, from the
    /// latest candle closed at the clock: <c>last</c> its close, <c>ts</c> its close time, the 24 h
    /// fields over the candles of the 24 h before it when the series covers them (<c>vol24h</c> the
    /// base volume, <c>volCcy24h</c> the quote volume for spot and the base volume for swaps, as the
    /// replay's candles do), <c>sodUtc0</c>/<c>sodUtc8</c> the open of the candle at 00:00 UTC / UTC+8
    /// when the series has it, and <c>""</c> (OKX's empty value) for <c>lastSz</c>, bid, ask and
    /// anything not known. No <c>instId</c>: HTTP 400 code 50014; an unknown instrument, or one without
    /// a ticker at the clock: HTTP 200 code 51001.
    /// </summary>
    /// <remarks>
    /// Shape and limit: okx.com/docs-v5/en/#order-book-trading-market-data-get-ticker ("Retrieve the
    /// latest price snapshot, best bid/ask price, and trading volume in the last 24 hours"; "Rate Limit:
    /// 20 requests per 2 seconds", "Rate limit rule: IP"; response parameters as above).
    /// </remarks>
    private Task Ticker(HttpContext context)
    {
        var instId = context.Query("instId");
        if (instId is null)
        {
            return Error(context, 400, "50014", "Parameter instId can not be empty.");
        }

        if (!_entries.TryGetValue(instId, out var entry))
        {
            return Error(context, 200, "51001", "Instrument ID does not exist");
        }

        var now = _context.NowMs;
        if (_tickers.TryLatest(instId, now, out var recorded))
        {
            return Ok(context, recorded.WriteTo);
        }

        if (CandleTicker.At(_series.Where(s => s.Key.InstId == instId).Select(s => s.Value), now) is not { } candles)
        {
            return Error(context, 200, "51001", "Instrument ID does not exist");
        }

        var spot = entry.Type == "SPOT";
        return Ok(context, w =>
        {
            static string Text(decimal? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";
            var day = candles.Covers24h ? candles.Window : null;
            var lastOpen = candles.Last.Candle.OpenTimeMs;
            var utc0 = lastOpen - (((lastOpen % CandleTicker.DayMs) + CandleTicker.DayMs) % CandleTicker.DayMs);
            const long eightHours = 8 * 3_600_000;
            var utc8 = lastOpen + eightHours - ((((lastOpen + eightHours) % CandleTicker.DayMs) + CandleTicker.DayMs) % CandleTicker.DayMs) - eightHours;
            w.WriteStartObject();
            w.WriteString("instType", entry.Type);
            w.WriteString("instId", instId);
            w.WriteString("last", Text(candles.Last.Candle.Close));
            foreach (var unknown in UnknownFromCandles)
            {
                w.WriteString(unknown, "");
            }

            w.WriteString("open24h", Text(day?.Open));
            w.WriteString("high24h", Text(day?.High));
            w.WriteString("low24h", Text(day?.Low));
            w.WriteString("volCcy24h", Text(spot ? day?.QuoteVolume : day?.Volume));
            w.WriteString("vol24h", Text(day?.Volume));
            w.WriteString("sodUtc0", Text(candles.OpenAt(utc0)));
            w.WriteString("sodUtc8", Text(candles.OpenAt(utc8)));
            w.WriteString("ts", candles.CloseMs.ToString(CultureInfo.InvariantCulture));
            w.WriteEndObject();
        });
    }

    private Task ListInstruments(HttpContext context)
    {
        var type = context.Query("instType");
        if (type is null)
        {
            return Error(context, 400, "50014", "Parameter instType can not be empty.");
        }

        var instId = context.Query("instId");
        return Ok(context, w =>
        {
            foreach (var (id, (entryType, entry)) in _entries)
            {
                if (entryType == type && (instId is null || instId == id))
                {
                    w.WriteRawValue(entry);
                }
            }
        });
    }

    private Task Candles(HttpContext context, bool recentOnly)
    {
        var instId = context.Query("instId");
        if (instId is null)
        {
            return Error(context, 400, "50014", "Parameter instId can not be empty.");
        }

        if (!_entries.TryGetValue(instId, out var instrumentEntry))
        {
            return Error(context, 200, "51001", "Instrument ID does not exist");
        }

        var bar = context.Query("bar") ?? "1m";
        if (!Bars.Contains(bar))
        {
            return Error(context, 400, "51000", "Parameter bar error");
        }

        if (!ReplayHttp.TryLong(context.Query("after"), out var after) || !ReplayHttp.TryLong(context.Query("before"), out var before))
        {
            return Error(context, 400, "51000", "Parameter after or before error");
        }

        if (!ReplayHttp.TryLong(context.Query("limit"), out var limitValue) || limitValue is < 1 or > OkxConnector.MaxCandles)
        {
            return Error(context, 400, "51000", "Parameter limit error");
        }

        var limit = (int)(limitValue ?? 100);
        var now = _context.NowMs;
        var rows = new List<CryptoRun.CandleFiles.CandleFileRow>();
        var step = 0L;
        var spot = instrumentEntry.Type == "SPOT";
        if (_series.TryGetValue((instId, bar), out var series))
        {
            step = series.Timeframe.Milliseconds;
            var available = series.Between(long.MinValue, now + 1).ToList();
            if (recentOnly)
            {
                available = available.Skip(Math.Max(0, available.Count - OkxConnector.RecentCandles)).ToList();
            }

            rows = available
                .Where(r => (after is null || r.Candle.OpenTimeMs < after) && (before is null || r.Candle.OpenTimeMs > before))
                .Reverse()
                .Take(limit)
                .ToList();
        }

        return Ok(context, w =>
        {
            foreach (var row in rows)
            {
                var c = row.Candle;
                w.WriteStartArray();
                w.WriteStringValue(c.OpenTimeMs.ToString(CultureInfo.InvariantCulture));
                w.Text(c.Open);
                w.Text(c.High);
                w.Text(c.Low);
                w.Text(c.Close);
                w.Text(c.Volume);
                w.Text(spot ? c.QuoteVolume ?? 0m : c.Volume);
                w.Text(c.QuoteVolume ?? 0m);
                w.WriteStringValue(c.OpenTimeMs + step <= now ? "1" : "0");
                w.WriteEndArray();
            }
        });
    }

    private Task Trades(HttpContext context)
    {
        var instId = context.Query("instId");
        if (instId is null)
        {
            return Error(context, 400, "50014", "Parameter instId can not be empty.");
        }

        if (!_entries.ContainsKey(instId))
        {
            return Error(context, 200, "51001", "Instrument ID does not exist");
        }

        if (!ReplayHttp.TryLong(context.Query("limit"), out var limitValue))
        {
            return Error(context, 400, "51000", "Parameter limit error");
        }

        var limit = (int)Math.Clamp(limitValue ?? 100, 1, 500);
        var newestFirst = Enumerable.Reverse(_trades.GetValueOrDefault(instId) ?? []).Take(limit).ToList();
        return Ok(context, w =>
        {
            foreach (var trade in newestFirst)
            {
                trade.WriteTo(w);
            }
        });
    }

    private Task Books(HttpContext context)
    {
        var instId = context.Query("instId");
        if (instId is null)
        {
            return Error(context, 400, "50014", "Parameter instId can not be empty.");
        }

        if (!_entries.ContainsKey(instId))
        {
            return Error(context, 200, "51001", "Instrument ID does not exist");
        }

        if (!ReplayHttp.TryLong(context.Query("sz"), out var size))
        {
            return Error(context, 400, "51000", "Parameter sz error");
        }

        var depth = (int)Math.Clamp(size ?? 1, 1, 400);
        return Ok(context, w =>
        {
            w.WriteStartObject();
            var has = _books.TryGetValue(instId, out var book);
            foreach (var side in BookSides)
            {
                w.WriteStartArray(side);
                if (has && book.TryGetProperty(side, out var levels))
                {
                    foreach (var level in levels.EnumerateArray().Take(depth))
                    {
                        level.WriteTo(w);
                    }
                }

                w.WriteEndArray();
            }

            w.WriteString("ts", has && book.TryGetProperty("ts", out var ts) ? ts.GetString() : _context.NowMs.ToString(CultureInfo.InvariantCulture));
            w.WriteEndObject();
        });
    }

    private void Hold(string instId, Instrument instrument, Dictionary<string, (string Type, string Entry)> raw)
    {
        if (!_entries.ContainsKey(instId) && raw.TryGetValue(instId, out var entry))
        {
            _entries[instId] = entry;
            _instruments.Add(instrument);
        }
    }

    private static Task Ok(HttpContext context, Action<Utf8JsonWriter> writeData)
        => ReplayHttp.Send(context, 200, ReplayHttp.Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("code", "0");
            w.WriteString("msg", "");
            w.WriteStartArray("data");
            writeData(w);
            w.WriteEndArray();
            w.WriteEndObject();
        }));

    private static Task Error(HttpContext context, int status, string code, string message, params (string Name, string Value)[] headers)
        => ReplayHttp.Send(context, status, ReplayHttp.Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("code", code);
            w.WriteString("msg", message);
            w.WriteStartArray("data");
            w.WriteEndArray();
            w.WriteEndObject();
        }), headers);
}

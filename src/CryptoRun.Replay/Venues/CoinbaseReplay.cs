using System.Globalization;
using System.Text;
using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Replay.Limits;
using CryptoRun.Replay.Recordings;
using CryptoRun.Venues.Coinbase;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CryptoRun.Replay.Venues;

/// <summary>
/// Coinbase Exchange as recorded: <c>/products</c> and <c>/products/{id}</c>,
/// <c>/products/{id}/candles</c> (granularity 60/300/900/3600/21600/86400; <c>start</c> and
/// <c>end</c> inclusive; more than 300 buckets refused with HTTP 400; newest first; rows
/// <c>[time, low, high, open, close, volume]</c> as JSON numbers), <c>/products/{id}/trades</c>
/// (recorded <c>match</c> frames, newest first, <c>CB-BEFORE</c>/<c>CB-AFTER</c> cursors),
/// <c>/products/{id}/book</c> (the recorded <c>snapshot</c> frame: price and size per level; the
/// feed recorded no order counts), <c>/products/{id}/ticker</c> (see <see cref="Ticker"/>) and
/// <c>/time</c>; errors as <c>{"message": "..."}</c>. Public
/// rate limit: 10 requests a second with bursts up to 15 (a lazy-fill <see cref="TokenBucket"/> on
/// the replay clock); over it, HTTP 429 <c>{"message":"Public rate limit exceeded"}</c> with no
/// rate-limit headers.
/// </summary>
/// <remarks>
/// Limits: "Public Endpoints: Requests per second per IP: 10; Requests per second per IP in bursts:
/// Up to 15 ... When a REST API rate limit is exceeded, a status of 429 Too Many Requests is
/// returned" (docs.cdp.coinbase.com/exchange/rest-api/rate-limits). The 429 body is not in the
/// docs; <c>Public rate limit exceeded</c> is what client libraries' recorded fixtures show.
/// </remarks>
internal sealed class CoinbaseReplay : IReplayVenue
{
    private static readonly HashSet<long> Granularities = [60, 300, 900, 3600, 21600, 86400];
    private static readonly string[] TradeFields = ["time", "trade_id", "price", "size", "side"];
    private static readonly string[] BookSides = ["bids", "asks"];

    /// <summary>REST ticker field and the recorded WebSocket <c>ticker</c> field it comes from.</summary>
    private static readonly (string RestName, string WsName)[] TickerFields =
        [("trade_id", "trade_id"), ("price", "price"), ("size", "last_size"), ("time", "time"), ("bid", "best_bid"), ("ask", "best_ask"), ("volume", "volume_24h")];

    private readonly ReplayVenueContext _context;
    private readonly Dictionary<string, string> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Product, long Granularity), ReplaySeries> _series = [];
    private readonly Dictionary<string, JsonElement> _books = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<JsonElement>> _trades = new(StringComparer.Ordinal);
    private readonly RecordedTickers _tickers = new();
    private readonly List<Instrument> _instruments = [];
    private readonly TokenBucket _bucket = new(perSecond: 10, burst: 15);

    /// <param name="context">The venue's recordings.</param>
    /// <param name="advancedProducts">Products the Coinbase Advanced Trade stream recording (<c>/ws/coinbase-advanced</c>) names: listed by
    /// <c>/products</c> too (from the recorded catalog), as that stream takes its market metadata from this catalog.</param>
    internal CoinbaseReplay(ReplayVenueContext context, IReadOnlyCollection<string>? advancedProducts = null)
    {
        _context = context;
        MarketCatalog? catalog = null;
        var raw = new Dictionary<string, string>(StringComparer.Ordinal);
        var products = context.Responses.LastOrDefault(r => r.Url.EndsWith("/products", StringComparison.Ordinal));
        if (products is not null)
        {
            catalog = CoinbaseParser.ParseProducts(CoinbaseConnector.VenueName, Encoding.UTF8.GetBytes(products.Body));
            using var document = JsonDocument.Parse(products.Body);
            foreach (var product in document.RootElement.EnumerateArray())
            {
                raw[product.GetProperty("id").GetString()!] = product.GetRawText();
            }
        }

        foreach (var product in advancedProducts ?? [])
        {
            if (catalog is not null && catalog.TryGetByVenueSymbol(product, out var listed))
            {
                Hold(product, listed.Instrument, raw);
            }
        }

        foreach (var frame in context.Frames)
        {
            if (!frame.Payload.StartsWith('{'))
            {
                continue;
            }

            using var document = JsonDocument.Parse(frame.Payload);
            var message = document.RootElement;
            var type = message.TryGetProperty("type", out var t) ? t.GetString() : null;
            var product = message.TryGetProperty("product_id", out var p) ? p.GetString() : null;
            if (product is null || catalog is null || !catalog.TryGetByVenueSymbol(product, out var market))
            {
                continue;
            }

            if (type == "snapshot" && !_books.ContainsKey(product))
            {
                _books[product] = message.Clone();
                Hold(product, market.Instrument, raw);
            }
            else if (type is "match" or "last_match")
            {
                if (!_trades.TryGetValue(product, out var list))
                {
                    _trades[product] = list = [];
                }

                list.Add(message.Clone());
                Hold(product, market.Instrument, raw);
            }
            else if (type == "ticker" && message.TryGetProperty("time", out var time)
                && DateTimeOffset.TryParse(time.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                _tickers.Add(product, at.ToUnixTimeMilliseconds(), message.Clone());
                Hold(product, market.Instrument, raw);
            }
        }

        foreach (var list in _trades.Values)
        {
            list.Sort((a, b) => a.GetProperty("trade_id").GetInt64().CompareTo(b.GetProperty("trade_id").GetInt64()));
        }

        foreach (var series in context.Series)
        {
            string product;
            if (catalog is not null && catalog.TryGet(series.Source.Instrument, out var market))
            {
                product = market.VenueSymbol;
            }
            else
            {
                product = $"{series.Source.Instrument.Base}-{series.Source.Instrument.Quote}";
                raw.TryAdd(product, Encoding.UTF8.GetString(ReplayHttp.Json(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("id", product);
                    w.WriteString("base_currency", series.Source.Instrument.Base);
                    w.WriteString("quote_currency", series.Source.Instrument.Quote);
                    w.WriteString("display_name", $"{series.Source.Instrument.Base}/{series.Source.Instrument.Quote}");
                    w.WriteString("status", "online");
                    w.WriteBoolean("trading_disabled", false);
                    w.WriteEndObject();
                })));
            }

            _series[(product, series.Timeframe.Seconds)] = series;
            Hold(product, series.Source.Instrument, raw);
        }
    }

    public string Name => CoinbaseConnector.VenueName;

    public IReadOnlyList<Instrument> Instruments => _instruments;

    public IReadOnlyList<string> Notices => [];

    public async ValueTask<bool> AdmitAsync(HttpContext context, int weight)
    {
        if (!_context.EnforceLimits || _bucket.TryTake(_context.NowMs))
        {
            return true;
        }

        await Message(context, 429, "Public rate limit exceeded").ConfigureAwait(false);
        return false;
    }

    /// <summary>A status fault as <c>{"message": ...}</c>: 429 "Public rate limit exceeded", 404 "NotFound", else the reason phrase.</summary>
    public Task SendErrorAsync(HttpContext context, int status, int? retryAfterSeconds)
        => Message(context, status, status switch
        {
            429 => "Public rate limit exceeded",
            404 => "NotFound",
            _ => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status),
        }, ReplayHttp.RetryAfter(retryAfterSeconds));

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/time", context =>
        {
            var now = _context.Time.GetUtcNow();
            return ReplayHttp.Send(context, 200, ReplayHttp.Json(w =>
            {
                w.WriteStartObject();
                w.WriteString("iso", now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                w.WriteNumber("epoch", now.ToUnixTimeMilliseconds() / 1000.0);
                w.WriteEndObject();
            }));
        });
        routes.MapGet("/products", context => ReplayHttp.Send(context, 200, ReplayHttp.Json(w =>
        {
            w.WriteStartArray();
            foreach (var entry in _entries.Values)
            {
                w.WriteRawValue(entry);
            }

            w.WriteEndArray();
        })));
        routes.MapGet("/products/{id}", (HttpContext context, string id) => _entries.TryGetValue(id, out var entry)
            ? ReplayHttp.Send(context, 200, Encoding.UTF8.GetBytes(entry))
            : NotFound(context));
        routes.MapGet("/products/{id}/candles", Candles);
        routes.MapGet("/products/{id}/trades", Trades);
        routes.MapGet("/products/{id}/book", Book);
        routes.MapGet("/products/{id}/ticker", Ticker);
    }

    /// <summary>
    /// <c>GET /products/{id}/ticker</c>: <c>{"trade_id", "price", "size", "time", "bid", "ask", "volume"}</c>
    /// (the last trade, the best bid and ask, the 24 h volume in base units), from the recorded
    /// <c>ticker</c> frame whose <c>time</c> is the latest at or before the replay clock (its
    /// <c>trade_id</c>, <c>price</c>, <c>last_size</c>, <c>time</c>, <c>best_bid</c>,
    /// <c>best_ask</c>, <c>volume_24h</c>, strings as recorded); else, for a product with a candle
    /// series, from the latest candle closed at the clock (<c>price</c> its close, <c>time</c> its
    /// close time, <c>volume</c> the sum of the 24 h of candles before it when the series covers them,
    /// and no <c>trade_id</c>, <c>size</c>, <c>bid</c> or <c>ask</c>); else, as for an unknown
    /// product, HTTP 404 <c>{"message":"NotFound"}</c>.
    /// </summary>
    /// <remarks>
    /// Shape: docs.cdp.coinbase.com/api-reference/exchange-api/rest-api/products/get-product-ticker
    /// ("Gets snapshot information about the last trade (tick), best bid/ask and 24h volume"; fields
    /// ask, bid, volume, trade_id, price, size, time). The v1 <c>ticker</c> frames of
    /// <c>COINBASE.ws.28.0</c> carry the same values under their WebSocket names.
    /// </remarks>
    private Task Ticker(HttpContext context, string id)
    {
        if (!_entries.ContainsKey(id))
        {
            return NotFound(context);
        }

        var now = _context.NowMs;
        if (_tickers.TryLatest(id, now, out var recorded))
        {
            return ReplayHttp.Send(context, 200, ReplayHttp.Json(w =>
            {
                w.WriteStartObject();
                foreach (var (rest, ws) in TickerFields)
                {
                    if (recorded.TryGetProperty(ws, out var value))
                    {
                        w.WritePropertyName(rest);
                        value.WriteTo(w);
                    }
                }

                w.WriteEndObject();
            }));
        }

        if (CandleTicker.At(_series.Where(s => s.Key.Product == id).Select(s => s.Value), now) is not { } candles)
        {
            return NotFound(context);
        }

        return ReplayHttp.Send(context, 200, ReplayHttp.Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("price", candles.Last.Candle.Close.ToString(CultureInfo.InvariantCulture));
            w.WriteString("time", DateTimeOffset.FromUnixTimeMilliseconds(candles.CloseMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
            if (candles.Covers24h)
            {
                w.WriteString("volume", candles.Window.Volume.ToString(CultureInfo.InvariantCulture));
            }

            w.WriteEndObject();
        }));
    }

    private Task Candles(HttpContext context, string id)
    {
        if (!_entries.ContainsKey(id))
        {
            return NotFound(context);
        }

        if (!ReplayHttp.TryLong(context.Query("granularity"), out var granularity) || !Granularities.Contains(granularity ?? 0))
        {
            return Message(context, 400, "Unsupported granularity");
        }

        var step = granularity!.Value * 1000;
        var now = _context.NowMs;
        long start, end;
        var startText = context.Query("start");
        var endText = context.Query("end");
        if (startText is null || endText is null)
        {
            // "If either one of the start or end fields are not provided then both fields will be ignored."
            end = now;
            start = end - (300 * step);
        }
        else if (!TryTime(startText, out start) || !TryTime(endText, out end))
        {
            return Message(context, 400, "Invalid start or end: expected ISO-8601 or Unix seconds");
        }
        else if (end < start)
        {
            return Message(context, 400, "start must be before end");
        }
        else if ((end - start) / step > 300)
        {
            return Message(context, 400, "granularity too small for the requested time range. Count of aggregations requested exceeds 300");
        }

        var rows = _series.TryGetValue((id, granularity.Value), out var series)
            ? series.Between(start, Math.Min(end, now) + 1).Reverse().ToList()
            : [];
        return ReplayHttp.Send(context, 200, ReplayHttp.Json(w =>
        {
            w.WriteStartArray();
            foreach (var row in rows)
            {
                var c = row.Candle;
                w.WriteStartArray();
                w.WriteNumberValue(c.OpenTimeMs / 1000);
                w.Number(c.Low);
                w.Number(c.High);
                w.Number(c.Open);
                w.Number(c.Close);
                w.Number(c.Volume);
                w.WriteEndArray();
            }

            w.WriteEndArray();
        }));
    }

    private Task Trades(HttpContext context, string id)
    {
        if (!_entries.ContainsKey(id))
        {
            return NotFound(context);
        }

        if (!ReplayHttp.TryLong(context.Query("limit"), out var limitValue) || !ReplayHttp.TryLong(context.Query("before"), out var before)
            || !ReplayHttp.TryLong(context.Query("after"), out var after))
        {
            return Message(context, 400, "Invalid limit, before or after");
        }

        var limit = (int)Math.Clamp(limitValue ?? 1000, 1, 1000);
        IEnumerable<JsonElement> newestFirst = Enumerable.Reverse(_trades.GetValueOrDefault(id) ?? []);
        if (after is not null)
        {
            newestFirst = newestFirst.Where(t => t.GetProperty("trade_id").GetInt64() < after);
        }

        if (before is not null)
        {
            newestFirst = newestFirst.Where(t => t.GetProperty("trade_id").GetInt64() > before);
        }

        var page = newestFirst.Take(limit).ToList();
        var body = ReplayHttp.Json(w =>
        {
            w.WriteStartArray();
            foreach (var trade in page)
            {
                w.WriteStartObject();
                foreach (var field in TradeFields)
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
        });
        return page.Count == 0
            ? ReplayHttp.Send(context, 200, body)
            : ReplayHttp.Send(context, 200, body,
                ("CB-BEFORE", page[0].GetProperty("trade_id").GetRawText()),
                ("CB-AFTER", page[^1].GetProperty("trade_id").GetRawText()));
    }

    private Task Book(HttpContext context, string id)
    {
        if (!_entries.ContainsKey(id))
        {
            return NotFound(context);
        }

        var level = context.Query("level") ?? "1";
        if (level is not ("1" or "2" or "3"))
        {
            return Message(context, 400, $"unexpected level: {level}");
        }

        var depth = level == "1" ? 1 : int.MaxValue;
        return ReplayHttp.Send(context, 200, ReplayHttp.Json(w =>
        {
            w.WriteStartObject();
            foreach (var side in BookSides)
            {
                w.WriteStartArray(side);
                if (_books.TryGetValue(id, out var book) && book.TryGetProperty(side, out var levels))
                {
                    foreach (var entry in levels.EnumerateArray().Take(depth))
                    {
                        entry.WriteTo(w);
                    }
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
        }));
    }

    private static bool TryTime(string text, out long epochMs)
    {
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
        {
            epochMs = seconds * 1000;
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            epochMs = time.ToUnixTimeMilliseconds();
            return true;
        }

        epochMs = 0;
        return false;
    }

    private void Hold(string product, Instrument instrument, Dictionary<string, string> raw)
    {
        if (!_entries.ContainsKey(product) && raw.TryGetValue(product, out var entry))
        {
            _entries[product] = entry;
            _instruments.Add(instrument);
        }
    }

    private static Task NotFound(HttpContext context) => Message(context, 404, "NotFound");

    private static Task Message(HttpContext context, int status, string message, params (string Name, string Value)[] headers)
        => ReplayHttp.Send(context, status, ReplayHttp.Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("message", message);
            w.WriteEndObject();
        }), headers);

    /// <summary>The products a Coinbase Advanced Trade capture's received frames name (<c>"product_id":"BTC-USD"</c>).</summary>
    internal static IReadOnlyList<string> ProductsOf(IEnumerable<RecordedFrame> frames)
        => frames
            .SelectMany(f => System.Text.RegularExpressions.Regex.Matches(f.Payload, "\"product_id\":\"([A-Z0-9-]+)\"").Select(m => m.Groups[1].Value))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using CryptoRun.CandleFiles;
using CryptoRun.Domain;
using CryptoRun.Replay.Limits;
using CryptoRun.Replay.Recordings;
using CryptoRun.Venues.Kraken;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CryptoRun.Replay.Venues;

/// <summary>
/// Kraken spot as recorded: <c>/0/public/AssetPairs</c>, <c>/0/public/OHLC</c> (the 720 most recent
/// committed candles after the exclusive <c>since</c>, plus the candle in progress when the clock is
/// inside the recording; <c>last</c> is the last committed open time), <c>/0/public/Trades</c>
/// (recorded <c>trade</c> frames), <c>/0/public/Depth</c> (the recorded <c>book-1000</c> snapshot),
/// <c>/0/public/Ticker</c> (see <see cref="Ticker"/>), <c>/0/public/Time</c>; errors as HTTP 200
/// with <c>{"error": ["EQuery:Unknown asset pair"]}</c>.
/// Public rate limit: a call counter per currency pair for <c>OHLC</c> and <c>Trades</c> and one for
/// all other public calls, each +1 per call, decaying 1 a second, at most 15 (a
/// <see cref="DecayingCounter"/>); a call over it gets HTTP 200 <c>{"error":["EAPI:Rate limit exceeded"]}</c>.
/// </summary>
/// <remarks>
/// Kraken: "The Spot public endpoints are rate limited by IP address and currency pair for calls to
/// Trades and OHLC, and by IP address only for calls to all other public endpoints. Calling the
/// public endpoints at a frequency of 1 per second (or less) would remain within the rate limits"
/// (support.kraken.com/articles/206548367-what-are-the-api-rate-limits); the counter model, its
/// maximum 15 (the Starter tier's) and <c>EAPI:Rate limit exceeded</c> are from
/// docs.kraken.com/api/docs/guides/spot-rest-ratelimits. Kraken publishes no burst for public
/// calls; 15 is the replay's choice. Errors come with HTTP 200 ("HTTP status codes are generally not
/// used by the API to indicate request success or failure").
/// </remarks>
internal sealed class KrakenReplay : IReplayVenue
{
    private static readonly HashSet<long> Intervals = [1, 5, 15, 30, 60, 240, 1440, 10080, 21600];
    private static readonly (string RestName, string WsName)[] BookSides = [("asks", "as"), ("bids", "bs")];
    private static readonly string[] AliasFields = ["altname", "wsname"];

    private readonly ReplayVenueContext _context;
    private readonly Dictionary<string, string> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _aliases = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<(string Pair, long Minutes), ReplaySeries> _series = [];
    private readonly Dictionary<string, JsonElement> _books = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<JsonElement>> _trades = new(StringComparer.Ordinal);
    private readonly RecordedTickers _tickers = new();
    private readonly List<Instrument> _instruments = [];
    private readonly List<string> _notices = [];
    private readonly DecayingCounter _counters = new(maximum: 15, decayPerSecond: 1);

    internal KrakenReplay(ReplayVenueContext context)
    {
        _context = context;
        MarketCatalog? catalog = null;
        var raw = new Dictionary<string, string>(StringComparer.Ordinal);
        var pairs = context.Responses.LastOrDefault(r => r.Url.EndsWith("/0/public/AssetPairs", StringComparison.Ordinal));
        if (pairs is not null)
        {
            catalog = KrakenParser.ParseAssetPairs(KrakenConnector.VenueName, Encoding.UTF8.GetBytes(pairs.Body));
            using var document = JsonDocument.Parse(pairs.Body);
            foreach (var pair in document.RootElement.GetProperty("result").EnumerateObject())
            {
                raw[pair.Name] = pair.Value.GetRawText();
            }
        }

        foreach (var frame in context.Frames)
        {
            if (!frame.Payload.StartsWith('['))
            {
                continue;
            }

            using var document = JsonDocument.Parse(frame.Payload);
            var message = document.RootElement;
            var length = message.GetArrayLength();
            if (length < 4 || message[length - 2].ValueKind != JsonValueKind.String || catalog is null
                || !catalog.TryGetByVenueSymbol(message[length - 1].GetString()!, out var market))
            {
                continue;
            }

            var channel = message[length - 2].GetString()!;
            if (channel.StartsWith("book-", StringComparison.Ordinal) && message[1].TryGetProperty("as", out _)
                && !_books.ContainsKey(market.VenueSymbol))
            {
                _books[market.VenueSymbol] = message[1].Clone();
                Hold(market.VenueSymbol, market.Instrument, raw);
            }
            else if (channel == "trade")
            {
                if (!_trades.TryGetValue(market.VenueSymbol, out var list))
                {
                    _trades[market.VenueSymbol] = list = [];
                }

                list.AddRange(message[1].EnumerateArray().Select(t => t.Clone()));
                Hold(market.VenueSymbol, market.Instrument, raw);
            }
            else if (channel == "ticker" && message[1].ValueKind == JsonValueKind.Object)
            {
                // The payload carries no time: the capture's receive time stands for it.
                _tickers.Add(market.VenueSymbol, (long)Math.Floor(frame.ReceivedAt * 1000), message[1].Clone());
                Hold(market.VenueSymbol, market.Instrument, raw);
            }
        }

        foreach (var series in context.Series)
        {
            string pair;
            if (catalog is not null && catalog.TryGet(series.Source.Instrument, out var market))
            {
                pair = market.VenueSymbol;
            }
            else
            {
                var b = KrakenParser.ToKrakenAsset(series.Source.Instrument.Base);
                var q = KrakenParser.ToKrakenAsset(series.Source.Instrument.Quote);
                pair = b + q;
                raw.TryAdd(pair, Encoding.UTF8.GetString(ReplayHttp.Json(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("altname", pair);
                    w.WriteString("wsname", $"{b}/{q}");
                    w.WriteString("base", b);
                    w.WriteString("quote", q);
                    w.WriteString("status", "online");
                    w.WriteEndObject();
                })));
            }

            _series[(pair, series.Timeframe.Minutes)] = series;
            Hold(pair, series.Source.Instrument, raw);
            if (!series.HasQuoteVolume || !series.HasTradeCount)
            {
                _notices.Add($"kraken:{series.Source.Instrument}:{series.Timeframe}: the file has no {(series.HasQuoteVolume ? "trade count" : "quote volume, so no vwap")}; OHLC rows carry 0 there");
            }
        }
    }

    public string Name => KrakenConnector.VenueName;

    public IReadOnlyList<Instrument> Instruments => _instruments;

    public IReadOnlyList<string> Notices => _notices;

    public async ValueTask<bool> AdmitAsync(HttpContext context, int weight)
    {
        var path = context.Request.Path.Value ?? "";
        var key = path is "/0/public/OHLC" or "/0/public/Trades"
            ? "pair:" + (Resolve(context) ?? context.Query("pair") ?? "")
            : "ip";
        if (!_context.EnforceLimits || _counters.TryAdd(key, _context.NowMs))
        {
            return true;
        }

        await Error(context, "EAPI:Rate limit exceeded").ConfigureAwait(false);
        return false;
    }

    /// <summary>
    /// A status fault in Kraken's envelope: 429 <c>EAPI:Rate limit exceeded</c>, 503
    /// <c>EService:Unavailable</c>, 200 <c>EService:Busy</c>, other 5xx <c>EGeneral:Internal error</c>,
    /// other 4xx <c>EGeneral:Invalid arguments</c>.
    /// </summary>
    public Task SendErrorAsync(HttpContext context, int status, int? retryAfterSeconds)
        => Error(context, status switch
        {
            429 => "EAPI:Rate limit exceeded",
            503 => "EService:Unavailable",
            200 => "EService:Busy",
            >= 500 => "EGeneral:Internal error",
            _ => "EGeneral:Invalid arguments",
        }, status, ReplayHttp.RetryAfter(retryAfterSeconds));

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/0/public/Time", context =>
        {
            var now = _context.Time.GetUtcNow();
            return Ok(context, w =>
            {
                w.WriteStartObject();
                w.WriteNumber("unixtime", now.ToUnixTimeSeconds());
                w.WriteString("rfc1123", now.ToString("r", CultureInfo.InvariantCulture));
                w.WriteEndObject();
            });
        });
        routes.MapGet("/0/public/AssetPairs", AssetPairs);
        routes.MapGet("/0/public/OHLC", Ohlc);
        routes.MapGet("/0/public/Trades", Trades);
        routes.MapGet("/0/public/Depth", Depth);
        routes.MapGet("/0/public/Ticker", Ticker);
    }

    /// <summary>
    /// <c>GET /0/public/Ticker?pair=</c>: <c>{"error": [], "result": {"PAIR": {"a", "b", "c", "v", "p",
    /// "t", "l", "h", "o"}}}</c> for each pair asked (key, altname or wsname, comma-separated; all held
    /// pairs with a ticker when <c>pair</c> is absent), keyed by the pair key. From the recorded
    /// <c>ticker</c> frame received latest at or before the replay clock (the WebSocket payload has no
    /// time; the capture's receive time is used), with the REST types: the whole lot volume of
    /// <c>a</c>/<c>b</c> as a string and <c>o</c> as today's opening price (the frame's <c>o[0]</c>).
    /// Else, for a pair with a candle series, from the latest candle closed at the clock: <c>c</c> =
    /// [close] (no lot volume), and, when the series covers the 24 h before that candle's close,
    /// <c>v</c>, <c>l</c>, <c>h</c> = [today since 00:00 UTC, last 24 h], <c>p</c> (VWAP) and <c>t</c>
    /// (trade counts) when the file has quote volumes and trade counts, <c>o</c> today's first open;
    /// no <c>a</c> or <c>b</c>. A pair unknown, or without a ticker at the clock, makes the whole
    /// request <c>{"error":["EQuery:Unknown asset pair"]}</c> with HTTP 200.
    /// </summary>
    /// <remarks>
    /// Shape: docs.kraken.com/rest/#tag/Market-Data/operation/getTickerInformation ("a = ask
    /// array(&lt;price&gt;, &lt;whole lot volume&gt;, &lt;lot volume&gt;), b = bid array(...), c = last
    /// trade closed array(&lt;price&gt;, &lt;lot volume&gt;), v = volume array(&lt;today&gt;, &lt;last 24
    /// hours&gt;), p = volume weighted average price array(...), t = number of trades array(...), l =
    /// low array(...), h = high array(...), o = today's opening price"; <c>pair</c> optional, default
    /// all tradeable pairs). Counted against the IP call counter like the other non-OHLC, non-Trades calls.
    /// </remarks>
    private Task Ticker(HttpContext context)
    {
        var now = _context.NowMs;
        var pairs = new List<string>();
        if (context.Query("pair") is not { } requested)
        {
            pairs.AddRange(_entries.Keys.Where(p => TickerAt(p, now) is not null));
        }
        else
        {
            foreach (var name in requested.Split(','))
            {
                if (_aliases.GetValueOrDefault(name) is not { } pair || TickerAt(pair, now) is null)
                {
                    return Error(context, "EQuery:Unknown asset pair");
                }

                if (!pairs.Contains(pair))
                {
                    pairs.Add(pair);
                }
            }
        }

        return Ok(context, w =>
        {
            w.WriteStartObject();
            foreach (var pair in pairs)
            {
                w.WritePropertyName(pair);
                switch (TickerAt(pair, now))
                {
                    case JsonElement recorded:
                        WriteRecordedTicker(w, recorded);
                        break;
                    case CandleTicker candles:
                        WriteCandleTicker(w, candles);
                        break;
                }
            }

            w.WriteEndObject();
        });
    }

    /// <summary>The recorded ticker (a <see cref="JsonElement"/>) or the <see cref="CandleTicker"/> a pair has at a time, or null.</summary>
    private object? TickerAt(string pair, long nowMs)
        => _tickers.TryLatest(pair, nowMs, out var recorded)
            ? recorded
            : CandleTicker.At(_series.Where(s => s.Key.Pair == pair).Select(s => s.Value), nowMs);

    private static void WriteRecordedTicker(Utf8JsonWriter w, JsonElement ticker)
    {
        w.WriteStartObject();
        foreach (var field in ticker.EnumerateObject())
        {
            if (field.NameEquals("o") && field.Value.ValueKind == JsonValueKind.Array && field.Value.GetArrayLength() > 0)
            {
                // The WebSocket sends [today, last 24 hours]; REST gives today's opening price alone.
                w.WritePropertyName("o");
                field.Value[0].WriteTo(w);
            }
            else if ((field.NameEquals("a") || field.NameEquals("b")) && field.Value.ValueKind == JsonValueKind.Array)
            {
                // The WebSocket sends the whole lot volume as an integer; REST as a string.
                w.WriteStartArray(field.Name);
                foreach (var item in field.Value.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Number)
                    {
                        w.WriteStringValue(item.GetRawText());
                    }
                    else
                    {
                        item.WriteTo(w);
                    }
                }

                w.WriteEndArray();
            }
            else
            {
                field.WriteTo(w);
            }
        }

        w.WriteEndObject();
    }

    private static void WriteCandleTicker(Utf8JsonWriter w, CandleTicker candles)
    {
        w.WriteStartObject();
        w.WriteStartArray("c");
        w.Text(candles.Last.Candle.Close);
        w.WriteEndArray();
        if (candles.Covers24h)
        {
            var (today, day) = (candles.Today, candles.Window);
            Pair(w, "v", today.Volume, day.Volume);
            if (today.QuoteVolume is { } todayQuote && day.QuoteVolume is { } dayQuote)
            {
                Pair(w, "p", Vwap(todayQuote, today.Volume), Vwap(dayQuote, day.Volume));
            }

            if (today.TradeCount is { } todayTrades && day.TradeCount is { } dayTrades)
            {
                w.WriteStartArray("t");
                w.WriteNumberValue(todayTrades);
                w.WriteNumberValue(dayTrades);
                w.WriteEndArray();
            }

            Pair(w, "l", today.Low, day.Low);
            Pair(w, "h", today.High, day.High);
            w.WriteString("o", today.Open.ToString(CultureInfo.InvariantCulture));
        }

        w.WriteEndObject();

        // As the OHLC rows: 0 when nothing traded.
        static decimal Vwap(decimal quote, decimal volume) => volume > 0 ? Math.Round(quote / volume, 10) : 0m;

        static void Pair(Utf8JsonWriter w, string name, decimal today, decimal last24h)
        {
            w.WriteStartArray(name);
            w.Text(today);
            w.Text(last24h);
            w.WriteEndArray();
        }
    }

    private Task AssetPairs(HttpContext context)
    {
        var wanted = context.Query("pair")?.Split(',').Select(p => _aliases.GetValueOrDefault(p)).ToList();
        if (wanted is not null && wanted.Any(p => p is null))
        {
            return Error(context, "EQuery:Unknown asset pair");
        }

        return Ok(context, w =>
        {
            w.WriteStartObject();
            foreach (var (pair, entry) in _entries)
            {
                if (wanted is null || wanted.Contains(pair))
                {
                    w.WritePropertyName(pair);
                    w.WriteRawValue(entry);
                }
            }

            w.WriteEndObject();
        });
    }

    private Task Ohlc(HttpContext context)
    {
        if (Resolve(context) is not { } pair)
        {
            return Error(context, context.Query("pair") is null ? "EGeneral:Invalid arguments" : "EQuery:Unknown asset pair");
        }

        if (!ReplayHttp.TryLong(context.Query("interval"), out var interval) || !ReplayHttp.TryLong(context.Query("since"), out var since)
            || !Intervals.Contains(interval ?? 1))
        {
            return Error(context, "EGeneral:Invalid arguments");
        }

        var now = _context.NowMs;
        var committed = new List<CandleFileRow>();
        CandleFileRow? current = null;
        long last = 0;
        if (_series.TryGetValue((pair, interval ?? 1), out var series))
        {
            var step = series.Timeframe.Milliseconds;
            foreach (var row in series.Between(long.MinValue, now + 1))
            {
                if (row.Candle.OpenTimeMs + step <= now)
                {
                    last = row.Candle.OpenTimeMs / 1000;
                    if (row.Candle.OpenTimeMs / 1000 > (since ?? long.MinValue))
                    {
                        committed.Add(row);
                    }
                }
                else
                {
                    current = row;
                }
            }
        }

        var rows = committed.Skip(Math.Max(0, committed.Count - KrakenConnector.OhlcDepth)).ToList();
        if (current is not null)
        {
            rows.Add(current);
        }

        return Ok(context, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray(pair);
            foreach (var row in rows)
            {
                var c = row.Candle;
                w.WriteStartArray();
                w.WriteNumberValue(c.OpenTimeMs / 1000);
                w.Text(c.Open);
                w.Text(c.High);
                w.Text(c.Low);
                w.Text(c.Close);
                w.Text(c.QuoteVolume is { } quote && c.Volume > 0 ? Math.Round(quote / c.Volume, 10) : 0m);
                w.Text(c.Volume);
                w.WriteNumberValue(c.TradeCount ?? 0);
                w.WriteEndArray();
            }

            w.WriteEndArray();
            w.WriteNumber("last", last);
            w.WriteEndObject();
        });
    }

    private Task Trades(HttpContext context)
    {
        if (Resolve(context) is not { } pair)
        {
            return Error(context, context.Query("pair") is null ? "EGeneral:Invalid arguments" : "EQuery:Unknown asset pair");
        }

        if (!ReplayHttp.TryLong(context.Query("count"), out var count))
        {
            return Error(context, "EGeneral:Invalid arguments");
        }

        var sinceText = context.Query("since");
        decimal? since = null;
        if (sinceText is not null)
        {
            if (!decimal.TryParse(sinceText, NumberStyles.Float, CultureInfo.InvariantCulture, out var s))
            {
                return Error(context, "EGeneral:Invalid arguments");
            }

            // A nanosecond cursor (from "last") or seconds.
            since = s > 100_000_000_000m ? s / 1_000_000_000m : s;
        }

        var limit = (int)Math.Clamp(count ?? 1000, 1, 1000);
        var all = (_trades.GetValueOrDefault(pair) ?? []).Where(t => since is null || Seconds(t) > since).ToList();
        var selected = since is null ? all.Skip(Math.Max(0, all.Count - limit)).ToList() : all.Take(limit).ToList();
        var lastNs = selected.Count > 0 ? decimal.Truncate(Seconds(selected[^1]) * 1_000_000_000m) : 0m;
        return Ok(context, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray(pair);
            foreach (var trade in selected)
            {
                w.WriteStartArray();
                var index = 0;
                foreach (var field in trade.EnumerateArray())
                {
                    // The WebSocket sends the time as a string; the REST answer has it as a number with the same digits.
                    if (index++ == 2 && field.ValueKind == JsonValueKind.String)
                    {
                        w.WriteRawValue(field.GetString()!, skipInputValidation: true);
                    }
                    else
                    {
                        field.WriteTo(w);
                    }
                }

                w.WriteEndArray();
            }

            w.WriteEndArray();
            w.WriteString("last", lastNs.ToString(CultureInfo.InvariantCulture));
            w.WriteEndObject();
        });
    }

    private Task Depth(HttpContext context)
    {
        if (Resolve(context) is not { } pair)
        {
            return Error(context, context.Query("pair") is null ? "EGeneral:Invalid arguments" : "EQuery:Unknown asset pair");
        }

        if (!ReplayHttp.TryLong(context.Query("count"), out var count))
        {
            return Error(context, "EGeneral:Invalid arguments");
        }

        var limit = (int)Math.Clamp(count ?? 100, 1, 500);
        return Ok(context, w =>
        {
            w.WriteStartObject();
            w.WriteStartObject(pair);
            foreach (var (rest, ws) in BookSides)
            {
                w.WriteStartArray(rest);
                if (_books.TryGetValue(pair, out var book) && book.TryGetProperty(ws, out var levels))
                {
                    foreach (var level in levels.EnumerateArray().Take(limit))
                    {
                        w.WriteStartArray();
                        w.WriteStringValue(level[0].GetString());
                        w.WriteStringValue(level[1].GetString());
                        w.WriteNumberValue((long)decimal.Parse(level[2].GetString()!, CultureInfo.InvariantCulture));
                        w.WriteEndArray();
                    }
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    private static decimal Seconds(JsonElement trade)
        => decimal.Parse(trade[2].ValueKind == JsonValueKind.String ? trade[2].GetString()! : trade[2].GetRawText(), CultureInfo.InvariantCulture);

    private string? Resolve(HttpContext context)
        => context.Query("pair") is { } pair ? _aliases.GetValueOrDefault(pair) : null;

    private void Hold(string pair, Instrument instrument, Dictionary<string, string> raw)
    {
        if (_entries.ContainsKey(pair) || !raw.TryGetValue(pair, out var entry))
        {
            return;
        }

        _entries[pair] = entry;
        _instruments.Add(instrument);
        _aliases[pair] = pair;
        using var document = JsonDocument.Parse(entry);
        foreach (var name in AliasFields)
        {
            if (document.RootElement.TryGetProperty(name, out var alias) && alias.GetString() is { } text)
            {
                _aliases[text] = pair;
            }
        }
    }

    private static Task Ok(HttpContext context, Action<Utf8JsonWriter> writeResult)
        => ReplayHttp.Send(context, 200, ReplayHttp.Json(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("error");
            w.WriteEndArray();
            w.WritePropertyName("result");
            writeResult(w);
            w.WriteEndObject();
        }));

    private static Task Error(HttpContext context, string error, int status = 200, params (string Name, string Value)[] headers)
        => ReplayHttp.Send(context, status, ReplayHttp.Json(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("error");
            w.WriteStringValue(error);
            w.WriteEndArray();
            w.WriteEndObject();
        }), headers);
}

using System.Globalization;
using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Kraken;

/// <summary>
/// Parses Kraken spot REST JSON (<c>{"error": [...], "result": {...}}</c> envelopes) into domain
/// records. Throws <see cref="FormatException"/> on malformed payloads and a typed
/// <see cref="VenueException"/> when the envelope carries an error.
/// </summary>
internal static class KrakenParser
{
    /// <summary>Kraken's names for assets whose common ticker differs (Kraken <c>/0/public/Assets</c> altnames).</summary>
    private static readonly Dictionary<string, string> CommonAsset = new(StringComparer.Ordinal)
    {
        ["XBT"] = "BTC",
        ["XDG"] = "DOGE",
    };

    private static readonly Dictionary<string, string> KrakenAsset =
        CommonAsset.ToDictionary(pair => pair.Value, pair => pair.Key, StringComparer.Ordinal);

    /// <summary>The Kraken asset code for a common ticker (<c>BTC</c> to <c>XBT</c>).</summary>
    internal static string ToKrakenAsset(string asset) => KrakenAsset.GetValueOrDefault(asset, asset);

    /// <summary>
    /// Parses <c>GET /0/public/AssetPairs</c>: <c>result</c> maps each canonical pair name
    /// (<c>XXBTZUSD</c>) to <c>{altname, wsname: "XBT/USD", base, quote, status?}</c>. The unified
    /// instrument comes from <c>wsname</c> with Kraken's asset names mapped (<c>XBT</c> to <c>BTC</c>,
    /// <c>XDG</c> to <c>DOGE</c>); pairs without a <c>wsname</c> (dark-pool <c>.d</c> pairs) are left out.
    /// </summary>
    internal static MarketCatalog ParseAssetPairs(string venue, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var result = Result(venue, document.RootElement, "AssetPairs");
        var markets = new List<Market>();
        foreach (var pair in result.EnumerateObject())
        {
            var wsname = Text(pair.Value, "wsname");
            var altname = Text(pair.Value, "altname");
            if (wsname is null || altname is null || altname.EndsWith(".d", StringComparison.Ordinal))
            {
                continue;
            }

            var slash = wsname.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0)
            {
                throw new FormatException($"AssetPairs {pair.Name}: wsname '{wsname}' is not BASE/QUOTE");
            }

            var baseAsset = CommonAsset.GetValueOrDefault(wsname[..slash], wsname[..slash]);
            var quoteAsset = CommonAsset.GetValueOrDefault(wsname[(slash + 1)..], wsname[(slash + 1)..]);
            if (!Instrument.TryParse($"{baseAsset}/{quoteAsset}", out var instrument))
            {
                continue;
            }

            var status = Text(pair.Value, "status");
            markets.Add(new Market(instrument, pair.Name, MarketKind.Spot, status is null or "online", "spot", [altname, wsname]));
        }

        return new MarketCatalog(venue, markets);
    }

    /// <summary>
    /// Parses <c>GET /0/public/OHLC</c>: <c>result</c> holds the pair's rows
    /// <c>[time (s), "open", "high", "low", "close", "vwap", "volume", count]</c>, oldest first, and
    /// <c>last</c>, the open time (s) of the last committed candle. Rows after <c>last</c> are the
    /// candle still in progress. With <paramref name="pair"/>, only that key's rows are read.
    /// </summary>
    internal static (List<Candle> Candles, long LastCommittedMs) ParseOhlc(string venue, byte[] json, string? pair = null)
    {
        using var document = JsonDocument.Parse(json);
        var result = Result(venue, document.RootElement, "OHLC");
        List<Candle>? candles = null;
        long? last = null;
        foreach (var property in result.EnumerateObject())
        {
            if (property.NameEquals("last"))
            {
                last = property.Value.ValueKind == JsonValueKind.Number
                    ? property.Value.GetInt64()
                    : long.Parse(property.Value.GetString() ?? "", NumberStyles.Integer, CultureInfo.InvariantCulture);
                continue;
            }

            // The rows sit under Kraken's canonical pair name; when it is known, no other array is taken for them.
            if (property.Value.ValueKind != JsonValueKind.Array || (pair is not null && !property.NameEquals(pair)))
            {
                continue;
            }

            candles = [];
            var index = 0;
            foreach (var row in property.Value.EnumerateArray())
            {
                var at = index++;
                if (row.ValueKind != JsonValueKind.Array || row.GetArrayLength() < 8)
                {
                    throw new FormatException($"OHLC row {at}: expected [time, open, high, low, close, vwap, volume, count], found {Cut(row.GetRawText())}");
                }

                candles.Add(new Candle(
                    Int64(row[0], new Field("OHLC row", at, "time")) * 1000,
                    Decimal(row[1], new Field("OHLC row", at, "open")),
                    Decimal(row[2], new Field("OHLC row", at, "high")),
                    Decimal(row[3], new Field("OHLC row", at, "low")),
                    Decimal(row[4], new Field("OHLC row", at, "close")),
                    Decimal(row[6], new Field("OHLC row", at, "volume")),
                    QuoteVolume: null,
                    TradeCount: Int64(row[7], new Field("OHLC row", at, "count"))));
            }
        }

        if (candles is null || last is null)
        {
            throw new FormatException("OHLC: result has no candle array or no 'last'");
        }

        return (candles, last.Value * 1000);
    }

    /// <summary>
    /// Parses <c>GET /0/public/Trades</c>: rows <c>["price", "volume", time (s, fractional), "b"|"s", "m"|"l", "misc"(, trade_id)]</c>, oldest first.
    /// The side is the taker's. Older answers have no trade id; the row's time text stands in.
    /// </summary>
    /// <summary>Parses a <c>/0/public/Trades</c> page and its <c>last</c> cursor (nanoseconds, as text; null when absent).</summary>
    internal static (List<Trade> Trades, string? Last) ParseTradeHistory(string venue, byte[] json)
    {
        var trades = ParseTrades(venue, json);
        using var document = JsonDocument.Parse(json);
        var result = Result(venue, document.RootElement, "Trades");
        var last = result.TryGetProperty("last", out var cursor) ? cursor.ValueKind == JsonValueKind.String ? cursor.GetString() : cursor.GetRawText() : null;
        return (trades, last);
    }

    internal static List<Trade> ParseTrades(string venue, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var result = Result(venue, document.RootElement, "Trades");
        var trades = new List<Trade>();
        foreach (var property in result.EnumerateObject())
        {
            if (property.NameEquals("last") || property.Value.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var row in property.Value.EnumerateArray())
            {
                var what = $"trade {trades.Count}";
                if (row.ValueKind != JsonValueKind.Array || row.GetArrayLength() < 4)
                {
                    throw new FormatException($"{what}: expected [price, volume, time, side, ...], found {Cut(row.GetRawText())}");
                }

                var seconds = Decimal(row[2], $"{what} time");
                var rawSide = row[3].GetString();
                var side = rawSide switch { "b" => TradeSide.Buy, "s" => TradeSide.Sell, _ => TradeSide.Unknown };
                var id = row.GetArrayLength() >= 7 ? row[6].GetRawText() : row[2].GetRawText();
                trades.Add(new Trade(id, (long)(seconds * 1000m), Decimal(row[0], $"{what} price"), Decimal(row[1], $"{what} volume"), side, rawSide));
            }
        }

        return trades;
    }

    /// <summary>Parses <c>GET /0/public/Time</c>: <c>{"error": [], "result": {"unixtime": 1688669448, "rfc1123": "..."}}</c>; returns the time in epoch milliseconds.</summary>
    internal static long ParseTime(string venue, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var result = Result(venue, document.RootElement, "Time");
        return result.TryGetProperty("unixtime", out var time) && time.TryGetInt64(out var seconds)
            ? seconds * 1000
            : throw new FormatException("Time: no unixtime");
    }

    /// <summary>
    /// Parses <c>GET /0/public/Ticker?pair=</c>: <c>result[pair]</c> holds <c>c</c> [last price, lot volume],
    /// <c>b</c>/<c>a</c> [price, whole lot volume, lot volume], <c>v</c> [today, last 24 h] volumes.
    /// </summary>
    internal static SpotQuote ParseTicker(string venue, Instrument instrument, string pair, long fetchedAtMs, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var result = Result(venue, document.RootElement, "Ticker");
        if (!result.TryGetProperty(pair, out var ticker))
        {
            ticker = result.EnumerateObject().Select(p => p.Value).FirstOrDefault(v => v.ValueKind == JsonValueKind.Object);
            if (ticker.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"Ticker: result holds no {pair}");
            }
        }

        decimal? First(string name) => ticker.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array && array.GetArrayLength() > 0
            ? Decimal(array[0], new Field("Ticker", -1, name))
            : null;
        decimal? volume = ticker.TryGetProperty("v", out var v) && v.ValueKind == JsonValueKind.Array && v.GetArrayLength() > 1
            ? Decimal(v[1], new Field("Ticker", -1, "v"))
            : null;
        return new SpotQuote(instrument, First("c") ?? throw new FormatException("Ticker: no last trade 'c'"), First("b"), First("a"), volume, fetchedAtMs);
    }

    /// <summary>Parses <c>GET /0/public/Depth</c>: <c>result</c> maps the pair to <c>{asks: [["price", "volume", time]], bids: [...]}</c>.</summary>
    internal static L2BookSnapshot ParseDepth(string venue, Instrument instrument, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var result = Result(venue, document.RootElement, "Depth");
        foreach (var property in result.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            var bids = Levels(property.Value, "bids");
            var asks = Levels(property.Value, "asks");
            return new L2BookSnapshot(instrument, null, null, bids, asks);
        }

        throw new FormatException("Depth: result holds no book");
    }

    private static List<BookLevel> Levels(JsonElement book, string side)
    {
        if (!book.TryGetProperty(side, out var levels) || levels.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"Depth: no '{side}' array");
        }

        var list = new List<BookLevel>(levels.GetArrayLength());
        foreach (var level in levels.EnumerateArray())
        {
            var what = $"{side} level {list.Count}";
            if (level.ValueKind != JsonValueKind.Array || level.GetArrayLength() < 2)
            {
                throw new FormatException($"{what}: expected [price, volume, time], found {Cut(level.GetRawText())}");
            }

            list.Add(new BookLevel(Decimal(level[0], $"{what} price"), Decimal(level[1], $"{what} volume")));
        }

        return list;
    }

    /// <summary>Returns <c>result</c>, or throws the typed error the envelope's <c>error</c> array names.</summary>
    private static JsonElement Result(string venue, JsonElement root, string what)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{what}: expected an object with 'error' and 'result'");
        }

        // Entries are "<severity><category>:<message>"; W (warning) entries may come with a good result.
        if (root.TryGetProperty("error", out var errors) && errors.ValueKind == JsonValueKind.Array)
        {
            var failures = errors.EnumerateArray().Select(e => e.GetString() ?? "").Where(e => !e.StartsWith('W')).ToList();
            if (failures.Count > 0)
            {
                throw ToException(venue, string.Join("; ", failures));
            }
        }

        return root.TryGetProperty("result", out var result) && result.ValueKind == JsonValueKind.Object
            ? result
            : throw new FormatException($"{what}: no 'result' object");
    }

    /// <summary>Maps Kraken error strings (<c>EQuery:Unknown asset pair</c>, <c>EAPI:Rate limit exceeded</c>...) to typed failures.</summary>
    internal static VenueException ToException(string venue, string errors)
    {
        var message = $"{venue}: {errors}";
        if (errors.Contains("EAPI:Rate limit exceeded", StringComparison.Ordinal)
            || errors.Contains("EGeneral:Temporary lockout", StringComparison.Ordinal))
        {
            return new VenueRateLimitedException(venue, message) { VenueCode = errors };
        }

        if (errors.Contains("EService:", StringComparison.Ordinal) || errors.Contains("EGeneral:Internal error", StringComparison.Ordinal))
        {
            return new VenueUnavailableException(venue, message) { VenueCode = errors };
        }

        return new VenueRequestException(venue, message) { VenueCode = errors };
    }

    /// <summary>Reads a non-2xx body; Kraken's gateway may still send its envelope.</summary>
    internal static VenueException? ReadError(string venue, int status, byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var errors)
                && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
            {
                var exception = ToException(venue, $"HTTP {status}: " + string.Join("; ", errors.EnumerateArray().Select(e => e.GetString())));
                return exception is VenueRequestException request ? new VenueRequestException(venue, request.Message) { StatusCode = status, VenueCode = request.VenueCode } : exception;
            }
        }
        catch (JsonException)
        {
            // Not the envelope (a gateway page): the default mapping quotes the body.
        }

        return null;
    }

    private static decimal Decimal(JsonElement element, Field what)
    {
        var text = element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Number => element.GetRawText(),
            _ => null,
        };
        return text is not null && decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"{what}: expected a decimal number, found {Cut(element.GetRawText())}");
    }

    private static long Int64(JsonElement element, Field what)
    {
        if (element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var number))
        {
            return number;
        }

        return element.ValueKind == JsonValueKind.String
            && long.TryParse(element.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw new FormatException($"{what}: expected an integer, found {Cut(element.GetRawText())}");
    }

    private static string? Text(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Cut(string text) => text.Length > 80 ? text[..80] + "..." : text;
}

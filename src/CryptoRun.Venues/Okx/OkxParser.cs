using System.Globalization;
using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Okx;

/// <summary>
/// Parses OKX v5 REST JSON (<c>{"code": "0", "msg": "", "data": [...]}</c> envelopes). Throws
/// <see cref="FormatException"/> on malformed payloads and a typed <see cref="VenueException"/> when
/// <c>code</c> is not <c>"0"</c> (OKX reports some errors, such as an unknown instrument, with HTTP 200).
/// </summary>
internal static class OkxParser
{
    /// <summary>A candle row with OKX's completion flag.</summary>
    internal readonly record struct OkxCandle(Candle Candle, bool Confirmed);

    /// <summary>
    /// Parses <c>GET /api/v5/market/candles</c> and <c>/history-candles</c>: rows
    /// <c>["ts", "o", "h", "l", "c", "vol", "volCcy", "volCcyQuote", "confirm"]</c>, newest first.
    /// Volume is <c>vol</c> (base units for spot, contracts for swaps); quote volume is <c>volCcyQuote</c>.
    /// Returned oldest first.
    /// </summary>
    internal static List<OkxCandle> ParseCandles(string venue, ReadOnlySpan<byte> json)
    {
        var reader = JsonRead.Reader(json);
        JsonRead.Next(ref reader);
        JsonRead.Expect(ref reader, JsonTokenType.StartObject, "candles");
        string? code = null, msg = null;
        List<OkxCandle>? rows = null;
        while (true)
        {
            JsonRead.Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            if (reader.ValueTextEquals("code"u8))
            {
                code = JsonRead.NextString(ref reader, "code");
            }
            else if (reader.ValueTextEquals("msg"u8))
            {
                msg = JsonRead.NextString(ref reader, "msg");
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                JsonRead.Next(ref reader);
                JsonRead.Expect(ref reader, JsonTokenType.StartArray, "data");
                rows = [];
                while (true)
                {
                    JsonRead.Next(ref reader);
                    if (reader.TokenType == JsonTokenType.EndArray)
                    {
                        break;
                    }

                    var index = rows.Count;
                    JsonRead.Expect(ref reader, JsonTokenType.StartArray, new Field("candle", index));
                    var ts = JsonRead.NextInt64(ref reader, new Field("candle", index, "ts"));
                    var open = JsonRead.NextDecimal(ref reader, new Field("candle", index, "o"));
                    var high = JsonRead.NextDecimal(ref reader, new Field("candle", index, "h"));
                    var low = JsonRead.NextDecimal(ref reader, new Field("candle", index, "l"));
                    var close = JsonRead.NextDecimal(ref reader, new Field("candle", index, "c"));
                    var volume = JsonRead.NextDecimal(ref reader, new Field("candle", index, "vol"));
                    JsonRead.NextDecimal(ref reader, new Field("candle", index, "volCcy"));
                    var quoteVolume = JsonRead.NextDecimal(ref reader, new Field("candle", index, "volCcyQuote"));
                    var confirm = JsonRead.NextString(ref reader, new Field("candle", index, "confirm"));
                    JsonRead.SkipToEndOfArray(ref reader, new Field("candle", index));
                    rows.Add(new OkxCandle(new Candle(ts, open, high, low, close, volume, quoteVolume), confirm == "1"));
                }
            }
            else
            {
                JsonRead.Next(ref reader);
                reader.Skip();
            }
        }

        ThrowIfError(venue, code, msg);
        if (rows is null)
        {
            throw new FormatException("candles: no 'data' array");
        }

        rows.Reverse();
        return rows;
    }

    /// <summary>
    /// Parses <c>GET /api/v5/public/instruments</c> for <c>SPOT</c> (<c>baseCcy</c>/<c>quoteCcy</c>) and
    /// <c>SWAP</c> (underlying <c>uly</c> <c>BASE-QUOTE</c>, settled in <c>settleCcy</c>). Other types are left out.
    /// </summary>
    internal static List<Market> ParseInstruments(string venue, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var data = Data(venue, document.RootElement, "instruments");
        var markets = new List<Market>();
        foreach (var item in data.EnumerateArray())
        {
            var instId = Text(item, "instId") ?? throw new FormatException($"instruments: entry without instId: {Cut(item.GetRawText())}");
            var type = Text(item, "instType");
            var live = Text(item, "state") is null or "live";
            if (type == "SPOT")
            {
                if (Instrument.TryParse($"{Text(item, "baseCcy")}/{Text(item, "quoteCcy")}", out var spot))
                {
                    markets.Add(new Market(spot, instId, MarketKind.Spot, live, type));
                }
            }
            else if (type == "SWAP")
            {
                var underlying = Text(item, "uly") ?? Text(item, "instFamily") ?? "";
                var parts = underlying.Split('-');
                var settle = Text(item, "settleCcy");
                if (parts.Length == 2 && settle is not null && Instrument.TryParse($"{parts[0]}/{parts[1]}:{settle}", out var swap))
                {
                    markets.Add(new Market(swap, instId, MarketKind.Perpetual, live, type));
                }
            }
        }

        return markets;
    }

    /// <summary>Parses <c>GET /api/v5/market/trades</c>: <c>{instId, tradeId, px, sz, side, ts}</c>, newest first; <c>side</c> is the taker's. Returned oldest first.</summary>
    internal static List<Trade> ParseTrades(string venue, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var data = Data(venue, document.RootElement, "trades");
        var trades = new List<Trade>();
        foreach (var item in data.EnumerateArray())
        {
            var what = $"trade {trades.Count}";
            var rawSide = Text(item, "side");
            var side = rawSide switch { "buy" => TradeSide.Buy, "sell" => TradeSide.Sell, _ => TradeSide.Unknown };
            trades.Add(new Trade(
                Text(item, "tradeId") ?? throw new FormatException($"{what}: no tradeId"),
                ParseLong(Text(item, "ts"), $"{what} ts"),
                ParseDecimal(Text(item, "px"), $"{what} px"),
                ParseDecimal(Text(item, "sz"), $"{what} sz"),
                side,
                rawSide));
        }

        trades.Reverse();
        return trades;
    }

    /// <summary>Parses <c>GET /api/v5/market/books</c>: <c>data[0] = {asks: [[px, sz, "0", orders]], bids, ts}</c>.</summary>
    internal static L2BookSnapshot ParseBook(string venue, Instrument instrument, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var data = Data(venue, document.RootElement, "books");
        if (data.GetArrayLength() == 0)
        {
            throw new FormatException("books: 'data' is empty");
        }

        var book = data[0];
        var ts = Text(book, "ts");
        return new L2BookSnapshot(
            instrument,
            null,
            ts is null ? null : ParseLong(ts, "books ts"),
            Levels(book, "bids"),
            Levels(book, "asks"));
    }

    /// <summary>Parses <c>GET /api/v5/public/time</c>: <c>data[0] = {"ts": "1597026383085"}</c>; returns epoch milliseconds.</summary>
    internal static long ParseTime(string venue, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var data = Data(venue, document.RootElement, "time");
        return data.GetArrayLength() > 0 ? ParseLong(Text(data[0], "ts"), "time ts") : throw new FormatException("time: 'data' is empty");
    }

    /// <summary>Parses <c>GET /api/v5/market/ticker</c>: <c>data[0] = {last, bidPx, askPx, vol24h, ts}</c> (volume in base units for spot, contracts for swaps).</summary>
    internal static SpotQuote ParseTicker(string venue, Instrument instrument, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var data = Data(venue, document.RootElement, "ticker");
        if (data.GetArrayLength() == 0)
        {
            throw new FormatException("ticker: 'data' is empty");
        }

        var t = data[0];
        decimal? Optional(string name) => Text(t, name) is { Length: > 0 } text ? ParseDecimal(text, $"ticker {name}") : null;
        return new SpotQuote(instrument, ParseDecimal(Text(t, "last"), "ticker last"), Optional("bidPx"), Optional("askPx"), Optional("vol24h"), ParseLong(Text(t, "ts"), "ticker ts"));
    }

    /// <summary>Parses <c>GET /api/v5/public/funding-rate-history</c>: <c>data = [{instId, fundingRate, realizedRate, fundingTime}]</c>, newest first; returned newest first.</summary>
    internal static List<FundingRate> ParseFundingHistory(string venue, Instrument instrument, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var data = Data(venue, document.RootElement, "funding-rate-history");
        var rates = new List<FundingRate>();
        foreach (var row in data.EnumerateArray())
        {
            var what = $"funding {rates.Count}";
            rates.Add(new FundingRate(instrument, ParseLong(Text(row, "fundingTime"), $"{what} fundingTime"), ParseDecimal(Text(row, "fundingRate"), $"{what} fundingRate")));
        }

        return rates;
    }

    /// <summary>Parses <c>GET /api/v5/public/open-interest</c>: <c>data[0] = {oi, oiCcy, oiUsd?, ts}</c>.</summary>
    internal static OpenInterest ParseOpenInterest(string venue, Instrument instrument, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var data = Data(venue, document.RootElement, "open-interest");
        if (data.GetArrayLength() == 0)
        {
            throw new FormatException("open-interest: 'data' is empty");
        }

        var row = data[0];
        decimal? usd = Text(row, "oiUsd") is { Length: > 0 } text ? ParseDecimal(text, "open-interest oiUsd") : null;
        return new OpenInterest(instrument, ParseLong(Text(row, "ts"), "open-interest ts"), ParseDecimal(Text(row, "oi"), "open-interest oi"), usd);
    }

    /// <summary>Reads a failed call's body (OKX sends its envelope with 4xx/5xx too).</summary>
    internal static VenueException? ReadError(string venue, int status, byte[] body, string endpoint)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("code", out var code))
            {
                var exception = ToException(venue, code.GetString() ?? code.GetRawText(), Text(root, "msg"), endpoint);
                return exception is VenueRequestException && exception is not InstrumentNotListedException
                    ? new VenueRequestException(venue, $"{exception.Message} (HTTP {status})") { StatusCode = status, VenueCode = exception.VenueCode }
                    : exception;
            }
        }
        catch (JsonException)
        {
            // Not OKX's envelope: the default mapping quotes the body.
        }

        return null;
    }

    private static void ThrowIfError(string venue, string? code, string? msg)
    {
        if (code is null)
        {
            throw new FormatException("response has no 'code'");
        }

        if (code != "0")
        {
            throw ToException(venue, code, msg, null);
        }
    }

    /// <summary>
    /// Maps OKX codes (okx.com/docs-v5 "Error Code", REST API public): rate limits 50011 ("Rate limit reached", with
    /// HTTP 200 or 429), 50013 ("Systems are busy", 429), 50040 ("Too frequent operations", 200) and 50061 ("You've
    /// reached the maximum order rate limit for this account", 200); unavailable 50001 (503) and 50026 (500); others
    /// request errors.
    /// </summary>
    private static VenueException ToException(string venue, string code, string? msg, string? endpoint)
    {
        var message = endpoint is null ? $"{venue}: {msg} (code {code})" : $"{venue} {endpoint}: {msg} (code {code})";
        return code switch
        {
            "50011" or "50013" or "50040" or "50061" => new VenueRateLimitedException(venue, message) { VenueCode = code },
            "50001" or "50026" => new VenueUnavailableException(venue, message) { VenueCode = code },
            _ => new VenueRequestException(venue, message) { VenueCode = code },
        };
    }

    private static JsonElement Data(string venue, JsonElement root, string what)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{what}: expected an object with 'code' and 'data'");
        }

        ThrowIfError(venue, root.TryGetProperty("code", out var code) ? code.GetString() : null, Text(root, "msg"));
        return root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array
            ? data
            : throw new FormatException($"{what}: no 'data' array");
    }

    private static List<BookLevel> Levels(JsonElement book, string side)
    {
        if (!book.TryGetProperty(side, out var levels) || levels.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"books: no '{side}' array");
        }

        var list = new List<BookLevel>(levels.GetArrayLength());
        foreach (var level in levels.EnumerateArray())
        {
            var what = $"{side} level {list.Count}";
            if (level.ValueKind != JsonValueKind.Array || level.GetArrayLength() < 2)
            {
                throw new FormatException($"{what}: expected [px, sz, \"0\", orders], found {Cut(level.GetRawText())}");
            }

            int? orders = level.GetArrayLength() > 3 ? (int)ParseLong(level[3].GetString(), $"{what} orders") : null;
            list.Add(new BookLevel(ParseDecimal(level[0].GetString(), $"{what} px"), ParseDecimal(level[1].GetString(), $"{what} sz"), orders));
        }

        return list;
    }

    private static decimal ParseDecimal(string? text, string what)
        => text is not null && decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"{what}: expected a decimal number, found '{text}'");

    private static long ParseLong(string? text, string what)
        => text is not null && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"{what}: expected an integer, found '{text}'");

    private static string? Text(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Cut(string text) => text.Length > 80 ? text[..80] + "..." : text;
}

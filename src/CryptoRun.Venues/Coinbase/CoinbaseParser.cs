using System.Globalization;
using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Coinbase;

/// <summary>Parses Coinbase Exchange REST JSON into domain records. Throws <see cref="FormatException"/> on malformed payloads.</summary>
internal static class CoinbaseParser
{
    /// <summary>
    /// Parses <c>GET /products/{id}/candles</c>: rows <c>[time (s), low, high, open, close, volume]</c>
    /// as JSON numbers, newest first. Returns the candles oldest first; the numbers keep their digits.
    /// </summary>
    internal static List<Candle> ParseCandles(ReadOnlySpan<byte> json)
    {
        var reader = JsonRead.Reader(json);
        JsonRead.Next(ref reader);
        JsonRead.Expect(ref reader, JsonTokenType.StartArray, "candles");
        var candles = new List<Candle>();
        while (true)
        {
            JsonRead.Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                break;
            }

            var index = candles.Count;
            JsonRead.Expect(ref reader, JsonTokenType.StartArray, new Field("candle", index));
            var time = JsonRead.NextInt64(ref reader, new Field("candle", index, "time"));
            var low = JsonRead.NextDecimal(ref reader, new Field("candle", index, "low"));
            var high = JsonRead.NextDecimal(ref reader, new Field("candle", index, "high"));
            var open = JsonRead.NextDecimal(ref reader, new Field("candle", index, "open"));
            var close = JsonRead.NextDecimal(ref reader, new Field("candle", index, "close"));
            var volume = JsonRead.NextDecimal(ref reader, new Field("candle", index, "volume"));
            JsonRead.SkipToEndOfArray(ref reader, new Field("candle", index));
            candles.Add(new Candle(time * 1000, open, high, low, close, volume));
        }

        candles.Reverse();
        return candles;
    }

    /// <summary>
    /// Parses <c>GET /products</c>: objects <c>{id, base_currency, quote_currency, status, trading_disabled, ...}</c>.
    /// A product trades when its status is <c>online</c> and trading is not disabled.
    /// </summary>
    internal static MarketCatalog ParseProducts(string venue, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("products: expected an array");
        }

        var markets = new List<Market>();
        foreach (var product in document.RootElement.EnumerateArray())
        {
            var id = Text(product, "id");
            var baseCurrency = Text(product, "base_currency");
            var quoteCurrency = Text(product, "quote_currency");
            if (id is null || baseCurrency is null || quoteCurrency is null)
            {
                throw new FormatException($"products: entry without id/base_currency/quote_currency: {Cut(product.GetRawText())}");
            }

            if (!Instrument.TryParse($"{baseCurrency}/{quoteCurrency}", out var instrument))
            {
                continue;
            }

            var disabled = product.TryGetProperty("trading_disabled", out var flag) && flag.ValueKind == JsonValueKind.True;
            var online = Text(product, "status") is null or "online";
            markets.Add(new Market(instrument, id, MarketKind.Spot, online && !disabled, "spot"));
        }

        return new MarketCatalog(venue, markets);
    }

    /// <summary>
    /// Parses <c>GET /products/{id}/trades</c>: <c>{trade_id, side, size, price, time}</c>, newest first.
    /// Coinbase's <c>side</c> is the maker's, so the taker side is the opposite. Returned oldest first.
    /// </summary>
    internal static List<Trade> ParseTrades(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("trades: expected an array");
        }

        var trades = new List<Trade>();
        foreach (var item in document.RootElement.EnumerateArray())
        {
            var what = $"trade {trades.Count}";
            var rawSide = Text(item, "side");
            var side = rawSide switch { "buy" => TradeSide.Sell, "sell" => TradeSide.Buy, _ => TradeSide.Unknown };
            var time = Text(item, "time") ?? throw new FormatException($"{what}: no time");
            if (!DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                throw new FormatException($"{what}: time '{time}' is not ISO-8601");
            }

            trades.Add(new Trade(
                item.GetProperty("trade_id").GetRawText(),
                at.ToUnixTimeMilliseconds(),
                DecimalText(item, "price", what),
                DecimalText(item, "size", what),
                side,
                rawSide));
        }

        trades.Reverse();
        return trades;
    }

    /// <summary>Parses <c>GET /products/{id}/ticker</c>: <c>{"price", "bid", "ask", "volume", "time", "trade_id", "size"}</c>.</summary>
    internal static SpotQuote ParseTicker(Instrument instrument, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var time = Text(root, "time") ?? throw new FormatException("ticker: no time");
        if (!DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            throw new FormatException($"ticker: time '{time}' is not ISO-8601");
        }

        decimal? Optional(string name) => root.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.String or JsonValueKind.Number ? DecimalOf(value, $"ticker {name}") : null;
        return new SpotQuote(instrument, DecimalText(root, "price", "ticker"), Optional("bid"), Optional("ask"), Optional("volume"), at.ToUnixTimeMilliseconds());
    }

    /// <summary>Parses <c>GET /products/{id}/book?level=2</c>: <c>{bids: [["price","size",num_orders]], asks, sequence}</c>.</summary>
    internal static L2BookSnapshot ParseBook(Instrument instrument, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        long? sequence = root.TryGetProperty("sequence", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetInt64() : null;
        long? time = null;
        if (root.TryGetProperty("time", out var t) && t.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(t.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            time = at.ToUnixTimeMilliseconds();
        }

        return new L2BookSnapshot(instrument, sequence, time, Levels(root, "bids"), Levels(root, "asks"));
    }

    /// <summary>Reads a Coinbase error body <c>{"message": "..."}</c>.</summary>
    internal static VenueException? ReadError(string venue, int status, byte[] body, string endpoint)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("message", out var message))
            {
                return new VenueRequestException(venue, $"{venue} {endpoint}: HTTP {status}: {message.GetString()}")
                {
                    StatusCode = status,
                    VenueCode = message.GetString(),
                };
            }
        }
        catch (JsonException)
        {
            // Not Coinbase's error shape: the default mapping quotes the body.
        }

        return null;
    }

    private static List<BookLevel> Levels(JsonElement root, string side)
    {
        if (!root.TryGetProperty(side, out var levels) || levels.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"book: no '{side}' array");
        }

        var list = new List<BookLevel>(levels.GetArrayLength());
        foreach (var level in levels.EnumerateArray())
        {
            var what = $"{side} level {list.Count}";
            if (level.ValueKind != JsonValueKind.Array || level.GetArrayLength() < 2)
            {
                throw new FormatException($"{what}: expected [price, size, num_orders], found {Cut(level.GetRawText())}");
            }

            int? orders = level.GetArrayLength() > 2 && level[2].ValueKind == JsonValueKind.Number ? level[2].GetInt32() : null;
            list.Add(new BookLevel(DecimalOf(level[0], $"{what} price"), DecimalOf(level[1], $"{what} size"), orders));
        }

        return list;
    }

    private static decimal DecimalText(JsonElement item, string name, string what)
        => item.TryGetProperty(name, out var value) ? DecimalOf(value, $"{what} {name}") : throw new FormatException($"{what}: no {name}");

    private static decimal DecimalOf(JsonElement value, string what)
    {
        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
        return text is not null && decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw new FormatException($"{what}: expected a decimal number, found {Cut(value.GetRawText())}");
    }

    private static string? Text(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Cut(string text) => text.Length > 80 ? text[..80] + "..." : text;
}

using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Binance;

/// <summary>A Binance <c>rateLimits</c> entry from <c>exchangeInfo</c>.</summary>
/// <param name="Type"><c>REQUEST_WEIGHT</c>, <c>ORDERS</c> or <c>RAW_REQUESTS</c>.</param>
/// <param name="Interval"><c>SECOND</c>, <c>MINUTE</c>, <c>HOUR</c> or <c>DAY</c>.</param>
/// <param name="IntervalNum">How many intervals the window spans.</param>
/// <param name="Limit">The limit in that window.</param>
internal sealed record BinanceRateLimit(string Type, string Interval, int IntervalNum, int Limit);

/// <summary>Parses Binance spot and USD-M JSON into domain records. Throws <see cref="FormatException"/> on malformed payloads.</summary>
internal static class BinanceParser
{
    /// <summary>
    /// Parses <c>GET /api/v3/klines</c> (or <c>/fapi/v1/klines</c>): an array of 12-element arrays
    /// <c>[openTime, "open", "high", "low", "close", "volume", closeTime, "quoteVolume", trades, "takerBase", "takerQuote", "0"]</c>.
    /// </summary>
    internal static List<Candle> ParseKlines(ReadOnlySpan<byte> json)
    {
        var reader = JsonRead.Reader(json);
        JsonRead.Next(ref reader);
        JsonRead.Expect(ref reader, JsonTokenType.StartArray, "klines");
        var candles = new List<Candle>();
        while (true)
        {
            JsonRead.Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return candles;
            }

            var item = candles.Count;
            JsonRead.Expect(ref reader, JsonTokenType.StartArray, new Field("kline", item));
            var openTime = JsonRead.NextInt64(ref reader, new Field("kline", item, "open time"));
            var open = JsonRead.NextDecimal(ref reader, new Field("kline", item, "open"));
            var high = JsonRead.NextDecimal(ref reader, new Field("kline", item, "high"));
            var low = JsonRead.NextDecimal(ref reader, new Field("kline", item, "low"));
            var close = JsonRead.NextDecimal(ref reader, new Field("kline", item, "close"));
            var volume = JsonRead.NextDecimal(ref reader, new Field("kline", item, "volume"));
            JsonRead.NextInt64(ref reader, new Field("kline", item, "close time"));
            var quoteVolume = JsonRead.NextDecimal(ref reader, new Field("kline", item, "quote volume"));
            var trades = JsonRead.NextInt64(ref reader, new Field("kline", item, "trade count"));
            JsonRead.SkipToEndOfArray(ref reader, new Field("kline", item));
            candles.Add(new Candle(openTime, open, high, low, close, volume, quoteVolume, trades));
        }
    }

    /// <summary>
    /// Parses <c>GET /api/v3/exchangeInfo</c> or <c>/fapi/v1/exchangeInfo</c>: spot symbols become
    /// <c>BASE/QUOTE</c>; USD-M <c>PERPETUAL</c> contracts become <c>BASE/QUOTE:MARGIN</c>; other
    /// contract types (quarterly delivery) are not modelled and left out.
    /// </summary>
    internal static (MarketCatalog Catalog, IReadOnlyList<BinanceRateLimit> RateLimits) ParseExchangeInfo(string venue, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var limits = new List<BinanceRateLimit>();
        if (root.TryGetProperty("rateLimits", out var rateLimits) && rateLimits.ValueKind == JsonValueKind.Array)
        {
            foreach (var limit in rateLimits.EnumerateArray())
            {
                limits.Add(new BinanceRateLimit(
                    limit.GetProperty("rateLimitType").GetString() ?? "",
                    limit.GetProperty("interval").GetString() ?? "",
                    limit.GetProperty("intervalNum").GetInt32(),
                    limit.GetProperty("limit").GetInt32()));
            }
        }

        if (!root.TryGetProperty("symbols", out var symbols) || symbols.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("exchangeInfo: no 'symbols' array");
        }

        var markets = new List<Market>();
        foreach (var symbol in symbols.EnumerateArray())
        {
            var name = Text(symbol, "symbol");
            var baseAsset = Text(symbol, "baseAsset");
            var quoteAsset = Text(symbol, "quoteAsset");
            var status = Text(symbol, "status");
            if (name is null || baseAsset is null || quoteAsset is null)
            {
                throw new FormatException($"exchangeInfo: symbol entry without symbol/baseAsset/quoteAsset: {Cut(symbol.GetRawText())}");
            }

            // Spot has no contract type; of the contracts only perpetuals are modelled (not quarterly delivery).
            var contractType = Text(symbol, "contractType");
            var kind = contractType switch
            {
                null => MarketKind.Spot,
                "PERPETUAL" => MarketKind.Perpetual,
                _ => MarketKind.Unknown,
            };
            var unified = kind == MarketKind.Perpetual
                ? $"{baseAsset}/{quoteAsset}:{Text(symbol, "marginAsset") ?? quoteAsset}"
                : $"{baseAsset}/{quoteAsset}";
            if (kind == MarketKind.Unknown || !Instrument.TryParse(unified, out var instrument))
            {
                continue;
            }

            markets.Add(new Market(instrument, name, kind, status == "TRADING", contractType ?? "SPOT"));
        }

        return (new MarketCatalog(venue, markets), limits);
    }

    /// <summary>Parses <c>GET /api/v3/depth</c> / <c>/fapi/v1/depth</c>: <c>{"lastUpdateId", ["E", "T",] "bids": [["p","q"]], "asks": [...]}</c>.</summary>
    internal static L2BookSnapshot ParseDepth(Instrument instrument, ReadOnlySpan<byte> json)
    {
        var reader = JsonRead.Reader(json);
        JsonRead.Next(ref reader);
        JsonRead.Expect(ref reader, JsonTokenType.StartObject, "depth");
        long? lastUpdateId = null;
        long? time = null;
        List<BookLevel>? bids = null;
        List<BookLevel>? asks = null;
        while (true)
        {
            JsonRead.Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            if (reader.ValueTextEquals("lastUpdateId"u8))
            {
                lastUpdateId = JsonRead.NextInt64(ref reader, "depth lastUpdateId");
            }
            else if (reader.ValueTextEquals("T"u8))
            {
                time = JsonRead.NextInt64(ref reader, "depth T");
            }
            else if (reader.ValueTextEquals("bids"u8))
            {
                bids = ReadLevels(ref reader, "bids");
            }
            else if (reader.ValueTextEquals("asks"u8))
            {
                asks = ReadLevels(ref reader, "asks");
            }
            else
            {
                JsonRead.Next(ref reader);
                reader.Skip();
            }
        }

        if (bids is null || asks is null)
        {
            throw new FormatException("depth: missing 'bids' or 'asks'");
        }

        return new L2BookSnapshot(instrument, lastUpdateId, time, bids, asks);
    }

    /// <summary>Parses <c>GET /api/v3/aggTrades</c> / <c>/fapi/v1/aggTrades</c>: objects <c>{"a","p","q","f","l","T","m"[,"M"]}</c>; <c>m</c> true means the buyer was the maker, so the taker sold.</summary>
    internal static List<Trade> ParseAggTrades(ReadOnlySpan<byte> json)
    {
        var reader = JsonRead.Reader(json);
        JsonRead.Next(ref reader);
        JsonRead.Expect(ref reader, JsonTokenType.StartArray, "aggTrades");
        var trades = new List<Trade>();
        while (true)
        {
            JsonRead.Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return trades;
            }

            var index = trades.Count;
            JsonRead.Expect(ref reader, JsonTokenType.StartObject, new Field("aggTrade", index));
            long? id = null, time = null;
            decimal? price = null, quantity = null;
            bool? buyerIsMaker = null;
            while (true)
            {
                JsonRead.Next(ref reader);
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    break;
                }

                if (reader.ValueTextEquals("a"u8))
                {
                    id = JsonRead.NextInt64(ref reader, new Field("aggTrade", index, "a"));
                }
                else if (reader.ValueTextEquals("p"u8))
                {
                    price = JsonRead.NextDecimal(ref reader, new Field("aggTrade", index, "p"));
                }
                else if (reader.ValueTextEquals("q"u8))
                {
                    quantity = JsonRead.NextDecimal(ref reader, new Field("aggTrade", index, "q"));
                }
                else if (reader.ValueTextEquals("T"u8))
                {
                    time = JsonRead.NextInt64(ref reader, new Field("aggTrade", index, "T"));
                }
                else if (reader.ValueTextEquals("m"u8))
                {
                    JsonRead.Next(ref reader);
                    buyerIsMaker = reader.TokenType switch
                    {
                        JsonTokenType.True => true,
                        JsonTokenType.False => false,
                        _ => null,
                    };
                }
                else
                {
                    JsonRead.Next(ref reader);
                    reader.Skip();
                }
            }

            if (id is null || time is null || price is null || quantity is null)
            {
                throw new FormatException($"aggTrade {index}: missing one of a, p, q, T");
            }

            var side = buyerIsMaker switch { true => TradeSide.Sell, false => TradeSide.Buy, null => TradeSide.Unknown };
            trades.Add(new Trade(id.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), time.Value, price.Value, quantity.Value, side));
        }
    }

    /// <summary>Reads a Binance error body <c>{"code": -1121, "msg": "Invalid symbol."}</c>.</summary>
    internal static VenueException? ReadError(string venue, int status, byte[] body, string endpoint)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("code", out var code)
                && document.RootElement.TryGetProperty("msg", out var msg))
            {
                var codeText = code.ValueKind == JsonValueKind.Number ? code.GetRawText() : code.GetString();
                return new VenueRequestException(venue, $"{venue} {endpoint}: HTTP {status}: {msg.GetString()} (code {codeText})")
                {
                    StatusCode = status,
                    VenueCode = codeText,
                };
            }
        }
        catch (JsonException)
        {
            // Not Binance's error shape (a gateway page, say): the default mapping quotes the body.
        }

        return null;
    }

    private static List<BookLevel> ReadLevels(ref Utf8JsonReader reader, string side)
    {
        JsonRead.Next(ref reader);
        JsonRead.Expect(ref reader, JsonTokenType.StartArray, side);
        var levels = new List<BookLevel>();
        var kind = $"{side} level";
        while (true)
        {
            JsonRead.Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return levels;
            }

            var index = levels.Count;
            JsonRead.Expect(ref reader, JsonTokenType.StartArray, new Field(kind, index));
            var price = JsonRead.NextDecimal(ref reader, new Field(kind, index, "price"));
            var size = JsonRead.NextDecimal(ref reader, new Field(kind, index, "size"));
            JsonRead.SkipToEndOfArray(ref reader, new Field(kind, index));
            levels.Add(new BookLevel(price, size));
        }
    }

    private static string? Text(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Cut(string text) => text.Length > 120 ? text[..120] + "..." : text;
}

/// <summary>Binance parsers for tickers, funding and open interest.</summary>
internal static class BinanceMarketParser
{
    /// <summary>
    /// Parses <c>GET /api/v3/ticker/24hr?symbol=</c> (or <c>/fapi/v1/ticker/24hr</c>):
    /// <c>{"lastPrice", "bidPrice"?, "askPrice"?, "volume", "closeTime", ...}</c>. USD-M gives no bid/ask.
    /// </summary>
    internal static SpotQuote ParseTicker24h(Instrument instrument, byte[] json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var root = document.RootElement;
        return new SpotQuote(
            instrument,
            Number(root, "lastPrice") ?? throw new FormatException("ticker: no lastPrice"),
            Number(root, "bidPrice"),
            Number(root, "askPrice"),
            Number(root, "volume"),
            root.TryGetProperty("closeTime", out var close) ? close.GetInt64() : throw new FormatException("ticker: no closeTime"));
    }

    /// <summary>Parses <c>GET /fapi/v1/fundingRate</c>: <c>[{"symbol", "fundingTime", "fundingRate", "markPrice"}]</c>, oldest first.</summary>
    internal static List<FundingRate> ParseFundingRates(Instrument instrument, byte[] json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var rates = new List<FundingRate>();
        foreach (var row in document.RootElement.EnumerateArray())
        {
            rates.Add(new FundingRate(
                instrument,
                row.GetProperty("fundingTime").GetInt64(),
                Number(row, "fundingRate") ?? throw new FormatException($"funding {rates.Count}: no fundingRate"),
                Number(row, "markPrice")));
        }

        return rates;
    }

    /// <summary>Parses <c>GET /fapi/v1/openInterest</c>: <c>{"openInterest", "symbol", "time"}</c> (open interest in base units).</summary>
    internal static OpenInterest ParseOpenInterest(Instrument instrument, byte[] json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var root = document.RootElement;
        return new OpenInterest(
            instrument,
            root.GetProperty("time").GetInt64(),
            Number(root, "openInterest") ?? throw new FormatException("openInterest: no openInterest"));
    }

    /// <summary>The REQUEST_WEIGHT windows of an <c>exchangeInfo</c>'s <c>rateLimits</c>.</summary>
    internal static IEnumerable<CryptoRun.Resilience.BudgetWindow> WeightWindows(IEnumerable<BinanceRateLimit> limits)
        => limits
            .Where(l => l.Type == "REQUEST_WEIGHT")
            .Select(l => new CryptoRun.Resilience.BudgetWindow(
                l.Interval switch
                {
                    "SECOND" => CryptoRun.Resilience.BudgetPeriod.Second,
                    "MINUTE" => CryptoRun.Resilience.BudgetPeriod.Minute,
                    "HOUR" => CryptoRun.Resilience.BudgetPeriod.Hour,
                    _ => CryptoRun.Resilience.BudgetPeriod.Day,
                },
                l.IntervalNum,
                l.Limit));

    private static decimal? Number(System.Text.Json.JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String
            && decimal.TryParse(value.GetString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number)
            ? number
            : null;
}

using System.Text.Json;
using CryptoRun.Domain;
using static CryptoRun.Venues.Common.JsonElementRead;

namespace CryptoRun.Venues.CoinGecko;

/// <summary>
/// Parses CoinGecko API v3 JSON. Malformed payloads throw <see cref="FormatException"/> naming the field;
/// an answer that lacks the coin or currency asked for throws <see cref="VenueRequestException"/>
/// (CoinGecko answers an unknown id with <c>{}</c> or <c>[]</c>, not an error). Numbers are JSON numbers,
/// parsed invariantly from their text.
/// </summary>
internal static class CoinGeckoParser
{
    /// <summary>
    /// Parses <c>GET /api/v3/simple/price?ids=&amp;vs_currencies=&amp;include_24hr_vol=true&amp;include_last_updated_at=true</c>:
    /// <c>{"bitcoin": {"usd": 67187.33, "usd_24h_vol": 1.9e10, "last_updated_at": 1711356300}}</c>; the
    /// update time is Unix seconds. The 24 h volume is in the vs currency, not base units, so it is not mapped
    /// to <see cref="SpotQuote.Volume24h"/>.
    /// </summary>
    /// <exception cref="VenueRequestException">The answer has no entry for the coin, or no price in the currency.</exception>
    internal static SpotQuote ParseSimplePrice(string venue, Instrument instrument, string coinId, string vsCurrency, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = Object(document.RootElement, "simple/price");
        if (Optional(root, coinId) is not { ValueKind: JsonValueKind.Object } coin)
        {
            throw new VenueRequestException(venue, $"{venue}: no price for coin id '{coinId}' (simple/price answered without it)");
        }

        var price = OptionalDecimal(coin, vsCurrency, $"simple/price {coinId}")
            ?? throw new VenueRequestException(venue, $"{venue}: no '{vsCurrency}' price for '{coinId}'; vs_currencies must be one CoinGecko supports (usd, eur, btc, ...)");
        var updatedAt = Optional(coin, "last_updated_at") is { } at
            ? Int64Of(at, $"simple/price {coinId} last_updated_at")
            : throw new FormatException($"simple/price {coinId}: no 'last_updated_at'");
        return new SpotQuote(instrument, price, null, null, null, updatedAt * 1000);
    }

    /// <summary>
    /// Parses <c>GET /api/v3/coins/markets?vs_currency=usd&amp;ids=</c>: <c>[{"id", "symbol", "circulating_supply",
    /// "total_supply", "max_supply", "last_updated": "2024-03-25T08:45:00.000Z", ...}]</c>; supplies are in coin
    /// units and may be null (<c>max_supply</c> is null for coins without a cap).
    /// </summary>
    /// <exception cref="VenueRequestException">The answer has no entry for the coin.</exception>
    internal static SupplySnapshot ParseMarkets(string venue, string asset, string coinId, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var index = 0;
        foreach (var coin in Array(document.RootElement, "coins/markets").EnumerateArray())
        {
            var what = $"coins/markets {index++}";
            if (String(Object(coin, what), "id", what) != coinId)
            {
                continue;
            }

            return new SupplySnapshot(
                asset,
                OptionalDecimal(coin, "circulating_supply", what),
                OptionalDecimal(coin, "total_supply", what),
                OptionalDecimal(coin, "max_supply", what),
                IsoTime(String(coin, "last_updated", what), $"{what} last_updated"));
        }

        throw new VenueRequestException(venue, $"{venue}: no market entry for coin id '{coinId}' (coins/markets answered without it)");
    }

    /// <summary>
    /// Parses <c>GET /api/v3/global</c>: <c>{"data": {"active_cryptocurrencies", "upcoming_icos", "ongoing_icos",
    /// "ended_icos", "markets", "total_market_cap": {currency: value}, "total_volume": {...},
    /// "market_cap_percentage": {coin: percent}, "market_cap_change_percentage_24h_usd", "updated_at" (Unix s)}}</c>.
    /// </summary>
    internal static CoinGeckoGlobal ParseGlobal(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var data = Object(Property(Object(document.RootElement, "global"), "data", "global"), "global data");
        int? OptionalInt(string name) => Optional(data, name) is { } value ? checked((int)Int64Of(value, $"global {name}")) : null;
        return new CoinGeckoGlobal(
            checked((int)Int64(data, "active_cryptocurrencies", "global")),
            checked((int)Int64(data, "markets", "global")),
            Map(data, "total_market_cap"),
            Map(data, "total_volume"),
            Map(data, "market_cap_percentage"),
            OptionalDecimal(data, "market_cap_change_percentage_24h_usd", "global"),
            Int64(data, "updated_at", "global") * 1000,
            OptionalInt("upcoming_icos"),
            OptionalInt("ongoing_icos"),
            OptionalInt("ended_icos"));
    }

    /// <summary>
    /// Parses <c>GET /api/v3/ping</c>: <c>{"gecko_says": "(V3) To the Moon!"}</c>; returns what it says, or null when
    /// the object says nothing (a liveness check needs only a JSON object).
    /// </summary>
    /// <exception cref="FormatException">The answer is not a JSON object.</exception>
    internal static string? ParsePing(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        return OptionalString(Object(document.RootElement, "ping"), "gecko_says");
    }

    /// <summary>
    /// Reads CoinGecko's error bodies: <c>{"status": {"error_code": 429, "error_message": "..."}}</c> (rate limits,
    /// keys), <c>{"error": {"status": {...}}}</c> and <c>{"error": "coin not found"}</c>. Codes 10002 (missing key),
    /// 10005 (plan restricted), 10010/10011 (wrong key for the host) are the documented key errors.
    /// </summary>
    internal static VenueException? ReadError(string venue, int status, byte[] body, string endpoint)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var statusObject = Optional(root, "status") ?? (Optional(root, "error") is { ValueKind: JsonValueKind.Object } error ? Optional(error, "status") : null);
            string? code = null;
            string? message;
            if (statusObject is { ValueKind: JsonValueKind.Object } s)
            {
                code = Optional(s, "error_code") is { } c ? c.ToString() : null;
                message = OptionalString(s, "error_message");
            }
            else
            {
                message = OptionalString(root, "error");
            }

            if (message is null)
            {
                return null;
            }

            var text = code is null ? $"{venue} {endpoint}: HTTP {status}: {message}" : $"{venue} {endpoint}: HTTP {status}: {message} (code {code})";
            return new VenueRequestException(venue, text) { StatusCode = status, VenueCode = code };
        }
        catch (JsonException)
        {
            // Not CoinGecko's error shape (a CDN page): the default mapping quotes the body.
            return null;
        }
    }

    private static Dictionary<string, decimal> Map(JsonElement data, string name)
    {
        var map = new Dictionary<string, decimal>(StringComparer.Ordinal);
        if (Optional(data, name) is { } values)
        {
            foreach (var property in Object(values, $"global {name}").EnumerateObject())
            {
                map[property.Name] = DecimalOf(property.Value, $"global {name} {property.Name}");
            }
        }

        return map;
    }
}

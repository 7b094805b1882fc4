using System.Text.Json;
using CryptoRun.Domain;
using static CryptoRun.Venues.Common.JsonElementRead;

namespace CryptoRun.Venues.CoinPaprika;

/// <summary>
/// Parses CoinPaprika API v1 JSON. Malformed payloads throw <see cref="FormatException"/> naming the field;
/// a ticker without the quote currency asked for throws <see cref="VenueRequestException"/>. Numbers are JSON
/// numbers, parsed invariantly from their text.
/// </summary>
internal static class CoinPaprikaParser
{
    /// <summary>
    /// Parses the quote part of <c>GET /v1/tickers/{coin_id}?quotes=USD</c>:
    /// <c>{"id", "symbol", "last_updated": "2025-06-25T10:47:48Z", "quotes": {"USD": {"price", "volume_24h", ...}}}</c>.
    /// <c>volume_24h</c> is in the quote currency, not base units, so it is not mapped.
    /// </summary>
    /// <exception cref="VenueRequestException">The ticker has no quote in the currency asked for.</exception>
    internal static SpotQuote ParseQuote(string venue, Instrument instrument, string quote, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var ticker = Object(document.RootElement, "ticker");
        var quotes = Object(Property(ticker, "quotes", "ticker"), "ticker quotes");
        if (Optional(quotes, quote) is not { ValueKind: JsonValueKind.Object } q)
        {
            throw new VenueRequestException(venue, $"{venue}: the ticker has no {quote} quote; quotes must be one CoinPaprika supports (USD, BTC, ETH, EUR, ...)");
        }

        return new SpotQuote(
            instrument,
            Decimal(q, "price", $"ticker quotes {quote}"),
            null,
            null,
            null,
            IsoTime(String(ticker, "last_updated", "ticker"), "ticker last_updated"));
    }

    /// <summary>
    /// Parses the supply part of <c>GET /v1/tickers/{coin_id}</c>: <c>circulating_supply</c> (absent on the Free
    /// plan), <c>total_supply</c>, <c>max_supply</c> (coin units, as CoinPaprika reports them; 0 is kept as sent)
    /// and <c>last_updated</c>.
    /// </summary>
    internal static SupplySnapshot ParseSupply(string asset, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var ticker = Object(document.RootElement, "ticker");
        return new SupplySnapshot(
            asset,
            OptionalDecimal(ticker, "circulating_supply", "ticker"),
            OptionalDecimal(ticker, "total_supply", "ticker"),
            OptionalDecimal(ticker, "max_supply", "ticker"),
            IsoTime(String(ticker, "last_updated", "ticker"), "ticker last_updated"));
    }

    /// <summary>
    /// Parses the <c>currencies</c> list of <c>GET /v1/search?q=&amp;c=currencies</c>:
    /// <c>{"currencies": [{"id", "name", "symbol", "rank", "is_new", "is_active", "type"}], ...}</c>; other
    /// categories (<c>exchanges</c>, <c>icos</c>, <c>people</c>, <c>tags</c>) are ignored; a missing list is empty.
    /// </summary>
    internal static List<CoinPaprikaCurrency> ParseSearchCurrencies(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = Object(document.RootElement, "search");
        var currencies = new List<CoinPaprikaCurrency>();
        if (Optional(root, "currencies") is not { } list)
        {
            return currencies;
        }

        foreach (var item in Array(list, "search currencies").EnumerateArray())
        {
            var what = $"search currency {currencies.Count}";
            Object(item, what);
            currencies.Add(new CoinPaprikaCurrency(
                String(item, "id", what),
                String(item, "name", what),
                String(item, "symbol", what),
                Optional(item, "rank") is { } rank ? checked((int)Int64Of(rank, $"{what} rank")) : 0,
                Optional(item, "is_active") is not { ValueKind: JsonValueKind.False },
                Optional(item, "is_new") is { ValueKind: JsonValueKind.True },
                OptionalString(item, "type")));
        }

        return currencies;
    }

    /// <summary>Parses <c>GET /v1/global</c> far enough to know it is the global object: returns its <c>last_updated</c> (Unix seconds) as epoch ms, or 0.</summary>
    internal static long ParseGlobal(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = Object(document.RootElement, "global");
        return Optional(root, "last_updated") is { } at ? Int64Of(at, "global last_updated") * 1000 : 0;
    }

    /// <summary>Reads CoinPaprika's error body <c>{"error": "id not found"}</c> (400, 402, 404, 429).</summary>
    internal static VenueException? ReadError(string venue, int status, byte[] body, string endpoint)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && OptionalString(document.RootElement, "error") is { } error)
            {
                return new VenueRequestException(venue, $"{venue} {endpoint}: HTTP {status}: {error}") { StatusCode = status, VenueCode = error };
            }
        }
        catch (JsonException)
        {
            // Not CoinPaprika's error shape: the default mapping quotes the body.
        }

        return null;
    }
}

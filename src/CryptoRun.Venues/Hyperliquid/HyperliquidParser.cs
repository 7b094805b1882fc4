using System.Text.Json;
using CryptoRun.Domain;
using static CryptoRun.Venues.Common.JsonElementRead;

namespace CryptoRun.Venues.Hyperliquid;

/// <summary>
/// Parses Hyperliquid <c>POST /info</c> answers into domain records. Malformed payloads throw
/// <see cref="FormatException"/> naming the item and field; a JSON <c>null</c> where a book or candle
/// list belongs (what <c>/info</c> answers for a coin it does not list) throws <see cref="VenueRequestException"/>.
/// Prices and sizes are the venue's decimal strings, parsed invariantly.
/// </summary>
internal static class HyperliquidParser
{
    /// <summary>
    /// Parses <c>{"type": "meta"}</c>: <c>{"universe": [{"name", "szDecimals", "maxLeverage", "onlyIsolated"?, "isDelisted"?}], ...}</c>.
    /// Every entry is a perpetual settled in USDC: unified <c>NAME/USDC:USDC</c> (upper-cased, so <c>kPEPE</c>
    /// is <c>KPEPE/USDC:USDC</c>), venue symbol the coin name as written. Delisted coins are listed as not trading;
    /// names that are not letters and digits (builder-deployed <c>dex:COIN</c>) are left out.
    /// </summary>
    internal static List<Market> ParseMeta(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var universe = Array(Property(Object(document.RootElement, "meta"), "universe", "meta"), "meta universe");
        var markets = new List<Market>();
        var index = 0;
        foreach (var asset in universe.EnumerateArray())
        {
            var what = $"meta universe {index++}";
            var name = String(asset, "name", what);
            if (!Instrument.TryParse($"{name}/USDC:USDC", out var instrument))
            {
                continue;
            }

            var delisted = Optional(asset, "isDelisted") is { ValueKind: JsonValueKind.True };
            markets.Add(new Market(instrument, name, MarketKind.Perpetual, !delisted, "perp"));
        }

        return markets;
    }

    /// <summary>Parses <c>{"type": "allMids"}</c>: an object coin to mid price string (spot pairs appear as <c>@index</c>).</summary>
    internal static Dictionary<string, decimal> ParseAllMids(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var mids = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var property in Object(document.RootElement, "allMids").EnumerateObject())
        {
            mids[property.Name] = DecimalOf(property.Value, $"allMids {property.Name}");
        }

        return mids;
    }

    /// <summary>
    /// Parses <c>{"type": "l2Book", "coin"}</c>: <c>{"coin", "time", "levels": [bids, asks]}</c>, levels
    /// <c>{"px", "sz", "n"}</c> best first, at most 20 per side; <c>n</c> is the number of orders at the level.
    /// </summary>
    /// <exception cref="VenueRequestException">The venue answered <c>null</c>: it has no book for the coin.</exception>
    internal static L2BookSnapshot ParseL2Book(string venue, Instrument instrument, string coin, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Null)
        {
            throw new VenueRequestException(venue, $"{venue}: no l2Book for coin '{coin}' (the venue answered null)");
        }

        var levels = Array(Property(Object(root, "l2Book"), "levels", "l2Book"), "l2Book levels");
        if (levels.GetArrayLength() < 2)
        {
            throw new FormatException($"l2Book levels: expected [bids, asks], found {levels.GetArrayLength()} sides");
        }

        long? time = Optional(root, "time") is { } t ? Int64Of(t, "l2Book time") : null;
        return new L2BookSnapshot(instrument, null, time, Levels(levels[0], "bid"), Levels(levels[1], "ask"));
    }

    /// <summary>
    /// Parses <c>{"type": "candleSnapshot", "req": {...}}</c>: <c>[{"t", "T", "s", "i", "o", "c", "h", "l", "v", "n"}]</c>
    /// oldest first; <c>t</c> open and <c>T</c> close time (ms), <c>v</c> volume in base units, <c>n</c> trades.
    /// Returned sorted by open time; no quote volume (the venue gives none).
    /// </summary>
    /// <exception cref="VenueRequestException">The venue answered <c>null</c>: it has no candles for the coin.</exception>
    internal static List<Candle> ParseCandles(string venue, string coin, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind == JsonValueKind.Null)
        {
            throw new VenueRequestException(venue, $"{venue}: no candleSnapshot for coin '{coin}' (the venue answered null)");
        }

        var candles = new List<Candle>();
        foreach (var row in Array(document.RootElement, "candleSnapshot").EnumerateArray())
        {
            var what = $"candle {candles.Count}";
            Object(row, what);
            candles.Add(new Candle(
                Int64(row, "t", what),
                Decimal(row, "o", what),
                Decimal(row, "h", what),
                Decimal(row, "l", what),
                Decimal(row, "c", what),
                Decimal(row, "v", what),
                QuoteVolume: null,
                TradeCount: Optional(row, "n") is { } n ? Int64Of(n, $"{what} n") : null));
        }

        candles.Sort((a, b) => a.OpenTimeMs.CompareTo(b.OpenTimeMs));
        return candles;
    }

    /// <summary>
    /// Parses <c>{"type": "fundingHistory", "coin", "startTime", "endTime"}</c>:
    /// <c>[{"coin", "fundingRate", "premium", "time"}]</c> oldest first; the rate is the fraction paid for the
    /// funding interval (positive: longs pay shorts). Returned oldest first.
    /// </summary>
    internal static List<FundingRate> ParseFundingHistory(Instrument instrument, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var rates = new List<FundingRate>();
        foreach (var row in Array(document.RootElement, "fundingHistory").EnumerateArray())
        {
            var what = $"funding {rates.Count}";
            Object(row, what);
            rates.Add(new FundingRate(instrument, Int64(row, "time", what), Decimal(row, "fundingRate", what)));
        }

        rates.Sort((a, b) => a.TimeMs.CompareTo(b.TimeMs));
        return rates;
    }

    /// <summary>
    /// Parses <c>{"type": "recentTrades", "coin"}</c>: <c>[{"coin", "side", "px", "sz", "time", "hash", "tid", "users"}]</c>;
    /// <c>side</c> is the aggressor's, <c>B</c> (buy) or <c>A</c> (sell); other values keep the raw text and
    /// <see cref="TradeSide.Unknown"/>. Returned oldest first (by time, then trade id).
    /// </summary>
    internal static List<Trade> ParseRecentTrades(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var trades = new List<Trade>();
        foreach (var row in Array(document.RootElement, "recentTrades").EnumerateArray())
        {
            var what = $"trade {trades.Count}";
            Object(row, what);
            var rawSide = OptionalString(row, "side");
            var side = rawSide switch { "B" => TradeSide.Buy, "A" => TradeSide.Sell, _ => TradeSide.Unknown };
            trades.Add(new Trade(String(row, "tid", what), Int64(row, "time", what), Decimal(row, "px", what), Decimal(row, "sz", what), side, rawSide));
        }

        return trades
            .OrderBy(t => t.TimeMs)
            .ThenBy(t => long.TryParse(t.Id, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : 0)
            .ToList();
    }

    private static List<BookLevel> Levels(JsonElement side, string name)
    {
        var list = new List<BookLevel>();
        foreach (var level in Array(side, $"l2Book {name}s").EnumerateArray())
        {
            var what = $"{name} level {list.Count}";
            Object(level, what);
            int? orders = Optional(level, "n") is { } n ? (int)Int64Of(n, $"{what} n") : null;
            list.Add(new BookLevel(Decimal(level, "px", what), Decimal(level, "sz", what), orders));
        }

        return list;
    }
}

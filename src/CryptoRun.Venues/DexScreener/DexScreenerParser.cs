using System.Text.Json;
using CryptoRun.Domain;
using static CryptoRun.Venues.Common.JsonElementRead;

namespace CryptoRun.Venues.DexScreener;

/// <summary>
/// Parses DEX Screener JSON: <c>{"schemaVersion": "1.0.0", "pairs": [...]}</c>. Malformed payloads throw
/// <see cref="FormatException"/> naming the pair and field. Prices are the venue's decimal strings;
/// liquidity and volume are JSON numbers, parsed invariantly from their text.
/// </summary>
internal static class DexScreenerParser
{
    /// <summary>
    /// Parses <c>GET /latest/dex/pairs/{chainId}/{pairId}</c> and <c>GET /latest/dex/search?q=</c>:
    /// pairs <c>{"chainId", "dexId", "url", "pairAddress", "baseToken": {"address", "name", "symbol"},
    /// "quoteToken": {...}, "priceNative": "0.85", "priceUsd": "1.94", "txns", "volume": {"h24", "h6", "h1", "m5"},
    /// "priceChange", "liquidity": {"usd", "base", "quote"}, "fdv", "marketCap", "pairCreatedAt"}</c>;
    /// <c>priceUsd</c>, <c>liquidity</c> and <c>volume</c> may be absent (new or unpriced pairs). <c>"pairs": null</c>
    /// (an unknown pair) is an empty list. The snapshot time is <paramref name="readAtMs"/>, the fetch time.
    /// </summary>
    internal static List<DexPairSnapshot> ParsePairs(byte[] json, long readAtMs)
    {
        using var document = JsonDocument.Parse(json);
        var root = Object(document.RootElement, "dex pairs");
        var pairs = new List<DexPairSnapshot>();
        if (Optional(root, "pairs") is not { } list)
        {
            return pairs;
        }

        foreach (var pair in Array(list, "pairs").EnumerateArray())
        {
            var what = $"pair {pairs.Count}";
            Object(pair, what);
            pairs.Add(new DexPairSnapshot(
                String(pair, "chainId", what),
                String(pair, "pairAddress", what),
                String(pair, "dexId", what),
                String(Property(pair, "baseToken", what), "symbol", $"{what} baseToken"),
                String(Property(pair, "quoteToken", what), "symbol", $"{what} quoteToken"),
                OptionalDecimal(pair, "priceUsd", what),
                OptionalDecimal(pair, "priceNative", what),
                Optional(pair, "liquidity") is { } liquidity ? OptionalDecimal(liquidity, "usd", $"{what} liquidity") : null,
                Optional(pair, "volume") is { } volume ? OptionalDecimal(volume, "h24", $"{what} volume") : null,
                readAtMs));
        }

        return pairs;
    }
}

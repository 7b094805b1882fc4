namespace CryptoRun.Replay;

/// <summary>Which path prefixes belong to which venue's API on the replay's one port.</summary>
internal static class ReplayVenuePaths
{
    /// <summary>Each venue's path prefixes.</summary>
    internal static readonly IReadOnlyDictionary<string, string[]> Prefixes = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["binance"] = ["/api/v3"],
        ["binance-usdm"] = ["/fapi/v1"],
        ["kraken"] = ["/0/public"],
        ["coinbase"] = ["/products", "/time"],
        ["okx"] = ["/api/v5"],
        ["hyperliquid"] = ["/info"],
        ["coingecko"] = ["/api/v3/global", "/api/v3/simple", "/api/v3/coins"],
        ["coinpaprika"] = ["/v1"],
        ["bybit"] = ["/v5/market", "/v2/public"],
        ["kraken-futures"] = ["/derivatives/api/v3"],
        ["bitstamp"] = ["/api/v2"],
    };

    /// <summary>The venue whose API a request path is under, or null; the longest matching prefix wins (CoinGecko's <c>/api/v3/global</c> within Binance's <c>/api/v3</c>).</summary>
    internal static string? VenueOf(string path)
        => Prefixes
            .SelectMany(v => v.Value.Where(p => Under(path, p)).Select(p => (Venue: v.Key, Prefix: p)))
            .OrderByDescending(m => m.Prefix.Length)
            .Select(m => m.Venue)
            .FirstOrDefault();

    /// <summary>Whether a rule's path prefix can match some path of the venue's API.</summary>
    internal static bool CanReach(string venue, string pathPrefix)
        => Prefixes.TryGetValue(venue, out var prefixes)
           && prefixes.Any(p => pathPrefix.StartsWith(p, StringComparison.Ordinal) || p.StartsWith(pathPrefix, StringComparison.Ordinal));

    private static bool Under(string path, string prefix)
        => path.StartsWith(prefix, StringComparison.Ordinal) && (path.Length == prefix.Length || path[prefix.Length] == '/');
}

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
    };

    /// <summary>The venue whose API a request path is under, or null.</summary>
    internal static string? VenueOf(string path)
    {
        foreach (var (venue, prefixes) in Prefixes)
        {
            if (prefixes.Any(p => Under(path, p)))
            {
                return venue;
            }
        }

        return null;
    }

    /// <summary>Whether a rule's path prefix can match some path of the venue's API.</summary>
    internal static bool CanReach(string venue, string pathPrefix)
        => Prefixes.TryGetValue(venue, out var prefixes)
           && prefixes.Any(p => pathPrefix.StartsWith(p, StringComparison.Ordinal) || p.StartsWith(pathPrefix, StringComparison.Ordinal));

    private static bool Under(string path, string prefix)
        => path.StartsWith(prefix, StringComparison.Ordinal) && (path.Length == prefix.Length || path[prefix.Length] == '/');
}

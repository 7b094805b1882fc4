using CryptoRun.Domain;
using CryptoRun.Providers;

namespace CryptoRun.Venues.Common;

/// <summary>Fetches a stream-only venue's market metadata: one GET through the venue's gate, status mapped to a typed error, body parsed into a catalog.</summary>
internal static class MarketMetadata
{
    /// <summary>GETs <paramref name="pathAndQuery"/> through <paramref name="rest"/> (whose client's base address is the venue's REST base) and parses the body.</summary>
    /// <exception cref="VenueRateLimitedException">429, with its <c>Retry-After</c>.</exception>
    /// <exception cref="VenueUnavailableException">Transport failure or 5xx.</exception>
    /// <exception cref="VenueRequestException">Another non-2xx status; the message quotes the body's start.</exception>
    /// <exception cref="VenueDataException">The body is not the venue's shape; the message names what was wrong.</exception>
    /// <exception cref="ProviderUnavailableException">The gate refused without sending (circuit open, budget spent).</exception>
    internal static async Task<MarketCatalog> FetchAsync(VenueConnection rest, string venue, string pathAndQuery, Func<string, byte[], MarketCatalog> parse, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rest);
        var http = new VenueHttp(venue, rest, static (_, _, _) => null);
        var catalog = await http.GetAsync(pathAndQuery, null, body => parse(venue, body), cancellationToken).ConfigureAwait(false);
        return catalog.Value;
    }
}

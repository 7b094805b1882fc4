using System.Net;
using CryptoRun.Domain;

namespace CryptoRun.Venues.Common;

/// <summary>Fetches a stream-only venue's market metadata: one GET, status mapped to a typed error, body parsed into a catalog.</summary>
internal static class MarketMetadata
{
    /// <summary>GETs <paramref name="pathAndQuery"/> on <paramref name="http"/> (whose base address is the venue's REST base) and parses the body.</summary>
    /// <exception cref="VenueRateLimitedException">429.</exception>
    /// <exception cref="VenueUnavailableException">Transport failure or 5xx.</exception>
    /// <exception cref="VenueRequestException">Another non-2xx status; the message quotes the body's start.</exception>
    /// <exception cref="VenueDataException">The body is not the venue's shape; the message names what was wrong.</exception>
    internal static async Task<MarketCatalog> FetchAsync(HttpClient http, string venue, string pathAndQuery, Func<string, byte[], MarketCatalog> parse, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        byte[] body;
        HttpStatusCode status;
        try
        {
            using var response = await http.GetAsync(new Uri(pathAndQuery.TrimStart('/'), UriKind.Relative), cancellationToken).ConfigureAwait(false);
            status = response.StatusCode;
            body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new VenueUnavailableException(venue, $"{venue} GET {pathAndQuery}: {ex.Message}", ex);
        }

        var code = (int)status;
        if (code == 429)
        {
            throw new VenueRateLimitedException(venue, $"{venue} GET {pathAndQuery}: 429 too many requests");
        }

        if (code >= 500)
        {
            throw new VenueUnavailableException(venue, $"{venue} GET {pathAndQuery}: {code}");
        }

        if (code is < 200 or >= 300)
        {
            var text = System.Text.Encoding.UTF8.GetString(body);
            throw new VenueRequestException(venue, $"{venue} GET {pathAndQuery}: {code} {text[..Math.Min(200, text.Length)]}");
        }

        try
        {
            return parse(venue, body);
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or InvalidOperationException or KeyNotFoundException)
        {
            throw new VenueDataException(venue, $"{venue} GET {pathAndQuery}: {ex.Message}", ex);
        }
    }
}

using System.Text;
using System.Text.Json;
using CryptoRun.Domain;
using static CryptoRun.Venues.Common.JsonElementRead;

namespace CryptoRun.Venues.DefiLlama;

/// <summary>Parses DeFiLlama answers. Malformed payloads throw <see cref="FormatException"/> saying what was found.</summary>
internal static class DefiLlamaParser
{
    /// <summary>
    /// Parses <c>GET /tvl/{protocol}</c>: a bare JSON number, the protocol's current TVL in USD (for example
    /// <c>4962012809.795062</c>), parsed invariantly from its text. The answer has no time; <paramref name="readAtMs"/>
    /// (the fetch time) is used.
    /// </summary>
    internal static TvlPoint ParseTvl(string protocol, byte[] json, long readAtMs)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Number)
        {
            throw new FormatException($"tvl {protocol}: expected a bare number, found {Describe(root)}");
        }

        return new TvlPoint(protocol, readAtMs, DecimalOf(root, $"tvl {protocol}"));
    }

    /// <summary>
    /// Reads DeFiLlama's failures: an unknown protocol is HTTP 404 with a plain-text body (<c>Not found</c>,
    /// <c>Protocol is not in our database</c>) or, from older deployments, HTTP 400 with <c>{"message": "..."}</c>.
    /// </summary>
    internal static VenueException? ReadError(string venue, int status, byte[] body, string endpoint)
    {
        if (status is not (400 or 404))
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 200)).Trim();
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && OptionalString(document.RootElement, "message") is { } message)
            {
                text = message;
            }
        }
        catch (JsonException)
        {
            // Plain text: quoted as it is.
        }

        return new VenueRequestException(venue, $"{venue} {endpoint}: HTTP {status}: {text} (the protocol slug is unknown to DeFiLlama)")
        {
            StatusCode = status,
            VenueCode = text,
        };
    }
}

using System.Text.Json;
using CryptoRun.Domain;

namespace CryptoRun.Venues.Common;

/// <summary>Runs a venue parser and turns any parse failure into a <see cref="VenueDataException"/> naming venue and endpoint.</summary>
internal static class Payload
{
    /// <summary>Parses <paramref name="reply"/>'s body with <paramref name="parse"/>.</summary>
    /// <exception cref="VenueDataException">The body is malformed; the message says where.</exception>
    internal static T Parse<T>(VenueReply reply, Func<byte[], T> parse)
    {
        try
        {
            return parse(reply.Body);
        }
        // JsonElement reports a row shorter than the venue's documented shape as IndexOutOfRangeException.
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidOperationException or KeyNotFoundException
            or OverflowException or IndexOutOfRangeException)
        {
            var provenance = reply.Provenance;
            throw new VenueDataException(
                provenance.Provider,
                $"{provenance.Provider} {provenance.Endpoint}: malformed response: {ex.Message}",
                ex);
        }
    }
}

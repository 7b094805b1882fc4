using System.Buffers;
using System.Text;
using System.Text.Json;
using CryptoRun.Streaming;

namespace CryptoRun.Venues.Common;

/// <summary>Small helpers the stream protocols share: request frames written with <see cref="Utf8JsonWriter"/>, optional values, grouping.</summary>
internal static class StreamJson
{
    /// <summary>One compact JSON text written by <paramref name="write"/>.</summary>
    internal static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes <c>"name":["a","b"]</c>.</summary>
    internal static void StringArray(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    /// <summary>The subscriptions' channels in order of first appearance, each with its distinct stream symbols in order.</summary>
    internal static List<(StreamChannel Channel, List<string> Symbols)> ByChannel(IReadOnlyList<VenueSubscription> subscriptions)
    {
        ArgumentNullException.ThrowIfNull(subscriptions);
        var groups = new List<(StreamChannel Channel, List<string> Symbols)>();
        foreach (var subscription in subscriptions)
        {
            var index = groups.FindIndex(g => g.Channel == subscription.Channel);
            if (index < 0)
            {
                groups.Add((subscription.Channel, []));
                index = groups.Count - 1;
            }

            if (!groups[index].Symbols.Contains(subscription.StreamSymbol, StringComparer.Ordinal))
            {
                groups[index].Symbols.Add(subscription.StreamSymbol);
            }
        }

        return groups;
    }

    /// <summary>The next token as a decimal, or null when it is JSON null or an empty string (venues use both for "none").</summary>
    /// <exception cref="FormatException">The token is neither empty nor a decimal; the message names <paramref name="what"/>.</exception>
    internal static decimal? NextOptionalDecimal(ref Utf8JsonReader reader, Field what)
    {
        JsonRead.Next(ref reader);
        if (reader.TokenType == JsonTokenType.Null || (reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length == 0))
        {
            return null;
        }

        return JsonRead.Decimal(ref reader, what);
    }

    /// <summary>Skips the value of the property the reader is on.</summary>
    internal static void SkipValue(ref Utf8JsonReader reader)
    {
        JsonRead.Next(ref reader);
        reader.Skip();
    }
}

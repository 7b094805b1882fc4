using System.Globalization;
using System.Text.Json;

namespace CryptoRun.Venues.Common;

/// <summary>
/// Tolerant reads over <see cref="JsonElement"/> for the smaller venue payloads (aggregators, DeFi,
/// Hyperliquid <c>/info</c>): numbers from JSON strings or JSON numbers alike, parsed invariantly from
/// the venue's own text so the digits are kept; unknown fields are never looked at. Failures throw
/// <see cref="FormatException"/> naming the field (<c>candle 3 o</c>) and what was found.
/// </summary>
internal static class JsonElementRead
{
    /// <summary>The root element as an object.</summary>
    /// <exception cref="FormatException">It is not an object.</exception>
    internal static JsonElement Object(JsonElement element, string what)
        => element.ValueKind == JsonValueKind.Object
            ? element
            : throw new FormatException($"{what}: expected an object, found {Describe(element)}");

    /// <summary>The root element as an array.</summary>
    /// <exception cref="FormatException">It is not an array.</exception>
    internal static JsonElement Array(JsonElement element, string what)
        => element.ValueKind == JsonValueKind.Array
            ? element
            : throw new FormatException($"{what}: expected an array, found {Describe(element)}");

    /// <summary>A required property.</summary>
    /// <exception cref="FormatException">The property is missing.</exception>
    internal static JsonElement Property(JsonElement item, string name, string what)
        => item.ValueKind == JsonValueKind.Object && item.TryGetProperty(name, out var value)
            ? value
            : throw new FormatException($"{what}: no '{name}'");

    /// <summary>An optional property; null when missing or JSON null.</summary>
    internal static JsonElement? Optional(JsonElement item, string name)
        => item.ValueKind == JsonValueKind.Object && item.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    /// <summary>A required decimal property, from a JSON string or number.</summary>
    /// <exception cref="FormatException">Missing or not a decimal number.</exception>
    internal static decimal Decimal(JsonElement item, string name, string what)
        => DecimalOf(Property(item, name, what), $"{what} {name}");

    /// <summary>An optional decimal property (missing, null or empty string give null).</summary>
    /// <exception cref="FormatException">Present but not a decimal number.</exception>
    internal static decimal? OptionalDecimal(JsonElement item, string name, string what)
        => Optional(item, name) is { } value && !(value.ValueKind == JsonValueKind.String && value.GetString()!.Length == 0)
            ? DecimalOf(value, $"{what} {name}")
            : null;

    /// <summary>A value as a decimal, from a JSON string or number, keeping the venue's digits (exponent forms allowed).</summary>
    /// <exception cref="FormatException">Not a decimal number.</exception>
    internal static decimal DecimalOf(JsonElement value, string what)
    {
        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
        return text is not null && decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw new FormatException($"{what}: expected a decimal number, found {Describe(value)}");
    }

    /// <summary>A required 64-bit integer property, from a JSON number or a string of digits.</summary>
    /// <exception cref="FormatException">Missing or not an integer.</exception>
    internal static long Int64(JsonElement item, string name, string what)
        => Int64Of(Property(item, name, what), $"{what} {name}");

    /// <summary>A value as a 64-bit integer, from a JSON number or a string of digits.</summary>
    /// <exception cref="FormatException">Not an integer.</exception>
    internal static long Int64Of(JsonElement value, string what)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number))
        {
            return number;
        }

        if (value.ValueKind == JsonValueKind.String
            && long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
        {
            return parsed;
        }

        throw new FormatException($"{what}: expected an integer, found {Describe(value)}");
    }

    /// <summary>A required string property (a JSON number's text is accepted).</summary>
    /// <exception cref="FormatException">Missing or not a string.</exception>
    internal static string String(JsonElement item, string name, string what)
    {
        var value = Property(item, name, what);
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Number => value.GetRawText(),
            _ => throw new FormatException($"{what} {name}: expected a string, found {Describe(value)}"),
        };
    }

    /// <summary>An optional string property; null when missing, null or not a string.</summary>
    internal static string? OptionalString(JsonElement item, string name)
        => Optional(item, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    /// <summary>Parses an ISO-8601 UTC time (<c>2024-03-25T08:45:00.000Z</c>) to epoch milliseconds.</summary>
    /// <exception cref="FormatException">Not an ISO-8601 time.</exception>
    internal static long IsoTime(string text, string what)
        => DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at.ToUnixTimeMilliseconds()
            : throw new FormatException($"{what}: '{Cut(text)}' is not an ISO-8601 time");

    /// <summary>Describes a value for an error message, cut to 60 characters.</summary>
    internal static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Undefined => "nothing",
        JsonValueKind.Null => "null",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => Cut(value.GetRawText()),
    };

    private static string Cut(string text) => text.Length > 60 ? text[..60] + "..." : text;
}

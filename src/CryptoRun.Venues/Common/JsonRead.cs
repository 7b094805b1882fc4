using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using CryptoRun.Domain;

namespace CryptoRun.Venues.Common;

/// <summary>
/// Names a value in a payload for error messages (<c>kline 17 open</c>), formatted only when an error is raised,
/// so reading a field costs no string.
/// </summary>
/// <param name="Kind">The item kind, for example <c>kline</c>.</param>
/// <param name="Index">The item's index in the payload, or -1.</param>
/// <param name="Name">The field, or null for the item itself.</param>
internal readonly record struct Field(string Kind, int Index = -1, string? Name = null)
{
    public override string ToString()
        => Index < 0 ? (Name is null ? Kind : $"{Kind} {Name}") : (Name is null ? $"{Kind} {Index}" : $"{Kind} {Index} {Name}");

    public static implicit operator Field(string kind) => new(kind);
}

/// <summary>
/// Tolerant, allocation-light reads over <see cref="Utf8JsonReader"/>: numbers parsed invariantly
/// from the venue's own UTF-8 digits, strings or JSON numbers alike. Failures throw
/// <see cref="FormatException"/> naming what was expected and what was found.
/// </summary>
internal static class JsonRead
{
    /// <summary>Advances to the next token; fails if the payload ends.</summary>
    internal static void Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new FormatException("payload ends early");
        }
    }

    /// <summary>Expects the current token to be <paramref name="type"/>.</summary>
    internal static void Expect(ref Utf8JsonReader reader, JsonTokenType type, Field what)
    {
        if (reader.TokenType != type)
        {
            throw new FormatException($"{what}: expected {Describe(type)}, found {Describe(reader.TokenType)}");
        }
    }

    /// <summary>Advances to the next token and expects it to be <paramref name="type"/>.</summary>
    internal static void NextIs(ref Utf8JsonReader reader, JsonTokenType type, Field what)
    {
        Next(ref reader);
        Expect(ref reader, type, what);
    }

    /// <summary>Reads the next token as a decimal, from a JSON string or number, keeping the venue's scale.</summary>
    internal static decimal NextDecimal(ref Utf8JsonReader reader, Field what)
    {
        Next(ref reader);
        return Decimal(ref reader, what);
    }

    /// <summary>The current token as a decimal, from a JSON string or number, keeping the venue's scale.</summary>
    internal static decimal Decimal(ref Utf8JsonReader reader, Field what)
    {
        if (reader.TokenType is JsonTokenType.String or JsonTokenType.Number && !reader.HasValueSequence && !reader.ValueIsEscaped)
        {
            var span = reader.ValueSpan;
            // Plain venue decimals take the fast path; exponent forms such as 1e-5 (JSON numbers may use them) fall back to Utf8Parser.
            if (DecimalText.TryParse(span, out var value))
            {
                return value;
            }
        }

        throw new FormatException($"{what}: expected a decimal number, found {Found(ref reader)}");
    }

    /// <summary>Reads the next token as a 64-bit integer, from a JSON number or a string of digits.</summary>
    internal static long NextInt64(ref Utf8JsonReader reader, Field what)
    {
        Next(ref reader);
        return Int64(ref reader, what);
    }

    /// <summary>The current token as a 64-bit integer, from a JSON number or a string of digits.</summary>
    internal static long Int64(ref Utf8JsonReader reader, Field what)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var number))
        {
            return number;
        }

        if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped
            && Utf8Parser.TryParse(reader.ValueSpan, out long parsed, out var consumed) && consumed == reader.ValueSpan.Length)
        {
            return parsed;
        }

        throw new FormatException($"{what}: expected an integer, found {Found(ref reader)}");
    }

    /// <summary>Reads the next token as a string (or the text of a number).</summary>
    internal static string NextString(ref Utf8JsonReader reader, Field what)
    {
        Next(ref reader);
        return String(ref reader, what);
    }

    /// <summary>The current token as a string (or the text of a number).</summary>
    internal static string String(ref Utf8JsonReader reader, Field what) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString()!,
        JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
        _ => throw new FormatException($"{what}: expected a string, found {Found(ref reader)}"),
    };

    /// <summary>Skips the rest of the current array (after its expected items), tolerating new trailing fields.</summary>
    internal static void SkipToEndOfArray(ref Utf8JsonReader reader, Field what)
    {
        while (true)
        {
            Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return;
            }

            if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject)
            {
                reader.Skip();
            }
            else if (reader.TokenType is JsonTokenType.EndObject)
            {
                throw new FormatException($"{what}: unbalanced JSON");
            }
        }
    }

    /// <summary>Creates a reader over a whole payload.</summary>
    internal static Utf8JsonReader Reader(ReadOnlySpan<byte> utf8)
        => new(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });

    /// <summary>Describes the current token for an error message (its text, cut to 40 characters).</summary>
    internal static string Found(ref Utf8JsonReader reader)
    {
        var kind = Describe(reader.TokenType);
        if (reader.TokenType is JsonTokenType.String or JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False)
        {
            var text = Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan.ToArray());
            if (text.Length > 40)
            {
                text = text[..40] + "...";
            }

            return reader.TokenType == JsonTokenType.String ? $"\"{text}\"" : text;
        }

        return kind;
    }

    private static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartArray => "an array",
        JsonTokenType.EndArray => "the end of an array",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.EndObject => "the end of an object",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.PropertyName => "a property name",
        _ => "nothing",
    };
}

using System.Text;
using System.Text.Json;
using CryptoRun.Books;
using CryptoRun.Domain;

namespace CryptoRun.Venues.Common;

/// <summary>Reads the level arrays every venue's book stream uses: <c>[[price, size, ...], ...]</c>, keeping the venue's text.</summary>
internal static class BookLevels
{
    /// <summary>
    /// Reads the array at the reader's next token into <paramref name="into"/>: each level's first two items are
    /// price and size (JSON strings or numbers); anything after them (Kraken's time and republish flag, OKX's order
    /// counts) is skipped.
    /// </summary>
    /// <exception cref="FormatException">The array is not of levels; the message names <paramref name="what"/>.</exception>
    internal static void Read(ref Utf8JsonReader reader, List<LevelChange> into, Field what)
    {
        JsonRead.Next(ref reader);
        ReadCurrent(ref reader, into, what);
    }

    /// <summary>As <see cref="Read"/>, with the reader already on the array's start.</summary>
    /// <exception cref="FormatException">The array is not of levels; the message names <paramref name="what"/>.</exception>
    internal static void ReadCurrent(ref Utf8JsonReader reader, List<LevelChange> into, Field what)
    {
        JsonRead.Expect(ref reader, JsonTokenType.StartArray, what);
        while (true)
        {
            JsonRead.Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return;
            }

            JsonRead.Expect(ref reader, JsonTokenType.StartArray, what);
            JsonRead.Next(ref reader);
            var (price, priceText) = Value(ref reader, what);
            JsonRead.Next(ref reader);
            var (size, sizeText) = Value(ref reader, what);
            into.Add(new LevelChange(price, size, priceText, sizeText));
            JsonRead.SkipToEndOfArray(ref reader, what);
        }
    }

    /// <summary>The current token as a decimal with the venue's own text.</summary>
    internal static (decimal Value, string Text) Value(ref Utf8JsonReader reader, Field what)
    {
        if (reader.TokenType is JsonTokenType.String or JsonTokenType.Number && !reader.ValueIsEscaped && !reader.HasValueSequence
            && DecimalText.TryParse(reader.ValueSpan, out var value))
        {
            return (value, Encoding.UTF8.GetString(reader.ValueSpan));
        }

        throw new FormatException($"{what}: expected a decimal number, found {JsonRead.Found(ref reader)}");
    }
}

using System.Buffers.Text;

namespace CryptoRun.Domain;

/// <summary>
/// Parses the plain decimal text venues send ("-12.3400", "0.00001234") from UTF-8, keeping its scale,
/// several times faster than <see cref="Utf8Parser"/>: digits go straight into a 64-bit mantissa.
/// Anything else (more than 19 significant digits, exponents, a leading '+') falls back to
/// <see cref="Utf8Parser"/>, so the result always equals <see cref="decimal.Parse(string, IFormatProvider)"/>
/// under the invariant culture, including trailing zeros.
/// </summary>
/// <remarks>Measured in bench/README.md (store reads, venue parsers); property-tested against decimal.Parse.</remarks>
public static class DecimalText
{
    /// <summary>Parses all of <paramref name="utf8"/> as a decimal.</summary>
    /// <param name="utf8">The text, UTF-8 encoded, nothing before or after the number.</param>
    /// <param name="value">The value with the text's scale ("1.50" has scale 2); 0 when false is returned.</param>
    /// <returns>False when the text is not a decimal number in full or does not fit a decimal.</returns>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out decimal value)
    {
        var i = 0;
        var negative = false;
        if (utf8.Length > 0 && utf8[0] == (byte)'-')
        {
            negative = true;
            i = 1;
        }

        ulong mantissa = 0;
        var digits = 0;      // significant digits taken into the mantissa
        var scale = -1;      // digits after the point, or -1 before a point is seen
        var any = false;
        for (; i < utf8.Length; i++)
        {
            var c = utf8[i];
            var digit = (uint)(c - '0');
            if (digit <= 9)
            {
                any = true;
                if (digits == 19)
                {
                    return Fallback(utf8, out value);
                }

                if (mantissa != 0 || digit != 0)
                {
                    digits++;
                }

                mantissa = (mantissa * 10) + digit;
                if (scale >= 0)
                {
                    scale++;
                }
            }
            else if (c == (byte)'.' && scale < 0)
            {
                scale = 0;
            }
            else
            {
                return Fallback(utf8, out value);
            }
        }

        if (!any || scale > 28)
        {
            return Fallback(utf8, out value);
        }

        value = new decimal((int)(uint)mantissa, (int)(uint)(mantissa >> 32), 0, negative, (byte)Math.Max(scale, 0));
        return true;
    }

    /// <summary>Parses all of <paramref name="utf8"/> as a decimal, or throws.</summary>
    /// <param name="utf8">The text, UTF-8 encoded.</param>
    /// <param name="what">What the value is, for the error (e.g. "candle 2026-07-01T00:00Z: open").</param>
    /// <returns>The value with the text's scale.</returns>
    /// <exception cref="FormatException">The text is not a decimal; the message names <paramref name="what"/> and the text.</exception>
    public static decimal Parse(ReadOnlySpan<byte> utf8, string what) =>
        TryParse(utf8, out var value)
            ? value
            : throw new FormatException($"{what}: '{System.Text.Encoding.UTF8.GetString(utf8)}' is not a decimal");

    private static bool Fallback(ReadOnlySpan<byte> utf8, out decimal value)
    {
        if (utf8.Length > 0 && Utf8Parser.TryParse(utf8, out value, out var consumed) && consumed == utf8.Length)
        {
            return true;
        }

        value = 0;
        return false;
    }
}

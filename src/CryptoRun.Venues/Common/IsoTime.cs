using System.Text.Json;

namespace CryptoRun.Venues.Common;

/// <summary>
/// Reads the ISO 8601 UTC times streams send (<c>2026-08-09T21:05:50.470488625Z</c>, Coinbase) straight from
/// UTF-8 into Unix epoch milliseconds, with any number of fraction digits (cut to milliseconds), without
/// allocating. A <c>+00:00</c> offset is accepted as <c>Z</c>; other offsets are not UTC and are refused.
/// </summary>
internal static class IsoTime
{
    /// <summary>Parses <c>yyyy-MM-ddTHH:mm:ss[.f+](Z|+00:00)</c> into epoch milliseconds.</summary>
    internal static bool TryParseMs(ReadOnlySpan<byte> text, out long ms)
    {
        ms = 0;
        if (text.Length < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != ' ') || text[13] != ':' || text[16] != ':')
        {
            return false;
        }

        if (!Digits(text[..4], out var year) || !Digits(text.Slice(5, 2), out var month) || !Digits(text.Slice(8, 2), out var day)
            || !Digits(text.Slice(11, 2), out var hour) || !Digits(text.Slice(14, 2), out var minute) || !Digits(text.Slice(17, 2), out var second)
            || month is < 1 or > 12 || day is < 1 or > 31 || hour > 23 || minute > 59 || second > 60)
        {
            return false;
        }

        var i = 19;
        long millis = 0;
        if (text[i] == '.')
        {
            i++;
            var digits = 0;
            while (i < text.Length && (uint)(text[i] - '0') <= 9)
            {
                if (digits < 3)
                {
                    millis = (millis * 10) + (text[i] - '0');
                }

                digits++;
                i++;
            }

            if (digits == 0)
            {
                return false;
            }

            for (; digits < 3; digits++)
            {
                millis *= 10;
            }
        }

        var rest = text[i..];
        if (!(rest.SequenceEqual("Z"u8) || rest.SequenceEqual("+00:00"u8)))
        {
            return false;
        }

        ms = (((((DaysFromCivil(year, month, day) * 24) + hour) * 60 + minute) * 60 + second) * 1000) + millis;
        return true;
    }

    /// <summary>The current token (a JSON string) as epoch milliseconds.</summary>
    /// <exception cref="FormatException">The token is not an ISO 8601 UTC time; the message names <paramref name="what"/>.</exception>
    internal static long Read(ref Utf8JsonReader reader, Field what)
    {
        if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && !reader.HasValueSequence && TryParseMs(reader.ValueSpan, out var ms))
        {
            return ms;
        }

        throw new FormatException($"{what}: expected an ISO 8601 UTC time, found {JsonRead.Found(ref reader)}");
    }

    private static bool Digits(ReadOnlySpan<byte> text, out int value)
    {
        value = 0;
        foreach (var c in text)
        {
            var digit = (uint)(c - '0');
            if (digit > 9)
            {
                return false;
            }

            value = (value * 10) + (int)digit;
        }

        return true;
    }

    // Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
    private static long DaysFromCivil(int year, int month, int day)
    {
        year -= month <= 2 ? 1 : 0;
        var era = (year >= 0 ? year : year - 399) / 400;
        var yearOfEra = year - (era * 400);
        var dayOfYear = ((153 * (month + (month > 2 ? -3 : 9))) + 2) / 5 + day - 1;
        var dayOfEra = (yearOfEra * 365) + (yearOfEra / 4) - (yearOfEra / 100) + dayOfYear;
        return ((long)era * 146097) + dayOfEra - 719468;
    }
}

using System.Globalization;

namespace CryptoRun.Configuration;

/// <summary>Durations as people write them in config: <c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>24h</c>, <c>1d</c>, or <c>hh:mm:ss</c>.</summary>
/// <remarks>
/// Parsing accepts any duration a <see cref="TimeSpan"/> holds; each setting then states its own range (an
/// attempt timeout at most 1 day, a cache TTL at most 30 days, ...), checked with <see cref="OutOfRange"/> by
/// whoever reads the setting, so no value can overflow a deadline, a timer or a cancellation source.
/// </remarks>
public static class Durations
{
    /// <summary>Parses a duration.</summary>
    /// <param name="text">The text.</param>
    /// <param name="value">The duration when valid.</param>
    /// <returns><see langword="true"/> when valid: a number without sign or exponent and a unit, or <c>hh:mm:ss</c>;
    /// a number longer than a <see cref="TimeSpan"/> holds reads as <see cref="TimeSpan.MaxValue"/> (check it against the
    /// setting's range with <see cref="OutOfRange"/>). <see langword="false"/> for anything else, including <c>NaN</c> and
    /// infinities; never an exception.</returns>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        (string Suffix, double Ms)[] units = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)];
        foreach (var (suffix, ms) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal)
                && double.TryParse(text[..^suffix.Length], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
                && !(suffix == "s" && text.EndsWith("ms", StringComparison.Ordinal)))
            {
                // double.TryParse reads "NaN" and "Infinity" whatever the styles: not durations. A number past what a
                // TimeSpan holds reads as the longest one, which every setting's range then refuses as too long.
                if (!double.IsFinite(number))
                {
                    return false;
                }

                var milliseconds = number * ms;
                value = milliseconds < TimeSpan.MaxValue.TotalMilliseconds ? TimeSpan.FromMilliseconds(milliseconds) : TimeSpan.MaxValue;
                return true;
            }
        }

        // hh:mm:ss only: TimeSpan would read a bare number such as "10" as days.
        return text.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Checks a parsed duration against a setting's range.</summary>
    /// <param name="value">The duration.</param>
    /// <param name="min">The shortest accepted (inclusive).</param>
    /// <param name="max">The longest accepted (inclusive).</param>
    /// <returns>Null when in range; else what is wrong, such as <c>too long: at most 1d</c> or <c>too short: at least 10ms</c>.</returns>
    public static string? OutOfRange(TimeSpan value, TimeSpan min, TimeSpan max)
        => value > max ? $"too long: at most {Format(max)}"
            : value < min ? $"too short: at least {Format(min)}"
            : null;

    /// <summary>Formats a duration the way config writes it (<c>30s</c>, <c>2m</c>, <c>24h</c>).</summary>
    /// <param name="value">The duration.</param>
    /// <returns>The shortest exact form.</returns>
    public static string Format(TimeSpan value)
    {
        if (value.TotalMilliseconds % 86_400_000 == 0 && value.TotalDays >= 1)
        {
            return $"{value.TotalDays:0}d";
        }

        if (value.TotalMilliseconds % 3_600_000 == 0 && value.TotalHours >= 1)
        {
            return $"{value.TotalHours:0}h";
        }

        if (value.TotalMilliseconds % 60_000 == 0 && value.TotalMinutes >= 1)
        {
            return $"{value.TotalMinutes:0}m";
        }

        return value.TotalMilliseconds % 1000 == 0 ? $"{value.TotalSeconds:0}s" : $"{value.TotalMilliseconds:0}ms";
    }
}

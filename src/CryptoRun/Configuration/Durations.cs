using System.Globalization;

namespace CryptoRun.Configuration;

/// <summary>Durations as people write them in config: <c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>24h</c>, <c>1d</c>, or <c>hh:mm:ss</c>.</summary>
public static class Durations
{
    /// <summary>Parses a duration.</summary>
    /// <param name="text">The text.</param>
    /// <param name="value">The duration when valid.</param>
    /// <returns><see langword="true"/> when valid.</returns>
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
                value = TimeSpan.FromMilliseconds(number * ms);
                return true;
            }
        }

        // hh:mm:ss only: TimeSpan would read a bare number such as "10" as days.
        return text.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value);
    }

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

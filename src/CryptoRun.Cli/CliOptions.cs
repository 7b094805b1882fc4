using System.CommandLine;
using System.Globalization;
using CryptoRun.Configuration;
using CryptoRun.Domain;

namespace CryptoRun.Cli;

/// <summary>Options several commands share, and the parsing of their values into domain types.</summary>
internal static class CliOptions
{
    /// <summary>The default store file.</summary>
    internal const string DefaultDb = "cryptorun.db";

    /// <summary>The longest <c>--timeout</c>: a deadline, like the provider system's attempt timeouts, of at most a day.</summary>
    internal static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(1);

    /// <summary>The longest <c>--sla</c> budget.</summary>
    internal static readonly TimeSpan MaxSla = TimeSpan.FromDays(30);

    /// <summary>The longest wait between two runs of a loop (<c>history follow --grace</c>, <c>ingest --interval</c>).</summary>
    internal static readonly TimeSpan MaxWait = TimeSpan.FromDays(1);

    /// <summary>The longest <c>pit cleanup --retention</c> (ten years).</summary>
    internal static readonly TimeSpan MaxRetention = TimeSpan.FromDays(3650);

    /// <summary>The longest venue or import name of a stored series.</summary>
    internal const int MaxVenueName = 64;

    internal static Option<string> Venue(string description = "Venue name: binance, binance-usdm, kraken, coinbase, okx")
        => new("--venue") { Description = description, Required = true };

    internal static Option<string> Symbol()
        => new("--symbol") { Description = "Unified symbol: BASE/QUOTE (BTC/USD) or BASE/QUOTE:SETTLE for perpetuals (AVAX/USDT:USDT)", Required = true };

    internal static Option<string> Timeframe()
        => new("--timeframe") { Description = "Candle timeframe: 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 1w", Required = true };

    internal static Option<string> From(bool required)
        => new("--from") { Description = "Range start (inclusive): ISO-8601 date or date-time (UTC unless an offset is given), or epoch milliseconds", Required = required };

    internal static Option<string> To(bool required)
        => new("--to") { Description = "Range end (exclusive): ISO-8601 date or date-time (UTC unless an offset is given), or epoch milliseconds", Required = required };

    internal static Option<string> Db()
        => new("--db") { Description = "SQLite store file", DefaultValueFactory = _ => DefaultDb };

    internal static Option<string[]> Endpoint()
        => new("--endpoint") { Description = "Override a venue's base URL: VENUE=URL (repeatable); all=URL points every provider at one URL, such as the replay venue", AllowMultipleArgumentsPerToken = false };

    internal static Option<string> Config()
        => new("--config") { Description = $"Provider config file (default: CRYPTORUN_CONFIG, else {ProviderHost.DefaultConfigPath} when present)" };

    internal static Option<string> Timeout(string defaultValue, string description)
        => new("--timeout") { Description = $"{description} (500ms, 30s, 2m, 1h; at most 1d)", DefaultValueFactory = _ => defaultValue };

    /// <summary>Parses a duration such as <c>10s</c> or <c>2m</c>, of at most <paramref name="max"/>.</summary>
    /// <exception cref="UsageException">Not a positive duration, or longer than <paramref name="max"/>; the message names the option.</exception>
    internal static TimeSpan ParseDuration(string text, string option, TimeSpan max)
    {
        if (!Durations.TryParse(text, out var value) || value <= TimeSpan.Zero)
        {
            throw new UsageException($"{option} {InputText.Quote(text)} is not a duration: use 500ms, 30s, 2m, 1h or 1d");
        }

        return Durations.OutOfRange(value, TimeSpan.Zero, max) is { } problem
            ? throw new UsageException($"{option} {InputText.Quote(text)} is {problem}")
            : value;
    }

    /// <summary>Parses a unified symbol.</summary>
    /// <exception cref="UsageException">Not a unified symbol.</exception>
    internal static Instrument ParseSymbol(string text)
        => Instrument.TryParse(text, out var instrument)
            ? instrument
            : throw new UsageException($"--symbol {InputText.Quote(text)} is not a unified symbol: expected BASE/QUOTE (BTC/USD) or BASE/QUOTE:SETTLE (AVAX/USDT:USDT)");

    /// <summary>Parses a timeframe name.</summary>
    /// <exception cref="UsageException">Not a supported timeframe.</exception>
    internal static Timeframe ParseTimeframe(string text)
        => Domain.Timeframe.TryParse(text, out var timeframe)
            ? timeframe
            : throw new UsageException($"--timeframe {InputText.Quote(text)} is not supported: use one of {string.Join(' ', Domain.Timeframe.All)}");

    /// <summary>
    /// Parses the venue (or import name) of a stored series, folding case: lower-case letters, digits and <c>-</c>,
    /// at most <see cref="MaxVenueName"/> characters, as every stored series is named.
    /// </summary>
    /// <exception cref="UsageException">Not such a name.</exception>
    internal static string ParseSeriesVenue(string text)
    {
        var venue = text.ToLowerInvariant();
        return venue.Length is > 0 and <= MaxVenueName && venue.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            ? venue
            : throw new UsageException($"--venue {InputText.Quote(text)}: use a lower-case venue name such as coinbase or binance-usdm (letters, digits and '-', at most {MaxVenueName} characters)");
    }

    /// <summary>
    /// Parses a time: all digits are epoch milliseconds; otherwise an ISO-8601 date (midnight UTC) or
    /// date-time (UTC unless it carries an offset). It must lie from 1970-01-01 to 2100-01-01 (the
    /// times CryptoRun accepts, <see cref="TimeRange.Supported"/>; 2100-01-01 itself only ends a range).
    /// </summary>
    /// <exception cref="UsageException">None of those forms, or outside the accepted times; the message names the option.</exception>
    internal static long ParseTime(string text, string option)
    {
        var time = ParseAnyTime(text, option);
        return time >= TimeRange.Supported.FromMs && time <= TimeRange.Supported.ToMs
            ? time
            : throw new UsageException($"{option} '{text}' is outside the times CryptoRun accepts: from 1970-01-01 to 2100-01-01");
    }

    private static long ParseAnyTime(string text, string option)
    {
        if (text.Length > 0 && text.All(char.IsAsciiDigit) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var epochMs))
        {
            return epochMs;
        }

        string[] formats =
        [
            "yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
            "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
            "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ssK",
        ];
        if (DateTimeOffset.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time.ToUnixTimeMilliseconds();
        }

        throw new UsageException($"{option} {InputText.Quote(text)} is not a time: use an ISO-8601 date (2026-07-01), a date-time (2026-07-01T12:00:00Z, +02:00 offsets allowed) or epoch milliseconds");
    }

    /// <summary>Parses a <c>[from, to)</c> pair.</summary>
    /// <exception cref="UsageException">A time is malformed, or <c>to</c> is not after <c>from</c>.</exception>
    internal static TimeRange ParseRange(string from, string to)
    {
        var fromMs = ParseTime(from, "--from");
        var toMs = ParseTime(to, "--to");
        return toMs > fromMs
            ? new TimeRange(fromMs, toMs)
            : throw new UsageException($"--to {TimeRange.Format(toMs)} must be after --from {TimeRange.Format(fromMs)} (ranges are half-open [from, to))");
    }

    /// <summary>Parses an optional <c>[from, to)</c> pair: either bound may be absent (open-ended); null when both are.</summary>
    /// <exception cref="UsageException">A time is malformed, or <c>to</c> is not after <c>from</c>.</exception>
    internal static TimeRange? ParseOptionalRange(string? from, string? to) => (from, to) switch
    {
        (null, null) => null,
        ({ } f, { } t) => ParseRange(f, t),
        ({ } f, null) => new TimeRange(ParseTime(f, "--from"), long.MaxValue),
        (null, { } t) => new TimeRange(long.MinValue, ParseTime(t, "--to")),
    };
}

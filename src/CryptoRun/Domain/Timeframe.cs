using System.Diagnostics.CodeAnalysis;

namespace CryptoRun.Domain;

/// <summary>
/// A candle interval: one of <c>1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 1w</c>, with exact
/// interval arithmetic on Unix epoch milliseconds.
/// </summary>
/// <remarks>
/// Candles are keyed by their open time. Intervals up to <c>1d</c> are aligned to the Unix epoch
/// (UTC midnight for <c>1d</c>); <c>1w</c> candles open on Monday 00:00 UTC, as Binance, OKX
/// (<c>1Wutc</c>) and ISO weeks do.
/// </remarks>
public readonly record struct Timeframe
{
    private const long MinuteMs = 60_000;

    // 1970-01-01 was a Thursday; the first Monday 00:00 UTC after the epoch is 1970-01-05.
    private const long WeekOffsetMs = 4 * 24 * 60 * MinuteMs;

    private Timeframe(string name, long milliseconds)
    {
        Name = name;
        Milliseconds = milliseconds;
    }

    /// <summary>One minute.</summary>
    public static Timeframe M1 { get; } = new("1m", MinuteMs);

    /// <summary>One hour.</summary>
    public static Timeframe H1 { get; } = new("1h", 60 * MinuteMs);

    /// <summary>One day (UTC midnight to midnight).</summary>
    public static Timeframe D1 { get; } = new("1d", 1440 * MinuteMs);

    /// <summary>Every supported timeframe, shortest first.</summary>
    public static IReadOnlyList<Timeframe> All { get; } =
    [
        M1, new("3m", 3 * MinuteMs), new("5m", 5 * MinuteMs), new("15m", 15 * MinuteMs), new("30m", 30 * MinuteMs),
        H1, new("2h", 120 * MinuteMs), new("4h", 240 * MinuteMs), new("6h", 360 * MinuteMs), new("8h", 480 * MinuteMs),
        new("12h", 720 * MinuteMs), D1, new("1w", 7 * 1440 * MinuteMs),
    ];

    /// <summary>The canonical name, for example <c>1m</c> or <c>1h</c>.</summary>
    public string Name { get; }

    /// <summary>The interval length in milliseconds.</summary>
    public long Milliseconds { get; }

    /// <summary>The interval length.</summary>
    public TimeSpan Duration => TimeSpan.FromMilliseconds(Milliseconds);

    /// <summary>The interval length in whole seconds.</summary>
    public long Seconds => Milliseconds / 1000;

    /// <summary>The interval length in whole minutes.</summary>
    public long Minutes => Milliseconds / MinuteMs;

    private long Offset => Milliseconds == 7 * 1440 * MinuteMs ? WeekOffsetMs : 0;

    /// <summary>Parses a timeframe name; <c>1H</c>, <c>1D</c>, <c>1W</c> are accepted too, but <c>1M</c> (a month on several venues) is not a minute.</summary>
    /// <param name="name">The name, for example <c>1m</c>.</param>
    /// <returns>The timeframe.</returns>
    /// <exception cref="FormatException">The name is not a supported timeframe; the message lists the supported ones.</exception>
    public static Timeframe Parse(string name)
        => TryParse(name, out var timeframe)
            ? timeframe
            : throw new FormatException($"'{name}' is not a supported timeframe: use one of {string.Join(' ', All.Select(t => t.Name))}");

    /// <summary>Tries to parse a timeframe name; see <see cref="Parse(string)"/>.</summary>
    /// <param name="name">The name.</param>
    /// <param name="timeframe">The timeframe when the name is supported.</param>
    /// <returns><see langword="true"/> when the name is supported.</returns>
    public static bool TryParse([NotNullWhen(true)] string? name, out Timeframe timeframe)
    {
        timeframe = default;
        if (string.IsNullOrEmpty(name))
        {
            return false;
        }

        // Minutes are lower-case only: "1M" means one month on Binance and OKX, which is not modelled.
        if (name[^1] == 'M')
        {
            return false;
        }

        var normalized = name.ToLowerInvariant();
        foreach (var candidate in All)
        {
            if (candidate.Name == normalized)
            {
                timeframe = candidate;
                return true;
            }
        }

        return false;
    }

    /// <summary>The open time of the candle that contains <paramref name="epochMs"/>.</summary>
    /// <param name="epochMs">A time in Unix epoch milliseconds.</param>
    /// <returns>The aligned open time, at or before <paramref name="epochMs"/>.</returns>
    public long Floor(long epochMs)
    {
        var shifted = epochMs - Offset;
        var floor = shifted - (((shifted % Milliseconds) + Milliseconds) % Milliseconds);
        return floor + Offset;
    }

    /// <summary>The first candle open time at or after <paramref name="epochMs"/>.</summary>
    /// <param name="epochMs">A time in Unix epoch milliseconds.</param>
    /// <returns>The aligned open time.</returns>
    public long Ceiling(long epochMs)
    {
        var floor = Floor(epochMs);
        return floor == epochMs ? floor : floor + Milliseconds;
    }

    /// <summary>Whether <paramref name="epochMs"/> is a candle open time of this timeframe.</summary>
    /// <param name="epochMs">A time in Unix epoch milliseconds.</param>
    /// <returns><see langword="true"/> when aligned.</returns>
    public bool IsAligned(long epochMs) => Floor(epochMs) == epochMs;

    /// <summary>How many candle open times fall in the half-open range <c>[fromMs, toMs)</c>.</summary>
    /// <param name="fromMs">Range start, epoch milliseconds.</param>
    /// <param name="toMs">Range end (exclusive), epoch milliseconds.</param>
    /// <returns>The number of candle slots; 0 for an empty range.</returns>
    public long CountSlots(long fromMs, long toMs)
    {
        var first = Ceiling(fromMs);
        return toMs <= first ? 0 : ((toMs - first - 1) / Milliseconds) + 1;
    }

    /// <summary>Returns the canonical name.</summary>
    /// <returns><see cref="Name"/>.</returns>
    public override string ToString() => Name ?? "(none)";
}

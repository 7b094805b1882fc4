using System.Globalization;

namespace CryptoRun.Domain;

/// <summary>A half-open UTC time range <c>[From, To)</c>, held as Unix epoch milliseconds.</summary>
/// <remarks>Ranges are half-open everywhere in CryptoRun: a candle belongs to a range when its open time does.</remarks>
public readonly record struct TimeRange
{
    /// <summary>Creates a range from epoch milliseconds.</summary>
    /// <param name="fromMs">Inclusive start, Unix epoch milliseconds.</param>
    /// <param name="toMs">Exclusive end, Unix epoch milliseconds; not before <paramref name="fromMs"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="toMs"/> is before <paramref name="fromMs"/>.</exception>
    public TimeRange(long fromMs, long toMs)
    {
        if (toMs < fromMs)
        {
            throw new ArgumentException(
                $"range end {Format(toMs)} is before its start {Format(fromMs)}", nameof(toMs));
        }

        FromMs = fromMs;
        ToMs = toMs;
    }

    /// <summary>Creates a range from UTC instants.</summary>
    /// <param name="from">Inclusive start.</param>
    /// <param name="to">Exclusive end.</param>
    /// <exception cref="ArgumentException"><paramref name="to"/> is before <paramref name="from"/>.</exception>
    public TimeRange(DateTimeOffset from, DateTimeOffset to)
        : this(from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds())
    {
    }

    /// <summary>Inclusive start, Unix epoch milliseconds.</summary>
    public long FromMs { get; }

    /// <summary>Exclusive end, Unix epoch milliseconds.</summary>
    public long ToMs { get; }

    /// <summary>Inclusive start (UTC).</summary>
    public DateTimeOffset From => DateTimeOffset.FromUnixTimeMilliseconds(FromMs);

    /// <summary>Exclusive end (UTC).</summary>
    public DateTimeOffset To => DateTimeOffset.FromUnixTimeMilliseconds(ToMs);

    /// <summary>Whether the range holds no instant.</summary>
    public bool IsEmpty => ToMs <= FromMs;

    /// <summary>Whether <paramref name="epochMs"/> lies in <c>[From, To)</c>.</summary>
    /// <param name="epochMs">An instant, Unix epoch milliseconds.</param>
    /// <returns><see langword="true"/> when inside.</returns>
    public bool Contains(long epochMs) => epochMs >= FromMs && epochMs < ToMs;

    /// <summary>Formats an epoch-millisecond instant as ISO-8601 UTC ending in <c>Z</c>.</summary>
    /// <param name="epochMs">Unix epoch milliseconds.</param>
    /// <returns>For example <c>2026-07-01T00:00:00Z</c> (milliseconds shown only when not zero).</returns>
    public static string Format(long epochMs)
    {
        var t = DateTimeOffset.FromUnixTimeMilliseconds(epochMs).UtcDateTime;
        return t.Millisecond == 0
            ? t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : t.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>Returns <c>[from, to)</c> in ISO-8601 UTC.</summary>
    /// <returns>The range as text.</returns>
    public override string ToString() => $"[{Format(FromMs)}, {Format(ToMs)})";
}

using System.Globalization;

namespace CryptoRun.Domain;

/// <summary>A half-open UTC time range <c>[From, To)</c>, held as Unix epoch milliseconds.</summary>
/// <remarks>Ranges are half-open everywhere in CryptoRun: a candle belongs to a range when its open time does.</remarks>
public readonly record struct TimeRange
{
    private static readonly long MinDateMs = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();
    private static readonly long MaxDateMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

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

    /// <summary>
    /// The times CryptoRun accepts: <c>[1970-01-01T00:00:00Z, 2100-01-01T00:00:00Z)</c>. Every edge where a
    /// time comes in (command-line <c>--from</c>/<c>--to</c>, candle files, venue answers, the store's write
    /// path) refuses one outside it before anything is written, so a store holds only times that every
    /// command can show and count. A range's exclusive end may be <c>2100-01-01</c> itself.
    /// </summary>
    /// <remarks>
    /// Bitcoin has no candle before 2009, but index and macro files reach back further; nothing in market
    /// data needs times before the Unix epoch (venues refuse a negative <c>startTime</c>) or after 2099.
    /// </remarks>
    public static TimeRange Supported { get; } = new(0, 4_102_444_800_000);

    /// <summary>The accepted times in words, for messages.</summary>
    public const string SupportedText = "CryptoRun accepts times from 1970-01-01 to 2100-01-01 (exclusive)";

    /// <summary>Whether CryptoRun accepts <paramref name="epochMs"/> as a time (a candle open time, a range start): whether it lies in <see cref="Supported"/>.</summary>
    /// <param name="epochMs">Unix epoch milliseconds.</param>
    /// <returns><see langword="true"/> from 1970-01-01 (inclusive) to 2100-01-01 (exclusive).</returns>
    public static bool IsSupported(long epochMs) => Supported.Contains(epochMs);

    /// <summary>Formats an epoch-millisecond instant as ISO-8601 UTC ending in <c>Z</c>.</summary>
    /// <param name="epochMs">Unix epoch milliseconds; any value.</param>
    /// <returns>
    /// For example <c>2026-07-01T00:00:00Z</c> (milliseconds shown only when not zero); an instant no date
    /// can hold (before year 1 or after 9999) as <c>epoch-ms 253402300800000</c>, never an exception, so a
    /// store holding a time outside <see cref="Supported"/> can still be shown.
    /// </returns>
    public static string Format(long epochMs)
    {
        if (epochMs < MinDateMs || epochMs > MaxDateMs)
        {
            return string.Create(CultureInfo.InvariantCulture, $"epoch-ms {epochMs}");
        }

        var t = DateTimeOffset.FromUnixTimeMilliseconds(epochMs).UtcDateTime;
        return t.Millisecond == 0
            ? t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : t.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>Returns <c>[from, to)</c> in ISO-8601 UTC.</summary>
    /// <returns>The range as text.</returns>
    public override string ToString() => $"[{Format(FromMs)}, {Format(ToMs)})";
}

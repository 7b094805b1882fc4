using CryptoRun.Domain;

namespace CryptoRun.Analytics;

/// <summary>Why a <see cref="VadrResult"/> carries no usable value.</summary>
public enum VadrFreezeReason
{
    /// <summary>Not frozen: <see cref="VadrResult.Value"/> is set.</summary>
    None = 0,

    /// <summary>The current window holds fewer candles than <see cref="VadrOptions.MinBars"/> (or no candles were given at all).</summary>
    InsufficientBars,

    /// <summary>Fewer than <see cref="VadrOptions.MinBaselineWindows"/> earlier windows are covered well enough to average.</summary>
    InsufficientBaseline,

    /// <summary>The current window's missing candle slots exceed <see cref="VadrOptions.MaxGapRatio"/> of its slots.</summary>
    Gaps,

    /// <summary>The current window or the baseline's average traded no volume: a volume ratio would be meaningless.</summary>
    ZeroVolume,

    /// <summary>The baseline's average high-low range is zero: a range ratio would divide by zero.</summary>
    FlatRange,

    /// <summary>The last candle closed longer ago than <see cref="VadrOptions.MaxLastCandleAge"/> before the clock's now.</summary>
    StaleLastCandle,
}

/// <summary>Settings of <see cref="VadrCalculator"/>; immutable once built, checked by <see cref="Validate"/>.</summary>
public sealed record VadrOptions
{
    /// <summary>The minimum number of candles the current window must hold.</summary>
    /// <value>Default 20 (the original CryptoRun scanner froze VADR below 20 bars).</value>
    public int MinBars { get; init; } = 20;

    /// <summary>How many windows of the same length, immediately before the current one, form the baseline.</summary>
    /// <value>Default 7 (with a 24 h window: the previous week).</value>
    public int BaselineWindows { get; init; } = 7;

    /// <summary>The minimum number of usable baseline windows (each with a missing-slot ratio of at most <see cref="MaxGapRatio"/>).</summary>
    /// <value>Default 3.</value>
    public int MinBaselineWindows { get; init; } = 3;

    /// <summary>The largest share of missing candle slots a window may have, in <c>[0, 1)</c>.</summary>
    /// <value>Default 0.10 (10 % of the slots).</value>
    public decimal MaxGapRatio { get; init; } = 0.10m;

    /// <summary>
    /// The oldest the last candle's close time (open time + timeframe) may be, measured against the
    /// calculator's clock; <see langword="null"/> means two timeframes.
    /// </summary>
    /// <value>Default <see langword="null"/> (two candle intervals).</value>
    public TimeSpan? MaxLastCandleAge { get; init; }

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it and its value.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MinBars, 1, nameof(MinBars));
        ArgumentOutOfRangeException.ThrowIfLessThan(BaselineWindows, 1, nameof(BaselineWindows));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinBaselineWindows, 1, nameof(MinBaselineWindows));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MinBaselineWindows, BaselineWindows, nameof(MinBaselineWindows));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxGapRatio, nameof(MaxGapRatio));
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(MaxGapRatio, 1m, nameof(MaxGapRatio));
        if (MaxLastCandleAge is { } age)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(age, TimeSpan.Zero, nameof(MaxLastCandleAge));
        }
    }
}

/// <summary>One VADR calculation: the value, or why it is frozen, and the figures it was made from.</summary>
/// <param name="Value">The VADR (dimensionless multiple, 1 = an ordinary window); <see langword="null"/> whenever <see cref="FreezeReason"/> is not <see cref="VadrFreezeReason.None"/>.</param>
/// <param name="FreezeReason">Why there is no value, or <see cref="VadrFreezeReason.None"/>.</param>
/// <param name="Detail">A sentence naming the figures behind a freeze (counts, ratios, times); <see langword="null"/> when not frozen.</param>
/// <param name="Window">The current window, half-open <c>[From, To)</c> of candle open times (UTC ms); empty when no candles were given.</param>
/// <param name="BarsUsed">Candles in the current window.</param>
/// <param name="ExpectedBars">Candle slots in the current window (window length / timeframe).</param>
/// <param name="BaselineWindowsUsed">Baseline windows that were averaged (0 when frozen before the baseline was examined).</param>
/// <param name="RangeRatio">Current window's high-low range over the baseline's average range, when computed.</param>
/// <param name="VolumeRatio">Current window's base volume over the baseline's average volume, when computed.</param>
public sealed record VadrResult(
    decimal? Value,
    VadrFreezeReason FreezeReason,
    string? Detail,
    TimeRange Window,
    int BarsUsed,
    int ExpectedBars,
    int BaselineWindowsUsed,
    decimal? RangeRatio,
    decimal? VolumeRatio)
{
    /// <summary>The scanner's entry gate threshold: <c>VADR &gt;= 1.8</c>.</summary>
    public const decimal EntryGate = 1.8m;

    /// <summary>True when the calculation was frozen and <see cref="Value"/> is <see langword="null"/>.</summary>
    public bool IsFrozen => FreezeReason != VadrFreezeReason.None;

    /// <summary>Whether the value passes an entry gate; a frozen result never passes.</summary>
    /// <param name="threshold">The minimum VADR; default <see cref="EntryGate"/> (1.8).</param>
    /// <returns><see langword="true"/> when not frozen and <see cref="Value"/> &gt;= <paramref name="threshold"/>.</returns>
    public bool PassesGate(decimal threshold = EntryGate) => Value is { } value && value >= threshold;
}

/// <summary>
/// Computes VADR (volume-adjusted daily range), the CryptoRun scanner's entry gate (<c>VADR &gt;= 1.8</c>), with
/// freeze logic: when the candles cannot support a value, the result is frozen and carries no value.
/// </summary>
/// <remarks>
/// <para>
/// Definition. The seeds use VADR (seed 001: <c>vadrCalc.Calculate(klines, 24h)</c>, gate <c>&gt;= 1.8</c>, freeze
/// below 20 bars) without defining it. The original Go scanner's <c>internal/metrics/vadr.go</c> averaged
/// <c>(High - Low) / Close * sqrt(Volume) * 100</c> per bar, which depends on the volume's unit and so cannot hold
/// one threshold across assets; its gate documents call VADR a multiple (<c>1.75-1.85x</c>). CryptoRun therefore
/// uses the unit-free form "the window's high-low range relative to the average range, scaled by the window's
/// volume relative to its average", with the average-daily-range construction (ADR = mean of high-low ranges over
/// earlier periods, as TC2000 and TradingView define ADR):
/// </para>
/// <code>
/// W      = the current window: candles with open time in [end - window, end), end = last open time + timeframe
/// B_k    = the k-th earlier window, [start - k*window, start - (k-1)*window), k = 1..BaselineWindows
/// R(X)   = max High - min Low over the candles of X      (quote units)
/// V(X)   = sum of Volume over the candles of X           (base units)
/// VADR   = (R(W) / mean_k R(B_k)) * (V(W) / mean_k V(B_k))   over the usable baseline windows
/// </code>
/// <para>
/// A window as wide and as busy as its recent average scores 1; the gate 1.8 asks for, say, a range and a volume
/// each about 1.34 times their average. A baseline window is usable when at most <see cref="VadrOptions.MaxGapRatio"/>
/// of its slots lack a candle; unusable ones are skipped, not replaced by older ones.
/// </para>
/// <para>
/// Freezes, checked in this order: no candles or fewer than <see cref="VadrOptions.MinBars"/> in the window
/// (<see cref="VadrFreezeReason.InsufficientBars"/>); last candle closed more than
/// <see cref="VadrOptions.MaxLastCandleAge"/> ago (<see cref="VadrFreezeReason.StaleLastCandle"/>); missing slots in
/// the window above the ratio (<see cref="VadrFreezeReason.Gaps"/>); zero window volume
/// (<see cref="VadrFreezeReason.ZeroVolume"/>); fewer than <see cref="VadrOptions.MinBaselineWindows"/> usable
/// baseline windows (<see cref="VadrFreezeReason.InsufficientBaseline"/>); zero baseline volume or range
/// (<see cref="VadrFreezeReason.ZeroVolume"/>, <see cref="VadrFreezeReason.FlatRange"/>).
/// </para>
/// <para>Source: any closed OHLCV candles (Binance <c>GET /api/v3/klines</c>, Kraken <c>OHLC</c>, candle files); pass only closed candles.</para>
/// </remarks>
public sealed class VadrCalculator
{
    private readonly TimeProvider _clock;
    private readonly VadrOptions _options;

    /// <summary>Creates a calculator.</summary>
    /// <param name="clock">The clock the last candle's age is measured against.</param>
    /// <param name="options">Settings; <see langword="null"/> for the defaults of <see cref="VadrOptions"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public VadrCalculator(TimeProvider clock, VadrOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
        _options = options ?? new VadrOptions();
        _options.Validate();
    }

    /// <summary>The settings in use.</summary>
    public VadrOptions Options => _options;

    /// <summary>Computes the VADR of the window ending with the last candle.</summary>
    /// <param name="candles">Closed candles of one instrument and one timeframe, in any order; open times aligned to <paramref name="timeframe"/>.</param>
    /// <param name="window">The window length (24 h for a daily range); a whole multiple of <paramref name="timeframe"/>.</param>
    /// <param name="timeframe">The candles' interval.</param>
    /// <returns>The value, or a frozen result naming why; never <see langword="null"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="window"/> is not a positive multiple of the timeframe, or two candles share an open time (the message names it).</exception>
    public VadrResult Calculate(IReadOnlyList<Candle> candles, TimeSpan window, Timeframe timeframe)
    {
        ArgumentNullException.ThrowIfNull(candles);
        var step = timeframe.Milliseconds;
        if (step <= 0)
        {
            throw new ArgumentException("timeframe is not set", nameof(timeframe));
        }

        var windowMs = (long)window.TotalMilliseconds;
        if (windowMs <= 0 || windowMs % step != 0 || window.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            throw new ArgumentException($"window {window} is not a positive whole multiple of the {timeframe} timeframe", nameof(window));
        }

        var slots = (int)Math.Min(int.MaxValue, windowMs / step);
        if (candles.Count == 0)
        {
            return Frozen(VadrFreezeReason.InsufficientBars, "no candles were given", default, 0, slots, 0);
        }

        var sorted = Sorted(candles);
        var end = sorted[^1].OpenTimeMs + step;
        var current = new TimeRange(end - windowMs, end);
        var currentStats = Stats(sorted, current);
        if (currentStats.Bars < _options.MinBars)
        {
            return Frozen(VadrFreezeReason.InsufficientBars,
                $"{currentStats.Bars} candles in {current}, at least {_options.MinBars} needed", current, currentStats.Bars, slots, 0);
        }

        var maxAge = _options.MaxLastCandleAge ?? TimeSpan.FromMilliseconds(2 * step);
        var now = _clock.GetUtcNow();
        var closedAt = DateTimeOffset.FromUnixTimeMilliseconds(end);
        if (now - closedAt > maxAge)
        {
            return Frozen(VadrFreezeReason.StaleLastCandle,
                $"last candle closed at {TimeRange.Format(end)}, {now - closedAt} before now; at most {maxAge} allowed", current, currentStats.Bars, slots, 0);
        }

        if (GapRatio(currentStats.Bars, slots) > _options.MaxGapRatio)
        {
            return Frozen(VadrFreezeReason.Gaps,
                $"{slots - currentStats.Bars} of {slots} candle slots in {current} are missing, more than {_options.MaxGapRatio:P0}", current, currentStats.Bars, slots, 0);
        }

        if (currentStats.Volume == 0)
        {
            return Frozen(VadrFreezeReason.ZeroVolume, $"no volume traded in {current}", current, currentStats.Bars, slots, 0);
        }

        decimal rangeSum = 0, volumeSum = 0;
        var used = 0;
        for (var k = 1; k <= _options.BaselineWindows; k++)
        {
            var baseline = new TimeRange(current.FromMs - (k * windowMs), current.FromMs - ((k - 1) * windowMs));
            var stats = Stats(sorted, baseline);
            if (stats.Bars == 0 || GapRatio(stats.Bars, slots) > _options.MaxGapRatio)
            {
                continue;
            }

            rangeSum += stats.High - stats.Low;
            volumeSum += stats.Volume;
            used++;
        }

        if (used < _options.MinBaselineWindows)
        {
            return Frozen(VadrFreezeReason.InsufficientBaseline,
                $"{used} of the {_options.BaselineWindows} windows before {TimeRange.Format(current.FromMs)} are covered, at least {_options.MinBaselineWindows} needed",
                current, currentStats.Bars, slots, used);
        }

        if (volumeSum == 0)
        {
            return Frozen(VadrFreezeReason.ZeroVolume, $"no volume traded in the {used} baseline windows", current, currentStats.Bars, slots, used);
        }

        if (rangeSum == 0)
        {
            return Frozen(VadrFreezeReason.FlatRange, $"high equals low throughout the {used} baseline windows", current, currentStats.Bars, slots, used);
        }

        var rangeRatio = (currentStats.High - currentStats.Low) * used / rangeSum;
        var volumeRatio = currentStats.Volume * used / volumeSum;
        return new VadrResult(rangeRatio * volumeRatio, VadrFreezeReason.None, null, current, currentStats.Bars, slots, used, rangeRatio, volumeRatio);
    }

    private static VadrResult Frozen(VadrFreezeReason reason, string detail, TimeRange window, int bars, int slots, int used)
        => new(null, reason, detail, window, bars, slots, used, null, null);

    private static decimal GapRatio(int bars, int slots) => slots == 0 ? 0 : (decimal)Math.Max(0, slots - bars) / slots;

    private static Candle[] Sorted(IReadOnlyList<Candle> candles)
    {
        var sorted = candles.ToArray();
        Array.Sort(sorted, (a, b) => a.OpenTimeMs.CompareTo(b.OpenTimeMs));
        for (var i = 1; i < sorted.Length; i++)
        {
            if (sorted[i].OpenTimeMs == sorted[i - 1].OpenTimeMs)
            {
                throw new ArgumentException($"two candles open at {TimeRange.Format(sorted[i].OpenTimeMs)}", nameof(candles));
            }
        }

        return sorted;
    }

    private static WindowStats Stats(Candle[] sorted, TimeRange range)
    {
        var i = LowerBound(sorted, range.FromMs);
        var stats = new WindowStats(0, decimal.MinValue, decimal.MaxValue, 0);
        for (; i < sorted.Length && sorted[i].OpenTimeMs < range.ToMs; i++)
        {
            var c = sorted[i];
            stats = new WindowStats(stats.Bars + 1, Math.Max(stats.High, c.High), Math.Min(stats.Low, c.Low), stats.Volume + c.Volume);
        }

        return stats;
    }

    private static int LowerBound(Candle[] sorted, long openTimeMs)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid].OpenTimeMs < openTimeMs)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private readonly record struct WindowStats(int Bars, decimal High, decimal Low, decimal Volume);
}

using CryptoRun.Domain;

namespace CryptoRun.Analytics;

/// <summary>How fresh a piece of data is relative to the cadence it is expected to arrive at.</summary>
public enum FreshnessStatus
{
    /// <summary>🟢 Age at most <see cref="FreshnessPolicy.FreshCadences"/> cadences: use as is.</summary>
    Fresh = 0,

    /// <summary>🟡 Older than fresh, at most <see cref="FreshnessPolicy.AgingCadences"/> cadences: usable with a penalty.</summary>
    Aging,

    /// <summary>🔴 Older than <see cref="FreshnessPolicy.AgingCadences"/> cadences: stale; the penalty falls towards 0.</summary>
    Stale,
}

/// <summary>Display helpers for <see cref="FreshnessStatus"/>.</summary>
public static class FreshnessStatuses
{
    /// <summary>The traffic-light indicator seed 001's dashboards show: 🟢 fresh, 🟡 aging, 🔴 stale.</summary>
    /// <param name="status">The status.</param>
    /// <returns>One emoji as a string.</returns>
    public static string Indicator(this FreshnessStatus status) => status switch
    {
        FreshnessStatus.Fresh => "🟢",
        FreshnessStatus.Aging => "🟡",
        _ => "🔴",
    };
}

/// <summary>One freshness assessment.</summary>
/// <param name="Age">How old the data is; never negative (data stamped in the future counts as age 0).</param>
/// <param name="Cadences">The age in cadences (<see cref="Age"/> / <see cref="FreshnessPolicy.Cadence"/>).</param>
/// <param name="Status">Fresh, aging or stale.</param>
/// <param name="Penalty">The multiplier to apply to a score built on this data, in <c>[0, 1]</c>; 1 means no penalty.</param>
public sealed record FreshnessReading(TimeSpan Age, double Cadences, FreshnessStatus Status, double Penalty)
{
    /// <summary>The status's traffic light (🟢🟡🔴).</summary>
    public string Indicator => Status.Indicator();

    /// <summary>"Worst feed wins": of several inputs to one score, the one with the smallest penalty (the oldest relative to its cadence).</summary>
    /// <param name="readings">The readings; at least one.</param>
    /// <returns>The reading with the lowest <see cref="Penalty"/>, the highest <see cref="Cadences"/> on ties.</returns>
    /// <exception cref="ArgumentException"><paramref name="readings"/> is empty.</exception>
    public static FreshnessReading Worst(IEnumerable<FreshnessReading> readings)
    {
        ArgumentNullException.ThrowIfNull(readings);
        FreshnessReading? worst = null;
        foreach (var reading in readings)
        {
            if (worst is null || reading.Penalty < worst.Penalty || (reading.Penalty == worst.Penalty && reading.Cadences > worst.Cadences))
            {
                worst = reading;
            }
        }

        return worst ?? throw new ArgumentException("no freshness readings to compare", nameof(readings));
    }
}

/// <summary>
/// Classifies data age against the cadence the data is expected at, and turns it into a score penalty.
/// </summary>
/// <remarks>
/// <para>Thresholds (inclusive): age ≤ <see cref="FreshCadences"/> × cadence is 🟢 fresh; ≤ <see cref="AgingCadences"/> × cadence is 🟡 aging; older is 🔴 stale.</para>
/// <para>
/// Penalty curve, piecewise linear in the age and continuous: 1 up to the fresh limit; falling linearly to
/// <see cref="AgingFloorPenalty"/> at the aging limit; then linearly to 0 at <see cref="ZeroPenaltyCadences"/> × cadence;
/// 0 after. With the defaults (2, 5, 10, 0.5): 1 at ≤ 2 cadences, 0.75 at 3.5, 0.5 at 5, 0.25 at 7.5, 0 from 10.
/// </para>
/// <para>Defaults per data class follow seed 001's cache tiers: hot stream prices 5 s, warm REST 30 s, VADR volumes 120 s; candles their own interval.</para>
/// </remarks>
public sealed record FreshnessPolicy
{
    /// <summary>Creates a policy for data expected every <paramref name="cadence"/>.</summary>
    /// <param name="cadence">The expected interval between updates; positive.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="cadence"/> is zero or negative.</exception>
    public FreshnessPolicy(TimeSpan cadence)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(cadence, TimeSpan.Zero, nameof(cadence));
        Cadence = cadence;
    }

    /// <summary>Hot tier: WebSocket stream data, expected every 5 s (seed 001 <c>PricesHot</c>).</summary>
    public static FreshnessPolicy HotStream { get; } = new(TimeSpan.FromSeconds(5));

    /// <summary>Warm tier: REST responses, expected every 30 s (seed 001 <c>PricesWarm</c>).</summary>
    public static FreshnessPolicy WarmRest { get; } = new(TimeSpan.FromSeconds(30));

    /// <summary>Volume analysis inputs (VADR), expected every 120 s (seed 001 <c>VolumesVADR</c>).</summary>
    public static FreshnessPolicy VadrVolumes { get; } = new(TimeSpan.FromSeconds(120));

    /// <summary>The expected interval between updates.</summary>
    public TimeSpan Cadence { get; }

    /// <summary>The oldest age, in cadences, that is still fresh (inclusive).</summary>
    /// <value>Default 2.</value>
    public double FreshCadences { get; init; } = 2;

    /// <summary>The oldest age, in cadences, that is aging rather than stale (inclusive).</summary>
    /// <value>Default 5.</value>
    public double AgingCadences { get; init; } = 5;

    /// <summary>The age, in cadences, from which the penalty is 0.</summary>
    /// <value>Default 10.</value>
    public double ZeroPenaltyCadences { get; init; } = 10;

    /// <summary>The penalty at the aging limit, in <c>[0, 1]</c>.</summary>
    /// <value>Default 0.5.</value>
    public double AgingFloorPenalty { get; init; } = 0.5;

    /// <summary>The oldest fresh age: <see cref="Cadence"/> × <see cref="FreshCadences"/>.</summary>
    public TimeSpan FreshLimit => Cadence * FreshCadences;

    /// <summary>The oldest aging age: <see cref="Cadence"/> × <see cref="AgingCadences"/>.</summary>
    public TimeSpan AgingLimit => Cadence * AgingCadences;

    /// <summary>The age from which the penalty is 0: <see cref="Cadence"/> × <see cref="ZeroPenaltyCadences"/>.</summary>
    public TimeSpan ZeroPenaltyAge => Cadence * ZeroPenaltyCadences;

    /// <summary>The policy for candles of one timeframe: a new candle is expected every interval.</summary>
    /// <param name="timeframe">The candle interval.</param>
    /// <returns>A policy whose cadence is the timeframe.</returns>
    public static FreshnessPolicy ForCandles(Timeframe timeframe) => new(timeframe.Duration);

    /// <summary>Checks the thresholds.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Thresholds are not <c>0 &lt; fresh &lt; aging &lt; zero</c> or the floor is outside <c>[0, 1]</c>.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(FreshCadences, 0, nameof(FreshCadences));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(AgingCadences, FreshCadences, nameof(AgingCadences));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ZeroPenaltyCadences, AgingCadences, nameof(ZeroPenaltyCadences));
        ArgumentOutOfRangeException.ThrowIfLessThan(AgingFloorPenalty, 0, nameof(AgingFloorPenalty));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(AgingFloorPenalty, 1, nameof(AgingFloorPenalty));
    }

    /// <summary>Classifies data of a given age.</summary>
    /// <param name="age">How old the data is; negative ages (clock skew) count as 0.</param>
    /// <returns>The status and penalty.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The policy's thresholds are inconsistent (see <see cref="Validate"/>).</exception>
    public FreshnessReading Classify(TimeSpan age)
    {
        Validate();
        if (age < TimeSpan.Zero)
        {
            age = TimeSpan.Zero;
        }

        var fresh = FreshLimit;
        var aging = AgingLimit;
        var zero = ZeroPenaltyAge;
        var cadences = age / Cadence;
        if (age <= fresh)
        {
            return new FreshnessReading(age, cadences, FreshnessStatus.Fresh, 1);
        }

        if (age <= aging)
        {
            var t = (double)(age - fresh).Ticks / (aging - fresh).Ticks;
            return new FreshnessReading(age, cadences, FreshnessStatus.Aging, 1 - ((1 - AgingFloorPenalty) * t));
        }

        var penalty = age >= zero ? 0 : AgingFloorPenalty * (1 - ((double)(age - aging).Ticks / (zero - aging).Ticks));
        return new FreshnessReading(age, cadences, FreshnessStatus.Stale, penalty);
    }

    /// <summary>Classifies data stamped at <paramref name="asOf"/>, by the clock's now.</summary>
    /// <param name="asOf">When the data was observed or produced (UTC): a frame's receive time, a response's fetched-at, a candle's close time.</param>
    /// <param name="clock">The clock to read now from.</param>
    /// <returns>The status and penalty of age <c>now - asOf</c>.</returns>
    public FreshnessReading Assess(DateTimeOffset asOf, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return Classify(clock.GetUtcNow() - asOf);
    }
}

using CryptoRun.Analytics;
using CryptoRun.Domain;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Analytics;

/// <summary>Freshness classes and penalties at their exact boundaries, on a manual clock.</summary>
public sealed class FreshnessTests
{
    private static readonly DateTimeOffset Observed = new(2026, 7, 14, 12, 0, 0, TimeSpan.Zero);

    private static FreshnessReading After(FreshnessPolicy policy, TimeSpan age)
    {
        var clock = new ManualClock(Observed);
        clock.Advance(age);
        return policy.Assess(Observed, clock);
    }

    [Fact]
    public void HotStream_TenSecondsIsStillFreshAndOneTickMoreIsAging()
    {
        var atLimit = After(FreshnessPolicy.HotStream, TimeSpan.FromSeconds(10));
        var past = After(FreshnessPolicy.HotStream, TimeSpan.FromSeconds(10) + TimeSpan.FromTicks(1));

        Assert.Equal(FreshnessStatus.Fresh, atLimit.Status);
        Assert.Equal(1.0, atLimit.Penalty);
        Assert.Equal("🟢", atLimit.Indicator);
        Assert.Equal(2.0, atLimit.Cadences);
        Assert.Equal(FreshnessStatus.Aging, past.Status);
        Assert.True(past.Penalty is < 1.0 and > 0.9999);
        Assert.Equal("🟡", past.Indicator);
    }

    [Fact]
    public void HotStream_TwentyFiveSecondsIsAgingAtHalfAndOneTickMoreIsStale()
    {
        var atLimit = After(FreshnessPolicy.HotStream, TimeSpan.FromSeconds(25));
        var past = After(FreshnessPolicy.HotStream, TimeSpan.FromSeconds(25) + TimeSpan.FromTicks(1));

        Assert.Equal(FreshnessStatus.Aging, atLimit.Status);
        Assert.Equal(0.5, atLimit.Penalty);
        Assert.Equal(FreshnessStatus.Stale, past.Status);
        Assert.Equal("🔴", past.Indicator);
        Assert.True(past.Penalty is < 0.5 and > 0.4999);
    }

    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(17_500, 0.75)]
    [InlineData(37_500, 0.25)]
    [InlineData(50_000, 0.0)]
    [InlineData(3_600_000, 0.0)]
    public void HotStream_PenaltyCurve_IsPiecewiseLinear(long ageMs, double penalty)
        => Assert.Equal(penalty, After(FreshnessPolicy.HotStream, TimeSpan.FromMilliseconds(ageMs)).Penalty, 12);

    [Fact]
    public void WarmRest_SixtySecondsFreshOneHundredFiftyAgingThenStale()
    {
        Assert.Equal(FreshnessStatus.Fresh, After(FreshnessPolicy.WarmRest, TimeSpan.FromSeconds(60)).Status);
        Assert.Equal(FreshnessStatus.Aging, After(FreshnessPolicy.WarmRest, TimeSpan.FromSeconds(60.001)).Status);
        Assert.Equal(FreshnessStatus.Aging, After(FreshnessPolicy.WarmRest, TimeSpan.FromSeconds(150)).Status);
        Assert.Equal(FreshnessStatus.Stale, After(FreshnessPolicy.WarmRest, TimeSpan.FromSeconds(150.001)).Status);
        Assert.Equal(TimeSpan.FromMinutes(2), FreshnessPolicy.VadrVolumes.Cadence);
    }

    [Fact]
    public void Candles_OneHourCadence_FreshForTwoHoursAfterTheClose()
    {
        var policy = FreshnessPolicy.ForCandles(Timeframe.H1);

        Assert.Equal(TimeSpan.FromHours(1), policy.Cadence);
        Assert.Equal(FreshnessStatus.Fresh, After(policy, TimeSpan.FromHours(2)).Status);
        Assert.Equal(FreshnessStatus.Aging, After(policy, TimeSpan.FromHours(2) + TimeSpan.FromMilliseconds(1)).Status);
        Assert.Equal(FreshnessStatus.Stale, After(policy, TimeSpan.FromHours(5) + TimeSpan.FromMilliseconds(1)).Status);
    }

    [Fact]
    public void Assess_DataStampedInTheFuture_CountsAsAgeZero()
    {
        var clock = new ManualClock(Observed);

        var reading = FreshnessPolicy.HotStream.Assess(Observed.AddSeconds(3), clock);

        Assert.Equal(TimeSpan.Zero, reading.Age);
        Assert.Equal(FreshnessStatus.Fresh, reading.Status);
    }

    [Fact]
    public void Worst_OfSeveralFeeds_IsTheLowestPenalty()
    {
        var hot = After(FreshnessPolicy.HotStream, TimeSpan.FromSeconds(20)); // aging, 4 cadences
        var warm = After(FreshnessPolicy.WarmRest, TimeSpan.FromSeconds(20)); // fresh
        var candles = After(FreshnessPolicy.ForCandles(Timeframe.M1), TimeSpan.FromMinutes(6)); // stale, 6 cadences

        Assert.Same(candles, FreshnessReading.Worst([hot, warm, candles]));
        Assert.Same(hot, FreshnessReading.Worst([warm, hot]));
        Assert.Throws<ArgumentException>(() => FreshnessReading.Worst([]));
    }

    [Fact]
    public void Policy_InconsistentThresholds_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FreshnessPolicy(TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => (FreshnessPolicy.HotStream with { AgingCadences = 2 }).Classify(TimeSpan.FromSeconds(1)));
    }
}

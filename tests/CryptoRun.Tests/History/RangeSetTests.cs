using CryptoRun.Domain;
using CryptoRun.History;

namespace CryptoRun.Tests.History;

public sealed class RangeSetTests
{
    private const long Minute = 60_000;

    private static TimeRange R(long fromMinute, long toMinute) => new(fromMinute * Minute, toMinute * Minute);

    [Fact]
    public void Merge_TouchingRanges_Join()
        => Assert.Equal([R(0, 20)], RangeSet.Merge([R(0, 10), R(10, 20)]));

    [Fact]
    public void Merge_OverlappingRanges_Join()
        => Assert.Equal([R(0, 25)], RangeSet.Merge([R(0, 15), R(10, 25)]));

    [Fact]
    public void Merge_ContainedRange_KeepsOuterEnd()
        => Assert.Equal([R(0, 30)], RangeSet.Merge([R(0, 30), R(5, 10)]));

    [Fact]
    public void Merge_DisjointUnsorted_StaySeparateAndSorted()
        => Assert.Equal([R(0, 5), R(6, 8), R(20, 30)], RangeSet.Merge([R(20, 30), R(0, 5), R(6, 8)]));

    [Fact]
    public void Merge_OneMillisecondGap_DoesNotJoin()
    {
        var merged = RangeSet.Merge([new TimeRange(0, 100), new TimeRange(101, 200)]);

        Assert.Equal(2, merged.Count);
    }

    [Fact]
    public void Merge_EmptyRanges_AreDropped()
        => Assert.Equal([R(1, 2)], RangeSet.Merge([R(5, 5), R(1, 2), R(0, 0)]));

    [Fact]
    public void Merge_ChainOfOverlapsInAnyOrder_BecomesOne()
        => Assert.Equal([R(0, 40)], RangeSet.Merge([R(30, 40), R(0, 10), R(20, 31), R(9, 21)]));

    [Fact]
    public void Merge_Nothing_IsEmpty()
        => Assert.Empty(RangeSet.Merge([]));

    [Fact]
    public void Subtract_NothingCovered_ReturnsWholeRange()
        => Assert.Equal([R(0, 60)], RangeSet.Subtract(R(0, 60), []));

    [Fact]
    public void Subtract_HoleInMiddle_ReturnsBothEnds()
        => Assert.Equal([R(0, 10), R(20, 60)], RangeSet.Subtract(R(0, 60), [R(10, 20)]));

    [Fact]
    public void Subtract_CoverOverlapsBothEdges_ReturnsInsideGap()
        => Assert.Equal([R(10, 50)], RangeSet.Subtract(R(0, 60), [R(-30, 10), R(50, 90)]));

    [Fact]
    public void Subtract_CoverTouchingFromOutside_ReturnsWholeRange()
        => Assert.Equal([R(10, 20)], RangeSet.Subtract(R(10, 20), [R(0, 10), R(20, 30)]));

    [Fact]
    public void Subtract_FullyCovered_IsEmpty()
        => Assert.Empty(RangeSet.Subtract(R(10, 20), [R(0, 15), R(15, 40)]));

    [Fact]
    public void Subtract_OverlappingUnsortedCover_IsMergedFirst()
        => Assert.Equal([R(0, 5), R(30, 40)], RangeSet.Subtract(R(0, 40), [R(20, 30), R(5, 12), R(10, 25)]));

    [Fact]
    public void Subtract_CoverOutsideRange_IsIgnored()
        => Assert.Equal([R(10, 20)], RangeSet.Subtract(R(10, 20), [R(0, 5), R(25, 30)]));

    [Fact]
    public void Align_UnalignedEnds_HoldsTheSameCandleOpenTimes()
    {
        // [00:00:30, 00:02:30) holds the 1m open times 00:01 and 00:02 only.
        var range = new TimeRange(30_000, 150_000);

        var aligned = RangeSet.Align(range, Timeframe.M1);

        Assert.Equal(R(1, 3), aligned);
        Assert.Equal(Timeframe.M1.CountSlots(range.FromMs, range.ToMs), Timeframe.M1.CountSlots(aligned.FromMs, aligned.ToMs));
    }

    [Fact]
    public void Align_AlreadyAligned_IsUnchanged()
        => Assert.Equal(R(60, 180), RangeSet.Align(R(60, 180), Timeframe.H1));

    [Fact]
    public void Align_RangeHoldingNoOpenTime_IsEmpty()
        => Assert.True(RangeSet.Align(new TimeRange(10_000, 50_000), Timeframe.M1).IsEmpty);

    [Fact]
    public void Align_Hourly_CeilsBothEnds()
    {
        // [00:59, 02:01) holds the 1h open times 01:00 and 02:00.
        var aligned = RangeSet.Align(R(59, 121), Timeframe.H1);

        Assert.Equal(R(60, 180), aligned);
    }

    [Fact]
    public void Intersect_CoverOverlapsBothEdges_ClipsToTheRange()
        => Assert.Equal([R(0, 10), R(50, 60)], RangeSet.Intersect(R(0, 60), [R(50, 90), R(-30, 10)]));

    [Fact]
    public void Intersect_EmptyRangeInsideCover_IsEmpty()
        => Assert.Empty(RangeSet.Intersect(R(5, 5), [R(0, 10)]));

    [Fact]
    public void Missing_HeldMiddleSlot_SplitsIntoTwoRuns()
        => Assert.Equal([R(0, 2), R(3, 5)], RangeSet.Missing(R(0, 5), [R(2, 3)], Timeframe.M1));

    [Fact]
    public void Missing_HeldWindowBetweenOpenTimes_LeavesNoSliver()
    {
        // [00:00:10, 00:00:20) holds no 1m open time, so all three slots are missing, as one run.
        var held = new TimeRange(10_000, 20_000);

        Assert.Equal(2, RangeSet.Subtract(R(0, 3), [held]).Count);
        Assert.Equal([R(0, 3)], RangeSet.Missing(R(0, 3), [held], Timeframe.M1));
    }

    [Fact]
    public void Missing_Weekly_RunsFromMonday()
    {
        // Wednesday 2024-01-03 to Wednesday 2024-01-24 holds the weekly open times 01-08, 01-15 and 01-22; 01-08 is held.
        var range = new TimeRange(DateTimeOffset.Parse("2024-01-03T00:00Z"), DateTimeOffset.Parse("2024-01-24T00:00Z"));
        var held = new TimeRange(DateTimeOffset.Parse("2024-01-08T00:00Z"), DateTimeOffset.Parse("2024-01-15T00:00Z"));

        var missing = RangeSet.Missing(range, [held], Timeframe.Parse("1w"));

        Assert.Equal([new TimeRange(DateTimeOffset.Parse("2024-01-15T00:00Z"), DateTimeOffset.Parse("2024-01-29T00:00Z"))], missing);
    }
}

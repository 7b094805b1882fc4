using CryptoRun.Domain;
using CryptoRun.History;

namespace CryptoRun.Tests.History;

public sealed class RangeSetTests
{
    private static TimeRange R(long from, long to) => new(from, to);

    [Fact]
    public void Merge_TouchingOverlappingAndEmpty_JoinsAndDropsEmpty()
        => Assert.Equal(
            [R(0, 30), R(40, 50)],
            RangeSet.Merge([R(40, 50), R(10, 20), R(0, 10), R(15, 30), R(35, 35), R(20, 25)]));

    [Fact]
    public void Merge_GapOfOneMillisecond_StaysApart()
        => Assert.Equal([R(0, 10), R(11, 20)], RangeSet.Merge([R(11, 20), R(0, 10)]));

    [Fact]
    public void Subtract_HeldMiddle_LeavesBothEnds()
        => Assert.Equal([R(0, 10), R(20, 30)], RangeSet.Subtract(R(0, 30), [R(10, 20)]));

    [Fact]
    public void Subtract_HeldBeyondBothEdges_LeavesNothing()
        => Assert.Empty(RangeSet.Subtract(R(10, 20), [R(0, 12), R(12, 25)]));

    [Fact]
    public void Subtract_HeldOutsideRange_LeavesWholeRange()
        => Assert.Equal([R(10, 20)], RangeSet.Subtract(R(10, 20), [R(0, 10), R(20, 30)]));

    [Fact]
    public void Align_UnalignedEnds_HoldsTheSameOpenTimes()
    {
        // [00:00:30, 00:10:30) holds the 1m candles opening 00:01 .. 00:10.
        var aligned = RangeSet.Align(R(30_000, 630_000), Timeframe.M1);

        Assert.Equal(R(60_000, 660_000), aligned);
        Assert.Equal(Timeframe.M1.CountSlots(30_000, 630_000), Timeframe.M1.CountSlots(aligned.FromMs, aligned.ToMs));
    }

    [Fact]
    public void Align_RangeInsideOneCandle_IsEmpty()
        => Assert.True(RangeSet.Align(R(61_000, 119_000), Timeframe.M1).IsEmpty);
}

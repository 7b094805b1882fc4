using System.Globalization;
using CryptoRun.Domain;

namespace CryptoRun.Tests.Domain;

public sealed class TimeRangeTests
{
    // 2026-07-01T00:00:00Z
    private const long July1 = 1_782_864_000_000;
    private const long Hour = 3_600_000;

    [Fact]
    public void Contains_IsHalfOpen_FromInsideToOutside()
    {
        var range = new TimeRange(July1, July1 + Hour);

        Assert.True(range.Contains(July1));
        Assert.True(range.Contains(July1 + Hour - 1));
        Assert.False(range.Contains(July1 + Hour));
        Assert.False(range.Contains(July1 - 1));
    }

    [Fact]
    public void Constructor_EqualEnds_IsEmptyAndContainsNothing()
    {
        var range = new TimeRange(July1, July1);

        Assert.True(range.IsEmpty);
        Assert.False(range.Contains(July1));
    }

    [Fact]
    public void Constructor_ToBeforeFrom_ThrowsNamingBothInstants()
    {
        var error = Assert.Throws<ArgumentException>(() => new TimeRange(July1, July1 - Hour));

        Assert.Equal("toMs", error.ParamName);
        Assert.Contains("2026-06-30T23:00:00Z", error.Message, StringComparison.Ordinal);
        Assert.Contains("2026-07-01T00:00:00Z", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_WholeSecond_IsIsoWithZAndNoMilliseconds()
        => Assert.Equal("2026-07-01T00:00:00Z", TimeRange.Format(July1));

    [Fact]
    public void Format_WithMilliseconds_ShowsThem()
        => Assert.Equal("2026-07-01T00:00:00.123Z", TimeRange.Format(July1 + 123));

    [Fact]
    public void Format_BeforeEpoch_IsStillUtc()
        => Assert.Equal("1969-12-31T23:59:00Z", TimeRange.Format(-60_000));

    [Fact]
    public void ToString_IsHalfOpenIsoPair()
        => Assert.Equal("[2026-07-01T00:00:00Z, 2026-07-01T01:00:00Z)", new TimeRange(July1, July1 + Hour).ToString());

    [Fact]
    public void Constructor_FromOffsetInstants_ConvertsToUtcEpoch()
    {
        var from = DateTimeOffset.Parse("2026-07-01T02:00:00+02:00", CultureInfo.InvariantCulture);
        var to = DateTimeOffset.Parse("2026-07-01T03:00:00+02:00", CultureInfo.InvariantCulture);

        var range = new TimeRange(from, to);

        Assert.Equal(July1, range.FromMs);
        Assert.Equal(July1 + Hour, range.ToMs);
        Assert.Equal(TimeSpan.Zero, range.From.Offset);
    }

    [Theory]
    [InlineData(253_402_300_800_000)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public void Format_InstantsNoDateCanHold_ShownAsEpochMillisecondsNotThrown(long epochMs)
    {
        var text = TimeRange.Format(epochMs);

        Assert.Contains(epochMs.ToString(CultureInfo.InvariantCulture), text, StringComparison.Ordinal);
        var range = epochMs < 0 ? new TimeRange(epochMs, 0) : new TimeRange(0, epochMs);
        Assert.Contains(text, range.ToString(), StringComparison.Ordinal);
    }
}

using CryptoRun.Domain;

namespace CryptoRun.Tests.Domain;

public sealed class TimeframeTests
{
    [Theory]
    [InlineData("1m", 60_000)]
    [InlineData("15m", 900_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("12h", 43_200_000)]
    [InlineData("1d", 86_400_000)]
    [InlineData("1w", 604_800_000)]
    public void Parse_KnownName_HasExactLength(string name, long milliseconds)
        => Assert.Equal(milliseconds, Timeframe.Parse(name).Milliseconds);

    [Fact]
    public void Parse_UnknownName_ErrorListsSupported()
    {
        var error = Assert.Throws<FormatException>(() => Timeframe.Parse("2m"));
        Assert.Contains("'2m'", error.Message, StringComparison.Ordinal);
        Assert.Contains("1m 3m 5m", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UpperCaseM_IsNotMinutes()
        => Assert.False(Timeframe.TryParse("1M", out _));

    [Fact]
    public void Floor_WeekAlignsToMonday()
    {
        var wednesday = DateTimeOffset.Parse("2026-07-15T13:45:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        var monday = DateTimeOffset.Parse("2026-07-13T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        Assert.Equal(monday, Timeframe.Parse("1w").Floor(wednesday));
    }

    [Fact]
    public void CountSlots_HalfOpenRange()
    {
        var m1 = Timeframe.M1;
        Assert.Equal(3, m1.CountSlots(0, 180_000));
        Assert.Equal(3, m1.CountSlots(0, 120_001));
        Assert.Equal(0, m1.CountSlots(60_000, 60_000));
        Assert.Equal(1, m1.CountSlots(1, 120_000));
    }
}

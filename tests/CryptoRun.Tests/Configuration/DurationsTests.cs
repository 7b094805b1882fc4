using CryptoRun.Configuration;

namespace CryptoRun.Tests.Configuration;

public sealed class DurationsTests
{
    public static TheoryData<string, long> Valid => new()
    {
        { "500ms", 500 },
        { "30s", 30_000 },
        { "2m", 120_000 },
        { "24h", 86_400_000 },
        { "1d", 86_400_000 },
        { "1.5h", 5_400_000 },
        { "0.25s", 250 },
        { " 45s ", 45_000 },
        { "00:01:30", 90_000 },
        { "1.02:00:00", 93_600_000 },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void TryParse_ConfigForms_ReadTheirValue(string text, long milliseconds)
    {
        Assert.True(Durations.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("abc")]
    [InlineData("5x")]
    [InlineData("ms")]
    [InlineData("s")]
    [InlineData("2 minutes")]
    [InlineData("5sec")]
    public void TryParse_NotADuration_IsRefused(string? text)
        => Assert.False(Durations.TryParse(text, out _));

    [Theory]
    [InlineData("NaNs")]
    [InlineData("Infinityms")]
    [InlineData("-Infinityd")]
    public void TryParse_NotANumber_IsRefusedWithoutThrowing(string text)
        => Assert.False(Durations.TryParse(text, out _));

    [Theory]
    [InlineData("99999999d")]
    [InlineData("1000000000000h")]
    public void TryParse_LongerThanATimeSpanHolds_ReadsAsTheLongestWithoutThrowing(string text)
    {
        Assert.True(Durations.TryParse(text, out var value));
        Assert.Equal(TimeSpan.MaxValue, value);
    }

    [Fact]
    public void OutOfRange_SaysTooLongOrTooShortWithTheBound()
    {
        Assert.Null(Durations.OutOfRange(TimeSpan.FromDays(1), TimeSpan.Zero, TimeSpan.FromDays(1)));
        Assert.Equal("too long: at most 1d", Durations.OutOfRange(TimeSpan.MaxValue, TimeSpan.Zero, TimeSpan.FromDays(1)));
        Assert.Equal("too short: at least 10ms", Durations.OutOfRange(TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(10), TimeSpan.FromDays(1)));
    }

    [Fact]
    public void TryParse_BareNumberWithoutUnit_IsRefused()
    {
        Assert.False(Durations.TryParse("10", out var value), $"'10' was read as {value}");
    }

    public static TheoryData<long, string> Formats => new()
    {
        { 500, "500ms" },
        { 1500, "1500ms" },
        { 30_000, "30s" },
        { 90_000, "90s" },
        { 120_000, "2m" },
        { 5_400_000, "90m" },
        { 3_600_000, "1h" },
        { 129_600_000, "36h" },
        { 86_400_000, "1d" },
        { 259_200_000, "3d" },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public void Format_GivesTheShortestExactFormAndParsesBack(long milliseconds, string text)
    {
        var value = TimeSpan.FromMilliseconds(milliseconds);

        Assert.Equal(text, Durations.Format(value));
        Assert.True(Durations.TryParse(Durations.Format(value), out var back));
        Assert.Equal(value, back);
    }
}

using CryptoRun.Domain;

namespace CryptoRun.Tests.Domain;

public sealed class CandleChecksTests
{
    // 2026-07-01T00:00:00Z, a boundary of every timeframe up to 1d.
    private const long July1 = 1_782_864_000_000;

    private static readonly Candle Valid = new(July1, 10m, 12m, 9m, 11m, 100m, 1100m, 42);

    [Fact]
    public void Problem_ValidCandle_IsNull()
    {
        Assert.Null(CandleChecks.Problem(Valid, Timeframe.M1));
        Assert.Null(CandleChecks.Problem(Valid, Timeframe.D1));
    }

    [Fact]
    public void Problem_FlatCandleWithZeroVolumeAndNoOptionals_IsNull()
        => Assert.Null(CandleChecks.Problem(new Candle(July1, 5m, 5m, 5m, 5m, 0m), Timeframe.M1));

    [Fact]
    public void Problem_MisalignedOpenTime_NamesTimeAndTimeframe()
    {
        var problem = CandleChecks.Problem(Valid with { OpenTimeMs = July1 + 30_000 }, Timeframe.M1);

        Assert.Equal("open time 2026-07-01T00:00:30Z is not a 1m boundary", problem);
    }

    [Fact]
    public void Problem_AlignedToMinuteButNotHour_IsRejectedForHour()
    {
        var problem = CandleChecks.Problem(Valid with { OpenTimeMs = July1 + 60_000 }, Timeframe.H1);

        Assert.NotNull(problem);
        Assert.Contains("1h", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problem_ZeroPrice_NamesAllPrices()
    {
        var problem = CandleChecks.Problem(Valid with { Open = 0m }, Timeframe.M1);

        Assert.Equal("prices must be positive (open 0, high 12, low 9, close 11)", problem);
    }

    [Fact]
    public void Problem_NegativeLow_IsRejected()
    {
        var problem = CandleChecks.Problem(Valid with { Low = -1m }, Timeframe.M1);

        Assert.NotNull(problem);
        Assert.Contains("low -1", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problem_NegativeVolume_NamesTheValues()
    {
        var problem = CandleChecks.Problem(Valid with { Volume = -0.5m }, Timeframe.M1);

        Assert.Equal("volume, quote volume and trade count must not be negative (-0.5, 1100, 42)", problem);
    }

    [Fact]
    public void Problem_NegativeQuoteVolume_IsRejected()
    {
        var problem = CandleChecks.Problem(Valid with { QuoteVolume = -1m }, Timeframe.M1);

        Assert.NotNull(problem);
        Assert.Contains("-1", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problem_NegativeTradeCount_IsRejected()
    {
        var problem = CandleChecks.Problem(Valid with { TradeCount = -3 }, Timeframe.M1);

        Assert.NotNull(problem);
        Assert.Contains("-3", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problem_HighBelowLow_NamesBoth()
        => Assert.Equal("high 8 is below low 9", CandleChecks.Problem(Valid with { High = 8m, Open = 8m, Close = 8m }, Timeframe.M1));

    [Fact]
    public void Problem_HighBelowOpen_NamesHighOpenAndClose()
        => Assert.Equal("high 9.5 is below open 10 or close 9.2", CandleChecks.Problem(Valid with { High = 9.5m, Close = 9.2m }, Timeframe.M1));

    [Fact]
    public void Problem_HighBelowClose_IsRejected()
        => Assert.Equal("high 11 is below open 10 or close 11.5", CandleChecks.Problem(Valid with { High = 11m, Close = 11.5m }, Timeframe.M1));

    [Fact]
    public void Problem_LowAboveOpen_NamesLowOpenAndClose()
        => Assert.Equal("low 10.5 is above open 10 or close 11", CandleChecks.Problem(Valid with { Low = 10.5m }, Timeframe.M1));

    [Fact]
    public void Problem_LowAboveClose_IsRejected()
        => Assert.Equal("low 9.5 is above open 10 or close 9.4", CandleChecks.Problem(Valid with { Low = 9.5m, Close = 9.4m }, Timeframe.M1));

    [Theory]
    [InlineData(-60_000L, "1969-12-31T23:59:00Z")]
    [InlineData(4_102_444_800_000L, "2100-01-01T00:00:00Z")]
    [InlineData(253_402_300_740_000L, "9999-12-31T23:59:00Z")]
    public void Problem_OpenTimeOutsideTheAcceptedTimes_NamesItAndTheRange(long openTimeMs, string shown)
    {
        var problem = CandleChecks.Problem(Valid with { OpenTimeMs = openTimeMs }, Timeframe.M1);

        Assert.NotNull(problem);
        Assert.Contains(shown, problem, StringComparison.Ordinal);
        Assert.Contains("CryptoRun accepts times from 1970-01-01 to 2100-01-01", problem, StringComparison.Ordinal);
    }
}

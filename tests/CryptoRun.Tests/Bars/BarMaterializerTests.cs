using CryptoRun.Bars;
using CryptoRun.Domain;

namespace CryptoRun.Tests.Bars;

public sealed class BarMaterializerTests
{
    private const long Minute = 60_000;
    private static readonly long T0 = DateTimeOffset.Parse("2026-07-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    [Fact]
    public void Build_FiveMinutes_OpenFirstHighMaxLowMinCloseLastVolumeSum()
    {
        Candle[] source =
        [
            new(T0, 10m, 12m, 9m, 11m, 1m, 10m, 3),
            new(T0 + Minute, 11m, 15m, 10m, 14m, 2m, 28m, 4),
            new(T0 + (2 * Minute), 14m, 14m, 8m, 9m, 3m, 27m, 5),
            new(T0 + (3 * Minute), 9m, 10m, 9m, 10m, 4m, 40m, 6),
            new(T0 + (4 * Minute), 10m, 11m, 10m, 10.5m, 5m, 52.5m, 7),
        ];

        var bar = Assert.Single(BarMaterializer.Build(source, Timeframe.M1, Timeframe.Parse("5m"), [Covered(0, 5)]));

        Assert.Equal(new Candle(T0, 10m, 15m, 8m, 10.5m, 15m, 157.5m, 25), bar.Candle);
        Assert.Equal((5, 5, true), (bar.SourceCandles, bar.ExpectedCandles, bar.IsComplete));
    }

    [Fact]
    public void Build_ASourceCandleWithoutQuoteVolumeOrTrades_LeavesThoseNullNotPartialSums()
    {
        Candle[] source = [new(T0, 1m, 1m, 1m, 1m, 1m, 5m, 2), new(T0 + Minute, 1m, 1m, 1m, 1m, 1m)];

        var bar = Assert.Single(BarMaterializer.Build(source, Timeframe.M1, Timeframe.Parse("5m"), [Covered(0, 5)]));

        Assert.Null(bar.Candle.QuoteVolume);
        Assert.Null(bar.Candle.TradeCount);
        Assert.Equal((2, 5, false), (bar.SourceCandles, bar.ExpectedCandles, bar.IsComplete));
    }

    [Fact]
    public void Build_OnlySlotsWhollyInsideTheFetchedWindows()
    {
        // Minutes 0..14 stored, but only [3, 15) was recorded as fetched: the first 5-minute slot is partly
        // outside, so it is not built; a slot with no candle at all gives no bar either.
        var source = Enumerable.Range(0, 15).Select(m => Flat(m, 100m)).ToList();

        var bars = BarMaterializer.Build(source, Timeframe.M1, Timeframe.Parse("5m"), [Covered(3, 15), Covered(15, 25)]);

        Assert.Equal([T0 + (5 * Minute), T0 + (10 * Minute)], bars.Select(b => b.Candle.OpenTimeMs));
    }

    [Fact]
    public void Build_Returns_LogReturnCumReturnAndRollingVolatilityByHand()
    {
        // Hourly closes 100, 110, 99, 108.9 from one minute each (the rest of each hour had no trades).
        decimal[] closes = [100m, 110m, 99m, 108.9m];
        var source = closes.Select((c, h) => Flat(h * 60, c)).ToList();

        var bars = BarMaterializer.Build(source, Timeframe.M1, Timeframe.H1, [Covered(0, 240)], volatilityWindow: 2);

        Assert.Null(bars[0].LogReturn);
        Assert.Equal(Math.Log(1.1), bars[1].LogReturn!.Value, 12);
        Assert.Equal(Math.Log(0.9), bars[2].LogReturn!.Value, 12);
        Assert.Equal(Math.Log(1.1), bars[3].LogReturn!.Value, 12);
        Assert.Equal([0, 0.1, -0.01, 0.089], bars.Select(b => Math.Round(b.CumReturn!.Value, 12)));

        // Window 2: sample standard deviation of (ln 1.1, ln 0.9) = |ln 1.1 − ln 0.9| / √2.
        Assert.Null(bars[0].RollingVolatility);
        Assert.Null(bars[1].RollingVolatility);
        Assert.Equal(Math.Abs(Math.Log(1.1) - Math.Log(0.9)) / Math.Sqrt(2), bars[2].RollingVolatility!.Value, 12);
        Assert.Equal(Math.Abs(Math.Log(0.9) - Math.Log(1.1)) / Math.Sqrt(2), bars[3].RollingVolatility!.Value, 12);
    }

    [Fact]
    public void Build_AMissingBar_NoLogReturnAcrossItAndTheVolatilityWindowStartsAgain()
    {
        // Hours 0, 1, 3, 4, 5: hour 2 has no candle.
        int[] hours = [0, 1, 3, 4, 5];
        var source = hours.Select((h, i) => Flat(h * 60, 100m + i)).ToList();

        var bars = BarMaterializer.Build(source, Timeframe.M1, Timeframe.H1, [Covered(0, 360)], volatilityWindow: 2);

        Assert.Equal([false, true, false, true, true], bars.Select(b => b.LogReturn is not null));
        Assert.Equal([false, false, false, false, true], bars.Select(b => b.RollingVolatility is not null));
        Assert.Equal(104m / 100m - 1, (decimal)bars[^1].CumReturn!.Value, 12);
    }

    [Fact]
    public void Build_Weekly_OpensOnMonday()
    {
        // 2026-07-01 is a Wednesday; its week opened on Monday 2026-06-29.
        var monday = DateTimeOffset.Parse("2026-06-29T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        var days = Enumerable.Range(0, 7).Select(d => new Candle(monday + (d * 86_400_000L), 1m, 2m, 1m, 2m, 1m)).ToList();

        var bar = Assert.Single(BarMaterializer.Build(days, Timeframe.D1, Timeframe.Parse("1w"), [new TimeRange(monday, monday + (7 * 86_400_000L))]));

        Assert.Equal((monday, 7), (bar.Candle.OpenTimeMs, bar.SourceCandles));
    }

    [Theory]
    [InlineData("1m", "1m")]
    [InlineData("5m", "3m")]
    [InlineData("1h", "15m")]
    public void CannotBuild_NotACoarserWholeMultiple_SaysWhy(string source, string target)
    {
        var reason = BarMaterializer.CannotBuild(Timeframe.Parse(source), Timeframe.Parse(target));

        Assert.Equal($"{target} bars cannot be built from {source} candles: the target must be a coarser whole multiple of the source", reason);
        Assert.Throws<ArgumentException>(() => BarMaterializer.Build([], Timeframe.Parse(source), Timeframe.Parse(target), []));
    }

    [Fact]
    public void Build_SourceOutOfOrder_RefusedNamingTheCandle()
    {
        Candle[] source = [Flat(1, 1m), Flat(0, 1m)];

        var error = Assert.Throws<ArgumentException>(() => BarMaterializer.Build(source, Timeframe.M1, Timeframe.Parse("5m"), [Covered(0, 5)]));

        Assert.StartsWith("source candle at 2026-07-01T00:00:00Z is not after the one before it", error.Message, StringComparison.Ordinal);
    }

    private static Candle Flat(int minute, decimal price) => new(T0 + (minute * Minute), price, price, price, price, 1m);

    [Fact]
    public void Build_WindowLongerThanAnySeries_GivesNoVolatilityInsteadOfAllocatingTheWindow()
    {
        Candle[] source = [.. Enumerable.Range(0, 15).Select(i => new Candle(T0 + (i * Minute), 10m + i, 10m + i, 10m + i, 10m + i, 1m))];

        var bars = BarMaterializer.Build(source, Timeframe.M1, Timeframe.Parse("5m"), [Covered(0, 15)], int.MaxValue);

        Assert.Equal(3, bars.Count);
        Assert.All(bars, b => Assert.Null(b.RollingVolatility));
        Assert.NotNull(bars[^1].LogReturn);
    }

    private static TimeRange Covered(int fromMinute, int toMinute) => new(T0 + (fromMinute * Minute), T0 + (toMinute * Minute));
}

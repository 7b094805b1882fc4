using System.Globalization;
using CryptoRun.Analytics;
using CryptoRun.CandleFiles;
using CryptoRun.Domain;
using CryptoRun.Tests.TestSupport;
using Xunit.Abstractions;

namespace CryptoRun.Tests.Analytics;

/// <summary>
/// VADR on the real Binance USD-M AVAXUSDT 1m month and the Coinbase BTC/USD minute file: values equal an
/// independent computation of the formula; short, thin, gappy, stale and zero-volume inputs freeze.
/// </summary>
public sealed class VadrTests(ITestOutputHelper output)
{
    private const long Minute = 60_000;
    private const long Day = 1440 * Minute;

    private static readonly Lazy<Candle[]> Avax = new(() => CandleFileReader.Read(TestData.AvaxMonth).Rows.Select(r => r.Candle).ToArray());
    private static readonly Lazy<Candle[]> CoinbaseMinute = new(() => CandleFileReader.Read(TestData.CoinbaseMinute).Rows.Select(r => r.Candle).ToArray());

    private static long At(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    private static Candle[] Before(Candle[] candles, long endMs) => candles.Where(c => c.OpenTimeMs < endMs).ToArray();

    /// <summary>A calculator whose clock reads <paramref name="afterClose"/> after the candle that closes at <paramref name="endMs"/>.</summary>
    private static VadrCalculator CalculatorAt(long endMs, TimeSpan afterClose = default, VadrOptions? options = null)
    {
        var clock = new ManualClock(DateTimeOffset.FromUnixTimeMilliseconds(endMs));
        clock.Advance(afterClose);
        return new VadrCalculator(clock, options);
    }

    // Independent reference, in double: range and volume of each window, the current over the mean of the earlier ones.
    private static double Reference(Candle[] candles, long endMs, long windowMs, int baselineWindows)
    {
        (double Range, double Volume) Window(long from, long to)
        {
            var inside = candles.Where(c => c.OpenTimeMs >= from && c.OpenTimeMs < to).ToList();
            return ((double)inside.Max(c => c.High) - (double)inside.Min(c => c.Low), inside.Sum(c => (double)c.Volume));
        }

        var current = Window(endMs - windowMs, endMs);
        var baseline = Enumerable.Range(1, baselineWindows).Select(k => Window(endMs - ((k + 1) * windowMs), endMs - (k * windowMs))).ToList();
        return current.Range / baseline.Average(b => b.Range) * (current.Volume / baseline.Average(b => b.Volume));
    }

    [Fact]
    public void Calculate_AvaxDayOf14July_EqualsTheFormulaOverTheWeekBefore()
    {
        var end = At("2026-07-15T00:00:00Z");
        var candles = Before(Avax.Value, end);

        var result = CalculatorAt(end, TimeSpan.FromSeconds(30)).Calculate(candles, TimeSpan.FromDays(1), Timeframe.M1);

        Assert.False(result.IsFrozen, result.Detail);
        Assert.Equal(new TimeRange(end - Day, end), result.Window);
        Assert.Equal(1440, result.BarsUsed);
        Assert.Equal(1440, result.ExpectedBars);
        Assert.Equal(7, result.BaselineWindowsUsed);
        var expected = Reference(candles, end, Day, 7);
        Assert.Equal(expected, (double)result.Value!.Value, expected * 1e-12);
        Assert.Equal(result.RangeRatio!.Value * result.VolumeRatio!.Value, result.Value);
        output.WriteLine($"AVAXUSDT 2026-07-14: VADR {result.Value:F4} (range x{result.RangeRatio:F4}, volume x{result.VolumeRatio:F4})");
    }

    [Fact]
    public void Calculate_EveryAvaxDayWithAFullWeekBefore_MatchesTheFormulaAndTheGateCount()
    {
        var calculator = CalculatorAt(At("2026-08-01T00:00:00Z"), options: new VadrOptions { MaxLastCandleAge = TimeSpan.FromDays(31) });
        var passes = 0;
        var referencePasses = 0;
        var values = new List<double>();
        for (var day = 8; day <= 31; day++)
        {
            var end = At($"2026-07-{day:D2}T00:00:00Z") + Day;
            var candles = Before(Avax.Value, end);

            var result = calculator.Calculate(candles, TimeSpan.FromDays(1), Timeframe.M1);
            var expected = Reference(candles, end, Day, 7);

            Assert.False(result.IsFrozen, result.Detail);
            Assert.Equal(expected, (double)result.Value!.Value, expected * 1e-12);
            passes += result.PassesGate() ? 1 : 0;
            referencePasses += expected >= 1.8 ? 1 : 0;
            values.Add((double)result.Value.Value);
        }

        Assert.Equal(referencePasses, passes);
        output.WriteLine($"AVAXUSDT July 8-31, 24 h windows: {passes} of 24 days pass VADR >= 1.8; min {values.Min():F3}, median {values.Order().ElementAt(12):F3}, max {values.Max():F3}");
    }

    [Fact]
    public void Calculate_UnsortedCandles_SameResult()
    {
        var end = At("2026-07-15T00:00:00Z");
        var candles = Before(Avax.Value, end);
        var calculator = CalculatorAt(end);

        Assert.Equal(calculator.Calculate(candles, TimeSpan.FromDays(1), Timeframe.M1), calculator.Calculate(candles.Reverse().ToArray(), TimeSpan.FromDays(1), Timeframe.M1));
    }

    [Fact]
    public void Calculate_TenMinuteWindow_FreezesOnTooFewBars()
    {
        var end = At("2026-07-15T00:00:00Z");

        var result = CalculatorAt(end).Calculate(Before(Avax.Value, end), TimeSpan.FromMinutes(10), Timeframe.M1);

        Assert.True(result.IsFrozen);
        Assert.Null(result.Value);
        Assert.Equal(VadrFreezeReason.InsufficientBars, result.FreezeReason);
        Assert.Equal(10, result.BarsUsed);
        Assert.False(result.PassesGate(0m));
        Assert.Contains("10 candles", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Calculate_TwentyMinuteWindow_IsTheSmallestThatThawsAtTheDefaultMinimum()
    {
        var end = At("2026-07-15T00:00:00Z");
        var calculator = CalculatorAt(end);

        Assert.Equal(VadrFreezeReason.InsufficientBars, calculator.Calculate(Before(Avax.Value, end), TimeSpan.FromMinutes(19), Timeframe.M1).FreezeReason);
        Assert.Equal(VadrFreezeReason.None, calculator.Calculate(Before(Avax.Value, end), TimeSpan.FromMinutes(20), Timeframe.M1).FreezeReason);
    }

    [Fact]
    public void Calculate_OnlyTwoDaysOfHistory_FreezesOnTheBaseline()
    {
        var end = At("2026-07-03T00:00:00Z");

        var result = CalculatorAt(end).Calculate(Before(Avax.Value, end), TimeSpan.FromDays(1), Timeframe.M1);

        Assert.Equal(VadrFreezeReason.InsufficientBaseline, result.FreezeReason);
        Assert.Equal(1, result.BaselineWindowsUsed);
        Assert.Null(result.Value);
    }

    [Fact]
    public void Calculate_ZeroVolumeWindow_Freezes()
    {
        // The recordings have no zero-volume minute: the real window is kept, its volumes set to 0.
        var end = At("2026-07-15T00:00:00Z");
        var candles = Before(Avax.Value, end).Select(c => c.OpenTimeMs >= end - Day ? c with { Volume = 0 } : c).ToArray();

        var result = CalculatorAt(end).Calculate(candles, TimeSpan.FromDays(1), Timeframe.M1);

        Assert.Equal(VadrFreezeReason.ZeroVolume, result.FreezeReason);
        Assert.Null(result.Value);
        Assert.Equal(1440, result.BarsUsed);
    }

    [Fact]
    public void Calculate_ZeroVolumeBaseline_Freezes()
    {
        var end = At("2026-07-15T00:00:00Z");
        var candles = Before(Avax.Value, end).Select(c => c.OpenTimeMs < end - Day ? c with { Volume = 0 } : c).ToArray();

        Assert.Equal(VadrFreezeReason.ZeroVolume, CalculatorAt(end).Calculate(candles, TimeSpan.FromDays(1), Timeframe.M1).FreezeReason);
    }

    [Fact]
    public void Calculate_GapRatio_TenPercentMissingPassesMoreFreezes()
    {
        var end = At("2026-07-15T00:00:00Z");
        var all = Before(Avax.Value, end);
        Candle[] Without(int missing) => all.Where(c => c.OpenTimeMs < end - Day || c.OpenTimeMs >= end - Day + (missing * Minute)).ToArray();
        var calculator = CalculatorAt(end);

        var atLimit = calculator.Calculate(Without(144), TimeSpan.FromDays(1), Timeframe.M1);
        var past = calculator.Calculate(Without(145), TimeSpan.FromDays(1), Timeframe.M1);

        Assert.False(atLimit.IsFrozen, atLimit.Detail);
        Assert.Equal(1296, atLimit.BarsUsed);
        Assert.Equal(VadrFreezeReason.Gaps, past.FreezeReason);
        Assert.Contains("145 of 1440", past.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Calculate_LastCandleAge_TwoIntervalsAfterItsCloseIsLiveOneMillisecondMoreIsStale()
    {
        var end = At("2026-07-15T00:00:00Z");
        var candles = Before(Avax.Value, end);

        var live = CalculatorAt(end, TimeSpan.FromMinutes(2)).Calculate(candles, TimeSpan.FromDays(1), Timeframe.M1);
        var stale = CalculatorAt(end, TimeSpan.FromMinutes(2) + TimeSpan.FromMilliseconds(1)).Calculate(candles, TimeSpan.FromDays(1), Timeframe.M1);

        Assert.False(live.IsFrozen, live.Detail);
        Assert.Equal(VadrFreezeReason.StaleLastCandle, stale.FreezeReason);
        Assert.Null(stale.Value);
    }

    [Fact]
    public void Calculate_CoinbaseMinuteWithItsOneMissingSlot_UsesTheOtherBarsAndMatchesTheFormula()
    {
        // Coinbase_BTCUSD_minute.csv lacks 2020-11-24T21:09Z; the 6 h window [18:00, 24:00) holds 359 of 360 minutes.
        var end = At("2020-11-25T00:00:00Z");
        var candles = Before(CoinbaseMinute.Value, end);
        var window = 360 * Minute;

        var result = CalculatorAt(end).Calculate(candles, TimeSpan.FromHours(6), Timeframe.M1);

        Assert.DoesNotContain(candles, c => c.OpenTimeMs == At("2020-11-24T21:09:00Z"));
        Assert.False(result.IsFrozen, result.Detail);
        Assert.Equal(359, result.BarsUsed);
        Assert.Equal(360, result.ExpectedBars);
        var expected = Reference(candles, end, window, 7);
        Assert.Equal(expected, (double)result.Value!.Value, expected * 1e-12);
    }

    [Fact]
    public void Calculate_CoinbaseDayAfterAPartialFirstDay_FreezesOnTheBaseline()
    {
        // The file starts 2020-11-22T18:46Z: the 22nd covers 314 of 1440 minutes, so only the 23rd can be averaged.
        var end = At("2020-11-25T00:00:00Z");

        var result = CalculatorAt(end).Calculate(Before(CoinbaseMinute.Value, end), TimeSpan.FromDays(1), Timeframe.M1);

        Assert.Equal(VadrFreezeReason.InsufficientBaseline, result.FreezeReason);
        Assert.Equal(1, result.BaselineWindowsUsed);
        Assert.Equal(1439, result.BarsUsed);
    }

    [Fact]
    public void Calculate_NoCandles_IsFrozenNotAnError()
        => Assert.Equal(VadrFreezeReason.InsufficientBars, CalculatorAt(0).Calculate([], TimeSpan.FromDays(1), Timeframe.M1).FreezeReason);

    [Fact]
    public void Calculate_WindowNotAMultipleOfTheTimeframe_Throws()
        => Assert.Throws<ArgumentException>(() => CalculatorAt(0).Calculate(Avax.Value, TimeSpan.FromSeconds(90), Timeframe.M1));

    [Fact]
    public void Calculate_DuplicateOpenTime_ThrowsNamingIt()
    {
        var candles = Avax.Value.Take(30).Append(Avax.Value[3]).ToArray();

        var error = Assert.Throws<ArgumentException>(() => CalculatorAt(0).Calculate(candles, TimeSpan.FromMinutes(20), Timeframe.M1));

        Assert.Contains("2026-07-01T00:03", error.Message, StringComparison.Ordinal);
    }
}

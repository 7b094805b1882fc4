using CryptoRun.Domain;
using CryptoRun.History;

namespace CryptoRun.Bars;

/// <summary>
/// One materialized bar: a candle built from a finer stored series, with seed 002's return columns.
/// </summary>
/// <param name="Candle">Open (first source open), high (max), low (min), close (last source close), volume
/// (sum); quote volume and trade count are sums only when every source candle has them, else null.</param>
/// <param name="SourceCandles">How many source candles the bar was built from.</param>
/// <param name="ExpectedCandles">How many source slots the bar spans (60 for 1h from 1m). Fewer source
/// candles than slots means the venue published no candle for some slots (no trades there).</param>
/// <param name="LogReturn">ln(close / previous bar's close) when the previous bar is the immediately
/// preceding slot; null for the first bar and after a missing bar.</param>
/// <param name="CumReturn">close / first bar's close − 1: the simple return since the series' first bar.</param>
/// <param name="RollingVolatility">Sample standard deviation of the last <c>window</c> log returns
/// (not annualized); null until that many consecutive log returns exist.</param>
public sealed record MaterializedBar(
    Candle Candle,
    int SourceCandles,
    int ExpectedCandles,
    double? LogReturn,
    double? CumReturn,
    double? RollingVolatility)
{
    /// <summary>True when every source slot had a candle.</summary>
    public bool IsComplete => SourceCandles == ExpectedCandles;
}

/// <summary>
/// Seed 002's bar materialization: resamples a stored candle series (for example 1m) to coarser
/// timeframes (5m, 15m, 1h, 1d) and computes <c>log_return</c>, <c>cum_return</c> and rolling
/// volatility. Pure: the same input always gives the same bars, so storing them is an idempotent upsert.
/// </summary>
/// <remarks>
/// A bar is built only for a target slot that lies wholly inside the source series' fetched windows
/// (its persisted coverage) and holds at least one source candle: a slot only partly fetched, or at the
/// edge of the fetched range, would make a wrong bar, and a slot with no candle at all has no prices.
/// Inside the coverage, a missing source candle means the venue published none (no trades), so the bar
/// is still right; <see cref="MaterializedBar.SourceCandles"/> says how many it had.
/// </remarks>
public static class BarMaterializer
{
    /// <summary>The default number of log returns in the rolling volatility.</summary>
    public const int DefaultVolatilityWindow = 20;

    /// <summary>Builds the bars of <paramref name="target"/> from a source series.</summary>
    /// <param name="source">Source candles, strictly ascending by open time, aligned to <paramref name="sourceTimeframe"/>.</param>
    /// <param name="sourceTimeframe">The source series' timeframe.</param>
    /// <param name="target">The bar timeframe: a coarser whole multiple of the source timeframe.</param>
    /// <param name="covered">The source series' fetched windows (any order; merged here).</param>
    /// <param name="volatilityWindow">Log returns per rolling-volatility value (2 or more).</param>
    /// <returns>The bars, ascending by open time.</returns>
    /// <exception cref="ArgumentException">The target is not a coarser whole multiple of the source, the window is below 2, or the source is not ascending and aligned; the message says which.</exception>
    public static IReadOnlyList<MaterializedBar> Build(
        IReadOnlyList<Candle> source,
        Timeframe sourceTimeframe,
        Timeframe target,
        IEnumerable<TimeRange> covered,
        int volatilityWindow = DefaultVolatilityWindow)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(covered);
        if (CannotBuild(sourceTimeframe, target) is { } reason)
        {
            throw new ArgumentException(reason, nameof(target));
        }

        if (volatilityWindow < 2)
        {
            throw new ArgumentException($"the volatility window must be 2 or more, not {volatilityWindow}", nameof(volatilityWindow));
        }

        var windows = RangeSet.Merge(covered);
        var resampled = new List<(Candle Candle, int Count, int Expected)>();
        var i = 0;
        long previousOpen = long.MinValue;
        while (i < source.Count)
        {
            var slot = target.Floor(source[i].OpenTimeMs);
            var slotEnd = slot + target.Milliseconds;
            var first = i;
            while (i < source.Count && source[i].OpenTimeMs < slotEnd)
            {
                var open = source[i].OpenTimeMs;
                if (open <= previousOpen || !sourceTimeframe.IsAligned(open))
                {
                    throw new ArgumentException($"source candle at {TimeRange.Format(open)} is {(open <= previousOpen ? "not after the one before it" : $"not aligned to {sourceTimeframe}")}", nameof(source));
                }

                previousOpen = open;
                i++;
            }

            if (Inside(windows, slot, slotEnd))
            {
                resampled.Add((Resample(source, first, i, slot), i - first, (int)(target.Milliseconds / sourceTimeframe.Milliseconds)));
            }
        }

        return WithReturns(resampled, target, volatilityWindow);
    }

    /// <summary>Why <paramref name="target"/> bars cannot be built from <paramref name="source"/> candles; null when they can.</summary>
    /// <param name="source">The source timeframe.</param>
    /// <param name="target">The bar timeframe.</param>
    /// <returns>The reason, or null.</returns>
    public static string? CannotBuild(Timeframe source, Timeframe target)
        => target.Milliseconds <= source.Milliseconds || target.Milliseconds % source.Milliseconds != 0
            ? $"{target} bars cannot be built from {source} candles: the target must be a coarser whole multiple of the source"
            : null;

    private static bool Inside(IReadOnlyList<TimeRange> windows, long from, long to)
    {
        foreach (var window in windows)
        {
            if (window.FromMs <= from && to <= window.ToMs)
            {
                return true;
            }

            if (window.FromMs > from)
            {
                return false;
            }
        }

        return false;
    }

    private static Candle Resample(IReadOnlyList<Candle> source, int from, int to, long openTimeMs)
    {
        var high = source[from].High;
        var low = source[from].Low;
        var volume = 0m;
        decimal? quote = 0m;
        long? trades = 0;
        for (var k = from; k < to; k++)
        {
            var c = source[k];
            high = Math.Max(high, c.High);
            low = Math.Min(low, c.Low);
            volume += c.Volume;
            quote = quote is { } q && c.QuoteVolume is { } cq ? q + cq : null;
            trades = trades is { } t && c.TradeCount is { } ct ? t + ct : null;
        }

        return new Candle(openTimeMs, source[from].Open, high, low, source[to - 1].Close, volume, quote, trades);
    }

    private static List<MaterializedBar> WithReturns(List<(Candle Candle, int Count, int Expected)> bars, Timeframe target, int window)
    {
        var result = new List<MaterializedBar>(bars.Count);
        // Not sized by the window: a window of int.MaxValue is valid (no bar gets a volatility) and must not allocate 16 GB.
        var returns = new Queue<double>(Math.Min(window, bars.Count + 1));
        var firstClose = bars.Count > 0 ? (double)bars[0].Candle.Close : 0;
        for (var k = 0; k < bars.Count; k++)
        {
            var (candle, count, expected) = bars[k];
            var close = (double)candle.Close;
            double? logReturn = null;
            if (k > 0 && bars[k - 1].Candle.OpenTimeMs + target.Milliseconds == candle.OpenTimeMs)
            {
                logReturn = Math.Log(close / (double)bars[k - 1].Candle.Close);
            }

            if (logReturn is { } r)
            {
                if (returns.Count == window)
                {
                    returns.Dequeue();
                }

                returns.Enqueue(r);
            }
            else
            {
                returns.Clear();
            }

            result.Add(new MaterializedBar(candle, count, expected, logReturn, close / firstClose - 1, returns.Count == window ? SampleStandardDeviation(returns) : null));
        }

        return result;
    }

    private static double SampleStandardDeviation(Queue<double> values)
    {
        var mean = values.Average();
        var sum = values.Sum(v => (v - mean) * (v - mean));
        return Math.Sqrt(sum / (values.Count - 1));
    }
}

using CryptoRun.CandleFiles;

namespace CryptoRun.Replay.Recordings;

/// <summary>Aggregates of the candles whose open time lies in <c>[FromMs, closeMs)</c>.</summary>
/// <param name="FromMs">Start of the window, epoch milliseconds.</param>
/// <param name="Open">Open of the window's first candle.</param>
/// <param name="High">Highest high.</param>
/// <param name="Low">Lowest low.</param>
/// <param name="Volume">Sum of base volumes, with the file's digits.</param>
/// <param name="QuoteVolume">Sum of quote volumes, or null when a candle lacks one.</param>
/// <param name="TradeCount">Sum of trade counts, or null when a candle lacks one.</param>
/// <param name="Count">Number of candles in the window.</param>
internal sealed record CandleWindow(long FromMs, decimal Open, decimal High, decimal Low, decimal Volume, decimal? QuoteVolume, long? TradeCount, int Count);

/// <summary>
/// A ticker derived from a candle series at a replay time, for instruments with candles but no
/// recorded ticker: the latest candle closed at that time (open time + timeframe &lt;= now) gives the
/// price and the time (its close), and the candles of the 24 h before that close give the 24 h
/// aggregates.
/// </summary>
/// <remarks>
/// A candle file holds no best bid or ask, no last-trade size and no trade ids; the venues' answers
/// built from a <see cref="CandleTicker"/> leave those out (or empty where the venue's shape has no
/// absent value). A series whose files stop before the clock yields the ticker of its last candle: the
/// replay serves what it holds and never extrapolates.
/// </remarks>
internal sealed class CandleTicker
{
    /// <summary>24 hours in milliseconds.</summary>
    internal const long DayMs = 86_400_000;

    private CandleTicker(ReplaySeries series, int lastIndex)
    {
        Series = series;
        Last = series.Rows[lastIndex];
        StepMs = series.Timeframe.Milliseconds;
        CloseMs = Last.Candle.OpenTimeMs + StepMs;
        var from = CloseMs - DayMs;
        Covers24h = series.Rows[0].Candle.OpenTimeMs <= from;
        var first = series.LowerBound(from);
        Window = Aggregate(series, from, first, lastIndex);
        PreviousClose = first > 0 ? series.Rows[first - 1].Candle.Close : null;
        var dayStart = Last.Candle.OpenTimeMs - (((Last.Candle.OpenTimeMs % DayMs) + DayMs) % DayMs);
        Today = Aggregate(series, dayStart, series.LowerBound(dayStart), lastIndex);
    }

    /// <summary>The series the ticker comes from.</summary>
    internal ReplaySeries Series { get; }

    /// <summary>The latest candle closed at the replay time.</summary>
    internal CandleFileRow Last { get; }

    /// <summary>The series' timeframe in milliseconds.</summary>
    internal long StepMs { get; }

    /// <summary>The close of <see cref="Last"/>: its open time plus the timeframe, epoch milliseconds.</summary>
    internal long CloseMs { get; }

    /// <summary>Whether the series starts at or before <c>CloseMs - 24 h</c>, so <see cref="Window"/> spans a whole 24 h.</summary>
    internal bool Covers24h { get; }

    /// <summary>The candles opening in <c>[CloseMs - 24 h, CloseMs)</c> (fewer than a day's when the series starts later).</summary>
    internal CandleWindow Window { get; }

    /// <summary>The candles opening from 00:00 UTC of <see cref="Last"/>'s day up to <see cref="CloseMs"/>.</summary>
    internal CandleWindow Today { get; }

    /// <summary>The close of the candle just before <see cref="Window"/>, or null when the series has none.</summary>
    internal decimal? PreviousClose { get; }

    /// <summary>
    /// The ticker of the series whose latest closed candle closes latest (the finer timeframe on a
    /// tie), or null when no series has a candle closed at <paramref name="nowMs"/> (the clock is before
    /// every series' first close).
    /// </summary>
    internal static CandleTicker? At(IEnumerable<ReplaySeries> series, long nowMs)
    {
        CandleTicker? best = null;
        foreach (var s in series)
        {
            var last = s.LowerBound(nowMs - s.Timeframe.Milliseconds + 1) - 1;
            if (last < 0)
            {
                continue;
            }

            var closeMs = s.Rows[last].Candle.OpenTimeMs + s.Timeframe.Milliseconds;
            if (best is null || closeMs > best.CloseMs || (closeMs == best.CloseMs && s.Timeframe.Milliseconds < best.StepMs))
            {
                best = new CandleTicker(s, last);
            }
        }

        return best;
    }

    /// <summary>The open of the series' candle opening exactly at <paramref name="openTimeMs"/>, or null when there is none or it opens after <see cref="Last"/>.</summary>
    internal decimal? OpenAt(long openTimeMs)
    {
        var index = Series.LowerBound(openTimeMs);
        return index < Series.Rows.Count && Series.Rows[index].Candle.OpenTimeMs == openTimeMs && openTimeMs <= Last.Candle.OpenTimeMs
            ? Series.Rows[index].Candle.Open
            : null;
    }

    private static CandleWindow Aggregate(ReplaySeries series, long fromMs, int first, int last)
    {
        decimal open = series.Rows[Math.Min(first, last)].Candle.Open, high = decimal.MinValue, low = decimal.MaxValue, volume = 0;
        decimal? quote = 0;
        long? trades = 0;
        for (var i = first; i <= last; i++)
        {
            var c = series.Rows[i].Candle;
            high = Math.Max(high, c.High);
            low = Math.Min(low, c.Low);
            volume += c.Volume;
            quote = quote is { } q && c.QuoteVolume is { } cq ? q + cq : null;
            trades = trades is { } t && c.TradeCount is { } ct ? t + ct : null;
        }

        var count = Math.Max(0, last - first + 1);
        return count == 0
            ? new CandleWindow(fromMs, open, open, open, 0, null, null, 0)
            : new CandleWindow(fromMs, open, high, low, volume, quote, trades, count);
    }
}

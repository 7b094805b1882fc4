namespace CryptoRun.Domain;

/// <summary>The quality gate every candle passes before it is stored.</summary>
public static class CandleChecks
{
    /// <summary>What is wrong with a candle, or null when it may be stored.</summary>
    /// <param name="candle">The candle.</param>
    /// <param name="timeframe">Its timeframe: the open time must be a boundary of it.</param>
    /// <returns>
    /// A reason such as <c>high 9.5 is below open 10</c>, or null. Checked: open time one CryptoRun accepts
    /// (<see cref="TimeRange.Supported"/>: 1970-01-01 to 2100-01-01) and aligned; open,
    /// high, low, close positive; volume, quote volume and trade count not negative; low at or below
    /// open and close, high at or above them.
    /// </returns>
    public static string? Problem(Candle candle, Timeframe timeframe)
    {
        ArgumentNullException.ThrowIfNull(candle);
        if (!TimeRange.IsSupported(candle.OpenTimeMs))
        {
            return $"open time {TimeRange.Format(candle.OpenTimeMs)} is out of range: {TimeRange.SupportedText}";
        }

        if (!timeframe.IsAligned(candle.OpenTimeMs))
        {
            return $"open time {TimeRange.Format(candle.OpenTimeMs)} is not a {timeframe} boundary";
        }

        if (candle.Open <= 0 || candle.High <= 0 || candle.Low <= 0 || candle.Close <= 0)
        {
            return $"prices must be positive (open {candle.Open}, high {candle.High}, low {candle.Low}, close {candle.Close})";
        }

        if (candle.Volume < 0 || candle.QuoteVolume < 0 || candle.TradeCount < 0)
        {
            return $"volume, quote volume and trade count must not be negative ({candle.Volume}, {candle.QuoteVolume}, {candle.TradeCount})";
        }

        if (candle.High < candle.Low)
        {
            return $"high {candle.High} is below low {candle.Low}";
        }

        if (candle.High < candle.Open || candle.High < candle.Close)
        {
            return $"high {candle.High} is below open {candle.Open} or close {candle.Close}";
        }

        return candle.Low > candle.Open || candle.Low > candle.Close
            ? $"low {candle.Low} is above open {candle.Open} or close {candle.Close}"
            : null;
    }
}

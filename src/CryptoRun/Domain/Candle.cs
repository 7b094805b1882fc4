namespace CryptoRun.Domain;

/// <summary>One OHLCV candle (kline), keyed by its open time.</summary>
/// <remarks>
/// Prices and sizes are <see cref="decimal"/> parsed invariantly from the venue's own text, so they
/// keep the venue's digits and scale (<c>6.5340</c> stays <c>6.5340</c>). <see cref="QuoteVolume"/>
/// and <see cref="TradeCount"/> are <see langword="null"/> when the venue does not give them; they
/// are never filled with 0.
/// </remarks>
/// <param name="OpenTimeMs">Open time, Unix epoch milliseconds (UTC), aligned to the timeframe.</param>
/// <param name="Open">First trade price in the interval.</param>
/// <param name="High">Highest trade price.</param>
/// <param name="Low">Lowest trade price.</param>
/// <param name="Close">Last trade price.</param>
/// <param name="Volume">Traded amount in base units (contracts on venues that count in contracts).</param>
/// <param name="QuoteVolume">Traded amount in quote units, when the venue gives it.</param>
/// <param name="TradeCount">Number of trades, when the venue gives it.</param>
public sealed record Candle(
    long OpenTimeMs,
    decimal Open,
    decimal High,
    decimal Low,
    decimal Close,
    decimal Volume,
    decimal? QuoteVolume = null,
    long? TradeCount = null)
{
    /// <summary>Open time (UTC).</summary>
    public DateTimeOffset OpenTime => DateTimeOffset.FromUnixTimeMilliseconds(OpenTimeMs);
}

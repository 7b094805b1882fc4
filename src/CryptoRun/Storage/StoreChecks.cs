using CryptoRun.Domain;

namespace CryptoRun.Storage;

/// <summary>The checks every store makes before it writes, so each store refuses the same input the same way.</summary>
public static class StoreChecks
{
    /// <summary>Orders a batch of one series by open time, refusing it whole if an open time is outside the accepted times, unaligned or repeated.</summary>
    /// <param name="key">The series (its timeframe sets the alignment).</param>
    /// <param name="candles">The batch, in any order.</param>
    /// <returns>The candles ascending by open time.</returns>
    /// <exception cref="ArgumentException">
    /// An open time is outside <see cref="TimeRange.Supported"/> (1970-01-01 to 2100-01-01), not aligned to the
    /// timeframe, or appears twice; the message names it and says nothing was written.
    /// </exception>
    public static List<Candle> OrderedBatch(SeriesKey key, IReadOnlyList<Candle> candles)
    {
        ArgumentNullException.ThrowIfNull(candles);
        var ordered = candles.OrderBy(c => c.OpenTimeMs).ToList();
        for (var i = 0; i < ordered.Count; i++)
        {
            var openTime = ordered[i].OpenTimeMs;
            if (!TimeRange.IsSupported(openTime))
            {
                throw new ArgumentException(
                    $"{key}: candle open time {TimeRange.Format(openTime)} is out of range ({TimeRange.SupportedText}); nothing was written",
                    nameof(candles));
            }

            if (!key.Timeframe.IsAligned(openTime))
            {
                throw new ArgumentException(
                    $"{key}: candle open time {TimeRange.Format(openTime)} is not aligned to {key.Timeframe}; nothing was written",
                    nameof(candles));
            }

            if (i > 0 && ordered[i - 1].OpenTimeMs == openTime)
            {
                throw new ArgumentException(
                    $"{key}: two candles open at {TimeRange.Format(openTime)}; nothing was written", nameof(candles));
            }
        }

        return ordered;
    }

    /// <summary>Refuses a fetched window that reaches outside the accepted times, so a store never records coverage it cannot show.</summary>
    /// <param name="key">The series (its timeframe sets how far past 2100-01-01 a window may end: to the close of the last accepted slot).</param>
    /// <param name="covered">The window a write records as fetched, or null.</param>
    /// <exception cref="ArgumentException">The window starts before 1970-01-01 or ends after the last accepted slot closes; nothing was written.</exception>
    public static void CoveredWindow(SeriesKey key, TimeRange? covered)
    {
        if (covered is { IsEmpty: false } window
            && (window.FromMs < TimeRange.Supported.FromMs || window.ToMs > key.Timeframe.Ceiling(TimeRange.Supported.ToMs)))
        {
            throw new ArgumentException(
                $"{key}: fetched window {window} is out of range ({TimeRange.SupportedText}); nothing was written", nameof(covered));
        }
    }

    /// <summary>Refuses a spot quote that fails the quality gate (<see cref="SnapshotChecks"/>).</summary>
    /// <param name="quote">The quote.</param>
    /// <param name="provenance">Its provenance.</param>
    /// <exception cref="ArgumentException">The gate refused it; the message says why and that nothing was written.</exception>
    public static void Admit(SpotQuote quote, Provenance provenance)
    {
        ArgumentNullException.ThrowIfNull(quote);
        ArgumentNullException.ThrowIfNull(provenance);
        if (SnapshotChecks.Problem(quote, provenance) is { } problem)
        {
            throw new ArgumentException($"spot quote rejected by the quality gate, nothing written: {problem}", nameof(quote));
        }
    }

    /// <summary>Refuses a DEX pair snapshot that fails the quality gate (<see cref="SnapshotChecks"/>).</summary>
    /// <param name="snapshot">The snapshot.</param>
    /// <param name="provenance">Its provenance.</param>
    /// <exception cref="ArgumentException">The gate refused it; the message says why and that nothing was written.</exception>
    public static void Admit(DexPairSnapshot snapshot, Provenance provenance)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(provenance);
        if (SnapshotChecks.Problem(snapshot, provenance) is { } problem)
        {
            throw new ArgumentException($"DEX snapshot rejected by the quality gate, nothing written: {problem}", nameof(snapshot));
        }
    }
}

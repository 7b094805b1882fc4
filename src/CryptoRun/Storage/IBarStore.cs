using CryptoRun.Bars;
using CryptoRun.Domain;

namespace CryptoRun.Storage;

/// <summary>A stored materialized bar.</summary>
/// <param name="Bar">The bar and its return columns.</param>
/// <param name="SourceTimeframe">The timeframe of the candles it was built from.</param>
/// <param name="MaterializedAt">When it was (last) materialized (UTC).</param>
public sealed record StoredBar(MaterializedBar Bar, Timeframe SourceTimeframe, DateTimeOffset MaterializedAt);

/// <summary>
/// Materialized bars (seed 002's <c>bars_{freq}</c>), kept apart from the venue's own candles: keyed by
/// (venue, instrument, timeframe, open time), written as idempotent upserts.
/// </summary>
public interface IBarStore
{
    /// <summary>Upserts bars of one series in one transaction: re-materializing replaces the rows.</summary>
    /// <param name="key">The bar series (its timeframe is the bar timeframe).</param>
    /// <param name="sourceTimeframe">The timeframe the bars were built from.</param>
    /// <param name="bars">The bars, aligned to <c>key.Timeframe</c>.</param>
    /// <param name="cancellationToken">Cancels before commit; nothing is written then.</param>
    /// <returns>The number of rows written.</returns>
    /// <exception cref="ArgumentException">A bar is not aligned to the timeframe or appears twice; nothing is written.</exception>
    Task<int> WriteBarsAsync(SeriesKey key, Timeframe sourceTimeframe, IReadOnlyList<MaterializedBar> bars, CancellationToken cancellationToken = default);

    /// <summary>Reads stored bars, oldest first.</summary>
    /// <param name="key">The bar series.</param>
    /// <param name="range">Only open times in <c>[From, To)</c>; null for all.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The bars.</returns>
    Task<IReadOnlyList<StoredBar>> ReadBarsAsync(SeriesKey key, TimeRange? range = null, CancellationToken cancellationToken = default);
}

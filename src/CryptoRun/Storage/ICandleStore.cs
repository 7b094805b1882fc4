using CryptoRun.Domain;

namespace CryptoRun.Storage;

/// <summary>Identifies one candle series: a venue's candles of one instrument at one timeframe.</summary>
/// <param name="Venue">The venue (provider) name the series was fetched from or imported as.</param>
/// <param name="Instrument">The unified instrument.</param>
/// <param name="Timeframe">The candle timeframe.</param>
public readonly record struct SeriesKey(string Venue, Instrument Instrument, Timeframe Timeframe)
{
    /// <summary>Returns <c>venue:SYMBOL:timeframe</c>, for example <c>coinbase:BTC/USD:1m</c>.</summary>
    /// <returns>The key as text.</returns>
    public override string ToString() => $"{Venue}:{Instrument}:{Timeframe}";
}

/// <summary>A stored candle with the provenance columns of its row.</summary>
/// <param name="Candle">The candle, values exactly as stored.</param>
/// <param name="Provider">The provider that served it (<c>file</c> for imports).</param>
/// <param name="FetchedAt">When it was fetched (UTC).</param>
/// <param name="Status">OK, DEGRADED or DOWN.</param>
/// <param name="Error">The error text when not OK.</param>
/// <param name="Endpoint">The endpoint (or file) it came from.</param>
/// <param name="LatencyMs">Latency of the call that fetched it, in milliseconds.</param>
public sealed record StoredCandle(
    Candle Candle,
    string Provider,
    DateTimeOffset FetchedAt,
    FetchStatus Status,
    string? Error,
    string Endpoint,
    long LatencyMs);

/// <summary>What a store holds for one series.</summary>
/// <param name="Key">The series.</param>
/// <param name="Count">Number of stored candles.</param>
/// <param name="FirstOpenMs">Open time of the first candle, epoch milliseconds (null when empty).</param>
/// <param name="LastOpenMs">Open time of the last candle, epoch milliseconds (null when empty).</param>
public sealed record SeriesSummary(SeriesKey Key, long Count, long? FirstOpenMs, long? LastOpenMs);

/// <summary>
/// The candle store: candles keyed by (venue, instrument, timeframe, open time) with provenance on
/// every row, and the windows already fetched (so a slot the venue has no candle for is not asked again).
/// </summary>
/// <remarks>Writes are idempotent upserts; a batch lands whole or not at all.</remarks>
public interface ICandleStore : IAsyncDisposable
{
    /// <summary>Where the data lives, for people: a file path or a server address.</summary>
    string Location { get; }

    /// <summary>
    /// Upserts a batch of candles of one series with their provenance and, optionally, records
    /// <paramref name="covered"/> as fetched; all in one transaction.
    /// </summary>
    /// <param name="key">The series.</param>
    /// <param name="candles">Candles, aligned to the series timeframe.</param>
    /// <param name="provenance">Provenance of the call (or file) the candles came from.</param>
    /// <param name="covered">The window the batch is complete for, or null to record no window.</param>
    /// <param name="cancellationToken">Cancels before commit; nothing is written then.</param>
    /// <returns>The number of candle rows written.</returns>
    /// <exception cref="ArgumentException">A candle open time or the window is outside the accepted times (<see cref="TimeRange.Supported"/>), or a candle is not aligned to the timeframe or appears twice; nothing is written.</exception>
    Task<int> WriteAsync(
        SeriesKey key,
        IReadOnlyList<Candle> candles,
        Provenance provenance,
        TimeRange? covered,
        CancellationToken cancellationToken = default);

    /// <summary>Reads stored candles, oldest first.</summary>
    /// <param name="key">The series.</param>
    /// <param name="range">Only open times in <c>[From, To)</c>; null for all.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The candles with their provenance.</returns>
    IAsyncEnumerable<StoredCandle> ReadAsync(SeriesKey key, TimeRange? range = null, CancellationToken cancellationToken = default);

    /// <summary>The windows recorded as fetched for a series, merged and sorted.</summary>
    /// <param name="key">The series.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Disjoint windows sorted by start.</returns>
    Task<IReadOnlyList<TimeRange>> GetFetchedWindowsAsync(SeriesKey key, CancellationToken cancellationToken = default);

    /// <summary>The runs of missing candle slots between a series' first and last stored candle.</summary>
    /// <param name="key">The series.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Each gap as <c>[first missing open time, next stored open time)</c>, sorted.</returns>
    Task<IReadOnlyList<TimeRange>> GetGapsAsync(SeriesKey key, CancellationToken cancellationToken = default);

    /// <summary>The runs of missing candle slots between the first and last candle stored inside <paramref name="range"/>.</summary>
    /// <param name="key">The series.</param>
    /// <param name="range">Only candles with open times in <c>[From, To)</c> are considered.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Each gap as <c>[first missing open time, next stored open time)</c>, sorted.</returns>
    Task<IReadOnlyList<TimeRange>> GetGapsAsync(SeriesKey key, TimeRange range, CancellationToken cancellationToken = default);

    /// <summary>Count, first and last open time of the candles stored inside <paramref name="range"/>.</summary>
    /// <param name="key">The series.</param>
    /// <param name="range">Only candles with open times in <c>[From, To)</c> are counted.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The summary (count 0 when none is inside).</returns>
    Task<SeriesSummary> GetSummaryAsync(SeriesKey key, TimeRange range, CancellationToken cancellationToken = default);

    /// <summary>Count, first and last open time of a series.</summary>
    /// <param name="key">The series.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The summary (count 0 when the store holds nothing for the key).</returns>
    Task<SeriesSummary> GetSummaryAsync(SeriesKey key, CancellationToken cancellationToken = default);

    /// <summary>Every series the store holds.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>Series keys sorted by venue, symbol and timeframe.</returns>
    Task<IReadOnlyList<SeriesKey>> ListSeriesAsync(CancellationToken cancellationToken = default);
}

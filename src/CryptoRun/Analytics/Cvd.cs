using CryptoRun.Domain;

namespace CryptoRun.Analytics;

/// <summary>One time bucket of cumulative volume delta.</summary>
/// <param name="StartMs">Bucket start, Unix epoch ms (UTC), a multiple of the bucket length; the bucket is half-open <c>[StartMs, EndMs)</c>.</param>
/// <param name="EndMs">Bucket end (exclusive), Unix epoch ms.</param>
/// <param name="BuyVolume">Size (base units or contracts) of trades whose taker bought.</param>
/// <param name="SellVolume">Size of trades whose taker sold.</param>
/// <param name="UnknownVolume">Size of trades with no known taker side; counted here, never guessed into buy or sell, and not part of any delta.</param>
/// <param name="Trades">Trades in the bucket, every side.</param>
/// <param name="UnknownTrades">Trades in the bucket with an unknown side.</param>
/// <param name="Delta"><see cref="BuyVolume"/> − <see cref="SellVolume"/>.</param>
/// <param name="Cumulative">The running sum of <see cref="Delta"/> over this and every earlier bucket of the series or tracker.</param>
public sealed record CvdBucket(
    long StartMs,
    long EndMs,
    decimal BuyVolume,
    decimal SellVolume,
    decimal UnknownVolume,
    int Trades,
    int UnknownTrades,
    decimal Delta,
    decimal Cumulative)
{
    /// <summary>Bucket start (UTC).</summary>
    public DateTimeOffset Start => DateTimeOffset.FromUnixTimeMilliseconds(StartMs);
}

/// <summary>A bucketed CVD series.</summary>
/// <param name="Bucket">The bucket length.</param>
/// <param name="Buckets">Buckets holding at least one trade, oldest first; buckets without trades are omitted (their delta is 0 and the cumulative carries over).</param>
/// <param name="TotalDelta">Sum of every bucket's delta: total taker buy size − total taker sell size.</param>
/// <param name="UnknownVolume">Total size of trades with no known side.</param>
/// <param name="UnknownTrades">Number of trades with no known side.</param>
public sealed record CvdSeries(TimeSpan Bucket, IReadOnlyList<CvdBucket> Buckets, decimal TotalDelta, decimal UnknownVolume, int UnknownTrades);

/// <summary>
/// Cumulative volume delta (CVD) from public trades: the running sum of taker buy size minus taker sell size,
/// bucketed by time.
/// </summary>
/// <remarks>
/// <para>
/// Side is the taker's (<see cref="Trade.Side"/>): Binance <c>aggTrade</c> <c>m=true</c> means the buyer was the
/// maker, so the taker sold; Coinbase <c>match</c> <c>side</c> is the maker's side, so the taker is the opposite.
/// Venue parsers do that mapping; this code never infers a side (no tick rule): <see cref="TradeSide.Unknown"/>
/// trades are counted apart.
/// </para>
/// <para>
/// Buckets are aligned to the Unix epoch: a trade at <c>t</c> ms belongs to <c>[floor(t / L) × L, floor(t / L) × L + L)</c>
/// for bucket length <c>L</c>; a trade exactly on a boundary opens the next bucket. Sizes are summed as decimals, exactly.
/// </para>
/// </remarks>
public static class Cvd
{
    /// <summary>Computes the bucketed CVD of a batch of trades of one instrument.</summary>
    /// <param name="trades">Trades in any order (sorted by time here, stably).</param>
    /// <param name="bucket">Bucket length, a positive whole number of milliseconds (1 s, 1 m...).</param>
    /// <returns>The series; empty when there are no trades.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bucket"/> is not a positive whole number of milliseconds.</exception>
    public static CvdSeries Compute(IEnumerable<Trade> trades, TimeSpan bucket)
    {
        ArgumentNullException.ThrowIfNull(trades);
        var tracker = new CvdTracker(bucket);
        var buckets = new List<CvdBucket>();
        foreach (var trade in trades.OrderBy(t => t.TimeMs))
        {
            if (tracker.Add(trade) is { } closed)
            {
                buckets.Add(closed);
            }
        }

        if (tracker.Flush() is { } last)
        {
            buckets.Add(last);
        }

        return new CvdSeries(bucket, buckets, tracker.Cumulative, tracker.UnknownVolume, tracker.UnknownTrades);
    }

    internal static long BucketMs(TimeSpan bucket)
    {
        if (bucket <= TimeSpan.Zero || bucket.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bucket), bucket, "the CVD bucket must be a positive whole number of milliseconds");
        }

        return bucket.Ticks / TimeSpan.TicksPerMillisecond;
    }

    internal static long Floor(long timeMs, long bucketMs) => timeMs - (((timeMs % bucketMs) + bucketMs) % bucketMs);
}

/// <summary>
/// Incremental CVD for a trade stream of one instrument: feed trades one at a time; a bucket is returned when a
/// trade from a later bucket closes it. Not thread-safe: feed it from one consumer.
/// </summary>
/// <remarks>
/// Trades older than the open bucket (out-of-order delivery after that bucket closed) cannot amend a bucket already
/// returned: they are left out of buckets and the cumulative, and counted in <see cref="LateTrades"/> and
/// <see cref="LateDelta"/> so a consumer sees how much was dropped. Fed in time order, the tracker returns exactly
/// the buckets of <see cref="Cvd.Compute"/>.
/// </remarks>
public sealed class CvdTracker
{
    private readonly long _bucketMs;
    private long _start = long.MinValue;
    private decimal _buy;
    private decimal _sell;
    private decimal _unknown;
    private int _trades;
    private int _unknownTrades;

    /// <summary>Creates a tracker.</summary>
    /// <param name="bucket">Bucket length, a positive whole number of milliseconds.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bucket"/> is not a positive whole number of milliseconds.</exception>
    public CvdTracker(TimeSpan bucket)
    {
        _bucketMs = Cvd.BucketMs(bucket);
        Bucket = bucket;
    }

    /// <summary>The bucket length.</summary>
    public TimeSpan Bucket { get; }

    /// <summary>Running CVD over every accepted trade, including the open bucket (base units or contracts).</summary>
    public decimal Cumulative { get; private set; }

    /// <summary>Total size of accepted trades with an unknown side.</summary>
    public decimal UnknownVolume { get; private set; }

    /// <summary>Number of accepted trades with an unknown side.</summary>
    public int UnknownTrades { get; private set; }

    /// <summary>Trades that arrived after their bucket had closed and were left out.</summary>
    public int LateTrades { get; private set; }

    /// <summary>The buy − sell size of the late trades left out.</summary>
    public decimal LateDelta { get; private set; }

    /// <summary>The open (not yet closed) bucket as it stands, or <see langword="null"/> when no trade has arrived since the last close.</summary>
    public CvdBucket? Current => _trades == 0 ? null : Snapshot();

    /// <summary>Adds one trade.</summary>
    /// <param name="trade">The trade; its <see cref="Trade.Side"/> is the taker side.</param>
    /// <returns>The bucket this trade closed (the previous open bucket) when the trade falls in a later bucket; otherwise <see langword="null"/>.</returns>
    public CvdBucket? Add(Trade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        var start = Cvd.Floor(trade.TimeMs, _bucketMs);
        var delta = Delta(trade);
        if (_start != long.MinValue && start < _start)
        {
            LateTrades++;
            LateDelta += delta;
            return null;
        }

        CvdBucket? closed = null;
        if (start != _start)
        {
            closed = Flush();
            _start = start;
        }

        _trades++;
        switch (trade.Side)
        {
            case TradeSide.Buy:
                _buy += trade.Size;
                break;
            case TradeSide.Sell:
                _sell += trade.Size;
                break;
            default:
                _unknown += trade.Size;
                _unknownTrades++;
                UnknownVolume += trade.Size;
                UnknownTrades++;
                break;
        }

        Cumulative += delta;
        return closed;
    }

    /// <summary>Closes the open bucket (at the end of a batch, or when a stream goes quiet).</summary>
    /// <returns>The closed bucket, or <see langword="null"/> when it held no trades. Later trades of the same bucket count as late.</returns>
    public CvdBucket? Flush()
    {
        if (_trades == 0)
        {
            return null;
        }

        var bucket = Snapshot();
        _buy = _sell = _unknown = 0;
        _trades = _unknownTrades = 0;
        _start += 1; // a later trade of the flushed bucket floors below this start: late, as documented
        return bucket;
    }

    private CvdBucket Snapshot()
        => new(_start, _start + _bucketMs, _buy, _sell, _unknown, _trades, _unknownTrades, _buy - _sell, Cumulative);

    private static decimal Delta(Trade trade) => trade.Side switch
    {
        TradeSide.Buy => trade.Size,
        TradeSide.Sell => -trade.Size,
        _ => 0,
    };
}

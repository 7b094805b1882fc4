using CryptoRun.Domain;

namespace CryptoRun.Analytics;

/// <summary>The rules that flagged a trade as a whale (large) trade; more than one can fire.</summary>
[Flags]
public enum WhaleRules
{
    /// <summary>No rule fired.</summary>
    None = 0,

    /// <summary>Notional (price × size, quote units) ≥ <see cref="WhaleOptions.NotionalThreshold"/>.</summary>
    Notional = 1,

    /// <summary>Size ≥ <see cref="WhaleOptions.MedianMultiple"/> × the median size of the recent trades.</summary>
    MedianMultiple = 2,

    /// <summary>Size strictly above the <see cref="WhaleOptions.Percentile"/> quantile of the recent trades' sizes.</summary>
    Percentile = 4,
}

/// <summary>Settings of <see cref="WhaleDetector"/>; checked by <see cref="Validate"/>.</summary>
public sealed record WhaleOptions
{
    /// <summary>The absolute rule: a trade whose notional (price × size, quote units) is at least this is a whale; <see langword="null"/> turns the rule off.</summary>
    /// <value>Default 100 000 (quote units, e.g. USDT).</value>
    public decimal? NotionalThreshold { get; init; } = 100_000m;

    /// <summary>The relative rule: a trade at least this many times the median size of the recent trades is a whale; <see langword="null"/> turns it off.</summary>
    /// <value>Default 10.</value>
    public decimal? MedianMultiple { get; init; } = 10m;

    /// <summary>
    /// The percentile rule, a quantile in <c>(0, 1)</c>: a trade strictly larger than that nearest-rank quantile of the recent
    /// sizes is a whale (strict, so a common size repeated through the window never fires it); <see langword="null"/> turns it off.
    /// </summary>
    /// <value>Default <see langword="null"/> (off).</value>
    public double? Percentile { get; init; }

    /// <summary>How many of the most recent trades (before the one judged) the relative rules compare against.</summary>
    /// <value>Default 500.</value>
    public int Window { get; init; } = 500;

    /// <summary>The relative rules stay silent until the window holds at least this many trades.</summary>
    /// <value>Default 20.</value>
    public int MinHistory { get; init; } = 20;

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    public void Validate()
    {
        if (NotionalThreshold is { } notional)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(notional, nameof(NotionalThreshold));
        }

        if (MedianMultiple is { } multiple)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(multiple, nameof(MedianMultiple));
        }

        if (Percentile is { } p && (p <= 0 || p >= 1 || double.IsNaN(p)))
        {
            throw new ArgumentOutOfRangeException(nameof(Percentile), p, "the percentile must be a quantile strictly between 0 and 1");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(Window, 1, nameof(Window));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinHistory, 1, nameof(MinHistory));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MinHistory, Window, nameof(MinHistory));
    }
}

/// <summary>A trade flagged as a whale trade.</summary>
/// <param name="Trade">The trade.</param>
/// <param name="Notional">Price × size, in quote units (for linear instruments; see <see cref="WhaleDetector"/>).</param>
/// <param name="Rules">Every rule that fired.</param>
/// <param name="MedianSize">The median size of the recent trades it was compared with; <see langword="null"/> while the window is shorter than <see cref="WhaleOptions.MinHistory"/>.</param>
/// <param name="MultipleOfMedian">Size ÷ <see cref="MedianSize"/>; <see langword="null"/> when there is no median (or it is 0).</param>
/// <param name="PercentileSize">The window's size at <see cref="WhaleOptions.Percentile"/>, when that rule is on and the window is long enough.</param>
public sealed record WhaleTrade(Trade Trade, decimal Notional, WhaleRules Rules, decimal? MedianSize, decimal? MultipleOfMedian, decimal? PercentileSize);

/// <summary>
/// Detects whale (large) trades in one instrument's trades: by absolute notional, or as a size outlier against a
/// rolling window of the trades before it. Incremental (<see cref="Observe"/>) for streams, and batch (<see cref="Detect"/>).
/// </summary>
/// <remarks>
/// <para>
/// Each trade is judged against the <see cref="WhaleOptions.Window"/> trades before it (itself excluded), then
/// joins the window, so one whale does not hide the next. Median of an even count is the mean of the two middle
/// sizes. Percentile is nearest-rank: the value at 1-based rank <c>ceil(p × n)</c> of the sorted window.
/// </para>
/// <para>
/// Sizes are taken as base units: notional = price × size is in quote units for spot and linear perpetuals
/// (Binance USD-M, Coinbase spot). Inverse or contract-sized instruments need sizes converted first. Use one
/// detector per instrument: sizes of different instruments are not comparable. Not thread-safe.
/// </para>
/// </remarks>
public sealed class WhaleDetector
{
    private readonly WhaleOptions _options;
    private readonly Queue<decimal> _recent = new();
    private readonly List<decimal> _sorted = [];

    /// <summary>Creates a detector.</summary>
    /// <param name="options">Settings; <see langword="null"/> for the defaults of <see cref="WhaleOptions"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public WhaleDetector(WhaleOptions? options = null)
    {
        _options = options ?? new WhaleOptions();
        _options.Validate();
    }

    /// <summary>The settings in use.</summary>
    public WhaleOptions Options => _options;

    /// <summary>How many trades the rolling window holds now.</summary>
    public int WindowCount => _recent.Count;

    /// <summary>Judges one trade, then adds it to the rolling window.</summary>
    /// <param name="trade">The next trade, in time order.</param>
    /// <returns>The whale record when any rule fired; otherwise <see langword="null"/>.</returns>
    public WhaleTrade? Observe(Trade trade)
    {
        ArgumentNullException.ThrowIfNull(trade);
        var notional = trade.Price * trade.Size;
        var rules = WhaleRules.None;
        if (_options.NotionalThreshold is { } threshold && notional >= threshold)
        {
            rules |= WhaleRules.Notional;
        }

        decimal? median = null, multiple = null, percentile = null;
        if (_sorted.Count >= _options.MinHistory)
        {
            var n = _sorted.Count;
            median = n % 2 == 1 ? _sorted[n / 2] : (_sorted[(n / 2) - 1] + _sorted[n / 2]) / 2;
            if (median > 0)
            {
                multiple = trade.Size / median.Value;
            }

            if (_options.MedianMultiple is { } k && trade.Size >= k * median.Value)
            {
                rules |= WhaleRules.MedianMultiple;
            }

            if (_options.Percentile is { } p)
            {
                var rank = (int)Math.Ceiling(p * n);
                percentile = _sorted[Math.Clamp(rank, 1, n) - 1];
                if (trade.Size > percentile)
                {
                    rules |= WhaleRules.Percentile;
                }
            }
        }

        Remember(trade.Size);
        return rules == WhaleRules.None ? null : new WhaleTrade(trade, notional, rules, median, multiple, percentile);
    }

    /// <summary>Finds the whale trades of a batch of one instrument's trades.</summary>
    /// <param name="trades">Trades in any order; judged in time order (stable for equal times).</param>
    /// <param name="options">Settings; <see langword="null"/> for the defaults.</param>
    /// <returns>The whale trades, in time order.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static IReadOnlyList<WhaleTrade> Detect(IEnumerable<Trade> trades, WhaleOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(trades);
        var detector = new WhaleDetector(options);
        var whales = new List<WhaleTrade>();
        foreach (var trade in trades.OrderBy(t => t.TimeMs))
        {
            if (detector.Observe(trade) is { } whale)
            {
                whales.Add(whale);
            }
        }

        return whales;
    }

    private void Remember(decimal size)
    {
        _recent.Enqueue(size);
        _sorted.Insert(UpperBound(size), size);
        if (_recent.Count > _options.Window)
        {
            var old = _recent.Dequeue();
            _sorted.RemoveAt(_sorted.BinarySearch(old));
        }
    }

    private int UpperBound(decimal size)
    {
        int lo = 0, hi = _sorted.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_sorted[mid] <= size)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}

namespace CryptoRun.Replay.Limits;

/// <summary>
/// Fixed-window request counters on the replay clock, one per key: windows are
/// <c>windowMs</c> long and aligned to the epoch (for 2 s: each even second starts one); a request
/// is admitted while its key has had fewer than its limit admitted in the current window. A
/// refused request is not counted.
/// </summary>
/// <remarks>
/// OKX states its public limits per endpoint as "N requests per 2 seconds" per IP (some per IP and
/// instrument type) and does not publish whether the window is fixed or sliding; the replay uses
/// fixed, epoch-aligned windows so that a test can step over a boundary exactly. Source:
/// okx.com/docs-v5/en/#overview-rate-limits and each endpoint's "Rate Limit" line.
/// </remarks>
/// <param name="windowMs">The window length in milliseconds.</param>
internal sealed class WindowCounter(long windowMs)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (long Window, int Count)> _counters = new(StringComparer.Ordinal);

    /// <summary>Counts a request under <paramref name="key"/> at <paramref name="nowMs"/> if fewer than <paramref name="limit"/> were admitted in its window.</summary>
    /// <returns>True when admitted.</returns>
    internal bool TryAdd(string key, int limit, long nowMs)
    {
        lock (_lock)
        {
            var window = Math.DivRem(nowMs, windowMs, out var into) - (into < 0 ? 1 : 0);
            var (current, count) = _counters.GetValueOrDefault(key, (window, 0));
            if (current != window)
            {
                count = 0;
            }

            if (count >= limit)
            {
                _counters[key] = (window, count);
                return false;
            }

            _counters[key] = (window, count + 1);
            return true;
        }
    }
}

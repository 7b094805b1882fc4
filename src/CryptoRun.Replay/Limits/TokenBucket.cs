namespace CryptoRun.Replay.Limits;

/// <summary>
/// A lazy-fill token bucket on the replay clock: it starts full at <c>burst</c> tokens, refills at
/// <c>perSecond</c> tokens a second up to <c>burst</c>, and each admitted request takes one token.
/// A refused request takes nothing. Arithmetic is in thousandths of a token per millisecond, so the
/// same clock readings always give the same answers.
/// </summary>
/// <remarks>
/// The model Coinbase Exchange documents for its REST limits: "Rate-limiting for Exchange REST API
/// uses a lazy-fill token bucket implementation ... The bucket starts full". Source:
/// docs.cdp.coinbase.com/exchange/rest-api/rate-limits.
/// </remarks>
/// <param name="perSecond">Refill rate, tokens per second.</param>
/// <param name="burst">Bucket size: the most requests admitted at one instant.</param>
internal sealed class TokenBucket(int perSecond, int burst)
{
    private readonly Lock _lock = new();
    private long _milliTokens = burst * 1000L;
    private long _lastMs = long.MinValue;

    /// <summary>Takes a token if there is one at <paramref name="nowMs"/>.</summary>
    /// <returns>True when admitted.</returns>
    internal bool TryTake(long nowMs)
    {
        lock (_lock)
        {
            if (_lastMs != long.MinValue && nowMs > _lastMs)
            {
                _milliTokens = Math.Min(burst * 1000L, _milliTokens + ((nowMs - _lastMs) * perSecond));
            }

            _lastMs = Math.Max(_lastMs, nowMs);
            if (_milliTokens < 1000)
            {
                return false;
            }

            _milliTokens -= 1000;
            return true;
        }
    }
}

namespace CryptoRun.Replay.Limits;

/// <summary>
/// Kraken-style call counters on the replay clock, one per key: each admitted call adds 1, the
/// counter decays by <c>decayPerSecond</c> a second down to 0, and a call that would take it over
/// <c>maximum</c> is refused (and adds nothing). Arithmetic is in thousandths per millisecond, so
/// the same clock readings always give the same answers.
/// </summary>
/// <remarks>
/// Kraken documents this "call counter" (+1 per call, decaying per second, calls over the maximum
/// rate limited) for its REST API, with maximum 15 and decay 0.33/s to 20 and 1/s by tier; for the
/// public endpoints it says only that they are "rate limited by IP address and currency pair for
/// calls to Trades and OHLC, and by IP address only for calls to all other public endpoints" and
/// that "calling the public endpoints at a frequency of 1 per second (or less) would remain within
/// the rate limits". Sources: docs.kraken.com/api/docs/guides/spot-rest-ratelimits and
/// support.kraken.com/articles/206548367-what-are-the-api-rate-limits.
/// </remarks>
/// <param name="maximum">The most the counter may reach.</param>
/// <param name="decayPerSecond">How much it falls each second.</param>
internal sealed class DecayingCounter(int maximum, int decayPerSecond)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (long Milli, long AtMs)> _counters = new(StringComparer.Ordinal);

    /// <summary>Counts a call under <paramref name="key"/> at <paramref name="nowMs"/> unless it would exceed the maximum.</summary>
    /// <returns>True when admitted.</returns>
    internal bool TryAdd(string key, long nowMs)
    {
        lock (_lock)
        {
            var (milli, at) = _counters.GetValueOrDefault(key, (0, nowMs));
            if (nowMs > at)
            {
                milli = Math.Max(0, milli - ((nowMs - at) * decayPerSecond));
            }

            var admitted = milli + 1000 <= maximum * 1000L;
            if (admitted)
            {
                milli += 1000;
            }

            _counters[key] = (milli, Math.Max(at, nowMs));
            return admitted;
        }
    }
}

namespace CryptoRun.Replay.Limits;

/// <summary>What the Binance weight limiter decided about one request.</summary>
internal enum BinanceVerdict
{
    /// <summary>Served; its weight was added to the minute's used weight.</summary>
    Served,

    /// <summary>Refused with HTTP 429: its weight would exceed the limit of the current minute.</summary>
    RateLimited,

    /// <summary>Refused with HTTP 418: the client is banned (it sent again before a 429's Retry-After passed).</summary>
    Banned,
}

/// <summary>The limiter's answer: the verdict, the used weight to report, and for refusals the wait.</summary>
/// <param name="Verdict">Served, 429 or 418.</param>
/// <param name="UsedWeight">The used weight of the current minute after the decision (refused requests add nothing).</param>
/// <param name="RetryAfterSeconds">For 429: whole seconds to the next minute; for 418: whole seconds until the ban ends; 0 when served.</param>
/// <param name="BannedUntilMs">For 418: the epoch millisecond the ban ends.</param>
internal readonly record struct BinanceAdmission(BinanceVerdict Verdict, int UsedWeight, int RetryAfterSeconds, long BannedUntilMs);

/// <summary>
/// Binance's IP request-weight limit as the replay enforces it, for one API (spot or USD-M; one
/// client on loopback, so one counter per API): weight is summed per UTC clock minute of the replay
/// clock; a request whose weight would take the minute over <see cref="Limit"/> is refused with 429
/// and <c>Retry-After</c> = whole seconds to the next minute; any request sent before that
/// <c>Retry-After</c> has passed starts a ban (418), 2 minutes for the first ban and doubling with
/// each further ban up to 3 days; every request during a ban is refused with 418 and the remaining
/// <c>Retry-After</c>. Refused requests add no weight and do not extend a ban. Bans are remembered
/// for the server's lifetime, so the doubling never resets.
/// </summary>
/// <remarks>
/// Binance documents the pieces (429 when a limit is broken, 418 "for continuing to send requests
/// after receiving 429 codes", bans that "scale in duration for repeat offenders, from 2 minutes to
/// 3 days", <c>Retry-After</c> in seconds) but not the exact threshold or progression; the replay's
/// choice is the rule above. Source: developers.binance.com/en/docs/products/oms/basics/4.rate-limits
/// and binance-spot-api-docs <c>rest-api.md</c> "IP Limits". That the window is the UTC clock minute
/// (not a sliding 60 s) was measured on fapi by a third party (polyoxide-binance).
/// </remarks>
/// <param name="limit">REQUEST_WEIGHT per minute (from the recorded <c>exchangeInfo.rateLimits</c>).</param>
/// <param name="enforce">False to count weight (for the headers) but never refuse.</param>
internal sealed class BinanceWeightLimiter(int limit, bool enforce)
{
    private const long MinuteMs = 60_000;
    private static readonly long FirstBanMs = (long)TimeSpan.FromMinutes(2).TotalMilliseconds;
    private static readonly long LongestBanMs = (long)TimeSpan.FromDays(3).TotalMilliseconds;

    private readonly Lock _lock = new();
    private long _minute = long.MinValue;
    private int _used;
    private long _noticeUntilMs = long.MinValue;
    private long _bannedUntilMs = long.MinValue;
    private int _bans;

    /// <summary>REQUEST_WEIGHT allowed per UTC minute.</summary>
    internal int Limit => limit;

    /// <summary>The ban length for the <paramref name="ban"/>-th ban (1-based): 2 min, 4, 8, ... capped at 3 days.</summary>
    internal static long BanLengthMs(int ban)
    {
        var length = FirstBanMs;
        for (var i = 1; i < ban && length < LongestBanMs; i++)
        {
            length *= 2;
        }

        return Math.Min(length, LongestBanMs);
    }

    /// <summary>The used weight of the minute of <paramref name="nowMs"/>, adding nothing.</summary>
    internal int UsedAt(long nowMs)
    {
        lock (_lock)
        {
            Roll(nowMs);
            return _used;
        }
    }

    /// <summary>Decides one request of <paramref name="weight"/> arriving at <paramref name="nowMs"/>.</summary>
    internal BinanceAdmission Admit(int weight, long nowMs)
    {
        lock (_lock)
        {
            Roll(nowMs);
            if (enforce)
            {
                if (nowMs < _bannedUntilMs)
                {
                    return new(BinanceVerdict.Banned, _used, Seconds(_bannedUntilMs - nowMs), _bannedUntilMs);
                }

                if (nowMs < _noticeUntilMs)
                {
                    _bans++;
                    _bannedUntilMs = nowMs + BanLengthMs(_bans);
                    _noticeUntilMs = long.MinValue;
                    return new(BinanceVerdict.Banned, _used, Seconds(_bannedUntilMs - nowMs), _bannedUntilMs);
                }

                if (_used + weight > limit)
                {
                    _noticeUntilMs = (_minute + 1) * MinuteMs;
                    return new(BinanceVerdict.RateLimited, _used, Seconds(_noticeUntilMs - nowMs), 0);
                }
            }

            _used += weight;
            return new(BinanceVerdict.Served, _used, 0, 0);
        }
    }

    private void Roll(long nowMs)
    {
        var minute = Math.DivRem(nowMs, MinuteMs, out var into) - (into < 0 ? 1 : 0);
        if (minute != _minute)
        {
            _minute = minute;
            _used = 0;
        }
    }

    private static int Seconds(long ms) => (int)Math.Max(1, (ms + 999) / 1000);
}

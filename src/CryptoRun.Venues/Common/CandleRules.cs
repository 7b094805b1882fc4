namespace CryptoRun.Venues.Common;

/// <summary>Shared helpers for connectors: closed-candle cut-off and catalog caching.</summary>
internal static class CandleRules
{
    /// <summary>
    /// The open time from which candles are not final yet: the open time of the candle in progress
    /// at the clock's current time. Candles opening before it are closed.
    /// </summary>
    internal static long OpenCandleStart(Domain.Timeframe timeframe, TimeProvider time)
        => timeframe.Floor(time.GetUtcNow().ToUnixTimeMilliseconds());

    /// <summary>Fails when a venue has no interval for <paramref name="timeframe"/>, naming the ones it has.</summary>
    /// <exception cref="Domain.VenueRequestException">The venue does not serve the timeframe.</exception>
    internal static void RequireTimeframe(string venue, IReadOnlyList<Domain.Timeframe> served, Domain.Timeframe timeframe)
    {
        if (!served.Contains(timeframe))
        {
            throw new Domain.VenueRequestException(venue, $"{venue} has no {timeframe} candles; it serves {string.Join(' ', served)}");
        }
    }
}

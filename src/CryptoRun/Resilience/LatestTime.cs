namespace CryptoRun.Resilience;

/// <summary>Keeps the latest of several instants written from many threads (a Retry-After's end, a ban's end).</summary>
internal static class LatestTime
{
    /// <summary>Raises <paramref name="location"/> to <paramref name="ticks"/> unless it already holds a later value; lock-free.</summary>
    /// <param name="location">UTC ticks, 0 for none yet.</param>
    /// <param name="ticks">UTC ticks of the new instant.</param>
    internal static void Raise(ref long location, long ticks)
    {
        var seen = Interlocked.Read(ref location);
        while (ticks > seen)
        {
            var was = Interlocked.CompareExchange(ref location, ticks, seen);
            if (was == seen)
            {
                return;
            }

            seen = was;
        }
    }
}

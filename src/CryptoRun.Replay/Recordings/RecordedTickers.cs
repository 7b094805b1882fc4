using System.Text.Json;

namespace CryptoRun.Replay.Recordings;

/// <summary>
/// Ticker payloads recorded from a venue's WebSocket feed, per venue symbol, each with the time it
/// stands for; the replay serves the latest at or before its clock.
/// </summary>
internal sealed class RecordedTickers
{
    private readonly Dictionary<string, List<(long TimeMs, JsonElement Ticker)>> _tickers = new(StringComparer.Ordinal);

    /// <summary>The venue symbols with at least one recorded ticker.</summary>
    internal IEnumerable<string> Symbols => _tickers.Keys;

    /// <summary>Adds a recorded ticker (a clone the caller no longer owns).</summary>
    /// <param name="symbol">The venue symbol.</param>
    /// <param name="timeMs">The time the ticker stands for, epoch milliseconds.</param>
    /// <param name="ticker">The payload.</param>
    internal void Add(string symbol, long timeMs, JsonElement ticker)
    {
        if (!_tickers.TryGetValue(symbol, out var list))
        {
            _tickers[symbol] = list = [];
        }

        list.Add((timeMs, ticker));
    }

    /// <summary>
    /// The ticker with the latest time at or before <paramref name="nowMs"/> (of equal times, the one
    /// recorded last); false when none was recorded by then.
    /// </summary>
    internal bool TryLatest(string symbol, long nowMs, out JsonElement ticker)
    {
        ticker = default;
        var found = false;
        var bestMs = long.MinValue;
        foreach (var (timeMs, recorded) in _tickers.GetValueOrDefault(symbol) ?? [])
        {
            if (timeMs <= nowMs && timeMs >= bestMs)
            {
                (bestMs, ticker, found) = (timeMs, recorded, true);
            }
        }

        return found;
    }
}

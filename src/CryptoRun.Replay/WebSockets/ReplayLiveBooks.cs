using System.Collections.Concurrent;

namespace CryptoRun.Replay.WebSockets;

/// <summary>
/// Where the replay venue's REST side finds the books its WebSocket connections have reached: each
/// stream's most recently opened connection (<see cref="ReplayConnectionBooks"/>), and the recorded
/// REST depth snapshots the Binance streams' books start from.
/// </summary>
/// <remarks>
/// Of several connections of one stream, the one opened last wins; it stays the one REST <c>depth</c>
/// answers from after it closes, until another connection of the stream opens (a client that
/// reconnects and fetches a snapshot gets its new connection's book).
/// </remarks>
internal sealed class ReplayLiveBooks
{
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> _recordedDepth = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ReplayConnectionBooks> _latest = new(StringComparer.Ordinal);

    /// <summary>Sets the recorded REST depth bodies (by symbol) the books of <paramref name="stream"/> start from.</summary>
    internal void SetRecordedDepth(string stream, IReadOnlyDictionary<string, string> bodies) => _recordedDepth[stream] = bodies;

    /// <summary>The books of a new connection of <paramref name="recording"/>'s stream, which becomes the stream's latest.</summary>
    internal ReplayConnectionBooks Open(ReplayStreamRecording recording)
    {
        var name = recording.Source.Name;
        var books = new ReplayConnectionBooks(name, recording, _recordedDepth.GetValueOrDefault(name));
        _latest[name] = books;
        return books;
    }

    /// <summary>
    /// The REST depth body of <paramref name="symbol"/> from the latest connection of <paramref name="stream"/>
    /// (see <see cref="ReplayConnectionBooks.TryDepth"/>); false when there is none or it has not gone past the recorded snapshot.
    /// </summary>
    internal bool TryDepth(string stream, string symbol, int limit, out byte[] body)
    {
        body = [];
        return _latest.TryGetValue(stream, out var books) && books.TryDepth(symbol, limit, out body);
    }

    /// <summary>
    /// Bitstamp: the REST <c>order_book</c> body of <paramref name="pair"/> from the latest connection of <paramref name="stream"/>
    /// (see <see cref="ReplayConnectionBooks.TryOrderBook"/>); false when there is none or it has not gone past the recorded snapshot.
    /// </summary>
    internal bool TryOrderBook(string stream, string pair, out byte[] body)
    {
        body = [];
        return _latest.TryGetValue(stream, out var books) && books.TryOrderBook(pair, out body);
    }
}

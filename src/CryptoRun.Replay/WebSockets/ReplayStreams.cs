using CryptoRun.Replay.Recordings;

namespace CryptoRun.Replay.WebSockets;

/// <summary>Where one WebSocket stream's recording is: a v1 file-name prefix, or a v2 capture and its connections.</summary>
/// <param name="Name">The stream name in <c>/ws/{stream}</c>.</param>
/// <param name="Version"><c>v1</c> or <c>v2</c> (the folder under <c>ws-captures</c>).</param>
/// <param name="File">v1: the prefix of the connection files (<c>KRAKEN.ws.</c>); v2: the capture file (<c>BYBIT.jsonl.zst</c>).</param>
/// <param name="Connections">The prefix of the connection ids served (<c>BYBIT.ws.</c>); every WebSocket connection of the files.</param>
/// <param name="Feed">What the recording is, for start-up output.</param>
internal sealed record ReplayStreamSource(string Name, string Version, string File, string Connections, string Feed);

/// <summary>
/// One stream's recorded frames, ready to send: UTF-8 payloads in send order (connections merged by
/// receive time) and each frame's offset from the first, at the recorded pace.
/// </summary>
/// <param name="Source">Where it was read from.</param>
/// <param name="Connections">The recorded connections merged into it (connect URL and subscriptions sent).</param>
/// <param name="Frames">The frames, in send order.</param>
/// <param name="Payloads">Each frame's text as UTF-8 bytes.</param>
/// <param name="OffsetTicks">Each frame's receive time minus the first frame's, in ticks, never decreasing.</param>
internal sealed record ReplayStreamRecording(
    ReplayStreamSource Source,
    IReadOnlyList<RecordedConnection> Connections,
    IReadOnlyList<RecordedFrame> Frames,
    IReadOnlyList<byte[]> Payloads,
    IReadOnlyList<long> OffsetTicks)
{
    /// <summary>The recording's length: the last frame's offset, in ticks at the recorded pace.</summary>
    internal long DurationTicks => OffsetTicks.Count == 0 ? 0 : OffsetTicks[^1];
}

/// <summary>
/// The WebSocket streams the replay venue serves (<c>/ws/{stream}</c>) and their recordings in
/// <c>ws-captures</c>; each recording is read on its stream's first connection and kept.
/// </summary>
internal sealed class ReplayStreams
{
    /// <summary>Every stream, by name.</summary>
    internal static readonly IReadOnlyList<ReplayStreamSource> Sources =
    [
        new("binance", "v1", "BINANCE.ws.", "BINANCE.ws.", "Binance spot combined streams (depth, bookTicker, kline_1m, aggTrade), 2021-10-12"),
        new("binance-usdm", "v1", "BINANCE_FUTURES.ws.", "BINANCE_FUTURES.ws.", "Binance USD-M combined streams (aggTrade, depth, kline_1m, bookTicker), 2021-07-22"),
        new("kraken", "v1", "KRAKEN.ws.", "KRAKEN.ws.", "Kraken v1 trade, ticker and book-1000 (3 connections merged), 2021-04-17"),
        new("kraken-futures", "v1", "KRAKEN_FUTURES.ws.", "KRAKEN_FUTURES.ws.", "Kraken Futures v1 book, trade, ticker_lite, 2021-07-22"),
        new("coinbase", "v1", "COINBASE.ws.", "COINBASE.ws.", "Coinbase Pro feed (level2, ticker, matches; retired), 2021-04-17"),
        new("coinbase-advanced", "v2", "COINBASE.jsonl.zst", "COINBASE.ws.", "Coinbase Advanced Trade (market_trades, candles, ticker, level2, heartbeats), 2026-08-09"),
        new("okx", "v1", "OKX.ws.", "OKX.ws.", "OKX v5 public (tickers, trades, books), 2022-05-13"),
        new("bybit", "v2", "BYBIT.jsonl.zst", "BYBIT.ws.", "Bybit v5 public linear and spot (2 connections merged), 2026-08-09"),
        new("bybit-legacy", "v1", "BYBIT.ws.", "BYBIT.ws.", "Bybit v2 realtime and realtime_public (retired; 2 connections merged), 2021-04-17"),
        new("bitstamp", "v1", "BITSTAMP.ws.", "BITSTAMP.ws.", "Bitstamp v2 diff_order_book and live_trades, 2022-01-05"),
    ];

    private readonly string? _root;
    private readonly Dictionary<string, Lazy<ReplayStreamRecording>> _recordings = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Stream, string Connection), Lazy<ReplayStreamRecording?>> _selected = new();

    /// <summary>The streams of the <c>ws-captures</c> folder <paramref name="root"/> (null: none).</summary>
    internal ReplayStreams(string? root)
    {
        _root = root;
        foreach (var source in Sources)
        {
            _recordings[source.Name] = new Lazy<ReplayStreamRecording>(() => Read(source), LazyThreadSafetyMode.ExecutionAndPublication);
        }

        Available = Sources.Where(s => Files(s).Count > 0).ToList();
    }

    /// <summary>The streams whose recordings are present.</summary>
    internal IReadOnlyList<ReplayStreamSource> Available { get; }

    /// <summary>The stream named <paramref name="name"/>, whether or not its recording is present.</summary>
    internal static ReplayStreamSource? Find(string name) => Sources.FirstOrDefault(s => s.Name == name);

    /// <summary>The stream's recording, read on first use.</summary>
    /// <exception cref="FormatException">A capture file is not in its format.</exception>
    /// <exception cref="InvalidDataException">A v2 file is not valid Zstandard data.</exception>
    /// <exception cref="DllNotFoundException">A v2 file needs libzstd, which cannot be loaded.</exception>
    internal ReplayStreamRecording Recording(ReplayStreamSource source) => _recordings[source.Name].Value;

    /// <summary>
    /// The part of the stream's recording that came from the recorded connections whose URL path ends in the segment
    /// <paramref name="connection"/> (<c>linear</c> of <c>wss://stream.bybit.com/v5/public/linear</c>): one venue endpoint of a
    /// stream that merges several (<c>/ws/bybit/linear</c>, <c>/ws/bybit/spot</c>). Null when no recorded connection's path ends so.
    /// </summary>
    /// <exception cref="FormatException">A capture file is not in its format.</exception>
    internal ReplayStreamRecording? Recording(ReplayStreamSource source, string connection)
        => _selected.GetOrAdd((source.Name, connection), key => new Lazy<ReplayStreamRecording?>(() => Select(Recording(source), key.Connection), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    /// <summary>The capture files a stream is read from, in name order (empty when absent).</summary>
    internal IReadOnlyList<string> Files(ReplayStreamSource source)
    {
        var folder = _root is null ? null : Path.Combine(_root, source.Version);
        if (folder is null || !Directory.Exists(folder))
        {
            return [];
        }

        if (source.Version == "v2")
        {
            var path = Path.Combine(folder, source.File);
            return File.Exists(path) ? [path] : [];
        }

        return Directory.GetFiles(folder, source.File + "*").Order(StringComparer.Ordinal).ToList();
    }

    private ReplayStreamRecording Read(ReplayStreamSource source)
    {
        var captures = source.Version == "v2"
            ? Files(source).Select(CaptureV2Reader.Read).ToList()
            : Files(source).Select(CaptureReader.ReadCapture).ToList();
        var connections = captures
            .SelectMany(c => c.Connections)
            .Where(c => c.Id.StartsWith(source.Connections, StringComparison.Ordinal))
            .OrderBy(c => c.ConnectedAt)
            .ThenBy(c => c.Id, StringComparer.Ordinal)
            .ToList();
        var perConnection = connections
            .Select(c => captures.SelectMany(capture => capture.Frames).Where(f => f.Connection == c.Id).ToList())
            .ToList();
        var frames = Merge(perConnection);
        var payloads = frames.Select(f => System.Text.Encoding.UTF8.GetBytes(f.Payload)).ToList();
        var offsets = new long[frames.Count];
        for (var i = 1; i < frames.Count; i++)
        {
            var offset = (long)Math.Round((frames[i].ReceivedAt - frames[0].ReceivedAt) * TimeSpan.TicksPerSecond);
            offsets[i] = Math.Max(offsets[i - 1], offset);
        }

        return new ReplayStreamRecording(source, connections, frames, payloads, offsets);
    }

    private static ReplayStreamRecording? Select(ReplayStreamRecording all, string connection)
    {
        var ids = all.Connections
            .Where(c => Uri.TryCreate(c.Url, UriKind.Absolute, out var url) && url.AbsolutePath.TrimEnd('/').EndsWith("/" + connection, StringComparison.Ordinal))
            .Select(c => c.Id)
            .ToHashSet(StringComparer.Ordinal);
        if (ids.Count == 0)
        {
            return null;
        }

        var indexes = Enumerable.Range(0, all.Frames.Count).Where(i => ids.Contains(all.Frames[i].Connection)).ToList();
        var first = indexes.Count == 0 ? 0 : all.OffsetTicks[indexes[0]];
        return new ReplayStreamRecording(
            all.Source,
            all.Connections.Where(c => ids.Contains(c.Id)).ToList(),
            indexes.Select(i => all.Frames[i]).ToList(),
            indexes.Select(i => all.Payloads[i]).ToList(),
            indexes.Select(i => all.OffsetTicks[i] - first).ToList());
    }

    /// <summary>
    /// Merges connections' frames by receive time, keeping each connection's own order; of equal
    /// times, the frame of the connection listed first (opened first) goes first.
    /// </summary>
    internal static List<RecordedFrame> Merge(IReadOnlyList<IReadOnlyList<RecordedFrame>> connections)
    {
        var merged = new List<RecordedFrame>(connections.Sum(c => c.Count));
        var next = new int[connections.Count];
        while (true)
        {
            var best = -1;
            for (var c = 0; c < connections.Count; c++)
            {
                if (next[c] < connections[c].Count
                    && (best < 0 || connections[c][next[c]].ReceivedAt < connections[best][next[best]].ReceivedAt))
                {
                    best = c;
                }
            }

            if (best < 0)
            {
                return merged;
            }

            merged.Add(connections[best][next[best]++]);
        }
    }
}

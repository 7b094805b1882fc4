using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace CryptoRun.Replay;

/// <summary>
/// One request the replay venue received, as written to the request log (one JSON line each, in
/// the order answers started; a request that gets no answer is logged when the replay gives up on
/// it: at once for a timeout or reset fault) and kept in <see cref="ReplayServer.Requests"/>.
/// </summary>
/// <param name="Time">Arrival time on the replay clock (UTC); JSON <c>time</c>, ISO-8601 with milliseconds and <c>Z</c>.</param>
/// <param name="Venue">
/// The venue whose API the path is under (<c>binance</c>, <c>binance-usdm</c>, <c>kraken</c>, <c>coinbase</c>, <c>okx</c>),
/// for a WebSocket connection (<c>/ws/{stream}</c>) the stream name (<c>kraken</c>, <c>bybit</c>, <c>coinbase-advanced</c>, ...),
/// or null for a path under none; JSON <c>venue</c>.
/// </param>
/// <param name="Method">The HTTP method; JSON <c>method</c>.</param>
/// <param name="Path">The path, without the query; JSON <c>path</c>.</param>
/// <param name="Query">The query string without the leading <c>?</c>, empty when none; JSON <c>query</c>.</param>
/// <param name="Status">
/// The HTTP status answered, including refusals (429, 418; Kraken's rate-limit refusal is 200),
/// fault statuses and 101 for an accepted WebSocket connection (logged when it is accepted); 0 when
/// no answer was sent (timeout, reset, or the client gave up first); JSON <c>status</c>.
/// </param>
/// <param name="Weight">The request's Binance weight (computed from the endpoint and its <c>limit</c>, whether or not it was served), 1 for every other request; JSON <c>weight</c>.</param>
/// <param name="Fault">The name of the fault rule applied, or null; JSON <c>fault</c>.</param>
public sealed record ReplayRequest(
    DateTimeOffset Time,
    string? Venue,
    string Method,
    string Path,
    string Query,
    int Status,
    int Weight,
    string? Fault);

/// <summary>The request log: kept in memory, and written as JSON lines when a path is given.</summary>
internal sealed class ReplayRequestLog : IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<ReplayRequest> _entries = [];
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
    private readonly FileStream? _file;
    private bool _closed;

    /// <summary>Opens the log; <paramref name="path"/> is created or truncated.</summary>
    /// <exception cref="IOException">The file cannot be created.</exception>
    internal ReplayRequestLog(string? path)
    {
        if (path is not null)
        {
            var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
            if (folder is not null)
            {
                Directory.CreateDirectory(folder);
            }

            _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
        }
    }

    /// <summary>A copy of the entries so far.</summary>
    internal IReadOnlyList<ReplayRequest> Snapshot()
    {
        lock (_lock)
        {
            return _entries.ToArray();
        }
    }

    /// <summary>Completes when at least <paramref name="count"/> entries are logged (a test hook: no polling, no sleeping).</summary>
    internal Task WhenCountAsync(int count)
    {
        lock (_lock)
        {
            if (_entries.Count >= count)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
            return done.Task;
        }
    }

    /// <summary>Appends an entry, and its line when writing to a file (flushed, so the file can be read while serving).</summary>
    internal void Add(ReplayRequest entry)
    {
        var line = _file is null ? null : Line(entry);
        List<TaskCompletionSource> ready;
        lock (_lock)
        {
            _entries.Add(entry);
            if (_file is not null && !_closed)
            {
                _file.Write(line);
                _file.Flush();
            }

            ready = _waiters.Where(w => _entries.Count >= w.Count).Select(w => w.Done).ToList();
            _waiters.RemoveAll(w => _entries.Count >= w.Count);
        }

        foreach (var done in ready)
        {
            done.TrySetResult();
        }
    }

    /// <summary>The JSON line of an entry: <c>{"time":..,"venue":..,"method":..,"path":..,"query":..,"status":..,"weight":..,"fault":..}</c> and a newline.</summary>
    internal static byte[] Line(ReplayRequest entry)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        // Relaxed escaping: a query reads "a=1&b=2", not "a=1\u0026b=2" (quotes and control characters are still escaped).
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("time", entry.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("venue", entry.Venue);
            w.WriteString("method", entry.Method);
            w.WriteString("path", entry.Path);
            w.WriteString("query", entry.Query);
            w.WriteNumber("status", entry.Status);
            w.WriteNumber("weight", entry.Weight);
            w.WriteString("fault", entry.Fault);
            w.WriteEndObject();
        }

        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _closed = true;
            _file?.Dispose();
        }
    }
}

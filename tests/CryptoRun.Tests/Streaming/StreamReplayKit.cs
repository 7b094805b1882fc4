using System.Globalization;
using System.Text.Json;
using CryptoRun.Replay.Recordings;
using CryptoRun.Streaming;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Streaming;

/// <summary>
/// Test support for the hot tier: reads consumers until a condition, rebuilds books from the published events,
/// and applies the recordings naively (sorted dictionaries straight from the frames' JSON, no product code) for comparison.
/// </summary>
internal static class StreamReplayKit
{
    /// <summary>Reads <paramref name="subscriber"/> until <paramref name="stop"/> says so (that event included) or 30 s pass.</summary>
    public static async Task<List<StreamEvent>> ReadUntilAsync(StreamSubscriber subscriber, Func<StreamEvent, bool> stop)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var events = new List<StreamEvent>();
        try
        {
            await foreach (var item in subscriber.WithCancellation(timeout.Token))
            {
                events.Add(item);
                if (stop(item))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{subscriber.Subscription}: the condition was not met within 30 s; {events.Count} events read, last {events.LastOrDefault()}");
        }

        return events;
    }

    /// <summary>Reads what arrives until nothing has for <paramref name="quiet"/>.</summary>
    public static async Task<List<StreamEvent>> ReadAvailableAsync(StreamSubscriber subscriber, TimeSpan quiet)
    {
        var events = new List<StreamEvent>();
        using var idle = new CancellationTokenSource(quiet);
        try
        {
            await foreach (var item in subscriber.WithCancellation(idle.Token))
            {
                events.Add(item);
                idle.CancelAfter(quiet);
            }
        }
        catch (OperationCanceledException)
        {
            // Nothing arrived for the quiet period.
        }

        return events;
    }

    /// <summary>
    /// Moves a manual clock on while a test reads (50 ms every 10 ms), so that what the code under test waits for on it
    /// (a reconnect's backoff after a failed attempt) passes as it would in real time. Dispose to stop.
    /// </summary>
    public static IAsyncDisposable DriveClock(ManualClock clock)
    {
        var stop = new CancellationTokenSource();
        var driving = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(10);
                clock.Advance(TimeSpan.FromMilliseconds(50));
            }
        });
        return new ClockDriver(stop, driving);
    }

    private sealed class ClockDriver(CancellationTokenSource stop, Task driving) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            await driving;
            stop.Dispose();
        }
    }

    /// <summary>True for the status saying the connection is being reopened (a replay recording's end closes it).</summary>
    public static bool IsReconnecting(StreamEvent item) => item is StreamStatusEvent { State: StreamState.Reconnecting };

    /// <summary>A book rebuilt by a consumer from snapshot and delta events only.</summary>
    public static NaiveBook Rebuild(IEnumerable<StreamEvent> events, int depth = 0)
    {
        var book = new NaiveBook(depth);
        foreach (var item in events)
        {
            switch (item)
            {
                case BookSnapshotEvent snapshot:
                    book.Clear();
                    book.Apply(snapshot.Bids.Select(l => (l.Price, l.Size)), snapshot.Asks.Select(l => (l.Price, l.Size)));
                    break;
                case BookDeltaEvent delta:
                    book.Apply(delta.Bids.Select(l => (l.Price, l.Size)), delta.Asks.Select(l => (l.Price, l.Size)));
                    break;
            }
        }

        return book;
    }

    /// <summary>The received frames of a v1 capture file (one connection).</summary>
    public static List<string> Frames(string file) => CaptureReader.Read(TestData.Capture(file)).Frames.Select(f => f.Payload).ToList();

    /// <summary>Kraken Futures' recorded <c>book_snapshot</c> and <c>book</c> frames applied naively, per product (<c>PI_ETHUSD</c>).</summary>
    public static Dictionary<string, NaiveBook> KrakenFuturesNaive(IEnumerable<string> frames)
    {
        var books = new Dictionary<string, NaiveBook>(StringComparer.Ordinal);
        foreach (var frame in frames.Where(f => f.Contains("\"feed\":\"book", StringComparison.Ordinal) && !f.Contains("\"event\"", StringComparison.Ordinal)))
        {
            using var document = JsonDocument.Parse(frame);
            var root = document.RootElement;
            var product = root.GetProperty("product_id").GetString()!;
            var book = books.TryGetValue(product, out var known) ? known : books[product] = new NaiveBook(0);
            if (root.GetProperty("feed").GetString() == "book_snapshot")
            {
                book.Clear();
                book.Apply(Levels(root.GetProperty("bids")), Levels(root.GetProperty("asks")));
            }
            else
            {
                var level = (Dec(root.GetProperty("price")), Dec(root.GetProperty("qty")));
                var buy = root.GetProperty("side").GetString() == "buy";
                book.Apply(buy ? [level] : [], buy ? [] : [level]);
            }
        }

        return books;

        static List<(decimal, decimal)> Levels(JsonElement side) => side.EnumerateArray().Select(l => (Dec(l.GetProperty("price")), Dec(l.GetProperty("qty")))).ToList();
    }

    /// <summary>Bybit v5's recorded <c>orderbook</c> frames applied naively, per stream symbol (<c>BTCUSDT</c>): a snapshot clears the book.</summary>
    public static Dictionary<string, NaiveBook> BybitNaive(IEnumerable<string> frames, int depth)
    {
        var books = new Dictionary<string, NaiveBook>(StringComparer.Ordinal);
        foreach (var frame in frames.Where(f => f.Contains("\"topic\":\"orderbook.", StringComparison.Ordinal)))
        {
            using var document = JsonDocument.Parse(frame);
            var root = document.RootElement;
            var data = root.GetProperty("data");
            var symbol = data.GetProperty("s").GetString()!;
            var book = books.TryGetValue(symbol, out var known) ? known : books[symbol] = new NaiveBook(depth);
            if (root.GetProperty("type").GetString() == "snapshot")
            {
                book.Clear();
            }

            book.Apply(Levels(data.GetProperty("b")), Levels(data.GetProperty("a")));
        }

        return books;

        static List<(decimal, decimal)> Levels(JsonElement side) => side.EnumerateArray().Select(l => (Dec(l[0]), Dec(l[1]))).ToList();
    }

    /// <summary>Kraken's recorded books applied naively, per pair (<c>XMR/USD</c>), keeping <paramref name="depth"/> levels as Kraken does.</summary>
    public static Dictionary<string, NaiveBook> KrakenNaive(IEnumerable<string> frames, int depth)
    {
        var books = new Dictionary<string, NaiveBook>(StringComparer.Ordinal);
        foreach (var frame in frames.Where(f => f.StartsWith('[') && f.Contains("\"book-", StringComparison.Ordinal)))
        {
            using var document = JsonDocument.Parse(frame);
            var items = document.RootElement.EnumerateArray().ToList();
            var pair = items[^1].GetString()!;
            var book = books.TryGetValue(pair, out var known) ? known : books[pair] = new NaiveBook(depth);
            foreach (var part in items.Where(i => i.ValueKind == JsonValueKind.Object))
            {
                foreach (var property in part.EnumerateObject())
                {
                    var levels = property.Value.ValueKind == JsonValueKind.Array
                        ? property.Value.EnumerateArray().Select(l => (Dec(l[0]), Dec(l[1]))).ToList()
                        : [];
                    switch (property.Name)
                    {
                        case "as":
                            book.Clear();
                            book.Apply([], levels);
                            break;
                        case "bs":
                            book.Apply(levels, []);
                            break;
                        case "a":
                            book.Apply([], levels);
                            break;
                        case "b":
                            book.Apply(levels, []);
                            break;
                    }
                }
            }
        }

        return books;
    }

    /// <summary>OKX's recorded books applied naively, per instrument id.</summary>
    public static Dictionary<string, NaiveBook> OkxNaive(IEnumerable<string> frames)
    {
        var books = new Dictionary<string, NaiveBook>(StringComparer.Ordinal);
        foreach (var frame in frames.Where(f => f.Contains("\"channel\":\"books\"", StringComparison.Ordinal) && f.Contains("\"data\"", StringComparison.Ordinal)))
        {
            using var document = JsonDocument.Parse(frame);
            var root = document.RootElement;
            var instId = root.GetProperty("arg").GetProperty("instId").GetString()!;
            var book = books.TryGetValue(instId, out var known) ? known : books[instId] = new NaiveBook(0);
            if (root.GetProperty("action").GetString() == "snapshot")
            {
                book.Clear();
            }

            var data = root.GetProperty("data")[0];
            book.Apply(
                data.GetProperty("bids").EnumerateArray().Select(l => (Dec(l[0]), Dec(l[1]))),
                data.GetProperty("asks").EnumerateArray().Select(l => (Dec(l[0]), Dec(l[1]))));
        }

        return books;
    }

    /// <summary>Binance's recorded diff depth applied naively from each symbol's recorded REST snapshot (updates with <c>u</c> at or below its <c>lastUpdateId</c> skipped).</summary>
    public static Dictionary<string, NaiveBook> BinanceNaive(string capture)
    {
        var books = new Dictionary<string, NaiveBook>(StringComparer.Ordinal);
        var ids = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var response in CaptureReader.Read(TestData.Capture(capture + ".http.0.0")).Responses.Where(r => r.Url.Contains("/depth?", StringComparison.Ordinal)))
        {
            var symbol = response.Url.Split("symbol=")[1].Split('&')[0];
            using var document = JsonDocument.Parse(response.Body);
            var book = new NaiveBook(0);
            book.Apply(
                document.RootElement.GetProperty("bids").EnumerateArray().Select(l => (Dec(l[0]), Dec(l[1]))),
                document.RootElement.GetProperty("asks").EnumerateArray().Select(l => (Dec(l[0]), Dec(l[1]))));
            books[symbol] = book;
            ids[symbol] = document.RootElement.GetProperty("lastUpdateId").GetInt64();
        }

        foreach (var frame in Frames(capture + ".ws.1.0").Where(f => f.Contains("depthUpdate", StringComparison.Ordinal)))
        {
            using var document = JsonDocument.Parse(frame);
            var data = document.RootElement.GetProperty("data");
            var symbol = data.GetProperty("s").GetString()!;
            if (!books.TryGetValue(symbol, out var book) || data.GetProperty("u").GetInt64() <= ids[symbol])
            {
                continue;
            }

            book.Apply(
                data.GetProperty("b").EnumerateArray().Select(l => (Dec(l[0]), Dec(l[1]))),
                data.GetProperty("a").EnumerateArray().Select(l => (Dec(l[0]), Dec(l[1]))));
        }

        return books;
    }

    public static decimal Dec(JsonElement value)
        => decimal.Parse(value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture);
}

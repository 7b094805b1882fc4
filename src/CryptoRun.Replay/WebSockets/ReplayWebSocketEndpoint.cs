using System.Buffers;
using System.Net.WebSockets;
using CryptoRun.Replay.Venues;
using Microsoft.AspNetCore.Http;

namespace CryptoRun.Replay.WebSockets;

/// <summary>
/// Serves <c>ws://127.0.0.1:PORT/ws/{stream}</c> (and <c>/ws/{stream}/{endpoint}</c>: only the recorded connections whose
/// URL path ends in that segment, as <c>/ws/bybit/linear</c> and <c>/ws/bybit/spot</c> of the merged Bybit v5 recording): on connect, the stream's recorded frames as text
/// frames, byte-exact, in order, paced by their recorded gaps over the speed; then a close
/// (NormalClosure), or the recording again when looping. Each connection keeps the books its sent
/// frames build (<see cref="ReplayConnectionBooks"/>): a Kraken, OKX, Bybit v5 or Kraken Futures book subscribe/unsubscribe the
/// client sends is answered with the venue's ack and, for a subscribe, a snapshot of that book, and
/// the Binance streams' books answer REST <c>depth</c> (through <see cref="ReplayLiveBooks"/>); other
/// client messages (pings, other channels) are read and ignored. One writer: a recorded frame and an
/// answer never interleave. Faults come from the query (<see cref="ReplayStreamSettings"/>). Each
/// connection attempt is logged with its answer (101, or 400/404 with a JSON message).
/// </summary>
/// <remarks>
/// It runs before routing and the fault/limit pipeline: the YAML fault rules and the REST venues'
/// rate limits do not apply to WebSocket streams. The drop fault ends the TCP connection without a
/// WebSocket close handshake by ending the request (the frames sent are flushed first, then the
/// connection is closed), not by a reset: a reset could discard frames still buffered, and the
/// fault must deliver exactly N. The client sees the connection end prematurely either way.
/// </remarks>
internal sealed class ReplayWebSocketEndpoint(
    ReplayStreams streams,
    ReplayLiveBooks liveBooks,
    ReplayRequestLog log,
    TimeProvider time,
    double speed,
    bool loop,
    CancellationToken stopping)
{
    /// <summary>The path prefix of the streams.</summary>
    internal const string PathPrefix = "/ws/";

    /// <summary>The longest client message answered (longer ones are read and ignored), in bytes.</summary>
    private const int MaxRequestBytes = 64 * 1024;

    private enum Outcome
    {
        Ended,
        Dropped,
        Silent,
        Interrupted,
    }

    internal async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        if (!path.StartsWith(PathPrefix, StringComparison.Ordinal))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var arrived = time.GetUtcNow();
        var name = path[PathPrefix.Length..];
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        var connection = slash > 0 && slash < name.Length - 1 ? name[(slash + 1)..] : null;
        var source = ReplayStreams.Find(slash > 0 ? name[..slash] : name);
        var query = request.QueryString.HasValue ? request.QueryString.Value![1..] : "";
        var logged = 0;
        void Log(int status)
        {
            if (Interlocked.Exchange(ref logged, 1) == 0)
            {
                log.Add(new ReplayRequest(arrived, source?.Name, request.Method, path, query, status, 1, null));
            }
        }

        // As for REST: the entry is there before the client sees the answer (for 101, the upgrade).
        context.Response.OnStarting(() =>
        {
            Log(context.Response.StatusCode);
            return Task.CompletedTask;
        });
        try
        {
            await AnswerAsync(context, source, name, connection).ConfigureAwait(false);
        }
        finally
        {
            Log(context.Response.HasStarted ? context.Response.StatusCode : 0);
        }
    }

    private async Task AnswerAsync(HttpContext context, ReplayStreamSource? source, string name, string? connection)
    {
        if (source is null || !streams.Available.Contains(source))
        {
            var known = string.Join(", ", streams.Available.Select(s => s.Name));
            await Refuse(context, 404, source is null
                ? $"the replay venue has no WebSocket stream '{name}'; it serves {known}"
                : $"the recording of '{name}' is not in the data folder").ConfigureAwait(false);
            return;
        }

        if (!ReplayStreamSettings.TryParse(context.Request.Query, speed, loop, out var settings, out var error))
        {
            await Refuse(context, 400, error).ConfigureAwait(false);
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Refuse(context, 400, $"{PathPrefix}{name} is a WebSocket stream: connect with a WebSocket upgrade (GET, Upgrade: websocket)").ConfigureAwait(false);
            return;
        }

        ReplayStreamRecording recording;
        try
        {
            if (connection is null)
            {
                recording = streams.Recording(source);
            }
            else if (streams.Recording(source, connection) is { } selected)
            {
                recording = selected;
            }
            else
            {
                var paths = string.Join(", ", streams.Recording(source).Connections.Select(c => c.Url).Distinct(StringComparer.Ordinal));
                await Refuse(context, 404, $"no recorded connection of '{source.Name}' has a URL path ending in '/{connection}'; it has {paths}").ConfigureAwait(false);
                return;
            }
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or DllNotFoundException or IOException)
        {
            await Refuse(context, 500, $"the recording of '{name}' cannot be read: {ex.Message}").ConfigureAwait(false);
            return;
        }

        var books = liveBooks.Open(recording);
        var webSocket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        await ServeAsync(context, webSocket, recording, settings, books).ConfigureAwait(false);
    }

    private async Task ServeAsync(HttpContext context, WebSocket webSocket, ReplayStreamRecording recording, ReplayStreamSettings settings, ReplayConnectionBooks books)
    {
        var lifetime = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var clientClosed = CancellationTokenSource.CreateLinkedTokenSource(lifetime.Token);
        var writer = new Writer(webSocket, books);
        var receiving = ReceiveUntilCloseAsync(webSocket, writer, clientClosed, lifetime.Token);
        void Release()
        {
            clientClosed.Dispose();
            lifetime.Dispose();
            writer.Dispose();
            webSocket.Dispose();
        }

        Outcome outcome;
        try
        {
            outcome = await SendAsync(writer, recording, settings, clientClosed.Token, lifetime.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
            outcome = Outcome.Interrupted;
        }

        // No answer after the last recorded frame: what follows is the close, the drop or silence.
        await writer.StopAsync().ConfigureAwait(false);

        if (outcome == Outcome.Dropped)
        {
            // No close frame and no abort (an abort resets the connection, and frames still
            // buffered would be lost): the request ends, so the server sends what it holds and
            // closes the TCP connection; the receive loop then ends by itself and releases the rest.
            _ = receiving.ContinueWith(_ => Release(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return;
        }

        try
        {
            if (outcome == Outcome.Ended)
            {
                await CloseAsync(webSocket, "end of recording", lifetime.Token).ConfigureAwait(false);
            }

            // Wait for the client's close (the answer to ours, or its own), its disconnect or the
            // server's stop; a close from the client is answered with a close.
            await receiving.ConfigureAwait(false);
            if (webSocket.State == WebSocketState.CloseReceived)
            {
                await CloseAsync(webSocket, "closed by the client", lifetime.Token).ConfigureAwait(false);
            }
        }
        finally
        {
            Release();
        }
    }

    /// <summary>Sends the planned frames on the replay clock; stops early (Interrupted) once the client has sent a close.</summary>
    private async Task<Outcome> SendAsync(
        Writer writer,
        ReplayStreamRecording recording,
        ReplayStreamSettings settings,
        CancellationToken clientClosed,
        CancellationToken lifetime)
    {
        var start = time.GetTimestamp();
        var sent = 0;
        var previous = -1; // the recorded frame sent last: back at 0 from another, the recording starts again
        foreach (var planned in ReplayFramePlan.Plan(recording, settings))
        {
            if (sent == settings.DropAfter)
            {
                return Outcome.Dropped;
            }

            if (sent == settings.SilentAfter)
            {
                return Outcome.Silent;
            }

            if (planned.DueTicks > 0)
            {
                var wait = planned.DueTicks - time.GetElapsedTime(start).Ticks;
                if (wait > 0)
                {
                    // Task.Delay counts whole milliseconds (it truncates): round up, so a frame is
                    // never sent before its time. Due times are from the start, so this never adds up.
                    var milliseconds = (wait + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
                    await Task.Delay(TimeSpan.FromMilliseconds(milliseconds), time, clientClosed).ConfigureAwait(false);
                }
            }

            if (clientClosed.IsCancellationRequested)
            {
                return Outcome.Interrupted;
            }

            if (planned.Index == 0 && previous > 0)
            {
                writer.Restart();
            }

            previous = planned.Index;
            var recorded = recording.Payloads[planned.Index];
            var payload = planned.Corrupt ? ReplayFramePlan.Corrupt(recorded) : recorded;

            // Not cancelled by the client's close (a cancelled send aborts the socket, and the
            // close could not be answered); only by its disconnect or the server's stop.
            await writer.SendRecordedAsync(recording.Payloads, planned.ApplyFirst, planned.ApplyCount, payload, lifetime).ConfigureAwait(false);
            sent++;
        }

        return sent == settings.DropAfter ? Outcome.Dropped
            : sent == settings.SilentAfter ? Outcome.Silent
            : Outcome.Ended;
    }

    /// <summary>
    /// Reads client messages until the client's close frame (then cancels <paramref name="clientClosed"/>),
    /// its disconnect, or the server's stop; a book subscribe/unsubscribe of the stream's venue is answered
    /// (<see cref="ReplayConnectionBooks.Answer"/>), anything else (pings, other channels, messages over
    /// <see cref="MaxRequestBytes"/>) is ignored.
    /// </summary>
    private static async Task ReceiveUntilCloseAsync(WebSocket webSocket, Writer writer, CancellationTokenSource clientClosed, CancellationToken lifetime)
    {
        var buffer = new byte[4096];
        var message = new ArrayBufferWriter<byte>(4096);
        var tooLong = false;
        try
        {
            while (true)
            {
                var received = await webSocket.ReceiveAsync(buffer.AsMemory(), lifetime).ConfigureAwait(false);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                if (!writer.Answers)
                {
                    continue;
                }

                tooLong |= message.WrittenCount + received.Count > MaxRequestBytes;
                if (!tooLong)
                {
                    message.Write(buffer.AsSpan(0, received.Count));
                }

                if (received.EndOfMessage)
                {
                    if (!tooLong && received.MessageType == WebSocketMessageType.Text)
                    {
                        await writer.AnswerAsync(message.WrittenSpan.ToArray(), lifetime).ConfigureAwait(false);
                    }

                    message.ResetWrittenCount();
                    tooLong = false;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
            // Disconnected, aborted or stopping: nothing more to read.
        }
        finally
        {
            await clientClosed.CancelAsync().ConfigureAwait(false);
        }
    }

    private static async Task CloseAsync(WebSocket webSocket, string reason, CancellationToken lifetime)
    {
        if (webSocket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        try
        {
            await webSocket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, reason, lifetime).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
            // The client went away first.
        }
    }

    private static Task Refuse(HttpContext context, int status, string message)
        => ReplayHttp.Send(context, status, ReplayHttp.Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("message", message);
            w.WriteEndObject();
        }));

    /// <summary>
    /// The connection's one writer: recorded frames (applied to the books as they go) and answers to
    /// client messages (built from the books under the same gate), never interleaved.
    /// </summary>
    private sealed class Writer(WebSocket webSocket, ReplayConnectionBooks books) : IDisposable
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private bool _open = true;

        /// <summary>The recording starts again (looping): see <see cref="ReplayConnectionBooks.Restart"/>.</summary>
        internal void Restart() => books.Restart();

        /// <summary>Whether client messages can be answered on this stream (Kraken, OKX, Bybit v5, Kraken Futures).</summary>
        internal bool Answers => books.Answers;

        /// <summary>
        /// Applies <paramref name="applyCount"/> recorded frames from <paramref name="applyFirst"/> to the books (in the
        /// recording's order: see <see cref="PlannedFrame"/>), then sends <paramref name="payload"/> (a frame, corrupted or not).
        /// </summary>
        internal async Task SendRecordedAsync(IReadOnlyList<byte[]> recorded, int applyFirst, int applyCount, byte[] payload, CancellationToken lifetime)
        {
            await _gate.WaitAsync(lifetime).ConfigureAwait(false);
            try
            {
                // Applied first: once a client has the frame, the books (and REST depth) include it.
                for (var i = applyFirst; i < applyFirst + applyCount; i++)
                {
                    books.Apply(recorded[i]);
                }

                await webSocket.SendAsync(payload, WebSocketMessageType.Text, endOfMessage: true, lifetime).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }
        }

        /// <summary>Sends the answer to a client message, if any, unless the recorded frames have ended.</summary>
        internal async Task AnswerAsync(byte[] request, CancellationToken lifetime)
        {
            await _gate.WaitAsync(lifetime).ConfigureAwait(false);
            try
            {
                if (!_open)
                {
                    return;
                }

                foreach (var frame in books.Answer(request))
                {
                    await webSocket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, lifetime).ConfigureAwait(false);
                }
            }
            finally
            {
                _gate.Release();
            }
        }

        /// <summary>Ends answering: waits for an answer being sent, then sends no more.</summary>
        internal async Task StopAsync()
        {
            await _gate.WaitAsync().ConfigureAwait(false);
            _open = false;
            _gate.Release();
        }

        public void Dispose() => _gate.Dispose();
    }
}

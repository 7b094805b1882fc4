using System.Net.WebSockets;
using CryptoRun.Replay.Venues;
using Microsoft.AspNetCore.Http;

namespace CryptoRun.Replay.WebSockets;

/// <summary>
/// Serves <c>ws://127.0.0.1:PORT/ws/{stream}</c>: on connect, the stream's recorded frames as text
/// frames, byte-exact, in order, paced by their recorded gaps over the speed; then a close
/// (NormalClosure), or the recording again when looping. Client messages (subscriptions, pings) are
/// read and ignored. Faults come from the query (<see cref="ReplayStreamSettings"/>). Each
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
    ReplayRequestLog log,
    TimeProvider time,
    double speed,
    bool loop,
    CancellationToken stopping)
{
    /// <summary>The path prefix of the streams.</summary>
    internal const string PathPrefix = "/ws/";

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
        var source = ReplayStreams.Find(name);
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
            await AnswerAsync(context, source, name).ConfigureAwait(false);
        }
        finally
        {
            Log(context.Response.HasStarted ? context.Response.StatusCode : 0);
        }
    }

    private async Task AnswerAsync(HttpContext context, ReplayStreamSource? source, string name)
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
            recording = streams.Recording(source);
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or DllNotFoundException or IOException)
        {
            await Refuse(context, 500, $"the recording of '{name}' cannot be read: {ex.Message}").ConfigureAwait(false);
            return;
        }

        var webSocket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        await ServeAsync(context, webSocket, recording, settings).ConfigureAwait(false);
    }

    private async Task ServeAsync(HttpContext context, WebSocket webSocket, ReplayStreamRecording recording, ReplayStreamSettings settings)
    {
        var lifetime = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var clientClosed = CancellationTokenSource.CreateLinkedTokenSource(lifetime.Token);
        var receiving = ReceiveUntilCloseAsync(webSocket, clientClosed, lifetime.Token);
        void Release()
        {
            clientClosed.Dispose();
            lifetime.Dispose();
            webSocket.Dispose();
        }

        Outcome outcome;
        try
        {
            outcome = await SendAsync(webSocket, recording, settings, clientClosed.Token, lifetime.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
            outcome = Outcome.Interrupted;
        }

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
        WebSocket webSocket,
        ReplayStreamRecording recording,
        ReplayStreamSettings settings,
        CancellationToken clientClosed,
        CancellationToken lifetime)
    {
        var start = time.GetTimestamp();
        var sent = 0;
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

            var payload = recording.Payloads[planned.Index];
            if (planned.Corrupt)
            {
                payload = ReplayFramePlan.Corrupt(payload);
            }

            // Not cancelled by the client's close (a cancelled send aborts the socket, and the
            // close could not be answered); only by its disconnect or the server's stop.
            await webSocket.SendAsync(payload, WebSocketMessageType.Text, endOfMessage: true, lifetime).ConfigureAwait(false);
            sent++;
        }

        return sent == settings.DropAfter ? Outcome.Dropped
            : sent == settings.SilentAfter ? Outcome.Silent
            : Outcome.Ended;
    }

    /// <summary>
    /// Reads and ignores client messages (subscriptions, pings) until the client's close frame
    /// (then cancels <paramref name="clientClosed"/>), its disconnect, or the server's stop.
    /// </summary>
    private static async Task ReceiveUntilCloseAsync(WebSocket webSocket, CancellationTokenSource clientClosed, CancellationToken lifetime)
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var received = await webSocket.ReceiveAsync(buffer.AsMemory(), lifetime).ConfigureAwait(false);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return;
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
}

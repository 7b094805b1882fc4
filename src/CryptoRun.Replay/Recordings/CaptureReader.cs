using System.Globalization;

namespace CryptoRun.Replay.Recordings;

/// <summary>One HTTP response recorded in a capture file.</summary>
/// <param name="Url">The request URL.</param>
/// <param name="ReceivedAt">Local receive time, Unix seconds (fractional).</param>
/// <param name="Body">The response body, exactly as recorded.</param>
internal sealed record RecordedResponse(string Url, double ReceivedAt, string Body);

/// <summary>One WebSocket frame received in a capture file.</summary>
/// <param name="ReceivedAt">Local receive time, Unix seconds (fractional).</param>
/// <param name="Payload">The frame text exactly as received.</param>
/// <param name="Connection">
/// The connection it arrived on, in v2's naming (<c>KRAKEN.ws.48</c>: the v1 file name without its
/// rotation suffix); empty when unknown.
/// </param>
internal sealed record RecordedFrame(double ReceivedAt, string Payload, string Connection = "");

/// <summary>One message the recording client sent on a WebSocket connection (a subscription request).</summary>
/// <param name="SentAt">Local send time, Unix seconds (fractional).</param>
/// <param name="Payload">The message text exactly as sent.</param>
internal sealed record RecordedSend(double SentAt, string Payload);

/// <summary>One recorded WebSocket connection: where it connected and what the client sent on it.</summary>
/// <param name="Id">The connection id (<c>KRAKEN.ws.48</c>, <c>BYBIT.ws.2</c>).</param>
/// <param name="Url">The connect URL with its query (Binance: the combined-stream list).</param>
/// <param name="ConnectedAt">Local connect time, Unix seconds (fractional).</param>
/// <param name="Sends">The messages sent, in recorded order.</param>
internal sealed record RecordedConnection(string Id, string Url, double ConnectedAt, IReadOnlyList<RecordedSend> Sends);

/// <summary>Everything one capture file (v1) or one capture (v2) holds, each list in recorded order.</summary>
/// <param name="Responses">HTTP responses.</param>
/// <param name="Frames">Received WebSocket frames, each with its connection.</param>
/// <param name="Connections">WebSocket connections with their connect URL and sends, in the order their first record appears.</param>
internal sealed record Capture(
    IReadOnlyList<RecordedResponse> Responses,
    IReadOnlyList<RecordedFrame> Frames,
    IReadOnlyList<RecordedConnection> Connections);

/// <summary>
/// Reads cryptofeed's v1 raw-capture text format (<c>ws-captures/v1</c>, see its <c>FORMAT.md</c>):
/// <c>URL -&gt; TS: BODY</c> for HTTP responses, <c>URL &lt;-&gt; TS</c> for connects,
/// <c>URL &lt;- TS: PAYLOAD</c> for sends, <c>TS: PAYLOAD</c> for received frames and a
/// <c>configuration:</c> line; tested in that order.
/// </summary>
internal static class CaptureReader
{
    /// <summary>The HTTP responses and received frames of one capture file.</summary>
    /// <exception cref="FormatException">A line matches no record form; the message names file and line.</exception>
    internal static (List<RecordedResponse> Responses, List<RecordedFrame> Frames) Read(string path)
    {
        var capture = ReadCapture(path);
        return ([.. capture.Responses], [.. capture.Frames]);
    }

    /// <summary>Everything one capture file holds: HTTP responses, received frames, and the file's WebSocket connection (connect URL and sends).</summary>
    /// <exception cref="FormatException">A line matches no record form; the message names file and line.</exception>
    internal static Capture ReadCapture(string path)
    {
        var id = ConnectionId(Path.GetFileName(path));
        var responses = new List<RecordedResponse>();
        var frames = new List<RecordedFrame>();
        var sends = new List<RecordedSend>();
        (string Url, double At)? connect = null;
        string? sendUrl = null;
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (line.Length == 0 || line.StartsWith("configuration: ", StringComparison.Ordinal))
            {
                continue;
            }

            var arrow = line.IndexOf(" -> ", StringComparison.Ordinal);
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            var connectArrow = line.IndexOf(" <-> ", StringComparison.Ordinal);
            if (arrow > 0 && (colon < 0 || arrow < colon) && connectArrow < 0)
            {
                var rest = line[(arrow + 4)..];
                var split = rest.IndexOf(": ", StringComparison.Ordinal);
                if (split < 0)
                {
                    throw new FormatException($"{path}:{number}: HTTP record without ': ' after its time");
                }

                responses.Add(new RecordedResponse(line[..arrow], Time(path, number, rest[..split]), rest[(split + 2)..]));
            }
            else if (connectArrow >= 0)
            {
                connect ??= (line[..connectArrow], Time(path, number, line[(connectArrow + 5)..]));
            }
            else if (line.IndexOf(" <- ", StringComparison.Ordinal) is var sendArrow and >= 0)
            {
                var rest = line[(sendArrow + 4)..];
                var split = rest.IndexOf(": ", StringComparison.Ordinal);
                if (split < 0)
                {
                    throw new FormatException($"{path}:{number}: send record without ': ' after its time");
                }

                sendUrl ??= line[..sendArrow];
                sends.Add(new RecordedSend(Time(path, number, rest[..split]), rest[(split + 2)..]));
            }
            else if (colon > 0)
            {
                frames.Add(new RecordedFrame(Time(path, number, line[..colon]), line[(colon + 2)..], id));
            }
            else
            {
                throw new FormatException($"{path}:{number}: not a capture record");
            }
        }

        List<RecordedConnection> connections = [];
        if (connect is not null || sends.Count > 0 || (frames.Count > 0 && id.Contains(".ws.", StringComparison.Ordinal)))
        {
            connections.Add(new RecordedConnection(id, connect?.Url ?? sendUrl ?? "", connect?.At ?? frames.FirstOrDefault()?.ReceivedAt ?? 0, sends));
        }

        return new Capture(responses, frames, connections);
    }

    /// <summary>
    /// The connection id of a v1 capture file, as v2 names it: the file name without its rotation
    /// suffix (<c>KRAKEN.ws.48.0</c> is <c>KRAKEN.ws.48</c>, <c>BINANCE.http.0.0</c> is
    /// <c>BINANCE.http.0</c>), and <c>EXCHANGE.http.sync</c> for <c>EXCHANGE.0</c>.
    /// </summary>
    internal static string ConnectionId(string fileName)
    {
        var parts = fileName.Split('.');
        if (parts.Length == 2)
        {
            return parts[0] + ".http.sync";
        }

        return parts.Length > 2 && int.TryParse(parts[^1], NumberStyles.None, CultureInfo.InvariantCulture, out _)
            ? string.Join('.', parts[..^1])
            : fileName;
    }

    private static double Time(string path, int number, string text)
        => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"{path}:{number}: '{text}' is not a capture time");
}

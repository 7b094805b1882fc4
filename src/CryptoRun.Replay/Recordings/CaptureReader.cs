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
internal sealed record RecordedFrame(double ReceivedAt, string Payload);

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
        var responses = new List<RecordedResponse>();
        var frames = new List<RecordedFrame>();
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
            if (arrow > 0 && (colon < 0 || arrow < colon) && !line.Contains(" <-> ", StringComparison.Ordinal))
            {
                var rest = line[(arrow + 4)..];
                var split = rest.IndexOf(": ", StringComparison.Ordinal);
                if (split < 0)
                {
                    throw new FormatException($"{path}:{number}: HTTP record without ': ' after its time");
                }

                responses.Add(new RecordedResponse(line[..arrow], Time(path, number, rest[..split]), rest[(split + 2)..]));
            }
            else if (line.Contains(" <-> ", StringComparison.Ordinal) || line.Contains(" <- ", StringComparison.Ordinal))
            {
                continue;
            }
            else if (colon > 0)
            {
                frames.Add(new RecordedFrame(Time(path, number, line[..colon]), line[(colon + 2)..]));
            }
            else
            {
                throw new FormatException($"{path}:{number}: not a capture record");
            }
        }

        return (responses, frames);
    }

    private static double Time(string path, int number, string text)
        => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"{path}:{number}: '{text}' is not a capture time");
}

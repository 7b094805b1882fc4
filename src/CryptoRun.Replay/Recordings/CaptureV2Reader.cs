using System.Text.Json;

namespace CryptoRun.Replay.Recordings;

/// <summary>
/// Reads cryptofeed's v2 captures (<c>ws-captures/v2/EXCHANGE.jsonl.zst</c>, see its <c>FORMAT.md</c>):
/// zstd-compressed JSON lines, a <c>header</c> line (<c>format</c> 2) then one record per line with
/// <c>t</c> = <c>http</c> (<c>conn</c>, <c>ts</c>, <c>url</c>, <c>data</c>), <c>connect</c>
/// (<c>conn</c>, <c>ts</c>, <c>addr</c>), <c>send</c> (<c>conn</c>, <c>ts</c>, <c>addr</c>,
/// <c>data</c>) or <c>recv</c> (<c>conn</c>, <c>ts</c>, <c>data</c>: the raw frame text).
/// </summary>
/// <remarks>Records of another <c>t</c> and fields not listed are ignored (a newer writer may add them).</remarks>
internal static class CaptureV2Reader
{
    /// <summary>Everything one v2 capture holds, each list in recorded order.</summary>
    /// <exception cref="FormatException">A line is not a JSON record of the documented shape, the header is missing or not format 2, or a frame is binary (<c>b64</c>); the message names file and line.</exception>
    /// <exception cref="InvalidDataException">The file is not valid Zstandard data.</exception>
    /// <exception cref="DllNotFoundException">No libzstd can be loaded.</exception>
    internal static Capture Read(string path) => Parse(Zstd.DecompressFile(path), path);

    /// <summary>Parses decompressed v2 JSON lines; <paramref name="path"/> names the source in errors.</summary>
    /// <exception cref="FormatException">As <see cref="Read"/>.</exception>
    internal static Capture Parse(ReadOnlyMemory<byte> lines, string path)
    {
        var responses = new List<RecordedResponse>();
        var frames = new List<RecordedFrame>();
        var connections = new List<(string Id, string? Url, double? At, List<RecordedSend> Sends)>();
        int Connection(string id)
        {
            var index = connections.FindIndex(c => c.Id == id);
            if (index < 0)
            {
                connections.Add((id, null, null, []));
                index = connections.Count - 1;
            }

            return index;
        }

        var number = 0;
        var rest = lines;
        while (!rest.IsEmpty)
        {
            number++;
            var end = rest.Span.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? ReadOnlyMemory<byte>.Empty : rest[(end + 1)..];
            if (line.Span.Trim((byte)'\r').IsEmpty)
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(line);
                var record = document.RootElement;
                var kind = Text(record, "t");
                if (number == 1)
                {
                    if (kind != "header" || !record.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.Number || format.GetInt32() != 2)
                    {
                        throw new FormatException("not a v2 capture: the first line must be a header with \"format\":2");
                    }

                    continue;
                }

                switch (kind)
                {
                    case "http":
                        responses.Add(new RecordedResponse(Text(record, "url"), Number(record, "ts"), Text(record, "data")));
                        break;

                    case "connect":
                        {
                            var index = Connection(Text(record, "conn"));
                            var c = connections[index];
                            connections[index] = (c.Id, c.Url ?? Text(record, "addr"), c.At ?? Number(record, "ts"), c.Sends);
                            break;
                        }

                    case "send":
                        {
                            var index = Connection(Text(record, "conn"));
                            var c = connections[index];
                            c.Sends.Add(new RecordedSend(Number(record, "ts"), Text(record, "data")));
                            connections[index] = (c.Id, c.Url ?? Text(record, "addr"), c.At, c.Sends);
                            break;
                        }

                    case "recv":
                        if (!record.TryGetProperty("data", out _) && record.TryGetProperty("b64", out _))
                        {
                            throw new FormatException("a binary (b64) frame: only text frames are read");
                        }

                        var conn = Text(record, "conn");
                        Connection(conn);
                        frames.Add(new RecordedFrame(Number(record, "ts"), Text(record, "data"), conn));
                        break;
                }
            }
            catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
            {
                throw new FormatException($"{path}:{number}: {ex.Message}", ex);
            }
        }

        if (number == 0)
        {
            throw new FormatException($"{path}: empty, not a v2 capture");
        }

        var recorded = connections
            .Where(c => c.Id.Contains(".ws.", StringComparison.Ordinal) || c.Url is not null)
            .Select(c => new RecordedConnection(c.Id, c.Url ?? "", c.At ?? frames.FirstOrDefault(f => f.Connection == c.Id)?.ReceivedAt ?? 0, c.Sends))
            .ToList();
        return new Capture(responses, frames, recorded);
    }

    private static string Text(JsonElement record, string name)
        => record.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new FormatException($"'{name}' is missing or not a string");

    private static double Number(JsonElement record, string name)
        => record.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : throw new FormatException($"'{name}' is missing or not a number");
}

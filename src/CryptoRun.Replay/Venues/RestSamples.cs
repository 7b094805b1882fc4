using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace CryptoRun.Replay.Venues;

/// <summary>One recorded REST answer from <c>rest-samples</c>: the request body that produced it (when its cassette has one) and the response body.</summary>
/// <param name="File">The response file's name.</param>
/// <param name="Request">The recorded request body, parsed; null when the cassette is missing or the request had no body.</param>
/// <param name="Body">The response body exactly as recorded.</param>
internal sealed record RestSample(string File, JsonElement? Request, byte[] Body);

/// <summary>
/// Reads <c>rest-samples/VENUE</c> in the recorded-data folder: <c>*.response.json</c> bodies, each named
/// <c>CASSETTE.INDEX.TYPE.response.json</c>, paired with the request body of interaction <c>INDEX</c> in
/// <c>CASSETTE.cassette.yaml</c> (vcrpy format) when that file exists.
/// </summary>
internal static class RestSamples
{
    /// <summary>The venue's rest-samples folder, or null when the data root or the folder is missing (the replay then serves nothing from it).</summary>
    /// <param name="dataRoot"><see cref="ReplayOptions.DataRoot"/>, or null for <see cref="RecordedData.Root"/> when it exists.</param>
    /// <param name="venue">The folder name, for example <c>hyperliquid</c>.</param>
    internal static string? Folder(string? dataRoot, string venue)
    {
        string root;
        if (dataRoot is not null)
        {
            root = dataRoot;
        }
        else
        {
            try
            {
                root = RecordedData.Root();
            }
            catch (DirectoryNotFoundException)
            {
                return null;
            }
        }

        var folder = Path.Combine(root, "rest-samples", venue);
        return Directory.Exists(folder) ? folder : null;
    }

    /// <summary>Every recorded answer in the folder, in file-name order; none when the folder is null.</summary>
    internal static List<RestSample> Read(string? folder)
    {
        var samples = new List<RestSample>();
        if (folder is null)
        {
            return samples;
        }

        foreach (var path in Directory.GetFiles(folder, "*.response.json").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            var parts = name[..^".response.json".Length].Split('.');
            JsonElement? request = null;
            if (parts.Length >= 3 && int.TryParse(parts[^2], out var index))
            {
                var cassette = Path.Combine(folder, string.Join('.', parts[..^2]) + ".cassette.yaml");
                if (File.Exists(cassette) && RequestBodies(cassette).ElementAtOrDefault(index) is { } body)
                {
                    using var document = JsonDocument.Parse(body);
                    request = document.RootElement.Clone();
                }
            }

            samples.Add(new RestSample(name, request, File.ReadAllBytes(path)));
        }

        return samples;
    }

    /// <summary>
    /// The request bodies of a vcrpy cassette, in interaction order: each <c>body: '...'</c> under <c>- request:</c>,
    /// a YAML single-quoted scalar that may fold over several lines (a line break reads as one space, <c>''</c> as <c>'</c>).
    /// </summary>
    internal static List<string?> RequestBodies(string cassettePath)
    {
        var bodies = new List<string?>();
        var lines = File.ReadAllLines(cassettePath);
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].TrimStart() != "- request:")
            {
                continue;
            }

            string? body = null;
            for (var j = i + 1; j < lines.Length && !lines[j].TrimStart().StartsWith("- ", StringComparison.Ordinal) && lines[j].StartsWith("    ", StringComparison.Ordinal); j++)
            {
                var line = lines[j].Trim();
                if (!line.StartsWith("body: '", StringComparison.Ordinal))
                {
                    continue;
                }

                var text = new StringBuilder(line["body: '".Length..]);
                while (!EndsQuoted(text) && j + 1 < lines.Length)
                {
                    text.Append(' ').Append(lines[++j].Trim());
                }

                body = text.ToString(0, text.Length - 1).Replace("''", "'", StringComparison.Ordinal);
                break;
            }

            bodies.Add(body);
        }

        return bodies;
    }

    /// <summary>Sends the replay's answer for a request nothing was recorded for (the same shape as its unknown-endpoint answer).</summary>
    internal static Task NotRecorded(HttpContext context, string what)
        => ReplayHttp.Send(context, 404, ReplayHttp.Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("message", $"the replay venue has no recording for {context.Request.Method} {context.Request.Path} {what}");
            w.WriteEndObject();
        }));

    /// <summary>Sends a plain-text answer (the error bodies of venues built on axum, such as Hyperliquid's <c>/info</c>).</summary>
    internal static Task SendText(HttpContext context, int status, string text)
    {
        var body = Encoding.UTF8.GetBytes(text);
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    private static bool EndsQuoted(StringBuilder text)
    {
        // A closing quote is a ' not doubled: count the run of trailing quotes.
        var run = 0;
        for (var k = text.Length - 1; k >= 0 && text[k] == '\''; k--)
        {
            run++;
        }

        return run % 2 == 1;
    }
}

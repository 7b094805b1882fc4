using System.Buffers;
using System.Globalization;
using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Replay.Recordings;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CryptoRun.Replay.Venues;

/// <summary>What one venue's replay is built from: its clock, its candle series and its recorded captures.</summary>
/// <param name="Name">The venue name.</param>
/// <param name="Time">The venue's clock.</param>
/// <param name="Series">Candle series to serve.</param>
/// <param name="Responses">Recorded HTTP responses of the venue (market metadata, REST book snapshots).</param>
/// <param name="Frames">Recorded WebSocket frames of the venue (trades, book snapshots, tickers).</param>
/// <param name="EnforceLimits">Whether the venue refuses requests over its rate limits (<see cref="ReplayOptions.EnforceLimits"/>).</param>
internal sealed record ReplayVenueContext(
    string Name,
    TimeProvider Time,
    IReadOnlyList<ReplaySeries> Series,
    IReadOnlyList<RecordedResponse> Responses,
    IReadOnlyList<RecordedFrame> Frames,
    bool EnforceLimits = true)
{
    /// <summary>The venue's current time, epoch milliseconds.</summary>
    internal long NowMs => Time.GetUtcNow().ToUnixTimeMilliseconds();
}

/// <summary>One venue served by the replay server: its REST routes, in the venue's own formats and behaviour.</summary>
internal interface IReplayVenue
{
    /// <summary>The venue name.</summary>
    string Name { get; }

    /// <summary>The instruments it holds data for (candle series, recorded books, recorded trades).</summary>
    IReadOnlyList<Instrument> Instruments { get; }

    /// <summary>Things a user should know at start-up (fields a file lacks that the venue format needs).</summary>
    IReadOnlyList<string> Notices { get; }

    /// <summary>Maps the venue's routes.</summary>
    void Map(IEndpointRouteBuilder routes);

    /// <summary>The request's weight against the venue's limit: Binance's endpoint weight, 1 for the other venues.</summary>
    int WeightOf(HttpRequest request) => 1;

    /// <summary>
    /// Applies the venue's rate limits to a request for one of its endpoints. When refused, the
    /// venue's refusal (status, headers, body) has been written and false is returned.
    /// </summary>
    ValueTask<bool> AdmitAsync(HttpContext context, int weight);

    /// <summary>Answers with <paramref name="status"/> and a body in the venue's own error shape (a status fault without a body of its own).</summary>
    /// <param name="context">The request.</param>
    /// <param name="status">The HTTP status.</param>
    /// <param name="retryAfterSeconds">The <c>Retry-After</c> header to send, or null for none.</param>
    Task SendErrorAsync(HttpContext context, int status, int? retryAfterSeconds);
}

/// <summary>Writing venue JSON and HTTP answers.</summary>
internal static class ReplayHttp
{
    /// <summary>Builds a JSON body with <paramref name="write"/>.</summary>
    internal static byte[] Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = false }))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Sends a JSON body with a status and optional headers.</summary>
    internal static Task Send(HttpContext context, int status, byte[] body, params (string Name, string Value)[] headers)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json;charset=UTF-8";
        foreach (var (name, value) in headers)
        {
            context.Response.Headers[name] = value;
        }

        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    /// <summary>A <c>Retry-After</c> header (whole seconds), or none.</summary>
    internal static (string Name, string Value)[] RetryAfter(int? seconds)
        => seconds is { } s ? [("Retry-After", s.ToString(CultureInfo.InvariantCulture))] : [];

    /// <summary>Writes a decimal as a JSON string with its exact digits.</summary>
    internal static void Text(this Utf8JsonWriter writer, decimal value) => writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));

    /// <summary>Writes a decimal as a JSON number with its exact digits.</summary>
    internal static void Number(this Utf8JsonWriter writer, decimal value) => writer.WriteRawValue(value.ToString(CultureInfo.InvariantCulture), skipInputValidation: true);

    /// <summary>A query parameter, or null when absent or empty.</summary>
    internal static string? Query(this HttpContext context, string name)
    {
        var value = context.Request.Query[name].ToString();
        return value.Length == 0 ? null : value;
    }

    /// <summary>Parses an optional integer parameter; false when present but not an integer.</summary>
    internal static bool TryLong(string? text, out long? value)
    {
        value = null;
        if (text is null)
        {
            return true;
        }

        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
        {
            value = parsed;
            return true;
        }

        return false;
    }
}

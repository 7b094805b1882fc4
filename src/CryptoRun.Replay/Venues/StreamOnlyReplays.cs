using System.Text;
using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Replay.Recordings;
using CryptoRun.Replay.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CryptoRun.Replay.Venues;

/// <summary>
/// Bybit's market metadata as recorded (the venue has no REST connector here; its streams need the metadata):
/// v5 <c>GET /v5/market/instruments-info?category=linear|spot</c> from the v2 capture's <c>BYBIT.http.1</c> records
/// (2026-08-09) and the retired v2 <c>GET /v2/public/symbols</c> from the v1 <c>BYBIT.0</c> (2021-04-17), each body as
/// recorded. A <c>symbol</c> parameter keeps that instrument only. Errors in Bybit's v5 shape
/// <c>{"retCode":N,"retMsg":"...","result":{},"time":ms}</c>; every request is admitted.
/// </summary>
internal sealed class BybitReplay(ReplayVenueContext context) : IReplayVenue
{
    private readonly Dictionary<string, string> _v5 = Latest(context.Responses, "/v5/market/instruments-info", "category");
    private readonly RecordedResponse? _v2 = context.Responses.LastOrDefault(r => r.Url.Contains("/v2/public/symbols", StringComparison.Ordinal));

    public string Name => "bybit";

    public IReadOnlyList<Instrument> Instruments => [];

    public IReadOnlyList<string> Notices => [];

    public ValueTask<bool> AdmitAsync(HttpContext context, int weight) => ValueTask.FromResult(true);

    public Task SendErrorAsync(HttpContext context, int status, int? retryAfterSeconds)
        => ReplayHttp.Send(context, status, Error(context, status == 429 ? 10006 : 10016, status == 429 ? "Too many visits!" : "Server error"), ReplayHttp.RetryAfter(retryAfterSeconds));

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v5/market/instruments-info", InstrumentsInfo);
        routes.MapGet("/v2/public/symbols", http => _v2 is null
            ? RestSamples.NotRecorded(http, "(BYBIT.0 is not in the data folder)")
            : ReplayHttp.Send(http, 200, Encoding.UTF8.GetBytes(_v2.Body)));
    }

    /// <summary>The latest recorded body of each value of <paramref name="parameter"/> among responses to <paramref name="path"/>.</summary>
    internal static Dictionary<string, string> Latest(IReadOnlyList<RecordedResponse> responses, string path, string parameter)
    {
        var bodies = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var response in responses.Where(r => r.Url.Contains(path, StringComparison.Ordinal)).OrderBy(r => r.ReceivedAt))
        {
            var query = Uri.TryCreate(response.Url, UriKind.Absolute, out var url) ? url.Query.TrimStart('?') : "";
            foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                if (pair.StartsWith(parameter + "=", StringComparison.Ordinal))
                {
                    bodies[pair[(parameter.Length + 1)..]] = response.Body;
                }
            }
        }

        return bodies;
    }

    private Task InstrumentsInfo(HttpContext http)
    {
        var category = http.Query("category");
        if (category is null)
        {
            return ReplayHttp.Send(http, 200, Error(http, 10001, "params error: Category is invalid"));
        }

        if (!_v5.TryGetValue(category, out var body))
        {
            return RestSamples.NotRecorded(http, $"category={category} (recorded: {string.Join(", ", _v5.Keys)})");
        }

        if (http.Query("symbol") is not { } symbol)
        {
            return ReplayHttp.Send(http, 200, Encoding.UTF8.GetBytes(body));
        }

        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        return ReplayHttp.Send(http, 200, ReplayHttp.Json(w =>
        {
            w.WriteStartObject();
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name != "result" || property.Value.ValueKind != JsonValueKind.Object)
                {
                    property.WriteTo(w);
                    continue;
                }

                w.WriteStartObject("result");
                foreach (var field in property.Value.EnumerateObject())
                {
                    if (field.Name != "list" || field.Value.ValueKind != JsonValueKind.Array)
                    {
                        field.WriteTo(w);
                        continue;
                    }

                    w.WriteStartArray("list");
                    foreach (var item in field.Value.EnumerateArray().Where(i => i.TryGetProperty("symbol", out var s) && s.ValueEquals(symbol)))
                    {
                        item.WriteTo(w);
                    }

                    w.WriteEndArray();
                }

                w.WriteEndObject();
            }

            w.WriteEndObject();
        }));
    }

    private byte[] Error(HttpContext http, int code, string message) => ReplayHttp.Json(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("retCode", code);
        w.WriteString("retMsg", message);
        w.WriteStartObject("result");
        w.WriteEndObject();
        w.WriteNumber("time", context.NowMs);
        w.WriteEndObject();
    });
}

/// <summary>
/// Kraken Futures' market metadata as recorded: <c>GET /derivatives/api/v3/instruments</c> from <c>KRAKEN_FUTURES.0</c>
/// (2021-07-22), as recorded. Errors in its shape <c>{"result":"error","error":"...","serverTime":"ISO"}</c>; every
/// request is admitted.
/// </summary>
internal sealed class KrakenFuturesReplay(ReplayVenueContext context) : IReplayVenue
{
    private readonly RecordedResponse? _instruments = context.Responses.LastOrDefault(r => r.Url.EndsWith("/derivatives/api/v3/instruments", StringComparison.Ordinal));

    public string Name => "kraken-futures";

    public IReadOnlyList<Instrument> Instruments => [];

    public IReadOnlyList<string> Notices => [];

    public ValueTask<bool> AdmitAsync(HttpContext context, int weight) => ValueTask.FromResult(true);

    public Task SendErrorAsync(HttpContext http, int status, int? retryAfterSeconds)
        => ReplayHttp.Send(http, status, ReplayHttp.Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("result", "error");
            w.WriteString("error", status == 429 ? "apiLimitExceeded" : "Unavailable");
            w.WriteString("serverTime", context.Time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteEndObject();
        }), ReplayHttp.RetryAfter(retryAfterSeconds));

    public void Map(IEndpointRouteBuilder routes)
        => routes.MapGet("/derivatives/api/v3/instruments", http => _instruments is null
            ? RestSamples.NotRecorded(http, "(KRAKEN_FUTURES.0 is not in the data folder)")
            : ReplayHttp.Send(http, 200, Encoding.UTF8.GetBytes(_instruments.Body)));
}

/// <summary>
/// Bitstamp as recorded: <c>GET /api/v2/trading-pairs-info/</c> from <c>BITSTAMP.0</c> and <c>GET /api/v2/order_book/{pair}/</c>:
/// the book of the most recently opened <c>/ws/bitstamp</c> connection as its sent <c>diff_order_book_{pair}</c> frames
/// left it, with the last applied diff's <c>microtimestamp</c> (so a client's diffs after it follow on, as against the
/// venue); before that connection has applied a diff past the recorded snapshot (or with none open), the recorded
/// snapshot of <c>BITSTAMP.http.0.0</c> (2022-01-05). Errors in Bitstamp's shape <c>{"status":"error","reason":"...","code":"..."}</c>.
/// </summary>
internal sealed class BitstampReplay : IReplayVenue
{
    private const string Stream = "bitstamp";
    private readonly RecordedResponse? _pairs;
    private readonly Dictionary<string, string> _books = new(StringComparer.Ordinal);
    private readonly ReplayLiveBooks? _liveBooks;

    internal BitstampReplay(ReplayVenueContext context, ReplayLiveBooks? liveBooks)
    {
        _liveBooks = liveBooks;
        _pairs = context.Responses.LastOrDefault(r => r.Url.Contains("/api/v2/trading-pairs-info", StringComparison.Ordinal));
        const string marker = "/api/v2/order_book/";
        foreach (var response in context.Responses.Where(r => r.Url.Contains(marker, StringComparison.Ordinal)).OrderBy(r => r.ReceivedAt))
        {
            var pair = response.Url[(response.Url.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..].Trim('/');
            _books[pair] = response.Body;
        }

        liveBooks?.SetRecordedDepth(Stream, _books);
    }

    public string Name => "bitstamp";

    public IReadOnlyList<Instrument> Instruments => [];

    public IReadOnlyList<string> Notices => [];

    public ValueTask<bool> AdmitAsync(HttpContext context, int weight) => ValueTask.FromResult(true);

    public Task SendErrorAsync(HttpContext context, int status, int? retryAfterSeconds)
        => ReplayHttp.Send(context, status, Error(status == 429 ? "Too many requests" : "Server error", status.ToString(System.Globalization.CultureInfo.InvariantCulture)), ReplayHttp.RetryAfter(retryAfterSeconds));

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v2/trading-pairs-info", http => _pairs is null
            ? RestSamples.NotRecorded(http, "(BITSTAMP.0 is not in the data folder)")
            : ReplayHttp.Send(http, 200, Encoding.UTF8.GetBytes(_pairs.Body)));
        routes.MapGet("/api/v2/order_book/{pair}", OrderBook);
    }

    private Task OrderBook(HttpContext http)
    {
        var pair = (http.Request.RouteValues["pair"] as string ?? "").ToLowerInvariant();
        if (_liveBooks is not null && _liveBooks.TryOrderBook(Stream, pair, out var live))
        {
            return ReplayHttp.Send(http, 200, live);
        }

        return _books.TryGetValue(pair, out var recorded)
            ? ReplayHttp.Send(http, 200, Encoding.UTF8.GetBytes(recorded))
            : ReplayHttp.Send(http, 404, Error($"the replay has no recorded order book of '{pair}' (recorded: {string.Join(", ", _books.Keys)})", "API0003"));
    }

    private static byte[] Error(string reason, string code) => ReplayHttp.Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("status", "error");
        w.WriteString("reason", reason);
        w.WriteString("code", code);
        w.WriteEndObject();
    });
}

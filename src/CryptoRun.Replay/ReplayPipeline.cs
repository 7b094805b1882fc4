using System.Text;
using CryptoRun.Replay.Venues;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace CryptoRun.Replay;

/// <summary>Marks the replay's catch-all 404 endpoint: a path no venue serves, never counted against a venue's limits.</summary>
internal sealed class ReplayFallbackEndpoint
{
    internal static readonly ReplayFallbackEndpoint Instance = new();
}

/// <summary>
/// What every request goes through, after routing has matched it and before any venue code runs:
/// faults first (the first rule that applies wins), then the venue's rate limits (only for its own
/// endpoints), then the venue's handler; and last the request log.
/// </summary>
/// <remarks>
/// A fault that answers in the venue's place (status, timeout, reset) is not counted against the
/// venue's limits: the venue never saw the request. A latency fault delays the request, which is
/// then served (and counted) normally; a malformed fault is served and counted normally, and only
/// its body is spoiled on the way out.
/// </remarks>
internal sealed class ReplayPipeline(
    IReadOnlyDictionary<string, IReplayVenue> venues,
    FaultInjector? faults,
    ReplayRequestLog log,
    TimeProvider time,
    CancellationToken stopping)
{
    private static readonly byte[] NotJson = Encoding.UTF8.GetBytes("<html><body><h1>upstream sent an invalid response</h1></body></html>");

    internal async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var arrived = time.GetUtcNow();
        var path = request.Path.Value ?? "/";
        var venueName = ReplayVenuePaths.VenueOf(path);
        var venue = venueName is null ? null : venues.GetValueOrDefault(venueName);
        var weight = venue?.WeightOf(request) ?? 1;
        var rule = faults?.Match(venueName, request.Method, path, arrived);
        var query = request.QueryString.HasValue ? request.QueryString.Value![1..] : "";
        var logged = 0;
        void Log(int status)
        {
            if (Interlocked.Exchange(ref logged, 1) == 0)
            {
                log.Add(new ReplayRequest(arrived, venueName, request.Method, path, query, status, weight, rule?.Name));
            }
        }

        // Logged as the answer starts, before the client can see any of it: whoever reads
        // ReplayServer.Requests after an answer arrived finds its entry there.
        context.Response.OnStarting(() =>
        {
            Log(context.Response.StatusCode);
            return Task.CompletedTask;
        });

        switch (rule?.Kind)
        {
            case ReplayFaultKind.Status:
                await SendStatusAsync(context, venue, rule).ConfigureAwait(false);
                return;

            case ReplayFaultKind.Reset:
                Log(0);
                context.Abort();
                return;

            case ReplayFaultKind.Timeout:
                Log(0);
                await WaitAsync(Timeout.InfiniteTimeSpan, context).ConfigureAwait(false);
                context.Abort();
                return;

            case ReplayFaultKind.Latency:
                if (!await WaitAsync(rule.Latency, context).ConfigureAwait(false))
                {
                    Log(0);
                    context.Abort();
                    return;
                }

                break;
        }

        try
        {
            if (rule is { Kind: ReplayFaultKind.Malformed })
            {
                await ServeMalformedAsync(context, next, venue, weight, rule.Malformed).ConfigureAwait(false);
            }
            else
            {
                await ServeAsync(context, next, venue, weight).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            Log(0);
            return;
        }
        finally
        {
            Log(context.Response.StatusCode); // an answer that never started (none so far): still one entry
        }
    }

    /// <summary>The venue's limits for its own endpoints, then the endpoint.</summary>
    private static async Task ServeAsync(HttpContext context, RequestDelegate next, IReplayVenue? venue, int weight)
    {
        var endpoint = context.GetEndpoint();
        var own = endpoint is not null && endpoint.Metadata.GetMetadata<ReplayFallbackEndpoint>() is null;
        if (venue is not null && own && !await venue.AdmitAsync(context, weight).ConfigureAwait(false))
        {
            return;
        }

        await next(context).ConfigureAwait(false);
    }

    private static async Task ServeMalformedAsync(HttpContext context, RequestDelegate next, IReplayVenue? venue, int weight, ReplayMalformedKind kind)
    {
        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await ServeAsync(context, next, venue, weight).ConfigureAwait(false);
        }
        finally
        {
            context.Response.Body = original;
        }

        var real = buffer.ToArray();
        var spoiled = kind == ReplayMalformedKind.Truncated ? real[..(real.Length / 2)] : NotJson;
        context.Response.ContentLength = spoiled.Length;
        await original.WriteAsync(spoiled, context.RequestAborted).ConfigureAwait(false);
    }

    private static Task SendStatusAsync(HttpContext context, IReplayVenue? venue, ReplayFaultRule rule)
    {
        if (rule.Body is not null)
        {
            return ReplayHttp.Send(context, rule.Status, Encoding.UTF8.GetBytes(rule.Body), ReplayHttp.RetryAfter(rule.RetryAfterSeconds));
        }

        if (venue is not null)
        {
            return venue.SendErrorAsync(context, rule.Status, rule.RetryAfterSeconds);
        }

        return ReplayHttp.Send(context, rule.Status, ReplayHttp.Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("message", ReasonPhrases.GetReasonPhrase(rule.Status));
            w.WriteEndObject();
        }), ReplayHttp.RetryAfter(rule.RetryAfterSeconds));
    }

    /// <summary>Waits on the replay clock until <paramref name="delay"/> passes (true), or the client gives up or the server stops (false).</summary>
    private async Task<bool> WaitAsync(TimeSpan delay, HttpContext context)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        try
        {
            await Task.Delay(delay, time, either.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}

using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CryptoRun.Tests.TestSupport;

/// <summary>
/// A real HTTP server on 127.0.0.1 answering fixed responses by path: a venue that misbehaves on
/// purpose (malformed JSON, refusals), for the cases the replay venue serves faithfully. It counts and
/// keeps every request it receives, answered or not.
/// </summary>
internal sealed class StubVenue : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<StubRequest> _requests;

    private StubVenue(WebApplication app, Uri address, ConcurrentQueue<StubRequest> requests)
    {
        _app = app;
        BaseAddress = address;
        _requests = requests;
    }

    public Uri BaseAddress { get; }

    /// <summary>How many requests reached the stub.</summary>
    public int RequestCount => _requests.Count;

    /// <summary>Every request received, in arrival order.</summary>
    public IReadOnlyList<StubRequest> Requests => _requests.ToArray();

    public static async Task<StubVenue> StartAsync(IReadOnlyDictionary<string, (int Status, byte[] Body, (string, string)[] Headers)> routes)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var requests = new ConcurrentQueue<StubRequest>();
        app.Run(async context =>
        {
            requests.Enqueue(new StubRequest(
                context.Request.Method,
                context.Request.Path.Value + context.Request.QueryString.Value,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
            if (!routes.TryGetValue(context.Request.Path.Value ?? "", out var answer))
            {
                context.Response.StatusCode = 404;
                return;
            }

            context.Response.StatusCode = answer.Status;
            context.Response.ContentType = "application/json";
            foreach (var (name, value) in answer.Headers)
            {
                context.Response.Headers[name] = value;
            }

            await context.Response.Body.WriteAsync(answer.Body);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new StubVenue(app, new Uri($"http://127.0.0.1:{new Uri(address).Port}/"), requests);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A request the stub received.</summary>
internal sealed record StubRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers);

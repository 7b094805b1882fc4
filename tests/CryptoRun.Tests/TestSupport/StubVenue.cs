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
/// purpose (malformed JSON, refusals), for the cases the replay venue serves faithfully.
/// </summary>
internal sealed class StubVenue : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StubVenue(WebApplication app, Uri address)
    {
        _app = app;
        BaseAddress = address;
    }

    public Uri BaseAddress { get; }

    public static async Task<StubVenue> StartAsync(IReadOnlyDictionary<string, (int Status, byte[] Body, (string, string)[] Headers)> routes)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Run(async context =>
        {
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
        return new StubVenue(app, new Uri($"http://127.0.0.1:{new Uri(address).Port}/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

using CryptoRun.Providers;
using CryptoRun.Venues;
using Microsoft.Extensions.DependencyInjection;

namespace CryptoRun.Tests.TestSupport;

/// <summary>Connectors over real HttpClients from IHttpClientFactory, pointed at a base address (the replay venue over loopback).</summary>
public sealed class Http : IDisposable
{
    private readonly ServiceProvider _services;

    public Http(Uri baseAddress)
    {
        var services = new ServiceCollection();
        services.AddHttpClient("venue", c => c.BaseAddress = baseAddress);
        _services = services.BuildServiceProvider();
    }

    public HttpClient Client() => _services.GetRequiredService<IHttpClientFactory>().CreateClient("venue");

    /// <summary>The named venue's connector.</summary>
    public T Connect<T>(string venue, TimeProvider? time = null)
        where T : class, IMarketDataProvider
        => (T)VenueRegistry.Get(venue).Create(CryptoRun.Providers.VenueConnection.Direct(Client(), time ?? TimeProvider.System));

    public void Dispose() => _services.Dispose();
}

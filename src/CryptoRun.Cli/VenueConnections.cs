using CryptoRun.Providers;
using CryptoRun.Venues;
using Microsoft.Extensions.DependencyInjection;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace CryptoRun.Cli;

/// <summary>
/// Builds venue connectors over <c>IHttpClientFactory</c> clients, each pointed at its venue's base
/// URL: the real one by default, overridden (weakest first) by the config file's
/// <c>providers.NAME.base_url</c>, the environment variable <c>CRYPTORUN_ENDPOINT_NAME</c>
/// (upper case, <c>-</c> as <c>_</c>) and <c>--endpoint NAME=URL</c>.
/// </summary>
internal sealed class VenueConnections : IDisposable
{
    /// <summary>The config file read when present and no other is named.</summary>
    internal const string DefaultConfigPath = "config/providers.yaml";

    private readonly ServiceProvider _services;
    private readonly TimeProvider _time;

    private VenueConnections(IReadOnlyDictionary<string, Uri> endpoints, TimeProvider time)
    {
        Endpoints = endpoints;
        _time = time;
        var services = new ServiceCollection();
        foreach (var (venue, address) in endpoints)
        {
            services.AddHttpClient(venue, client =>
            {
                client.BaseAddress = address;
                client.Timeout = TimeSpan.FromSeconds(30);
                client.DefaultRequestHeaders.UserAgent.ParseAdd("cryptorun/0.1");
            });
        }

        _services = services.BuildServiceProvider();
    }

    /// <summary>The base URL each venue is reached at.</summary>
    internal IReadOnlyDictionary<string, Uri> Endpoints { get; }

    /// <summary>Resolves endpoints and builds the connections.</summary>
    /// <param name="environment">The command's environment (variables, working folder, clock).</param>
    /// <param name="overrides"><c>--endpoint NAME=URL</c> values.</param>
    /// <param name="configPath"><c>--config</c>, or null for <c>CRYPTORUN_CONFIG</c> or <c>config/providers.yaml</c> when present.</param>
    /// <exception cref="UsageException">An override or config entry names an unknown venue or a URL that is not absolute http(s).</exception>
    internal static VenueConnections Create(CliEnvironment environment, IEnumerable<string> overrides, string? configPath)
    {
        var endpoints = VenueRegistry.All.ToDictionary(v => v.Name, v => v.DefaultBaseAddress, StringComparer.Ordinal);
        var config = configPath ?? environment.Variables("CRYPTORUN_CONFIG");
        if (config is null && File.Exists(environment.FullPath(DefaultConfigPath)))
        {
            config = DefaultConfigPath;
        }

        if (config is not null)
        {
            foreach (var (venue, url) in ReadConfig(environment.FullPath(config)))
            {
                endpoints[Known(venue, config)] = Url(url, $"{config}: providers.{venue}.base_url");
            }
        }

        foreach (var venue in VenueRegistry.All)
        {
            var variable = "CRYPTORUN_ENDPOINT_" + venue.Name.ToUpperInvariant().Replace('-', '_');
            if (environment.Variables(variable) is { Length: > 0 } url)
            {
                endpoints[venue.Name] = Url(url, variable);
            }
        }

        foreach (var item in overrides)
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new UsageException($"--endpoint '{item}': expected VENUE=URL, for example binance=http://127.0.0.1:5000");
            }

            endpoints[Known(item[..equals], "--endpoint")] = Url(item[(equals + 1)..], $"--endpoint {item}");
        }

        return new VenueConnections(endpoints, environment.Time);
    }

    /// <summary>A connector for a venue, over a client from the factory.</summary>
    /// <param name="venue">The venue name.</param>
    /// <returns>The connector.</returns>
    /// <exception cref="UsageException">The venue is unknown.</exception>
    internal IMarketDataProvider Connect(string venue)
    {
        var descriptor = VenueRegistry.All.FirstOrDefault(v => string.Equals(v.Name, venue, StringComparison.OrdinalIgnoreCase))
            ?? throw new UsageException($"--venue '{venue}' is not a venue CryptoRun knows: use one of {string.Join(", ", VenueRegistry.All.Select(v => v.Name))}");
        var http = _services.GetRequiredService<IHttpClientFactory>().CreateClient(descriptor.Name);
        return descriptor.Create(CryptoRun.Venues.Common.VenueConnection.Direct(http, _time));
    }

    public void Dispose() => _services.Dispose();

    private static string Known(string venue, string where)
        => VenueRegistry.All.FirstOrDefault(v => string.Equals(v.Name, venue, StringComparison.OrdinalIgnoreCase))?.Name
           ?? throw new UsageException($"{where}: '{venue}' is not a venue CryptoRun knows: use one of {string.Join(", ", VenueRegistry.All.Select(v => v.Name))}");

    private static Uri Url(string text, string where)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new UsageException($"{where}: '{text}' is not an absolute http(s) URL");
        }

        return uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
    }

    private static IEnumerable<(string Venue, string Url)> ReadConfig(string path)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"config file '{path}' does not exist");
        }

        ProvidersFile? file;
        try
        {
            file = new DeserializerBuilder()
                .WithNamingConvention(UnderscoredNamingConvention.Instance)
                .IgnoreUnmatchedProperties()
                .Build()
                .Deserialize<ProvidersFile>(File.ReadAllText(path));
        }
        catch (YamlException ex)
        {
            throw new UsageException($"{path}:{ex.Start.Line}: {ex.Message}");
        }

        foreach (var (venue, section) in file?.Providers ?? [])
        {
            if (section?.BaseUrl is { Length: > 0 } url)
            {
                yield return (venue, url);
            }
        }
    }

    /// <summary>The part of <c>config/providers.yaml</c> read here.</summary>
    private sealed class ProvidersFile
    {
        public Dictionary<string, ProviderSection?>? Providers { get; set; }
    }

    /// <summary>One provider's section.</summary>
    private sealed class ProviderSection
    {
        public string? BaseUrl { get; set; }
    }
}

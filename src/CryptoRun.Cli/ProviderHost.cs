using CryptoRun.Configuration;
using CryptoRun.Providers;
using CryptoRun.Resilience;
using CryptoRun.Venues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CryptoRun.Cli;

/// <summary>
/// Composes the provider system for a command: the configuration (<c>--config</c>, else
/// <c>CRYPTORUN_CONFIG</c>, else <c>config/providers.yaml</c> when present, else the built-in
/// defaults), <c>--endpoint NAME=URL</c> overrides, one <see cref="ProviderGate"/> and one
/// <c>IHttpClientFactory</c> client per provider, the registry and the router.
/// </summary>
internal sealed class ProviderHost : IDisposable
{
    /// <summary>The config file read when present and no other is named.</summary>
    internal const string DefaultConfigPath = "config/providers.yaml";

    private readonly ServiceProvider _services;
    private readonly Dictionary<string, ProviderGate> _streamOnlyGates = new(StringComparer.Ordinal);
    private readonly CliEnvironment _environment;

    private ProviderHost(CliEnvironment environment, ProvidersConfig config, ServiceProvider services, ProviderRegistry registry, ProviderRouter router, ILoggerFactory logging)
    {
        _environment = environment;
        Config = config;
        _services = services;
        Registry = registry;
        Router = router;
        Logging = logging;
    }

    /// <summary>The configuration in force.</summary>
    internal ProvidersConfig Config { get; }

    /// <summary>Every provider with its gate.</summary>
    internal ProviderRegistry Registry { get; }

    /// <summary>The fallback-chain router.</summary>
    internal ProviderRouter Router { get; }

    /// <summary>Loggers writing to the command's standard error.</summary>
    internal ILoggerFactory Logging { get; }

    /// <summary>The base URL each provider is reached at.</summary>
    internal IReadOnlyDictionary<string, Uri> Endpoints => Config.Providers.ToDictionary(p => p.Key, p => p.Value.BaseUrl!);

    /// <summary>The <c>--endpoint</c> name that stands for every provider.</summary>
    internal const string AllProviders = "all";

    /// <summary>Every provider the build knows.</summary>
    internal static IReadOnlyList<KnownProvider> Known { get; } =
        VenueRegistry.All.Select(v => new KnownProvider(v.Name, v.DefaultBaseAddress, v.Compliance)).ToList();

    /// <summary>Loads the configuration and builds every provider.</summary>
    /// <param name="environment">The command's environment.</param>
    /// <param name="overrides"><c>--endpoint NAME=URL</c> values; <c>all=URL</c> points every provider at one base URL (the replay venue serves them all on one port).</param>
    /// <param name="configPath"><c>--config</c>, or null.</param>
    /// <param name="sharedBudget">A rate budget shared with other workers (the <c>--store</c> PostgreSQL server's) for every gate; null for local budgets only.</param>
    /// <returns>The host; dispose it to stop the gates' timers.</returns>
    /// <exception cref="UsageException">The configuration or an override is invalid, or the config file named is missing or a directory; the message says where (the option or variable, the file and line).</exception>
    internal static ProviderHost Create(CliEnvironment environment, IEnumerable<string> overrides, string? configPath, ISharedRateBudget? sharedBudget = null)
    {
        ProvidersConfig config;
        try
        {
            config = ProvidersConfig.Load(ConfigFile(environment, configPath), Known, environment.Variables);
        }
        catch (ConfigException ex)
        {
            throw new UsageException(ex.Message);
        }

        foreach (var item in overrides)
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new UsageException($"--endpoint {InputText.Quote(item)}: expected VENUE=URL, for example binance=http://127.0.0.1:5000");
            }

            var url = Url(item[(equals + 1)..], $"--endpoint {InputText.Cut(item)}");
            var names = string.Equals(item[..equals], AllProviders, StringComparison.OrdinalIgnoreCase)
                ? config.Providers.Keys.ToList()
                : [KnownName(item[..equals], "--endpoint")];
            foreach (var name in names)
            {
                config = config.WithBaseUrl(name, url);
            }
        }

        var services = new ServiceCollection();
        foreach (var (name, policy) in config.Providers)
        {
            services.AddHttpClient(name, client =>
            {
                client.BaseAddress = policy.BaseUrl;

                // Attempts are timed by the gate on the injected clock; this only backstops a hung socket.
                client.Timeout = TimeSpan.FromMinutes(5);
                client.DefaultRequestHeaders.UserAgent.ParseAdd("cryptorun/0.1");
            });
        }

        var provider = services.BuildServiceProvider();
        var factory = provider.GetRequiredService<IHttpClientFactory>();
        var logging = LoggerFactory.Create(builder => builder.AddProvider(new WriterLoggerProvider(environment.Error)).SetMinimumLevel(LogLevel.Warning));
        var registry = new ProviderRegistry();
        foreach (var descriptor in VenueRegistry.All)
        {
            var gate = new ProviderGate(config.Providers[descriptor.Name], environment.TimeProvider, sharedBudget);
            registry.Register(descriptor.Create(new VenueConnection(factory.CreateClient(descriptor.Name), environment.TimeProvider, gate)), gate);
        }

        return new ProviderHost(environment, config, provider, registry, new ProviderRouter(registry, config.Chains, environment.TimeProvider), logging);
    }

    /// <summary>A provider by name.</summary>
    /// <param name="name">The provider (venue) name, case-insensitive.</param>
    /// <returns>The connector, behind its gate.</returns>
    /// <exception cref="UsageException">No provider has that name.</exception>
    internal IMarketDataProvider Connect(string name)
        => Registry.TryGet(name.ToLowerInvariant(), out var registered)
            ? registered.Provider
            : throw new UsageException($"--venue {InputText.Quote(name)} is not a venue CryptoRun knows: use one of {string.Join(", ", Registry.Names)}");

    /// <summary>An HTTP client with the provider's base address (the configured one or the <c>--endpoint</c> override), from the host's <c>IHttpClientFactory</c>.</summary>
    /// <param name="name">The provider name.</param>
    /// <returns>The client.</returns>
    internal HttpClient HttpClient(string name) => _services.GetRequiredService<IHttpClientFactory>().CreateClient(name);

    /// <summary>
    /// A provider's REST connection for the hot tier (book snapshots): the provider's client and the very gate its connector
    /// sends through, so the stream's requests and the connector's share weights, <c>Retry-After</c>, ban and breaker.
    /// </summary>
    /// <param name="name">The provider name.</param>
    /// <returns>The connection.</returns>
    /// <exception cref="UsageException">No provider has that name.</exception>
    internal VenueConnection RestConnection(string name)
        => Registry.TryGet(name, out var registered)
            ? new VenueConnection(HttpClient(name), _environment.TimeProvider, registered.Gate)
            : throw new UsageException($"--venue '{name}' is not a venue CryptoRun knows: use one of {string.Join(", ", Registry.Names)}");

    /// <summary>
    /// The gate of a stream-only venue's REST API (its descriptor's <see cref="StreamVenueDescriptor.RestPolicy"/>): one per
    /// REST provider name in the process, kept and disposed by the host, for its market metadata and book snapshots alike.
    /// </summary>
    /// <param name="stream">The stream-only venue.</param>
    /// <returns>The gate.</returns>
    internal ProviderGate StreamOnlyGate(StreamVenueDescriptor stream)
    {
        var policy = stream.RestPolicy ?? throw new ArgumentException($"{stream.Name} has a REST connector; use its gate", nameof(stream));
        lock (_streamOnlyGates)
        {
            if (!_streamOnlyGates.TryGetValue(policy.Name, out var gate))
            {
                gate = new ProviderGate(policy, _environment.TimeProvider);
                _streamOnlyGates[policy.Name] = gate;
            }

            return gate;
        }
    }

    public void Dispose()
    {
        foreach (var gate in _streamOnlyGates.Values)
        {
            gate.Dispose();
        }

        Router.Dispose();
        Registry.Dispose();
        Logging.Dispose();
        _services.Dispose();
    }

    /// <summary>The config file in force (full path), or null for the built-in defaults: <c>--config</c>, else <c>CRYPTORUN_CONFIG</c> (empty reads as unset), else <see cref="DefaultConfigPath"/> when present.</summary>
    /// <exception cref="UsageException">The file named is empty, missing or a directory; the message names the option or variable.</exception>
    private static string? ConfigFile(CliEnvironment environment, string? option)
    {
        var (path, origin) = option is not null ? (option, "--config")
            : environment.Variable("CRYPTORUN_CONFIG") is { Length: > 0 } variable ? (variable, "CRYPTORUN_CONFIG")
            : (null, null);
        if (path is null)
        {
            return File.Exists(environment.FullPath(DefaultConfigPath)) ? environment.FullPath(DefaultConfigPath) : null;
        }

        if (path.Length == 0)
        {
            throw new UsageException($"{origin} is empty: give a YAML file such as {DefaultConfigPath}");
        }

        var full = environment.FullPath(path);
        if (Directory.Exists(full))
        {
            throw new UsageException($"{origin}: config file {InputText.Quote(full)} is a directory, not a file: give a YAML file such as {DefaultConfigPath}");
        }

        return File.Exists(full) ? full : throw new UsageException($"{origin}: config file {InputText.Quote(full)} does not exist");
    }

    private static string KnownName(string name, string where)
        => VenueRegistry.All.FirstOrDefault(v => string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase))?.Name
           ?? throw new UsageException($"{where}: {InputText.Quote(name)} is not a venue CryptoRun knows: use one of {string.Join(", ", VenueRegistry.All.Select(v => v.Name))}");

    private static Uri Url(string text, string where)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new UsageException($"{where}: {InputText.Quote(text)} is not an absolute http(s) URL");
        }

        return uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
    }
}

using System.Globalization;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Resilience;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CryptoRun.Configuration;

/// <summary>A DEX pair the ingest loop snapshots.</summary>
/// <param name="Chain">The chain, for example <c>solana</c>.</param>
/// <param name="Pair">The pair address.</param>
public sealed record DexPairRef(string Chain, string Pair);

/// <summary>Seed 002's ingestion settings.</summary>
/// <param name="Interval">Time between cycles.</param>
/// <param name="Spot">Instruments quoted through the spot chain each cycle.</param>
/// <param name="DexPairs">DEX pairs snapshotted through the DEX chain each cycle.</param>
public sealed record IngestOptions(TimeSpan Interval, IReadOnlyList<Instrument> Spot, IReadOnlyList<DexPairRef> DexPairs);

/// <summary>A configuration file (or environment override) that cannot be used; the message names where and what.</summary>
/// <param name="message">The message.</param>
public sealed class ConfigException(string message) : Exception(message);

/// <summary>
/// The provider system's configuration: one policy per provider, one fallback chain per data class,
/// and the ingest settings. Read from <c>config/providers.yaml</c> over the shipped defaults
/// (<see cref="ProviderDefaults"/>), then overridden by environment variables.
/// </summary>
/// <remarks>
/// Environment overrides: <c>CRYPTORUN__</c> followed by the YAML path with <c>__</c> between keys, for
/// example <c>CRYPTORUN__PROVIDERS__BINANCE__RATE_LIMITS__REQUESTS_PER_MINUTE=600</c> or
/// <c>CRYPTORUN__CHAINS__SPOT__PROVIDERS=kraken,coinbase</c> (names are case-insensitive; <c>_</c> stands
/// for <c>-</c> in provider and chain names); and <c>CRYPTORUN_ENDPOINT_NAME=URL</c> for a base URL.
/// Secrets (API keys) come only from the environment (<c>CRYPTORUN_COINGECKO_API_KEY</c>,
/// <c>CRYPTORUN_THEGRAPH_API_KEY</c>); a key in the file is an error, so it never sits in a repository.
/// Bounds, each refused with where and what: a file of at most <see cref="BoundedYaml.MaxBytes"/> bytes nested at
/// most <see cref="BoundedYaml.MaxDepth"/> deep; <c>timeout</c> 10ms to 1d (Polly's range for a timeout);
/// <c>retry_delay</c> at most 1m and <c>max_retries</c> at most 10 (so the longest backoff, 2^9 times the delay,
/// stays within hours); <c>open_timeout</c> and <c>health_check_interval</c> at most 1d; cache TTLs at most 30d;
/// <c>ingest.interval</c> at most 1d.
/// </remarks>
public sealed class ProvidersConfig
{
    private static readonly string[] SecretKeys = ["api_key", "apikey", "key", "secret", "token", "password"];

    /// <summary>The longest attempt timeout, breaker open time and ingest interval (Polly times out attempts of at most 1 day).</summary>
    private static readonly TimeSpan OneDay = TimeSpan.FromDays(1);

    /// <summary>The longest backoff base: with at most <see cref="MaxRetries"/> retries the longest backoff is 2^9 times it, plus 20 % jitter (about 10 hours).</summary>
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(1);

    /// <summary>The longest cache TTL.</summary>
    private static readonly TimeSpan MaxTtl = TimeSpan.FromDays(30);

    /// <summary>The most retries a provider or chain may configure.</summary>
    private const int MaxRetries = 10;

    private ProvidersConfig(
        IReadOnlyDictionary<string, ProviderPolicy> providers,
        IReadOnlyDictionary<DataClass, ChainPolicy> chains,
        IngestOptions ingest,
        string source)
    {
        Providers = providers;
        Chains = chains;
        Ingest = ingest;
        Source = source;
    }

    /// <summary>Each provider's policy, by name.</summary>
    public IReadOnlyDictionary<string, ProviderPolicy> Providers { get; }

    /// <summary>Each data class's fallback chain.</summary>
    public IReadOnlyDictionary<DataClass, ChainPolicy> Chains { get; }

    /// <summary>The ingest loop's settings.</summary>
    public IngestOptions Ingest { get; }

    /// <summary>Where the configuration came from (a file path, or the built-in defaults).</summary>
    public string Source { get; }

    /// <summary>The same configuration with one provider's base URL replaced (a command's <c>--endpoint</c>).</summary>
    /// <param name="provider">The provider name.</param>
    /// <param name="baseUrl">Its base URL.</param>
    /// <returns>The new configuration.</returns>
    /// <exception cref="ArgumentException">The provider is not configured.</exception>
    public ProvidersConfig WithBaseUrl(string provider, Uri baseUrl)
    {
        if (!Providers.TryGetValue(provider, out var policy))
        {
            throw new ArgumentException($"unknown provider '{provider}'", nameof(provider));
        }

        var providers = Providers.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        providers[provider] = policy with { BaseUrl = baseUrl };
        return new ProvidersConfig(providers, Chains, Ingest, Source);
    }

    /// <summary>Loads the configuration.</summary>
    /// <param name="path">The YAML file, or null for the built-in defaults only.</param>
    /// <param name="known">Every provider the build knows (from the venue registry).</param>
    /// <param name="environment">The environment variables (a snapshot; tests pass their own).</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="ConfigException">The file is missing, a directory, unreadable, too large, nested too deep or invalid, names an unknown provider or data class, holds a secret, gives a value out of its range, or puts a non-exchange-native provider in the microstructure chain; an environment override names no setting or gives a bad value; the message says where (file and line, or the variable).</exception>
    public static ProvidersConfig Load(string? path, IReadOnlyCollection<KnownProvider> known, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(known);
        ArgumentNullException.ThrowIfNull(environment);
        var root = new YamlMappingNode();
        var source = "built-in defaults";
        if (path is not null)
        {
            if (Directory.Exists(path))
            {
                throw new ConfigException($"config file {InputText.Quote(path)} is a directory, not a file");
            }

            if (!File.Exists(path))
            {
                throw new ConfigException($"config file {InputText.Quote(path)} does not exist");
            }

            string text;
            try
            {
                text = BoundedYaml.ReadFile(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                throw new ConfigException($"config file {InputText.Quote(path)} cannot be read: {ex.Message}");
            }

            try
            {
                var stream = BoundedYaml.Load(text);
                if (stream.Documents.Count > 0 && stream.Documents[0].RootNode is not YamlScalarNode { Value: null or "" })
                {
                    root = stream.Documents[0].RootNode as YamlMappingNode
                        ?? throw new ConfigException($"{path}:{stream.Documents[0].RootNode.Start.Line}: expected a mapping with providers, chains and ingest");
                }
            }
            catch (YamlException ex)
            {
                throw new ConfigException($"{path}:{ex.Start.Line}: {ex.Message}");
            }

            source = path;
        }

        var overrides = ApplyEnvironment(root, known, environment);
        return new Reader(source, known, overrides).Read(root);
    }

    /// <summary>Sets <c>CRYPTORUN__...</c> and <c>CRYPTORUN_ENDPOINT_...</c> values into the YAML tree.</summary>
    /// <returns>Each node set, with the variable it came from (errors name the variable, not a line of the file).</returns>
    private static Dictionary<YamlNode, string> ApplyEnvironment(YamlMappingNode root, IReadOnlyCollection<KnownProvider> known, IReadOnlyDictionary<string, string> environment)
    {
        var origins = new Dictionary<YamlNode, string>(ReferenceEqualityComparer.Instance);
        foreach (var provider in known)
        {
            var name = "CRYPTORUN_ENDPOINT_" + provider.Name.ToUpperInvariant().Replace('-', '_');
            if (environment.TryGetValue(name, out var url) && url.Length > 0)
            {
                Set(root, ["providers", provider.Name, "base_url"], url, name, origins);
            }
        }

        foreach (var (name, value) in environment.Where(v => v.Key.StartsWith("CRYPTORUN__", StringComparison.Ordinal)).OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            var path = name["CRYPTORUN__".Length..].Split("__", StringSplitOptions.RemoveEmptyEntries).Select(p => p.ToLowerInvariant()).ToList();
            if (path.Count == 0)
            {
                throw new ConfigException($"environment override {InputText.Cut(name)}: names no setting; write CRYPTORUN__ and the YAML path with __ between keys, e.g. CRYPTORUN__PROVIDERS__KRAKEN__TIMEOUT=5s");
            }

            if (path.Count >= 2 && path[0] is "providers" or "chains")
            {
                var wanted = path[1].Replace('_', '-');
                path[1] = path[0] == "providers"
                    ? known.FirstOrDefault(k => k.Name == wanted || k.Name == path[1])?.Name ?? path[1]
                    : wanted;
            }

            Set(root, path, value, name, origins);
        }

        return origins;
    }

    private static void Set(YamlMappingNode root, List<string> path, string value, string variable, Dictionary<YamlNode, string> origins)
    {
        var node = root;
        for (var i = 0; i < path.Count - 1; i++)
        {
            var key = new YamlScalarNode(path[i]);
            if (!node.Children.TryGetValue(key, out var child) || child is not YamlMappingNode mapping)
            {
                mapping = new YamlMappingNode();
                node.Children[key] = mapping;
                origins[key] = variable;
                origins[mapping] = variable;
            }

            node = mapping;
        }

        YamlNode set = path[^1] is "providers" or "spot"
            ? new YamlSequenceNode(value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => new YamlScalarNode(v)))
            : new YamlScalarNode(value);
        var last = new YamlScalarNode(path[^1]);
        origins[last] = variable;
        node.Children[last] = set;
        foreach (var each in set.AllNodes)
        {
            origins[each] = variable;
        }
    }

    /// <summary>Walks the YAML tree into policies, with errors that name file and line.</summary>
    private sealed class Reader(string source, IReadOnlyCollection<KnownProvider> known, IReadOnlyDictionary<YamlNode, string> overrides)
    {
        internal ProvidersConfig Read(YamlMappingNode root)
        {
            Keys(root, "top level", "providers", "chains", "ingest");
            var providers = known.ToDictionary(k => k.Name, ProviderDefaults.For, StringComparer.Ordinal);
            if (Child(root, "providers") is { } providerNodes)
            {
                foreach (var (keyNode, valueNode) in Map(providerNodes, "providers").Children)
                {
                    var name = Scalar(keyNode, "provider name");
                    var provider = known.FirstOrDefault(k => k.Name == name)
                        ?? throw Error(keyNode, $"unknown provider {InputText.Quote(name)}; known: {string.Join(", ", known.Select(k => k.Name))}");
                    providers[name] = ReadProvider(provider, providers[name], valueNode);
                }
            }

            var chains = ProviderDefaults.Chains.ToDictionary(c => c.DataClass);
            if (Child(root, "chains") is { } chainNodes)
            {
                foreach (var (keyNode, valueNode) in Map(chainNodes, "chains").Children)
                {
                    var name = Scalar(keyNode, "data class");
                    if (!DataClasses.TryParse(name, out var dataClass))
                    {
                        throw Error(keyNode, $"unknown data class {InputText.Quote(name)}; known: {string.Join(", ", Enum.GetValues<DataClass>().Select(c => c.Name()))}");
                    }

                    chains[dataClass] = ReadChain(dataClass, chains[dataClass], valueNode);
                }
            }

            var ingest = new IngestOptions(TimeSpan.FromSeconds(60), [Instrument.Parse("BTC/USD"), Instrument.Parse("ETH/USD"), Instrument.Parse("SOL/USD")], []);
            if (Child(root, "ingest") is { } ingestNode)
            {
                ingest = ReadIngest(ingest, ingestNode);
            }

            return new ProvidersConfig(providers, chains, ingest, source);
        }

        private ProviderPolicy ReadProvider(KnownProvider provider, ProviderPolicy policy, YamlNode node)
        {
            var map = Map(node, $"providers.{provider.Name}");
            foreach (var (keyNode, _) in map.Children)
            {
                var key = Scalar(keyNode, "key");
                if (SecretKeys.Contains(key))
                {
                    throw Error(keyNode, $"providers.{provider.Name}.{key}: secrets come only from the environment (CRYPTORUN_{provider.Name.ToUpperInvariant().Replace('-', '_')}_API_KEY), never from a file");
                }
            }

            Keys(map, $"providers.{provider.Name}", "base_url", "enabled", "timeout", "max_retries", "retry_delay", "rate_limits", "circuit_breaker", "cache");
            var limits = policy.RateLimits;
            if (Child(map, "rate_limits") is { } limitNode)
            {
                var m = Map(limitNode, "rate_limits");
                Keys(m, $"providers.{provider.Name}.rate_limits", "requests_per_second", "requests_per_minute", "requests_per_hour", "daily_budget", "monthly_budget");
                limits = new RateLimitOptions
                {
                    RequestsPerSecond = Budget(m, "requests_per_second", limits.RequestsPerSecond),
                    RequestsPerMinute = Budget(m, "requests_per_minute", limits.RequestsPerMinute),
                    RequestsPerHour = Budget(m, "requests_per_hour", limits.RequestsPerHour),
                    DailyBudget = Budget(m, "daily_budget", limits.DailyBudget),
                    MonthlyBudget = Budget(m, "monthly_budget", limits.MonthlyBudget),
                };
            }

            var breaker = policy.CircuitBreaker;
            if (Child(map, "circuit_breaker") is { } breakerNode)
            {
                var m = Map(breakerNode, "circuit_breaker");
                Keys(m, $"providers.{provider.Name}.circuit_breaker", "failure_threshold", "success_threshold", "open_timeout", "max_concurrent", "health_check_interval");
                breaker = new CircuitBreakerOptions
                {
                    FailureThreshold = Int(m, "failure_threshold") ?? breaker.FailureThreshold,
                    SuccessThreshold = Int(m, "success_threshold") ?? breaker.SuccessThreshold,
                    OpenTimeout = Duration(m, "open_timeout", OneDay) ?? breaker.OpenTimeout,
                    MaxConcurrent = Int(m, "max_concurrent") ?? breaker.MaxConcurrent,
                    HealthCheckInterval = Duration(m, "health_check_interval", OneDay) ?? breaker.HealthCheckInterval,
                };
            }

            var cache = policy.Cache;
            if (Child(map, "cache") is { } cacheNode)
            {
                var m = Map(cacheNode, "cache");
                Keys(m, $"providers.{provider.Name}.cache", "hot_ttl", "warm_ttl", "cold_ttl", "degraded_ttl", "max_size", "compression");
                cache = new CacheTtlOptions
                {
                    Hot = Duration(m, "hot_ttl", MaxTtl) ?? cache.Hot,
                    Warm = Duration(m, "warm_ttl", MaxTtl) ?? cache.Warm,
                    Cold = Duration(m, "cold_ttl", MaxTtl) ?? cache.Cold,
                    Degraded = Duration(m, "degraded_ttl", MaxTtl) ?? cache.Degraded,
                    MaxSize = Int(m, "max_size") ?? cache.MaxSize,
                    Compression = Bool(m, "compression") ?? cache.Compression,
                };
            }

            Uri? baseUrl = policy.BaseUrl;
            if (Child(map, "base_url") is { } urlNode)
            {
                var text = Scalar(urlNode, "base_url");
                if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                {
                    throw Error(urlNode, $"providers.{provider.Name}.base_url: {InputText.Quote(text)} is not an absolute http(s) URL");
                }

                baseUrl = uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
            }

            return policy with
            {
                BaseUrl = baseUrl,
                Enabled = Bool(map, "enabled") ?? policy.Enabled,
                AttemptTimeout = Duration(map, "timeout", OneDay, min: TimeSpan.FromMilliseconds(10)) ?? policy.AttemptTimeout,
                MaxRetries = Int(map, "max_retries", allowZero: true, MaxRetries) ?? policy.MaxRetries,
                RetryDelay = Duration(map, "retry_delay", MaxRetryDelay) ?? policy.RetryDelay,
                RateLimits = limits,
                CircuitBreaker = breaker,
                Cache = cache,
            };
        }

        private ChainPolicy ReadChain(DataClass dataClass, ChainPolicy chain, YamlNode node)
        {
            var map = Map(node, $"chains.{dataClass.Name()}");
            Keys(map, $"chains.{dataClass.Name()}", "providers", "max_retries", "retry_delay");
            var names = chain.Providers;
            if (Child(map, "providers") is { } list)
            {
                var sequence = list as YamlSequenceNode ?? throw Error(list, $"chains.{dataClass.Name()}.providers: expected a list of provider names");
                var read = new List<string>();
                foreach (var item in sequence.Children)
                {
                    var name = Scalar(item, "provider name");
                    var provider = known.FirstOrDefault(k => k.Name == name)
                        ?? throw Error(item, $"chains.{dataClass.Name()} names unknown provider {InputText.Quote(name)}; known: {string.Join(", ", known.Select(k => k.Name))}");
                    if (dataClass.IsMicrostructure() && provider.Compliance != ComplianceClass.ExchangeNative)
                    {
                        throw Error(item, $"chains.{dataClass.Name()} names {name}, a{(provider.Compliance == ComplianceClass.Aggregator ? "n aggregator" : " DeFi provider")}; only exchange-native providers may serve microstructure (order books, trades)");
                    }

                    read.Add(name);
                }

                names = read;
            }

            return new ChainPolicy(dataClass, names, Int(map, "max_retries", allowZero: true, MaxRetries) ?? chain.MaxRetries, Duration(map, "retry_delay", MaxRetryDelay) ?? chain.RetryDelay);
        }

        private IngestOptions ReadIngest(IngestOptions ingest, YamlNode node)
        {
            var map = Map(node, "ingest");
            Keys(map, "ingest", "interval", "spot", "dex_pairs");
            var spot = ingest.Spot;
            if (Child(map, "spot") is { } spotNode)
            {
                spot = (spotNode as YamlSequenceNode ?? throw Error(spotNode, "ingest.spot: expected a list of unified symbols"))
                    .Children.Select(item =>
                    {
                        var text = Scalar(item, "symbol");
                        return Instrument.TryParse(text, out var instrument) ? instrument : throw Error(item, $"ingest.spot: {InputText.Quote(text)} is not a unified symbol (BASE/QUOTE)");
                    }).ToList();
            }

            var pairs = ingest.DexPairs;
            if (Child(map, "dex_pairs") is { } pairNode)
            {
                pairs = (pairNode as YamlSequenceNode ?? throw Error(pairNode, "ingest.dex_pairs: expected a list of {chain, pair}"))
                    .Children.Select(item =>
                    {
                        var m = Map(item, "ingest.dex_pairs item");
                        Keys(m, "ingest.dex_pairs item", "chain", "pair");
                        return new DexPairRef(
                            Child(m, "chain") is { } c ? Scalar(c, "chain") : throw Error(item, "ingest.dex_pairs item: no chain"),
                            Child(m, "pair") is { } p ? Scalar(p, "pair") : throw Error(item, "ingest.dex_pairs item: no pair"));
                    }).ToList();
            }

            return new IngestOptions(Duration(map, "interval", OneDay) ?? ingest.Interval, spot, pairs);
        }

        private int? Budget(YamlMappingNode map, string key, int? fallback)
        {
            if (Child(map, key) is not { } node)
            {
                return fallback;
            }

            var text = Scalar(node, key);
            return text is "unlimited" or "null" or "~" or "" ? null : Int(map, key);
        }

        private int? Int(YamlMappingNode map, string key, bool allowZero = false, int max = int.MaxValue)
        {
            if (Child(map, key) is not { } node)
            {
                return null;
            }

            var text = Scalar(node, key).Replace("_", "", StringComparison.Ordinal).Replace(",", "", StringComparison.Ordinal);
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || !(value > 0 || (allowZero && value == 0)))
            {
                throw Error(node, $"{key}: {InputText.Quote(Scalar(node, key))} is not a {(allowZero ? "non-negative" : "positive")} whole number");
            }

            return value <= max ? value : throw Error(node, $"{key}: {InputText.Quote(Scalar(node, key))} is more than {max}");
        }

        private bool? Bool(YamlMappingNode map, string key)
        {
            if (Child(map, key) is not { } node)
            {
                return null;
            }

            return Scalar(node, key).ToLowerInvariant() switch
            {
                "true" or "yes" or "on" => true,
                "false" or "no" or "off" => false,
                var other => throw Error(node, $"{key}: {InputText.Quote(other)} is not true or false"),
            };
        }

        /// <summary>A positive duration of at most <paramref name="max"/> (and at least <paramref name="min"/> when given).</summary>
        private TimeSpan? Duration(YamlMappingNode map, string key, TimeSpan max, TimeSpan? min = null)
        {
            if (Child(map, key) is not { } node)
            {
                return null;
            }

            var text = Scalar(node, key);
            if (!Durations.TryParse(text, out var value) || value <= TimeSpan.Zero)
            {
                throw Error(node, $"{key}: {InputText.Quote(text)} is not a duration (500ms, 30s, 2m, 24h, 1d)");
            }

            return Durations.OutOfRange(value, min ?? TimeSpan.Zero, max) is { } problem ? throw Error(node, $"{key}: {InputText.Quote(text)} is {problem}") : value;
        }

        private void Keys(YamlMappingNode map, string where, params string[] allowed)
        {
            foreach (var (keyNode, _) in map.Children)
            {
                var key = Scalar(keyNode, "key");
                if (!allowed.Contains(key))
                {
                    throw Error(keyNode, $"{where}: unknown key {InputText.Quote(key)}; known: {string.Join(", ", allowed)}");
                }
            }
        }

        private static YamlNode? Child(YamlMappingNode map, string key)
            => map.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

        private YamlMappingNode Map(YamlNode node, string what)
            => node as YamlMappingNode ?? throw Error(node, $"{what}: expected a mapping");

        private string Scalar(YamlNode node, string what)
            => node is YamlScalarNode scalar ? scalar.Value ?? "" : throw Error(node, $"{what}: expected a single value");

        private ConfigException Error(YamlNode node, string message)
            => new(overrides.TryGetValue(node, out var variable) ? $"{source} (environment override {InputText.Cut(variable)}): {message}" : $"{source}:{node.Start.Line}: {message}");
    }
}

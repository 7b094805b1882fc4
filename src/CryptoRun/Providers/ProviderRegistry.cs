using System.Diagnostics.CodeAnalysis;
using CryptoRun.Resilience;

namespace CryptoRun.Providers;

/// <summary>A registered provider and its resilience gate.</summary>
/// <param name="Provider">The connector.</param>
/// <param name="Gate">Its gate (budgets, breaker, retries, timeouts).</param>
public sealed record RegisteredProvider(IMarketDataProvider Provider, ProviderGate Gate);

/// <summary>
/// Providers by name, each with its gate. Refuses a provider whose compliance class forbids
/// microstructure yet which implements a microstructure capability.
/// </summary>
public sealed class ProviderRegistry : IDisposable
{
    private readonly Dictionary<string, RegisteredProvider> _providers = new(StringComparer.Ordinal);

    /// <summary>Every provider's name, in registration order.</summary>
    public IReadOnlyList<string> Names => [.. _providers.Keys];

    /// <summary>Every registered provider.</summary>
    public IReadOnlyList<RegisteredProvider> All => [.. _providers.Values];

    /// <summary>Registers a provider.</summary>
    /// <param name="provider">The connector.</param>
    /// <param name="gate">Its gate; its provider name must match.</param>
    /// <exception cref="ArgumentException">The name is taken, the gate is another provider's, or a non-exchange-native provider implements <see cref="ITradeProvider"/> or <see cref="IL2BookProvider"/>.</exception>
    public void Register(IMarketDataProvider provider, ProviderGate gate)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(gate);
        if (gate.Provider != provider.Name)
        {
            throw new ArgumentException($"gate for '{gate.Provider}' given to provider '{provider.Name}'", nameof(gate));
        }

        var barred = Capabilities.Microstructure.Where(provider.HasCapability).ToList();
        if (provider.Compliance != ComplianceClass.ExchangeNative || provider is IAggregatorProvider or IDeFiProvider)
        {
            if (barred.Count > 0)
            {
                throw new ArgumentException(
                    $"{provider.Name} is {provider.Compliance.Name()} but implements {string.Join(", ", barred.Select(c => c.Name()))}; only exchange-native providers may serve microstructure",
                    nameof(provider));
            }
        }

        if (!_providers.TryAdd(provider.Name, new RegisteredProvider(provider, gate)))
        {
            throw new ArgumentException($"a provider named '{provider.Name}' is already registered", nameof(provider));
        }
    }

    /// <summary>Finds a provider.</summary>
    /// <param name="name">Its name.</param>
    /// <param name="registered">The provider and gate when registered.</param>
    /// <returns><see langword="true"/> when registered.</returns>
    public bool TryGet(string name, [NotNullWhen(true)] out RegisteredProvider? registered) => _providers.TryGetValue(name, out registered);

    /// <summary>Whether a registered provider has a capability.</summary>
    /// <param name="name">The provider name.</param>
    /// <param name="capability">The capability.</param>
    /// <returns><see langword="true"/> when registered and capable.</returns>
    public bool HasCapability(string name, Capability capability)
        => _providers.TryGetValue(name, out var registered) && registered.Provider.HasCapability(capability);

    /// <summary>Disposes every gate.</summary>
    public void Dispose()
    {
        foreach (var registered in _providers.Values)
        {
            registered.Gate.Dispose();
        }
    }
}

using CryptoRun.Domain;
using CryptoRun.Resilience;

namespace CryptoRun.Providers;

/// <summary>Seed 000's probe statuses.</summary>
public enum ProbeStatus
{
    /// <summary>Answered, and its gate is healthy.</summary>
    Up,

    /// <summary>Answered, but its gate is degraded (half-open circuit, or a spent budget).</summary>
    Degraded,

    /// <summary>Did not answer within the timeout, answered with an error, or is refusing (circuit open, banned, disabled).</summary>
    Down,
}

/// <summary>One provider's probe result.</summary>
/// <param name="Name">The provider.</param>
/// <param name="Compliance">Its compliance class.</param>
/// <param name="Status">UP, DEGRADED or DOWN.</param>
/// <param name="LatencyMs">The probe call's latency, when it answered.</param>
/// <param name="Capabilities">Every capability it implements.</param>
/// <param name="Gate">Its gate's state after the probe (breaker, budgets, last error).</param>
/// <param name="Error">Why it is down, when it is.</param>
/// <param name="Endpoint">The probe's endpoint.</param>
public sealed record ProbeResult(
    string Name,
    ComplianceClass Compliance,
    ProbeStatus Status,
    long? LatencyMs,
    IReadOnlyList<Capability> Capabilities,
    ProviderStatus Gate,
    string? Error,
    string? Endpoint)
{
    /// <summary>Capabilities that can serve now: all of them unless the provider is down.</summary>
    public int CapabilitiesAvailable => Status == ProbeStatus.Down ? 0 : Capabilities.Count;
}

/// <summary>Probes every registered provider concurrently, each with one cheap call through its gate, without retries.</summary>
public static class ProviderProbe
{
    /// <summary>Probes every provider.</summary>
    /// <param name="registry">The providers.</param>
    /// <param name="timeout">How long each probe may take.</param>
    /// <param name="time">The clock (timeout, deadline).</param>
    /// <param name="cancellationToken">Cancels every probe.</param>
    /// <returns>One result per provider, in registration order.</returns>
    public static async Task<IReadOnlyList<ProbeResult>> ProbeAllAsync(ProviderRegistry registry, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var probes = registry.All.Select(r => ProbeAsync(r, timeout, time, cancellationToken)).ToList();
        return await Task.WhenAll(probes).ConfigureAwait(false);
    }

    private static async Task<ProbeResult> ProbeAsync(RegisteredProvider registered, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var provider = registered.Provider;
        var capabilities = Capabilities.Of(provider);
        if (!registered.Gate.Policy.Enabled)
        {
            return new ProbeResult(provider.Name, provider.Compliance, ProbeStatus.Down, null, capabilities, registered.Gate.Status, "disabled in the configuration", null);
        }

        using var limit = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(limit.Token, cancellationToken);
        try
        {
            Provenance answer;
            using (CallScope.Begin(new CallSettings(time.GetUtcNow() + timeout, MaxRetries: 0)))
            {
                answer = await provider.ProbeAsync(linked.Token).ConfigureAwait(false);
            }

            var status = registered.Gate.Status;
            return new ProbeResult(provider.Name, provider.Compliance, status.Health == FetchStatus.Ok ? ProbeStatus.Up : ProbeStatus.Degraded, answer.LatencyMs, capabilities, status, null, answer.Endpoint);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new ProbeResult(provider.Name, provider.Compliance, ProbeStatus.Down, null, capabilities, registered.Gate.Status, $"no answer within {timeout.TotalSeconds:0.#} s", null);
        }
        catch (VenueException ex)
        {
            return new ProbeResult(provider.Name, provider.Compliance, ProbeStatus.Down, null, capabilities, registered.Gate.Status, ex.Message, null);
        }
    }
}

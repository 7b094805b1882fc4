namespace CryptoRun.Resilience;

/// <summary>What one request costs against a provider's budgets.</summary>
/// <param name="Weight">Budget units: 1 per request, or the venue's request weight (Binance).</param>
public readonly record struct RequestCost(int Weight = 1);

/// <summary>
/// Every request a connector sends passes through its provider's gate: rate budgets, circuit
/// breaker, retries and timeouts. Venue code states each request's cost and reports what the venue
/// says of its limits; it knows nothing else of resilience.
/// </summary>
public interface IRequestGate
{
    /// <summary>Sends a request through the gate.</summary>
    /// <typeparam name="T">What the send returns.</typeparam>
    /// <param name="cost">The request's cost.</param>
    /// <param name="send">Sends one attempt; throws typed <see cref="Domain.VenueException"/>s.</param>
    /// <param name="cancellationToken">Cancels waiting and sending.</param>
    /// <returns>The send's result.</returns>
    /// <exception cref="Domain.ProviderUnavailableException">Refused without sending: circuit open, banned, or budget spent.</exception>
    /// <exception cref="Domain.VenueException">The last attempt failed.</exception>
    ValueTask<T> ExecuteAsync<T>(RequestCost cost, Func<CancellationToken, ValueTask<T>> send, CancellationToken cancellationToken);

    /// <summary>Raises a budget window's used units to what the venue reports (Binance <c>X-MBX-USED-WEIGHT-1M</c>).</summary>
    /// <param name="windowKey">The window key, for example <c>1M</c>.</param>
    /// <param name="used">Units the venue counts as used in the current window.</param>
    void SyncUsed(string windowKey, int used);

    /// <summary>Replaces the waiting (per-second, per-minute) windows with the limits the venue publishes (Binance <c>exchangeInfo</c> <c>rateLimits</c>).</summary>
    /// <param name="windows">The venue's windows.</param>
    void ConfigureLimits(IEnumerable<BudgetWindow> windows);
}

/// <summary>A gate with no limits, breaker or retries: for parsers' tests and direct one-off use.</summary>
public sealed class OpenGate : IRequestGate
{
    /// <summary>The shared instance.</summary>
    public static OpenGate Instance { get; } = new();

    /// <inheritdoc />
    public ValueTask<T> ExecuteAsync<T>(RequestCost cost, Func<CancellationToken, ValueTask<T>> send, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(send);
        return send(cancellationToken);
    }

    /// <inheritdoc />
    public void SyncUsed(string windowKey, int used)
    {
    }

    /// <inheritdoc />
    public void ConfigureLimits(IEnumerable<BudgetWindow> windows)
    {
    }
}

/// <summary>Per-call settings that flow with the call (a chain's retries, a command's deadline).</summary>
/// <param name="Deadline">The latest time the caller can wait until (rate windows, bans, retries); null for none.</param>
/// <param name="MaxRetries">Retries of transient failures; null for the provider's default.</param>
/// <param name="RetryDelay">Base delay of the exponential backoff; null for the provider's default.</param>
/// <param name="WaitForBan">Whether a banned provider is waited for when its ban ends before <paramref name="Deadline"/> (set when no fallback remains).</param>
/// <param name="HasFallback">
/// Whether another provider can answer if this one gives up (a chain member before its last viable one). A call with a
/// fallback counts rate-limit answers among its <paramref name="MaxRetries"/>, so the chain moves on; a call without one
/// retries them on their own count (up to <c>ProviderGate.MaxRateLimitRetries</c>), keeping its retries for failures.
/// </param>
public sealed record CallSettings(DateTimeOffset? Deadline = null, int? MaxRetries = null, TimeSpan? RetryDelay = null, bool WaitForBan = false, bool HasFallback = false);

/// <summary>The ambient <see cref="CallSettings"/> of the current async flow.</summary>
public static class CallScope
{
    private static readonly AsyncLocal<CallSettings?> Ambient = new();

    /// <summary>The settings in force, or null.</summary>
    public static CallSettings? Current => Ambient.Value;

    /// <summary>Sets settings for the calls made until the returned scope is disposed.</summary>
    /// <param name="settings">The settings.</param>
    /// <returns>Disposing restores the previous settings.</returns>
    public static IDisposable Begin(CallSettings settings)
    {
        var previous = Ambient.Value;
        Ambient.Value = settings;
        return new Restore(previous);
    }

    private sealed class Restore(CallSettings? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}

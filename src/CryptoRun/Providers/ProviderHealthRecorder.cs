using System.Threading.Channels;
using CryptoRun.Domain;
using CryptoRun.Resilience;
using CryptoRun.Storage;
using Microsoft.Extensions.Logging;

namespace CryptoRun.Providers;

/// <summary>
/// Keeps seed 002's <c>provider_health</c> table current: every state change of every registered
/// provider's gate (breaker transition, ban, budget spent or reset, recovery) is written, in order,
/// by one background writer; <see cref="SaveAllAsync"/> writes every provider's current state.
/// </summary>
public sealed partial class ProviderHealthRecorder : IAsyncDisposable
{
    private readonly ProviderRegistry _registry;
    private readonly IProviderHealthStore _store;
    private readonly ILogger _logger;
    private readonly Channel<ProviderHealthRecord> _pending = Channel.CreateUnbounded<ProviderHealthRecord>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    /// <summary>Subscribes to every registered provider's gate.</summary>
    /// <param name="registry">The providers.</param>
    /// <param name="store">Where health rows go.</param>
    /// <param name="logger">Logs state changes and failed writes.</param>
    public ProviderHealthRecorder(ProviderRegistry registry, IProviderHealthStore store, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _registry = registry;
        _store = store;
        _logger = logger;
        foreach (var provider in registry.All)
        {
            provider.Gate.StatusChanged += OnChanged;
        }

        _writer = Task.Run(WriteAsync);
    }

    /// <summary>The row for a provider's state.</summary>
    /// <param name="status">The state.</param>
    /// <returns>The provider_health row.</returns>
    public static ProviderHealthRecord ToRecord(ProviderStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var disabledUntil = status.Breaker.OpenUntil ?? status.DepletedUntil;
        return new ProviderHealthRecord(status.Provider, status.Health, status.LastOkAt, status.Breaker.ConsecutiveFailures, disabledUntil, status.LastError, status.UpdatedAt);
    }

    /// <summary>Writes every provider's current state (seed 002: health persisted each cycle).</summary>
    /// <param name="cancellationToken">Cancels the writes.</param>
    /// <returns>A task that completes when written.</returns>
    public async Task SaveAllAsync(CancellationToken cancellationToken = default)
    {
        foreach (var provider in _registry.All)
        {
            await _store.UpsertHealthAsync(ToRecord(provider.Gate.Status), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Unsubscribes and waits until every queued change is written.</summary>
    /// <returns>A task that completes when the writer has finished.</returns>
    public async ValueTask DisposeAsync()
    {
        foreach (var provider in _registry.All)
        {
            provider.Gate.StatusChanged -= OnChanged;
        }

        _pending.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private void OnChanged(ProviderStatus status, string reason)
    {
        LogStateChange(_logger, status.Provider, status.Health, status.Breaker.State, reason);
        _pending.Writer.TryWrite(ToRecord(status));
    }

    private async Task WriteAsync()
    {
        await foreach (var record in _pending.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await _store.UpsertHealthAsync(record).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogWriteFailed(_logger, record.Provider, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Provider} is {Health} (breaker {Breaker}): {Reason}")]
    private static partial void LogStateChange(ILogger logger, string provider, FetchStatus health, BreakerState breaker, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not record {Provider}'s health: {Error}")]
    private static partial void LogWriteFailed(ILogger logger, string provider, string error);
}

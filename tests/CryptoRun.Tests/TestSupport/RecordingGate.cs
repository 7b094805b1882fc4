using System.Collections.Concurrent;
using CryptoRun.Resilience;

namespace CryptoRun.Tests.TestSupport;

/// <summary>A gate that lets every request through and keeps the cost each one stated.</summary>
internal sealed class RecordingGate : IRequestGate
{
    private readonly ConcurrentQueue<RequestCost> _costs = new();

    public IReadOnlyList<RequestCost> Costs => _costs.ToArray();

    public ValueTask<T> ExecuteAsync<T>(RequestCost cost, Func<CancellationToken, ValueTask<T>> send, CancellationToken cancellationToken)
    {
        _costs.Enqueue(cost);
        return send(cancellationToken);
    }

    public void SyncUsed(string windowKey, int used)
    {
    }

    public void ConfigureLimits(IEnumerable<BudgetWindow> windows)
    {
    }
}

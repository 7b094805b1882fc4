namespace CryptoRun.Replay;

/// <summary>
/// Picks the fault rule, if any, for each request: rules in order, the first that applies wins.
/// A rule's count and its seeded random draws are its own state, kept under one lock, so the same
/// requests in the same order always fault the same way.
/// </summary>
internal sealed class FaultInjector
{
    private readonly Lock _lock = new();
    private readonly RuleState[] _rules;

    internal FaultInjector(ReplayFaults faults)
    {
        _rules = faults.Rules.Select((rule, i) =>
        {
            Check(rule);
            return new RuleState(rule, new Random(unchecked(faults.Seed + i)));
        }).ToArray();
    }

    /// <summary>The rule that applies to a request, or null; counts it against that rule.</summary>
    /// <param name="venue">The venue the path belongs to, or null.</param>
    /// <param name="method">The HTTP method.</param>
    /// <param name="path">The request path.</param>
    /// <param name="arrived">Arrival time on the replay clock.</param>
    internal ReplayFaultRule? Match(string? venue, string method, string path, DateTimeOffset arrived)
    {
        lock (_lock)
        {
            foreach (var state in _rules)
            {
                var rule = state.Rule;
                if ((rule.Venue != "*" && rule.Venue != venue)
                    || !path.StartsWith(rule.Path, StringComparison.Ordinal)
                    || (rule.Method is not null && !string.Equals(rule.Method, method, StringComparison.OrdinalIgnoreCase))
                    || (rule.From is { } from && arrived < from)
                    || (rule.Until is { } until && arrived >= until)
                    || (rule.Count is { } count && state.Applied >= count))
                {
                    continue;
                }

                if (rule.Probability is { } p && state.Random.NextDouble() >= p)
                {
                    continue;
                }

                state.Applied++;
                return rule;
            }

            return null;
        }
    }

    private static void Check(ReplayFaultRule rule)
    {
        var problem = rule switch
        {
            { Venue: var v } when v != "*" && !ReplayVenuePaths.Prefixes.ContainsKey(v) => $"venue '{v}' is not one the replay serves",
            { Path: var p } when !p.StartsWith('/') => $"path '{p}' must start with '/'",
            { Kind: ReplayFaultKind.Status, Status: < 100 or > 599 } => $"status {rule.Status} is not an HTTP status",
            { Kind: ReplayFaultKind.Latency } when rule.Latency <= TimeSpan.Zero => "latency must be positive",
            { Probability: <= 0 or > 1 } => "probability must be in (0, 1]",
            { Count: < 1 } => "count must be at least 1",
            _ => null,
        };
        if (problem is not null)
        {
            throw new ArgumentException($"fault rule '{rule.Name}'{(rule.Line > 0 ? $" (line {rule.Line})" : "")}: {problem}");
        }
    }

    private sealed class RuleState(ReplayFaultRule rule, Random random)
    {
        internal ReplayFaultRule Rule { get; } = rule;

        internal Random Random { get; } = random;

        internal int Applied { get; set; }
    }
}

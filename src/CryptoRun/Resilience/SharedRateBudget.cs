namespace CryptoRun.Resilience;

/// <summary>
/// The answer of <see cref="ISharedRateBudget.TryTakeAsync"/>: whether the units were taken, and when the
/// window resets. A refusal is an answer, not an exception (as a <c>RateLimitLease</c> with <c>RetryAfter</c>).
/// </summary>
/// <param name="Granted">True when the units were taken; false when taking them would exceed the limit (nothing was taken).</param>
/// <param name="Used">Units used in the window after taking them (every worker's); 0 when refused (not read).</param>
/// <param name="ResetsAt">When the window ends and its units come back (UTC): the end of the window holding <c>now</c>.</param>
public readonly record struct SharedBudgetTake(bool Granted, int Used, DateTimeOffset ResetsAt);

/// <summary>
/// A rate budget shared by every worker that uses the same backing store (a cluster on one IP): units
/// taken by one worker count against the window for all, so together they stay under a venue's limit.
/// Windows are the <see cref="BudgetWindow"/>s of <see cref="RequestBudget"/>, aligned to UTC boundaries
/// (<see cref="BudgetWindow.Start"/> to <see cref="BudgetWindow.NextBoundary"/>), so workers agree on them
/// without talking to each other. <see cref="ProviderGate"/> takes a request's weight from its waiting
/// (spacing, per-second, per-minute) windows here, in addition to its local budget.
/// </summary>
public interface ISharedRateBudget
{
    /// <summary>Atomically takes <paramref name="units"/> from a provider's window, unless that would exceed its limit.</summary>
    /// <param name="provider">The provider (venue) name, for example <c>binance</c>; the budget is keyed by it.</param>
    /// <param name="window">The window: its <see cref="BudgetWindow.Key"/> (for example <c>1M</c>) keys the budget, its <see cref="BudgetWindow.Limit"/> caps the units all workers take in one window.</param>
    /// <param name="units">Units to take (request weight), from 1 to the window's limit.</param>
    /// <param name="now">The caller's time (UTC); picks the window <c>[Start(now), NextBoundary(now))</c>.</param>
    /// <param name="cancellationToken">Cancels the call; the units are then taken or not, never half.</param>
    /// <returns>Granted with the window's used units, or refused with nothing taken; either way the window's reset time.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="units"/> is below 1 or above the window's limit.</exception>
    /// <remarks>
    /// Errors of the backing store (for example <c>NpgsqlException</c> when the server is unreachable) propagate:
    /// the gate then sends nothing and the call fails with that error.
    /// </remarks>
    ValueTask<SharedBudgetTake> TryTakeAsync(string provider, BudgetWindow window, int units, DateTimeOffset now, CancellationToken cancellationToken = default);
}

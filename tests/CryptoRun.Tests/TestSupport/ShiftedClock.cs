namespace CryptoRun.Tests.TestSupport;

/// <summary>
/// Real time moved to start at a chosen instant: it runs at the wall clock's pace and its timers
/// are real timers, so waits on per-second budgets end by themselves (a frozen manual clock would
/// hang them), while "now" is the recording's time.
/// </summary>
public sealed class ShiftedClock(DateTimeOffset start) : TimeProvider
{
    private readonly long _started = System.GetTimestamp();

    public override DateTimeOffset GetUtcNow() => start + System.GetElapsedTime(_started);
}

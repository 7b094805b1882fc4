namespace CryptoRun.Snapshots;

/// <summary>Options of a <see cref="PointInTimeStore"/>; validated when the store is created.</summary>
public sealed record PointInTimeStoreOptions
{
    /// <summary>The root folder; snapshots go under <c>{Root}/{venue}/{symbol-slug}/</c>. Created when missing.</summary>
    public required string Root { get; init; }

    /// <summary>How long snapshots are kept by <see cref="PointInTimeStore.CleanupAsync"/>, counted back from the clock's now.</summary>
    /// <value>30 days; must be positive.</value>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(30);

    /// <summary>The clock for default taken-at times and retention.</summary>
    /// <value><see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

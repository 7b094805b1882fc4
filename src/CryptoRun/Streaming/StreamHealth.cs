namespace CryptoRun.Streaming;

/// <summary>A venue stream client's health and counters at one moment (for <c>probe data</c>, the facade's venue health and the dashboard).</summary>
/// <param name="Venue">The venue.</param>
/// <param name="Connections">Connections the client runs (open or reconnecting).</param>
/// <param name="Open">Connections open now, receiving.</param>
/// <param name="ConnectAttempts">Connection attempts in all (first connects and reconnects, failed ones included).</param>
/// <param name="Reconnects">Open connections lost (dropped or closed by the venue, stale, broken) and being reopened, counted at the loss whether or not reopening succeeds.</param>
/// <param name="Frames">Frames received in all.</param>
/// <param name="ParseErrors">Frames that were not the venue's shape (counted and skipped).</param>
/// <param name="LastError">The last connection, snapshot or parse error, in words; null when none.</param>
/// <param name="Gaps">Gap events published (disconnects, stale streams, sequence gaps, checksum failures; slow consumers are counted in <paramref name="DroppedForSlowConsumers"/>).</param>
/// <param name="LastFrameAt">When the last frame arrived; null before the first.</param>
/// <param name="ChecksumPasses">Book updates whose venue checksum matched (Kraken, OKX).</param>
/// <param name="ChecksumFailures">Book updates whose venue checksum did not match.</param>
/// <param name="Resyncs">Books brought back in sync by a fresh snapshot after a gap or checksum failure.</param>
/// <param name="DroppedForSlowConsumers">Events dropped because a consumer's buffer was full, over all consumers.</param>
/// <param name="ConnectFailures">Connection attempts that failed (refused, an HTTP status instead of the upgrade, timed out, closed before their first frame); each is retried with backoff.</param>
/// <param name="LastConnectError">The last failed attempt's error, in words (for example <c>binance#1: The server returned status code '404' when status code '101' was expected.</c>); null when none failed.</param>
/// <param name="BannedUntil">When the venue's ban of this IP ends, as the client's REST calls learned it (HTTP 418, or the gate refusing because of a ban); the latest such end, kept after it passes; null when the venue never banned us.</param>
public sealed record StreamHealth(
    string Venue,
    int Connections,
    int Open,
    long ConnectAttempts,
    long Reconnects,
    long Frames,
    long ParseErrors,
    string? LastError,
    long Gaps,
    DateTimeOffset? LastFrameAt,
    long ChecksumPasses,
    long ChecksumFailures,
    long Resyncs,
    long DroppedForSlowConsumers,
    long ConnectFailures = 0,
    string? LastConnectError = null,
    DateTimeOffset? BannedUntil = null)
{
    /// <summary>True when at least one connection is open and none is reconnecting.</summary>
    public bool IsConnected => Open > 0 && Open == Connections;

    /// <summary>True when the venue banned this IP while the client ran (<see cref="BannedUntil"/> is set).</summary>
    public bool WasBanned => BannedUntil is not null;

    /// <summary>True once a connection has opened (an attempt succeeds with its first frame).</summary>
    public bool EverOpened => Frames > 0;
}

namespace CryptoRun.Domain;

/// <summary>How healthy the source of a record was when it was fetched (seed 002's <c>fetch_status</c>).</summary>
public enum FetchStatus
{
    /// <summary>Served normally by the named provider.</summary>
    Ok = 0,

    /// <summary>Served, but not normally: a fallback, a stale last-known-good answer or a partial result.</summary>
    Degraded = 1,

    /// <summary>The provider could not serve; the record carries the error.</summary>
    Down = 2,
}

/// <summary>Where a record came from: carried by every response and every stored row.</summary>
/// <param name="Provider">Provider (venue) name, for example <c>binance</c>, or <c>file</c> for imports.</param>
/// <param name="Endpoint">The endpoint or source called, for example <c>GET /api/v3/klines</c> or a file path.</param>
/// <param name="Window">The request window <c>[From, To)</c>, when the request had one.</param>
/// <param name="LatencyMs">Round-trip latency of the call in milliseconds (0 for files).</param>
/// <param name="FetchedAt">When the upstream call was made (UTC).</param>
/// <param name="Status">OK, DEGRADED or DOWN.</param>
/// <param name="Error">The error when <paramref name="Status"/> is not <see cref="FetchStatus.Ok"/>.</param>
public sealed record Provenance(
    string Provider,
    string Endpoint,
    TimeRange? Window,
    long LatencyMs,
    DateTimeOffset FetchedAt,
    FetchStatus Status = FetchStatus.Ok,
    string? Error = null);

/// <summary>Text forms of <see cref="FetchStatus"/> as stored and printed: <c>OK</c>, <c>DEGRADED</c>, <c>DOWN</c>.</summary>
public static class FetchStatusText
{
    /// <summary>The upper-case text of a status.</summary>
    /// <param name="status">The status.</param>
    /// <returns><c>OK</c>, <c>DEGRADED</c> or <c>DOWN</c>.</returns>
    public static string ToText(this FetchStatus status) => status switch
    {
        FetchStatus.Ok => "OK",
        FetchStatus.Degraded => "DEGRADED",
        _ => "DOWN",
    };

    /// <summary>Parses <c>OK</c>, <c>DEGRADED</c> or <c>DOWN</c> (case-insensitive).</summary>
    /// <param name="text">The text.</param>
    /// <returns>The status.</returns>
    /// <exception cref="FormatException">The text is none of the three.</exception>
    public static FetchStatus Parse(string text) => text.ToUpperInvariant() switch
    {
        "OK" => FetchStatus.Ok,
        "DEGRADED" => FetchStatus.Degraded,
        "DOWN" => FetchStatus.Down,
        _ => throw new FormatException($"'{text}' is not a fetch status: expected OK, DEGRADED or DOWN"),
    };
}

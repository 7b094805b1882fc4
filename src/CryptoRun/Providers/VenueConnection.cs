using CryptoRun.Resilience;

namespace CryptoRun.Providers;

/// <summary>
/// What a venue's REST requests are sent over: an HTTP client pointed at the venue, a clock, and the provider's gate.
/// Connectors are built on one, and so are the hot tier's REST calls (book snapshots, market metadata of stream-only
/// venues), so that both pass through the same gate: weights, <c>Retry-After</c>, bans and the breaker.
/// </summary>
/// <param name="Http">A client from <c>IHttpClientFactory</c> whose <c>BaseAddress</c> is the venue's base URL.</param>
/// <param name="TimeProvider">The clock (latency, fetched-at, closed candles).</param>
/// <param name="Gate">The provider's resilience gate; <see cref="OpenGate.Instance"/> for none.</param>
public sealed record VenueConnection(HttpClient Http, TimeProvider TimeProvider, IRequestGate Gate)
{
    /// <summary>A connection without resilience (parsers' tests, one-off calls).</summary>
    /// <param name="http">The client.</param>
    /// <param name="time">The clock.</param>
    /// <returns>The connection.</returns>
    public static VenueConnection Direct(HttpClient http, TimeProvider time) => new(http, time, OpenGate.Instance);
}

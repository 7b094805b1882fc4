using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.DefiLlama;

/// <summary>
/// DeFiLlama (<c>defillama</c>, <c>https://api.llama.fi</c>), a DeFi source: a protocol's current total
/// value locked in USD. Keyless; never microstructure.
/// </summary>
/// <remarks>
/// <para>
/// TVL: <c>GET /tvl/{protocol}</c>, "the simplified endpoint that only returns a number": the protocol slug
/// as DeFiLlama writes it (<c>uniswap</c>, <c>aave</c>, <c>lido</c>, lower case) gives a bare JSON number in USD;
/// a parent protocol's answer is the sum of its children. The answer has no time (DeFiLlama serves its latest
/// hourly record), so the point's time is the fetch time.
/// </para>
/// <para>
/// Errors: an unknown slug is 404 with a plain-text body (400 with <c>{"message": "Protocol is not in our
/// database"}</c> on older deployments): <see cref="VenueRequestException"/>; 429
/// <see cref="VenueRateLimitedException"/>; 5xx <see cref="VenueUnavailableException"/>. Every call has weight 1.
/// The probe is <c>GET /tvl/uniswap</c>: DeFiLlama has no ping, and this is its smallest documented answer
/// (one number).
/// </para>
/// <para>
/// Sources: DeFiLlama's API docs, TVL section (<c>/tvl/{protocol}</c>: "simplified endpoint that only returns a number,
/// the current TVL of a protocol"), DefiLlama/defillama-server's <c>/tvl/{name}</c> handler (404 texts, latest hourly
/// record, parent protocols summed). Nothing is recorded: the replay venue does not serve DeFiLlama.
/// </para>
/// </remarks>
public sealed class DefiLlamaConnector : IDeFiProvider, ITvlProvider
{
    /// <summary>The venue name.</summary>
    public const string VenueName = "defillama";

    private readonly VenueHttp _http;

    internal DefiLlamaConnector(VenueConnection connection)
        => _http = new VenueHttp(VenueName, connection, (status, body, endpoint) => DefiLlamaParser.ReadError(VenueName, status, body, endpoint));

    /// <summary>The default base address.</summary>
    public static Uri DefaultBaseAddress { get; } = new("https://api.llama.fi/");

    /// <inheritdoc />
    public string Name => VenueName;

    /// <inheritdoc />
    public ComplianceClass Compliance => ComplianceClass.DeFi;

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /tvl/uniswap</c> (one number).</remarks>
    public async Task<Provenance> ProbeAsync(CancellationToken cancellationToken = default)
        => (await GetProtocolTvlAsync("uniswap", cancellationToken).ConfigureAwait(false)).Provenance;

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /tvl/{protocol}</c>: a bare number, TVL in USD; the time is the fetch time.</remarks>
    public Task<Sourced<TvlPoint>> GetProtocolTvlAsync(string protocol, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(protocol);
        var slug = protocol.Trim().ToLowerInvariant();
        return _http.GetAsync($"/tvl/{Uri.EscapeDataString(slug)}", null, body => DefiLlamaParser.ParseTvl(slug, body, _http.Time.GetUtcNow().ToUnixTimeMilliseconds()), cancellationToken);
    }
}

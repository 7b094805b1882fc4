using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.DexScreener;

/// <summary>
/// DEX Screener (<c>dexscreener</c>, <c>https://api.dexscreener.com</c>), a DeFi source: DEX pair snapshots
/// (price, liquidity, 24 h volume) by chain and pair address, and pair search. Volume and events only,
/// never microstructure. Keyless.
/// </summary>
/// <remarks>
/// <para>
/// Pairs: <c>GET /latest/dex/pairs/{chainId}/{pairId}</c> (one or several comma-separated addresses; the
/// chain is DEX Screener's slug such as <c>solana</c> or <c>ethereum</c>, not a numeric chain id) and
/// <c>GET /latest/dex/search?q=</c> (symbol, name or address), both answering <c>{"schemaVersion", "pairs": [...]}</c>;
/// an unknown pair answers <c>"pairs": null</c>, which <see cref="GetPairAsync"/> reports as
/// <see cref="VenueRequestException"/>. A pair's time is the fetch time (the answer carries none).
/// </para>
/// <para>
/// Limits (per IP): 300 requests per minute for pairs, search and token endpoints, 60 per minute for token
/// profiles and boosts; every call has weight 1. 429 is <see cref="VenueRateLimitedException"/>, other 4xx
/// <see cref="VenueRequestException"/>, 5xx <see cref="VenueUnavailableException"/>. The probe is
/// <c>GET /token-profiles/latest/v1</c>, the lightest documented endpoint without parameters.
/// </para>
/// <para>
/// Sources: docs.dexscreener.com "API Reference" (endpoints, parameters, per-endpoint rate limits, response
/// fields; the same table in a third-party reference dated 2025-10-03). Nothing is recorded: the
/// replay venue does not serve DEX Screener.
/// </para>
/// </remarks>
public sealed class DexScreenerConnector : IDeFiProvider, IDexPairProvider
{
    /// <summary>The venue name.</summary>
    public const string VenueName = "dexscreener";

    private readonly VenueHttp _http;

    internal DexScreenerConnector(VenueConnection connection)
        => _http = new VenueHttp(VenueName, connection, static (_, _, _) => null);

    /// <summary>The default base address.</summary>
    public static Uri DefaultBaseAddress { get; } = new("https://api.dexscreener.com/");

    /// <inheritdoc />
    public string Name => VenueName;

    /// <inheritdoc />
    public ComplianceClass Compliance => ComplianceClass.DeFi;

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /token-profiles/latest/v1</c> (60 requests per minute).</remarks>
    public async Task<Provenance> ProbeAsync(CancellationToken cancellationToken = default)
        => (await _http.GetAsync("/token-profiles/latest/v1", null, static _ => true, cancellationToken).ConfigureAwait(false)).Provenance;

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /latest/dex/pairs/{chainId}/{pairAddress}</c>; the pair whose address matches (case-insensitive).</remarks>
    /// <exception cref="VenueRequestException">DEX Screener has no such pair on the chain.</exception>
    public async Task<Sourced<DexPairSnapshot>> GetPairAsync(string chainId, string pairAddress, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(chainId);
        ArgumentException.ThrowIfNullOrWhiteSpace(pairAddress);
        var path = $"/latest/dex/pairs/{Uri.EscapeDataString(chainId)}/{Uri.EscapeDataString(pairAddress)}";
        var pairs = await _http.GetAsync(path, null, body => DexScreenerParser.ParsePairs(body, Now()), cancellationToken).ConfigureAwait(false);
        var pair = pairs.Value.FirstOrDefault(p => string.Equals(p.PairAddress, pairAddress, StringComparison.OrdinalIgnoreCase))
            ?? throw new VenueRequestException(Name, $"{Name} {pairs.Provenance.Endpoint}: no pair {pairAddress} on {chainId}");
        return new Sourced<DexPairSnapshot>(pair, pairs.Provenance);
    }

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /latest/dex/search?q=</c>; the pairs in DEX Screener's order.</remarks>
    public async Task<Sourced<IReadOnlyList<DexPairSnapshot>>> SearchPairsAsync(string query, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        var pairs = await _http.GetAsync(Query.Build("/latest/dex/search", ("q", query)), null, body => DexScreenerParser.ParsePairs(body, Now()), cancellationToken).ConfigureAwait(false);
        return new Sourced<IReadOnlyList<DexPairSnapshot>>(pairs.Value, pairs.Provenance);
    }

    private long Now() => _http.Time.GetUtcNow().ToUnixTimeMilliseconds();
}

using System.Buffers;
using System.Text;
using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.TheGraph;

/// <summary>
/// The Graph (<c>thegraph</c>, gateway <c>https://gateway.thegraph.com</c>), a DeFi source over the Uniswap v3
/// Ethereum mainnet subgraph: Uniswap's TVL and Uniswap v3 pool snapshots. Needs an API key, read only from the
/// environment variable <see cref="ApiKeyVariable"/>; without it every call throws
/// <see cref="VenueRequestException"/> saying to set it, and nothing is sent.
/// </summary>
/// <remarks>
/// <para>
/// Every call is <c>POST /api/{api-key}/subgraphs/id/{subgraph-id}</c> with a GraphQL body
/// <c>{"query": "...", "variables": {...}}</c>; the subgraph is Uniswap v3 on Ethereum mainnet,
/// <see cref="UniswapV3SubgraphId"/>. The key is part of the URL path, so it is replaced by <c>***</c> in every
/// endpoint written to provenance and in every exception message; it is never logged.
/// </para>
/// <para>
/// TVL (<see cref="GetProtocolTvlAsync"/>) is served for the protocol <c>uniswap</c> only: the v3 factory's
/// <c>totalValueLockedUSD</c> (factory <see cref="UniswapV3Factory"/>), at the indexed block's time. Pairs
/// (<see cref="GetPairAsync"/>) are Uniswap v3 pools on chain <c>ethereum</c>, by pool address; see
/// <see cref="TheGraphParser"/> for how price, liquidity and 24 h volume are read. The Graph does not search:
/// <see cref="SearchPairsAsync"/> throws <see cref="VenueRequestException"/>.
/// </para>
/// <para>
/// Errors: the gateway answers auth and query errors with HTTP 200 and <c>{"errors": [{"message"}]}</c> (for
/// example <c>auth error: ...</c>), mapped to <see cref="VenueRequestException"/>; 429 is
/// <see cref="VenueRateLimitedException"/>, 5xx <see cref="VenueUnavailableException"/>. Every call has weight 1
/// (queries are billed per query).
/// </para>
/// <para>
/// Sources: docs.uniswap.org "The Uniswap Subgraph" (v3 mainnet GraphQL endpoint
/// <c>https://gateway.thegraph.com/api/&lt;YOUR_API_KEY_HERE&gt;/subgraphs/id/5zvR82QoaXYFyDEKLZ9t6v9adgnptxYpKpSbxtgVENFV</c>),
/// Uniswap/v3-subgraph <c>schema.graphql</c> (Factory, Pool, Token, Bundle, PoolHourData fields; <c>token1Price</c>
/// is token1 per token0), graph-node's <c>_meta</c> block field, graphprotocol/gateway issue 965 (errors with HTTP 200).
/// Nothing is recorded: the replay venue does not serve The Graph.
/// </para>
/// </remarks>
public sealed class TheGraphConnector : IDeFiProvider, ITvlProvider, IDexPairProvider
{
    /// <summary>The venue name.</summary>
    public const string VenueName = "thegraph";

    /// <summary>The environment variable holding the gateway API key.</summary>
    public const string ApiKeyVariable = "CRYPTORUN_THEGRAPH_API_KEY";

    /// <summary>The Uniswap v3 Ethereum mainnet subgraph id (docs.uniswap.org).</summary>
    public const string UniswapV3SubgraphId = "5zvR82QoaXYFyDEKLZ9t6v9adgnptxYpKpSbxtgVENFV";

    /// <summary>The Uniswap v3 factory on Ethereum mainnet, the subgraph's <c>Factory</c> id (lower case).</summary>
    public const string UniswapV3Factory = "0x1f98431c8ad98523631ae4a59f267346ea31f984";

    /// <summary>What replaces the API key in endpoints and messages.</summary>
    public const string Redacted = "***";

    private const string TvlQuery = "query($id: ID!) { factory(id: $id) { totalValueLockedUSD } _meta { block { number timestamp } } }";

    private const string PoolQuery = "query($id: ID!) { pool(id: $id) { id feeTier token0 { symbol derivedETH } token1 { symbol } token0Price token1Price totalValueLockedUSD "
        + "poolHourData(first: 24, orderBy: periodStartUnix, orderDirection: desc) { periodStartUnix volumeUSD } } bundle(id: \"1\") { ethPriceUSD } _meta { block { number timestamp } } }";

    private const string MetaQuery = "{ _meta { block { number } } }";

    private readonly VenueHttp _http;
    private readonly string? _apiKey;

    /// <summary>Creates the connector; the API key is read from <see cref="ApiKeyVariable"/>.</summary>
    /// <param name="connection">Client (base address <see cref="DefaultBaseAddress"/>), clock and gate.</param>
    public TheGraphConnector(VenueConnection connection)
        : this(connection, Environment.GetEnvironmentVariable(ApiKeyVariable))
    {
    }

    /// <summary>The seam tests use to pass a key without touching the process environment.</summary>
    internal TheGraphConnector(VenueConnection connection, string? apiKey)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _apiKey = string.IsNullOrWhiteSpace(apiKey) ? null : apiKey.Trim();
        _http = new VenueHttp(
            VenueName,
            connection,
            (status, body, endpoint) => TheGraphParser.ReadError(VenueName, status, body, endpoint, Redact),
            redact: Redact);
    }

    /// <summary>The default base address (the gateway).</summary>
    public static Uri DefaultBaseAddress { get; } = new("https://gateway.thegraph.com/");

    /// <inheritdoc />
    public string Name => VenueName;

    /// <inheritdoc />
    public ComplianceClass Compliance => ComplianceClass.DeFi;

    /// <summary>Whether an API key is set (never the key itself).</summary>
    public bool HasApiKey => _apiKey is not null;

    /// <inheritdoc />
    /// <remarks>Source: <c>POST /api/{key}/subgraphs/id/{id}</c> with <c>{ _meta { block { number } } }</c>.</remarks>
    /// <exception cref="VenueRequestException">No API key is set.</exception>
    public async Task<Provenance> ProbeAsync(CancellationToken cancellationToken = default)
    {
        var path = SubgraphPath();
        return (await _http.PostJsonAsync(path, Body(MetaQuery, null), null, json => TheGraphParser.ParseMeta(Name, json, Redact), cancellationToken).ConfigureAwait(false)).Provenance;
    }

    /// <inheritdoc />
    /// <remarks>Source: the Uniswap v3 subgraph's <c>factory(id) { totalValueLockedUSD }</c>; protocol <c>uniswap</c> only.</remarks>
    /// <exception cref="VenueRequestException">No API key is set, or the protocol is not <c>uniswap</c>.</exception>
    public async Task<Sourced<TvlPoint>> GetProtocolTvlAsync(string protocol, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(protocol);
        var path = SubgraphPath();
        if (!string.Equals(protocol.Trim(), "uniswap", StringComparison.OrdinalIgnoreCase))
        {
            throw new VenueRequestException(Name, $"{Name}: TVL is served for protocol 'uniswap' only (the Uniswap v3 mainnet subgraph), not '{protocol}'");
        }

        return await _http.PostJsonAsync(
            path, Body(TvlQuery, UniswapV3Factory), null, json => TheGraphParser.ParseFactoryTvl(Name, "uniswap", json, Now(), Redact), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>Source: the Uniswap v3 subgraph's <c>pool(id)</c>, <c>bundle</c> and <c>_meta</c>; chain <c>ethereum</c> only.</remarks>
    /// <exception cref="VenueRequestException">No API key is set, the chain is not <c>ethereum</c>, or the subgraph has no such pool.</exception>
    public async Task<Sourced<DexPairSnapshot>> GetPairAsync(string chainId, string pairAddress, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(chainId);
        ArgumentException.ThrowIfNullOrWhiteSpace(pairAddress);
        var path = SubgraphPath();
        if (!string.Equals(chainId.Trim(), "ethereum", StringComparison.OrdinalIgnoreCase))
        {
            throw new VenueRequestException(Name, $"{Name}: pairs are Uniswap v3 pools on chain 'ethereum' only, not '{chainId}'");
        }

        // Subgraph ids are lower-case hex addresses.
        var poolId = pairAddress.Trim().ToLowerInvariant();
        return await _http.PostJsonAsync(
            path, Body(PoolQuery, poolId), null, json => TheGraphParser.ParsePool(Name, "ethereum", poolId, json, Now(), Redact), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <exception cref="VenueRequestException">Always: with no API key it says to set one; with a key, that The Graph does not search (use <see cref="GetPairAsync"/> with a pool address).</exception>
    public Task<Sourced<IReadOnlyList<DexPairSnapshot>>> SearchPairsAsync(string query, CancellationToken cancellationToken = default)
    {
        SubgraphPath();
        throw new VenueRequestException(Name, $"{Name}: The Graph does not search pairs; ask for a Uniswap v3 pool by address with GetPairAsync, or search with dexscreener");
    }

    /// <summary>The subgraph path with the key; fails before anything is sent when no key is set.</summary>
    private string SubgraphPath()
        => _apiKey is null
            ? throw new VenueRequestException(Name, $"{Name}: no API key; set the environment variable {ApiKeyVariable} to a Subgraph Studio API key (nothing was sent)")
            : $"/api/{Uri.EscapeDataString(_apiKey)}/subgraphs/id/{UniswapV3SubgraphId}";

    private string Redact(string text)
    {
        if (_apiKey is null || string.IsNullOrEmpty(text))
        {
            return text;
        }

        return text.Replace(Uri.EscapeDataString(_apiKey), Redacted, StringComparison.Ordinal).Replace(_apiKey, Redacted, StringComparison.Ordinal);
    }

    private long Now() => _http.Time.GetUtcNow().ToUnixTimeMilliseconds();

    private static string Body(string query, string? id)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("query", query);
            if (id is not null)
            {
                writer.WriteStartObject("variables");
                writer.WriteString("id", id);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

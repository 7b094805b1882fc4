using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Resilience;
using CryptoRun.Streaming;
using CryptoRun.Venues.Binance;
using CryptoRun.Venues.Bitstamp;
using CryptoRun.Venues.Bybit;
using CryptoRun.Venues.Coinbase;
using CryptoRun.Venues.Kraken;
using CryptoRun.Venues.Okx;

namespace CryptoRun.Venues;

/// <summary>
/// A venue's WebSocket stream (the hot tier) and where its market metadata comes from: either a REST connector of
/// <see cref="VenueRegistry"/> (<paramref name="RestVenue"/>), or, for a stream-only venue, a market-metadata fetch
/// (<see cref="FetchMarkets"/> against <see cref="RestBase"/>).
/// </summary>
/// <param name="Name">The stream's name (<c>--venue</c> of <c>probe data</c>); also the venue name of its events.</param>
/// <param name="RestVenue">The REST connector that gives its market metadata, REST snapshots and trade backfill (<see cref="VenueRegistry"/>); null for a stream-only venue.</param>
/// <param name="Create">Creates the protocol.</param>
public sealed record StreamVenueDescriptor(string Name, string? RestVenue, Func<IStreamProtocol> Create)
{
    /// <summary>
    /// Fetches the venue's market metadata from its REST API, for a stream-only venue, through the connection's gate (build
    /// it from <see cref="RestPolicy"/>): the client's base address is <see cref="RestBase"/> (or a replay venue's base).
    /// Throws <see cref="VenueException"/> subclasses: rate limited (429, with its <c>Retry-After</c>), unavailable
    /// (transport, 5xx), request (other 4xx), data (a body that is not the venue's shape), and
    /// <see cref="ProviderUnavailableException"/> when the gate refuses without sending.
    /// </summary>
    /// <value>Null when <see cref="StreamVenueDescriptor.RestVenue"/> names a connector.</value>
    public Func<VenueConnection, CancellationToken, Task<MarketCatalog>>? FetchMarkets { get; init; }

    /// <summary>
    /// The policy of a stream-only venue's REST API (its documented rate limits, breaker): the gate its market metadata and
    /// REST book snapshots go through. Its <see cref="ProviderPolicy.Name"/> names the REST provider, which several streams
    /// may share (<c>bybit</c> for <c>bybit</c>, <c>bybit-linear</c> and <c>bybit-v2</c>): one gate per name in a process.
    /// </summary>
    /// <value>Null when <see cref="StreamVenueDescriptor.RestVenue"/> names a connector (its gate is the connector's).</value>
    public ProviderPolicy? RestPolicy { get; init; }

    /// <summary>The venue's real REST base URL: market metadata and, where the protocol takes them from REST, book snapshots.</summary>
    /// <value>Null when <see cref="StreamVenueDescriptor.RestVenue"/> names a connector (its base is the connector's).</value>
    public Uri? RestBase { get; init; }

    /// <summary>The replay venue's stream that serves this one's recording (<c>/ws/NAME</c>).</summary>
    /// <value>The stream's <see cref="StreamVenueDescriptor.Name"/> by default; <c>bybit</c> for both <c>bybit</c> and <c>bybit-linear</c>, <c>bybit-legacy</c> for <c>bybit-v2</c>.</value>
    public string ReplayStream { get; init; } = Name;

    /// <summary>
    /// When the replay stream merges several recorded connections of different endpoints (Bybit's linear and spot): the
    /// last segment of the recorded URL path of the connections this venue's stream is (<c>linear</c>, <c>spot</c>),
    /// appended to the replay URL (<c>/ws/bybit/linear</c>) so the replay serves only those connections' frames.
    /// </summary>
    /// <value>Null (default): every connection of the replay stream.</value>
    public string? ReplayConnection { get; init; }

    /// <summary>The stream's URL on a replay venue reached at <paramref name="replayBase"/>: <c>ws://HOST:PORT/ws/{ReplayStream}[/{ReplayConnection}]</c>.</summary>
    /// <param name="replayBase">The replay venue's base URL (<c>http://127.0.0.1:PORT</c>); <c>https</c> gives <c>wss</c>.</param>
    /// <returns>The WebSocket URL.</returns>
    public Uri ReplayEndpoint(Uri replayBase)
    {
        ArgumentNullException.ThrowIfNull(replayBase);
        var scheme = replayBase.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        return new Uri($"{scheme}://{replayBase.Authority}/ws/{ReplayStream}{(ReplayConnection is null ? "" : "/" + ReplayConnection)}");
    }
}

/// <summary>Every venue stream, by name. A new stream is one protocol class in its venue's folder and one line here.</summary>
public static class VenueStreams
{
    /// <summary>All streams, in the order commands list them.</summary>
    public static IReadOnlyList<StreamVenueDescriptor> All { get; } =
    [
        new("binance", "binance", () => BinanceStreamProtocol.Spot),
        new("binance-usdm", "binance-usdm", () => BinanceStreamProtocol.UsdM),
        new("kraken", "kraken", () => new KrakenStreamProtocol()),
        new("okx", "okx", () => new OkxStreamProtocol()),
        new("coinbase", "coinbase", () => new CoinbaseExchangeStreamProtocol()),
        new(CoinbaseAdvancedStreamProtocol.VenueName, "coinbase", () => new CoinbaseAdvancedStreamProtocol()),
        new("bybit", null, () => new BybitStreamProtocol(BybitCategory.Spot))
        {
            FetchMarkets = (rest, ct) => BybitMarkets.FetchV5Async(rest, BybitCategory.Spot, ct),
            RestBase = BybitMarkets.RestBase,
            RestPolicy = BybitMarkets.RestPolicy,
            ReplayConnection = "spot",
        },
        new("bybit-linear", null, () => new BybitStreamProtocol(BybitCategory.Linear))
        {
            FetchMarkets = (rest, ct) => BybitMarkets.FetchV5Async(rest, BybitCategory.Linear, ct),
            RestBase = BybitMarkets.RestBase,
            RestPolicy = BybitMarkets.RestPolicy,
            ReplayStream = "bybit",
            ReplayConnection = "linear",
        },
        new("bybit-v2", null, () => new BybitLegacyStreamProtocol())
        {
            FetchMarkets = BybitMarkets.FetchV2Async,
            RestBase = BybitMarkets.RestBase,
            RestPolicy = BybitMarkets.RestPolicy,
            ReplayStream = "bybit-legacy",
            ReplayConnection = "realtime_public",
        },
        new(KrakenFuturesMarkets.VenueName, null, () => new KrakenFuturesStreamProtocol())
        {
            FetchMarkets = KrakenFuturesMarkets.FetchAsync,
            RestBase = KrakenFuturesMarkets.RestBase,
            RestPolicy = KrakenFuturesMarkets.RestPolicy,
        },
        new(BitstampStreamProtocol.VenueName, null, () => new BitstampStreamProtocol())
        {
            FetchMarkets = BitstampMarkets.FetchAsync,
            RestBase = BitstampStreamProtocol.DefaultRestBaseAddress,
            RestPolicy = BitstampMarkets.RestPolicy,
        },
    ];

    /// <summary>Finds a stream by name (case-insensitive).</summary>
    /// <param name="name">The stream name.</param>
    /// <returns>The stream.</returns>
    /// <exception cref="ArgumentException">No stream has that name; the message lists the known ones.</exception>
    public static StreamVenueDescriptor Get(string name)
        => All.FirstOrDefault(v => string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase))
           ?? throw new ArgumentException($"no WebSocket stream for '{name}': use one of {string.Join(", ", All.Select(v => v.Name))}", nameof(name));
}

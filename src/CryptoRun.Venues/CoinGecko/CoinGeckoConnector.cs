using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.CoinGecko;

/// <summary>
/// CoinGecko (<c>coingecko</c>, <c>https://api.coingecko.com</c>), an aggregator: spot prices and asset
/// supply as a market-data fallback, never microstructure. Keyless; an optional Demo API key is read only
/// from the environment variable <see cref="ApiKeyVariable"/> and sent as the <c>x-cg-demo-api-key</c> header.
/// </summary>
/// <remarks>
/// <para>
/// Assets are CoinGecko coin ids, not tickers: <see cref="DefaultCoinIds"/> maps a small set of majors
/// (<c>BTC</c> <c>bitcoin</c>, <c>ETH</c> <c>ethereum</c>, <c>SOL</c> <c>solana</c>, <c>AVAX</c> <c>avalanche-2</c>, ...),
/// and the constructor's table adds or replaces entries. An asset outside the table is refused before any call.
/// </para>
/// <para>
/// Quotes: the instrument's quote asset, lower-cased, is the <c>vs_currencies</c> value (<c>BTC/USD</c> asks
/// <c>usd</c>, <c>ETH/EUR</c> <c>eur</c>, <c>ETH/BTC</c> <c>btc</c>). <c>USDT</c> and <c>USDC</c> are deliberately not
/// mapped to <c>usd</c>: CoinGecko's USD price is not a USDT price (the two part when a stablecoin de-pegs), so
/// <c>BTC/USDT</c> asks <c>usdt</c>, and when CoinGecko does not quote that currency the call fails with a
/// <see cref="VenueRequestException"/> naming it. Perpetuals are refused: an aggregator has no derivative quotes.
/// The 24 h volume CoinGecko returns is in the vs currency, not base units, so <see cref="SpotQuote.Volume24h"/> stays null.
/// </para>
/// <para>
/// The API key is never part of an endpoint (it travels in a header), so provenance and messages cannot show it.
/// Errors: 429 with <c>{"status": {"error_code": 429, "error_message"}}</c> is <see cref="VenueRateLimitedException"/>
/// (honouring <c>Retry-After</c>); 401/403 key errors (codes 10002, 10005, 10010, 10011) and 400/404
/// <c>{"error": "..."}</c> are <see cref="VenueRequestException"/> with the code; 5xx is <see cref="VenueUnavailableException"/>.
/// Every call has weight 1 (CoinGecko counts calls, not weights).
/// </para>
/// <para>
/// Sources: docs.coingecko.com "Authentication (Demo API)" (<c>x-cg-demo-api-key</c>, root <c>https://api.coingecko.com/api/v3/</c>),
/// "Errors &amp; Rate Limits" (status codes, error codes 10002/10005/10010/10011, keyless IP-based limits,
/// Demo 100 calls/min), the <c>/ping</c>, <c>/simple/price</c>, <c>/coins/markets</c> and <c>/global</c> references;
/// the <c>/global</c> shape is confirmed by a recorded response (OpenBB cassette, 2022-04-06).
/// </para>
/// </remarks>
public sealed class CoinGeckoConnector : IAggregatorProvider, ITickerProvider, ISupplyProvider
{
    /// <summary>The venue name.</summary>
    public const string VenueName = "coingecko";

    /// <summary>The environment variable holding an optional CoinGecko Demo API key.</summary>
    public const string ApiKeyVariable = "CRYPTORUN_COINGECKO_API_KEY";

    /// <summary>The header the Demo API key is sent in.</summary>
    public const string ApiKeyHeader = "x-cg-demo-api-key";

    private readonly VenueHttp _http;
    private readonly Dictionary<string, string> _coinIds;

    /// <summary>Creates the connector; the API key, if any, is read from <see cref="ApiKeyVariable"/>.</summary>
    /// <param name="connection">Client (base address <see cref="DefaultBaseAddress"/> or the replay venue), clock and gate.</param>
    /// <param name="coinIds">Asset code to CoinGecko coin id entries that add to or replace <see cref="DefaultCoinIds"/>
    /// (for example <c>{"PEPE": "pepe"}</c>); asset codes are case-insensitive.</param>
    public CoinGeckoConnector(VenueConnection connection, IReadOnlyDictionary<string, string>? coinIds = null)
        : this(connection, coinIds, Environment.GetEnvironmentVariable(ApiKeyVariable))
    {
    }

    /// <summary>The seam tests use to pass a key without touching the process environment.</summary>
    internal CoinGeckoConnector(VenueConnection connection, IReadOnlyDictionary<string, string>? coinIds, string? apiKey)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var key = string.IsNullOrWhiteSpace(apiKey) ? null : apiKey.Trim();
        HasApiKey = key is not null;
        _http = new VenueHttp(
            VenueName,
            connection,
            (status, body, endpoint) => CoinGeckoParser.ReadError(VenueName, status, body, endpoint),
            prepare: key is null ? null : request => request.Headers.TryAddWithoutValidation(ApiKeyHeader, key));
        _coinIds = new Dictionary<string, string>(DefaultCoinIds, StringComparer.OrdinalIgnoreCase);
        foreach (var (asset, id) in coinIds ?? new Dictionary<string, string>())
        {
            _coinIds[asset] = id;
        }
    }

    /// <summary>The default base address.</summary>
    public static Uri DefaultBaseAddress { get; } = new("https://api.coingecko.com/");

    /// <summary>
    /// The majors mapped by default: BTC bitcoin, ETH ethereum, SOL solana, AVAX avalanche-2, BNB binancecoin,
    /// XRP ripple, ADA cardano, DOGE dogecoin, DOT polkadot, LINK chainlink, LTC litecoin, USDT tether, USDC usd-coin.
    /// </summary>
    public static IReadOnlyDictionary<string, string> DefaultCoinIds { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["BTC"] = "bitcoin",
        ["ETH"] = "ethereum",
        ["SOL"] = "solana",
        ["AVAX"] = "avalanche-2",
        ["BNB"] = "binancecoin",
        ["XRP"] = "ripple",
        ["ADA"] = "cardano",
        ["DOGE"] = "dogecoin",
        ["DOT"] = "polkadot",
        ["LINK"] = "chainlink",
        ["LTC"] = "litecoin",
        ["USDT"] = "tether",
        ["USDC"] = "usd-coin",
    };

    /// <inheritdoc />
    public string Name => VenueName;

    /// <inheritdoc />
    public ComplianceClass Compliance => ComplianceClass.Aggregator;

    /// <summary>Whether a Demo API key is sent (never the key itself).</summary>
    public bool HasApiKey { get; }

    /// <summary>The CoinGecko coin id used for an asset code.</summary>
    /// <param name="asset">The asset code, for example <c>AVAX</c>.</param>
    /// <returns>The coin id, for example <c>avalanche-2</c>.</returns>
    /// <exception cref="VenueRequestException">The asset is not in the table; the message says how to add it.</exception>
    public string CoinIdOf(string asset)
    {
        ArgumentNullException.ThrowIfNull(asset);
        return _coinIds.TryGetValue(asset, out var id)
            ? id
            : throw new VenueRequestException(Name, $"{Name}: no CoinGecko coin id for '{asset}'; pass it in the connector's coin id table (asset to id, for example PEPE to pepe)");
    }

    /// <inheritdoc />
    /// <remarks>
    /// Source: <c>GET /api/v3/ping</c>: <c>{"gecko_says": "(V3) To the Moon!"}</c>; any JSON object is accepted (over the
    /// replay venue the path is shared with Binance spot's ping, which answers <c>{}</c>).
    /// </remarks>
    public async Task<Provenance> ProbeAsync(CancellationToken cancellationToken = default)
        => (await _http.GetAsync("/api/v3/ping", null, CoinGeckoParser.ParsePing, cancellationToken).ConfigureAwait(false)).Provenance;

    /// <inheritdoc />
    /// <remarks>
    /// Source: <c>GET /api/v3/simple/price?ids=&amp;vs_currencies=&amp;include_24hr_vol=true&amp;include_last_updated_at=true</c>:
    /// the price in the vs currency and CoinGecko's update time; no bid, ask or base-unit volume.
    /// </remarks>
    /// <exception cref="VenueRequestException">The instrument is a perpetual, its base has no coin id, or CoinGecko has no price in its quote currency.</exception>
    public async Task<Sourced<SpotQuote>> GetSpotQuoteAsync(Instrument instrument, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        if (instrument.IsPerpetual)
        {
            throw new VenueRequestException(Name, $"{Name}: {instrument} is a perpetual; an aggregator quotes spot prices only (BASE/QUOTE)");
        }

        var coinId = CoinIdOf(instrument.Base);
        var vs = instrument.Quote.ToLowerInvariant();
        var path = Query.Build(
            "/api/v3/simple/price",
            ("ids", coinId),
            ("vs_currencies", vs),
            ("include_24hr_vol", "true"),
            ("include_last_updated_at", "true"));
        return await _http.GetAsync(path, null, body => CoinGeckoParser.ParseSimplePrice(Name, instrument, coinId, vs, body), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Source: <c>GET /api/v3/coins/markets?vs_currency=usd&amp;ids=</c>: <c>circulating_supply</c>, <c>total_supply</c>,
    /// <c>max_supply</c> (coin units, null when CoinGecko has none) and <c>last_updated</c>.
    /// </remarks>
    public async Task<Sourced<SupplySnapshot>> GetSupplyAsync(string asset, CancellationToken cancellationToken = default)
    {
        var coinId = CoinIdOf(asset);
        var path = Query.Build("/api/v3/coins/markets", ("vs_currency", "usd"), ("ids", coinId));
        var code = asset.ToUpperInvariant();
        return await _http.GetAsync(path, null, body => CoinGeckoParser.ParseMarkets(Name, code, coinId, body), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The whole market's capitalisation, volume and dominance.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The figures with the call's provenance.</returns>
    /// <exception cref="VenueException">The call failed or the answer is malformed.</exception>
    /// <remarks>Source: <c>GET /api/v3/global</c> (weight 1); see <see cref="CoinGeckoGlobal"/> for units.</remarks>
    public Task<Sourced<CoinGeckoGlobal>> GetGlobalAsync(CancellationToken cancellationToken = default)
        => _http.GetAsync("/api/v3/global", null, CoinGeckoParser.ParseGlobal, cancellationToken);
}

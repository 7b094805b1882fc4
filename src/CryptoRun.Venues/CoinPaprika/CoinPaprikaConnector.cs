using System.Collections.Concurrent;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.CoinPaprika;

/// <summary>A currency found by CoinPaprika's search (<c>GET /v1/search?c=currencies</c>).</summary>
/// <param name="Id">The coin id, for example <c>eth-ethereum</c>.</param>
/// <param name="Name">The coin name, for example <c>Ethereum</c>.</param>
/// <param name="Symbol">The ticker symbol, for example <c>ETH</c>.</param>
/// <param name="Rank">CoinPaprika's market-cap rank; 0 when unranked.</param>
/// <param name="IsActive">Whether CoinPaprika lists it as active.</param>
/// <param name="IsNew">Whether it was added in the last few days.</param>
/// <param name="Type">The kind, <c>coin</c> or <c>token</c>, when given.</param>
public sealed record CoinPaprikaCurrency(string Id, string Name, string Symbol, int Rank, bool IsActive, bool IsNew, string? Type);

/// <summary>
/// CoinPaprika (<c>coinpaprika</c>, <c>https://api.coinpaprika.com</c>), an aggregator: spot prices and
/// supply from one ticker call, never microstructure. Keyless (the Free plan).
/// </summary>
/// <remarks>
/// <para>
/// Assets map to CoinPaprika coin ids through <see cref="DefaultCoinIds"/> (<c>BTC</c> <c>btc-bitcoin</c>,
/// <c>ETH</c> <c>eth-ethereum</c>, ...), then through the constructor's table, and otherwise through
/// <c>GET /v1/search?q=ASSET&amp;c=currencies&amp;limit=100</c>: the active currency whose symbol equals the asset,
/// best (lowest non-zero) rank first. A resolved id is kept for the connector's lifetime.
/// </para>
/// <para>
/// Quotes: the instrument's quote asset is the <c>quotes</c> value as written (<c>USD</c>, <c>BTC</c>, <c>EUR</c>);
/// <c>USDT</c> is not mapped to <c>USD</c> (a USD price is not a USDT price), so a quote CoinPaprika does not
/// serve fails with <see cref="VenueRequestException"/>. <c>volume_24h</c> is in the quote currency, so
/// <see cref="SpotQuote.Volume24h"/> stays null. On the Free plan the ticker has no <c>circulating_supply</c>;
/// <see cref="SupplySnapshot.Circulating"/> is then null.
/// </para>
/// <para>
/// Errors: <c>{"error": "id not found"}</c> with 404, 400 for bad parameters and 402 for paid-only data are
/// <see cref="VenueRequestException"/> with the venue's text as <see cref="VenueException.VenueCode"/>; 429 is
/// <see cref="VenueRateLimitedException"/>. Every call has weight 1.
/// </para>
/// <para>
/// Sources: docs.coinpaprika.com "Get ticker for a specific coin" (<c>/tickers/{coin_id}</c>, fields, Free plan
/// without circulating supply, 5-minute updates on Free), "Search" (<c>q</c>, <c>c</c> categories, <c>limit</c> per
/// category, at most 250) and the <c>/global</c> reference; the search shape is confirmed by a recorded
/// response (OpenBB cassette, q=ethereum, 2022-01-29).
/// </para>
/// </remarks>
public sealed class CoinPaprikaConnector : IAggregatorProvider, ITickerProvider, ISupplyProvider
{
    /// <summary>The venue name.</summary>
    public const string VenueName = "coinpaprika";

    /// <summary>How many search results per category the resolver asks for.</summary>
    public const int SearchLimit = 100;

    private readonly VenueHttp _http;
    private readonly Dictionary<string, string> _coinIds;
    private readonly ConcurrentDictionary<string, string> _resolved = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Creates the connector.</summary>
    /// <param name="connection">Client (base address <see cref="DefaultBaseAddress"/> or the replay venue), clock and gate.</param>
    /// <param name="coinIds">Asset code to coin id entries that add to or replace <see cref="DefaultCoinIds"/>; asset codes are case-insensitive.</param>
    public CoinPaprikaConnector(VenueConnection connection, IReadOnlyDictionary<string, string>? coinIds = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _http = new VenueHttp(VenueName, connection, (status, body, endpoint) => CoinPaprikaParser.ReadError(VenueName, status, body, endpoint));
        _coinIds = new Dictionary<string, string>(DefaultCoinIds, StringComparer.OrdinalIgnoreCase);
        foreach (var (asset, id) in coinIds ?? new Dictionary<string, string>())
        {
            _coinIds[asset] = id;
        }
    }

    /// <summary>The default base address.</summary>
    public static Uri DefaultBaseAddress { get; } = new("https://api.coinpaprika.com/");

    /// <summary>
    /// The majors mapped without a search: BTC btc-bitcoin, ETH eth-ethereum, SOL sol-solana, AVAX avax-avalanche,
    /// BNB bnb-binance-coin, XRP xrp-xrp, ADA ada-cardano, DOGE doge-dogecoin, DOT dot-polkadot, LINK link-chainlink,
    /// LTC ltc-litecoin, USDT usdt-tether, USDC usdc-usd-coin.
    /// </summary>
    public static IReadOnlyDictionary<string, string> DefaultCoinIds { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["BTC"] = "btc-bitcoin",
        ["ETH"] = "eth-ethereum",
        ["SOL"] = "sol-solana",
        ["AVAX"] = "avax-avalanche",
        ["BNB"] = "bnb-binance-coin",
        ["XRP"] = "xrp-xrp",
        ["ADA"] = "ada-cardano",
        ["DOGE"] = "doge-dogecoin",
        ["DOT"] = "dot-polkadot",
        ["LINK"] = "link-chainlink",
        ["LTC"] = "ltc-litecoin",
        ["USDT"] = "usdt-tether",
        ["USDC"] = "usdc-usd-coin",
    };

    /// <inheritdoc />
    public string Name => VenueName;

    /// <inheritdoc />
    public ComplianceClass Compliance => ComplianceClass.Aggregator;

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /v1/global</c> (market overview: <c>market_cap_usd</c>, <c>volume_24h_usd</c>, <c>last_updated</c>, ...).</remarks>
    public async Task<Provenance> ProbeAsync(CancellationToken cancellationToken = default)
        => (await _http.GetAsync("/v1/global", null, CoinPaprikaParser.ParseGlobal, cancellationToken).ConfigureAwait(false)).Provenance;

    /// <summary>Currencies matching a search text (name or symbol).</summary>
    /// <param name="query">The text, for example <c>ethereum</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The matching currencies in CoinPaprika's order, with the call's provenance.</returns>
    /// <exception cref="VenueException">The call failed.</exception>
    /// <remarks>Source: <c>GET /v1/search?q=&amp;c=currencies&amp;limit=100</c>.</remarks>
    public Task<Sourced<IReadOnlyList<CoinPaprikaCurrency>>> SearchCurrenciesAsync(string query, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        var path = Query.Build("/v1/search", ("q", query), ("c", "currencies"), ("limit", SearchLimit));
        return _http.GetAsync<IReadOnlyList<CoinPaprikaCurrency>>(path, null, body => CoinPaprikaParser.ParseSearchCurrencies(body), cancellationToken);
    }

    /// <summary>The CoinPaprika coin id for an asset code: from the table, else from a search by symbol.</summary>
    /// <param name="asset">The asset code, for example <c>ETH</c>.</param>
    /// <param name="cancellationToken">Cancels the search.</param>
    /// <returns>The coin id, for example <c>eth-ethereum</c>.</returns>
    /// <exception cref="VenueRequestException">No active currency has that symbol.</exception>
    public async Task<string> CoinIdOfAsync(string asset, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(asset);
        if (_coinIds.TryGetValue(asset, out var id) || _resolved.TryGetValue(asset, out id))
        {
            return id;
        }

        var found = await SearchCurrenciesAsync(asset, cancellationToken).ConfigureAwait(false);
        var best = found.Value
            .Where(c => c.IsActive && string.Equals(c.Symbol, asset, StringComparison.OrdinalIgnoreCase))
            .OrderBy(c => c.Rank > 0 ? c.Rank : int.MaxValue)
            .FirstOrDefault()
            ?? throw new VenueRequestException(Name, $"{Name} {found.Provenance.Endpoint}: no active currency with symbol '{asset}'; pass its coin id in the connector's table");
        _resolved[asset] = best.Id;
        return best.Id;
    }

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /v1/tickers/{coin_id}?quotes=QUOTE</c>: <c>quotes.QUOTE.price</c> and <c>last_updated</c>.</remarks>
    /// <exception cref="VenueRequestException">The instrument is a perpetual, the coin is unknown, or CoinPaprika has no such quote.</exception>
    public async Task<Sourced<SpotQuote>> GetSpotQuoteAsync(Instrument instrument, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        if (instrument.IsPerpetual)
        {
            throw new VenueRequestException(Name, $"{Name}: {instrument} is a perpetual; an aggregator quotes spot prices only (BASE/QUOTE)");
        }

        var coinId = await CoinIdOfAsync(instrument.Base, cancellationToken).ConfigureAwait(false);
        var path = Query.Build($"/v1/tickers/{Uri.EscapeDataString(coinId)}", ("quotes", instrument.Quote));
        return await _http.GetAsync(path, null, body => CoinPaprikaParser.ParseQuote(Name, instrument, instrument.Quote, body), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>Source: <c>GET /v1/tickers/{coin_id}?quotes=USD</c>: <c>circulating_supply</c> (not on the Free plan), <c>total_supply</c>, <c>max_supply</c>, <c>last_updated</c>.</remarks>
    public async Task<Sourced<SupplySnapshot>> GetSupplyAsync(string asset, CancellationToken cancellationToken = default)
    {
        var coinId = await CoinIdOfAsync(asset, cancellationToken).ConfigureAwait(false);
        var path = Query.Build($"/v1/tickers/{Uri.EscapeDataString(coinId)}", ("quotes", "USD"));
        var code = asset.ToUpperInvariant();
        return await _http.GetAsync(path, null, body => CoinPaprikaParser.ParseSupply(code, body), cancellationToken).ConfigureAwait(false);
    }
}

namespace CryptoRun.Venues.CoinGecko;

/// <summary>The whole crypto market as CoinGecko reports it (<c>GET /api/v3/global</c>).</summary>
/// <param name="ActiveCryptocurrencies">Coins CoinGecko tracks as active.</param>
/// <param name="Markets">Exchanges (markets) CoinGecko tracks.</param>
/// <param name="TotalMarketCap">Total market capitalisation per vs currency (lower-case code, for example <c>usd</c>, <c>btc</c>), in that currency.</param>
/// <param name="TotalVolume">Total 24 h traded volume per vs currency, in that currency.</param>
/// <param name="MarketCapPercentage">Share of the total market cap per coin symbol (<c>btc</c>), in percent (39.43 = 39.43 %).</param>
/// <param name="MarketCapChangePercentage24hUsd">Change of the USD market cap over 24 h, in percent, when given.</param>
/// <param name="UpdatedAtMs">When CoinGecko computed the figures, Unix epoch milliseconds (the API sends seconds).</param>
/// <param name="UpcomingIcos">ICOs listed as upcoming, when given.</param>
/// <param name="OngoingIcos">ICOs listed as ongoing, when given.</param>
/// <param name="EndedIcos">ICOs listed as ended, when given.</param>
public sealed record CoinGeckoGlobal(
    int ActiveCryptocurrencies,
    int Markets,
    IReadOnlyDictionary<string, decimal> TotalMarketCap,
    IReadOnlyDictionary<string, decimal> TotalVolume,
    IReadOnlyDictionary<string, decimal> MarketCapPercentage,
    decimal? MarketCapChangePercentage24hUsd,
    long UpdatedAtMs,
    int? UpcomingIcos = null,
    int? OngoingIcos = null,
    int? EndedIcos = null);

using CryptoRun.Domain;

namespace CryptoRun.Venues.Binance;

/// <summary>
/// What differs between Binance spot (<c>api.binance.com/api/v3</c>) and USD-M futures
/// (<c>fapi.binance.com/fapi/v1</c>): paths, page limits, allowed depths and request weights.
/// </summary>
/// <remarks>Weights and limits from the official Binance spot and USD-M market-data docs (2026).</remarks>
internal sealed record BinanceApi(
    string Name,
    Uri DefaultBaseAddress,
    string PathPrefix,
    int MaxKlinesPerRequest,
    Func<int, int> KlineWeight,
    IReadOnlyList<int>? DepthLimits,
    int MaxDepth,
    Func<int, int> DepthWeight,
    int AggTradesWeight,
    int ExchangeInfoWeight)
{
    /// <summary>The intervals both APIs serve that CryptoRun models (all of <see cref="Timeframe.All"/>).</summary>
    internal static IReadOnlyList<Timeframe> Timeframes => Timeframe.All;

    /// <summary>Binance spot: klines max 1000 (weight 2); depth any 1..5000 (weight 5/25/50/250); aggTrades weight 4.</summary>
    internal static BinanceApi Spot { get; } = new(
        "binance",
        new Uri("https://api.binance.com/"),
        "/api/v3",
        1000,
        static _ => 2,
        null,
        5000,
        static limit => limit switch { <= 100 => 5, <= 500 => 25, <= 1000 => 50, _ => 250 },
        4,
        20);

    /// <summary>
    /// Binance USD-M futures: klines max 1500 (weight 1/2/5/10 by limit); depth only
    /// 5/10/20/50/100/500/1000 (weight 2/5/10/20); aggTrades weight 20.
    /// </summary>
    internal static BinanceApi UsdM { get; } = new(
        "binance-usdm",
        new Uri("https://fapi.binance.com/"),
        "/fapi/v1",
        1500,
        static limit => limit switch { < 100 => 1, < 500 => 2, <= 1000 => 5, _ => 10 },
        [5, 10, 20, 50, 100, 500, 1000],
        1000,
        static limit => limit switch { <= 50 => 2, <= 100 => 5, <= 500 => 10, _ => 20 },
        20,
        1);

    /// <summary>The depth <c>limit</c> to send for a wanted depth: the smallest allowed value that covers it.</summary>
    internal int DepthLimitFor(int depth)
    {
        var wanted = Math.Clamp(depth, 1, MaxDepth);
        return DepthLimits is null ? wanted : DepthLimits.FirstOrDefault(l => l >= wanted, DepthLimits[^1]);
    }
}

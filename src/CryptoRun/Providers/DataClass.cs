namespace CryptoRun.Providers;

/// <summary>Seed 000's (and seed 002's) data classes, each served by its own fallback chain.</summary>
public enum DataClass
{
    /// <summary>Exchange-native microstructure: order books and trades (Binance, Kraken, OKX). Aggregators are barred.</summary>
    Microstructure,

    /// <summary>Derivatives: funding and open interest (OKX, Binance USD-M).</summary>
    Derivatives,

    /// <summary>Market data fallback: prices and supply (CoinGecko, CoinPaprika, Binance).</summary>
    MarketData,

    /// <summary>DeFi / on-chain volume and TVL (DeFiLlama, TheGraph, DEXScreener).</summary>
    DeFi,

    /// <summary>DEX volume and pair events (DEXScreener, DeFiLlama, TheGraph).</summary>
    Dex,

    /// <summary>Protocol analytics: TVL and AMM metrics (TheGraph, DeFiLlama).</summary>
    ProtocolAnalytics,

    /// <summary>Seed 002's spot price chain (Coinbase, Kraken).</summary>
    Spot,
}

/// <summary>Names and capabilities of data classes.</summary>
public static class DataClasses
{
    /// <summary>The kebab-case name used in config and output (<c>protocol-analytics</c>).</summary>
    /// <param name="dataClass">The class.</param>
    /// <returns>The name.</returns>
    public static string Name(this DataClass dataClass) => dataClass switch
    {
        DataClass.Microstructure => "microstructure",
        DataClass.Derivatives => "derivatives",
        DataClass.MarketData => "market-data",
        DataClass.DeFi => "defi",
        DataClass.Dex => "dex",
        DataClass.ProtocolAnalytics => "protocol-analytics",
        _ => "spot",
    };

    /// <summary>Parses a kebab-case data-class name.</summary>
    /// <param name="name">The name.</param>
    /// <param name="dataClass">The class when known.</param>
    /// <returns><see langword="true"/> when known.</returns>
    public static bool TryParse(string name, out DataClass dataClass)
    {
        foreach (var candidate in Enum.GetValues<DataClass>())
        {
            if (string.Equals(candidate.Name(), name, StringComparison.OrdinalIgnoreCase))
            {
                dataClass = candidate;
                return true;
            }
        }

        dataClass = default;
        return false;
    }

    /// <summary>Whether the class is microstructure, which aggregators may never serve.</summary>
    /// <param name="dataClass">The class.</param>
    /// <returns><see langword="true"/> for <see cref="DataClass.Microstructure"/>.</returns>
    public static bool IsMicrostructure(this DataClass dataClass) => dataClass == DataClass.Microstructure;
}

namespace CryptoRun.Domain;

/// <summary>Seed 002's quality gate for ingestion records: price positive and non-null, status not DOWN, provenance set.</summary>
public static class SnapshotChecks
{
    /// <summary>What is wrong with a spot quote, or null when it may be stored.</summary>
    /// <param name="quote">The quote.</param>
    /// <param name="provenance">Its provenance.</param>
    /// <returns>The reason, or null.</returns>
    public static string? Problem(SpotQuote quote, Provenance provenance)
    {
        ArgumentNullException.ThrowIfNull(quote);
        return quote.Price <= 0 ? $"{quote.Instrument} price {quote.Price} is not positive" : Problem(provenance);
    }

    /// <summary>What is wrong with a DEX snapshot, or null when it may be stored.</summary>
    /// <param name="snapshot">The snapshot.</param>
    /// <param name="provenance">Its provenance.</param>
    /// <returns>The reason, or null.</returns>
    public static string? Problem(DexPairSnapshot snapshot, Provenance provenance)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return snapshot.PriceUsd is not > 0
            ? $"{snapshot.ChainId}/{snapshot.PairAddress} USD price {snapshot.PriceUsd?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null"} is not positive"
            : Problem(provenance);
    }

    private static string? Problem(Provenance provenance)
    {
        ArgumentNullException.ThrowIfNull(provenance);
        if (provenance.Status == FetchStatus.Down)
        {
            return $"status is DOWN ({provenance.Error})";
        }

        return string.IsNullOrWhiteSpace(provenance.Provider) || provenance.FetchedAt == default
            ? "provenance lacks a provider or a fetch time"
            : null;
    }
}

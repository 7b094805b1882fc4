namespace CryptoRun.Domain;

/// <summary>The taker's side of a trade, as the venue reports it.</summary>
public enum TradeSide
{
    /// <summary>The venue gave no side, or one CryptoRun does not know (the raw text is kept on the trade).</summary>
    Unknown = 0,

    /// <summary>The taker bought (lifted an ask).</summary>
    Buy,

    /// <summary>The taker sold (hit a bid).</summary>
    Sell,
}

/// <summary>One public trade (or aggregated trade on Binance).</summary>
/// <param name="Id">The venue's trade id, as text (Binance aggregate id, Kraken/Coinbase/OKX trade id).</param>
/// <param name="TimeMs">Execution time, Unix epoch milliseconds (UTC).</param>
/// <param name="Price">Price in quote units, venue-exact.</param>
/// <param name="Size">Amount in base units (contracts on derivatives venues), venue-exact.</param>
/// <param name="Side">Taker side.</param>
/// <param name="RawSide">The venue's own side text (or maker flag) when it had one.</param>
public sealed record Trade(string Id, long TimeMs, decimal Price, decimal Size, TradeSide Side, string? RawSide = null)
{
    /// <summary>Execution time (UTC).</summary>
    public DateTimeOffset Time => DateTimeOffset.FromUnixTimeMilliseconds(TimeMs);
}

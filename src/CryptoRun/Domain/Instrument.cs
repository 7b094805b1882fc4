using System.Diagnostics.CodeAnalysis;

namespace CryptoRun.Domain;

/// <summary>
/// A tradable instrument in CryptoRun's unified form: spot <c>BASE/QUOTE</c> (<c>BTC/USDT</c>),
/// perpetual swaps <c>BASE/QUOTE:SETTLE</c> (<c>AVAX/USDT:USDT</c>).
/// </summary>
/// <remarks>
/// Asset codes are letters and digits, upper-cased, 1 to 20 characters; letters may be any
/// script's (Binance USD-M lists perpetuals such as <c>币安人生USDT</c>). Venue symbols
/// (<c>BTCUSDT</c>, <c>XXBTZUSD</c>, <c>BTC-USD</c>, <c>BTC-USDT-SWAP</c>) are never parsed into an
/// <see cref="Instrument"/> by string rules: each venue maps them from its own market metadata
/// (see <see cref="MarketCatalog"/>).
/// </remarks>
public sealed record Instrument
{
    /// <summary>Creates an instrument from its asset codes.</summary>
    /// <param name="baseAsset">Base asset code, for example <c>BTC</c>.</param>
    /// <param name="quoteAsset">Quote asset code, for example <c>USDT</c>.</param>
    /// <param name="settleAsset">Settlement asset for a perpetual swap, or <see langword="null"/> for spot.</param>
    /// <exception cref="FormatException">An asset code is empty, too long, not letters and digits, or has lower-case letters.</exception>
    public Instrument(string baseAsset, string quoteAsset, string? settleAsset = null)
    {
        Base = CheckAsset(baseAsset, "base");
        Quote = CheckAsset(quoteAsset, "quote");
        Settle = settleAsset is null ? null : CheckAsset(settleAsset, "settle");
        Symbol = Settle is null ? $"{Base}/{Quote}" : $"{Base}/{Quote}:{Settle}";
    }

    /// <summary>Base asset code (the asset whose amount a candle's volume counts).</summary>
    public string Base { get; }

    /// <summary>Quote asset code (prices are in this asset).</summary>
    public string Quote { get; }

    /// <summary>Settlement asset of a perpetual swap; <see langword="null"/> for spot.</summary>
    public string? Settle { get; }

    /// <summary>The unified symbol: <c>BASE/QUOTE</c> or <c>BASE/QUOTE:SETTLE</c>.</summary>
    public string Symbol { get; }

    /// <summary><see langword="true"/> for a perpetual swap (has a settlement asset).</summary>
    public bool IsPerpetual => Settle is not null;

    /// <summary>Parses a unified symbol such as <c>BTC/USDT</c> or <c>AVAX/USDT:USDT</c> (case-insensitive).</summary>
    /// <param name="symbol">The unified symbol.</param>
    /// <returns>The instrument, asset codes upper-cased.</returns>
    /// <exception cref="FormatException">The text is not <c>BASE/QUOTE</c> or <c>BASE/QUOTE:SETTLE</c>; the message quotes it.</exception>
    public static Instrument Parse(string symbol)
    {
        ArgumentNullException.ThrowIfNull(symbol);
        return TryParse(symbol, out var instrument, out var error)
            ? instrument
            : throw new FormatException(error);
    }

    /// <summary>Tries to parse a unified symbol; see <see cref="Parse(string)"/>.</summary>
    /// <param name="symbol">The unified symbol.</param>
    /// <param name="instrument">The instrument when the text is valid.</param>
    /// <returns><see langword="true"/> when the text is a valid unified symbol.</returns>
    public static bool TryParse([NotNullWhen(true)] string? symbol, [NotNullWhen(true)] out Instrument? instrument)
        => TryParse(symbol, out instrument, out _);

    private static bool TryParse(string? symbol, [NotNullWhen(true)] out Instrument? instrument, out string error)
    {
        instrument = null;
        error = $"'{symbol}' is not a unified symbol: expected BASE/QUOTE (BTC/USDT) or BASE/QUOTE:SETTLE (AVAX/USDT:USDT)";
        if (string.IsNullOrWhiteSpace(symbol))
        {
            return false;
        }

        var slash = symbol.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            return false;
        }

        var rest = symbol[(slash + 1)..];
        var colon = rest.IndexOf(':', StringComparison.Ordinal);
        var quote = colon < 0 ? rest : rest[..colon];
        var settle = colon < 0 ? null : rest[(colon + 1)..];
        var baseAsset = symbol[..slash];
        if (!IsAsset(baseAsset) || !IsAsset(quote) || (settle is not null && !IsAsset(settle)))
        {
            return false;
        }

        instrument = new Instrument(baseAsset.ToUpperInvariant(), quote.ToUpperInvariant(), settle?.ToUpperInvariant());
        return true;
    }

    /// <summary>Returns the unified symbol.</summary>
    /// <returns><see cref="Symbol"/>.</returns>
    public override string ToString() => Symbol;

    private static bool IsAsset(string code)
    {
        if (code.Length is 0 or > 20)
        {
            return false;
        }

        foreach (var c in code)
        {
            if (!char.IsLetterOrDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static string CheckAsset(string code, string role)
    {
        ArgumentNullException.ThrowIfNull(code);
        if (!IsAsset(code) || code.Any(char.IsLower))
        {
            throw new FormatException($"'{code}' is not a valid {role} asset code: expected 1-20 upper-case letters or digits");
        }

        return code;
    }
}

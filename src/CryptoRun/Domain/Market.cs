using System.Diagnostics.CodeAnalysis;

namespace CryptoRun.Domain;

/// <summary>The kind of a venue market.</summary>
public enum MarketKind
{
    /// <summary>A kind CryptoRun does not model (the raw text is kept on <see cref="Market.RawKind"/>).</summary>
    Unknown = 0,

    /// <summary>Spot: <c>BASE/QUOTE</c>.</summary>
    Spot,

    /// <summary>Perpetual swap: <c>BASE/QUOTE:SETTLE</c>.</summary>
    Perpetual,
}

/// <summary>One market of a venue: the unified instrument and the venue's own symbol for it.</summary>
/// <param name="Instrument">The unified instrument.</param>
/// <param name="VenueSymbol">The venue's own symbol (<c>BTCUSDT</c>, <c>XXBTZUSD</c>, <c>BTC-USD</c>, <c>BTC-USDT-SWAP</c>).</param>
/// <param name="Kind">Spot or perpetual.</param>
/// <param name="IsTrading">Whether the venue lists the market as trading (online, live).</param>
/// <param name="RawKind">The venue's own kind text, for example <c>PERPETUAL</c> or <c>SWAP</c>.</param>
/// <param name="AltSymbols">Other names the venue accepts or uses for the market (Kraken <c>altname</c>, <c>wsname</c>).</param>
public sealed record Market(
    Instrument Instrument,
    string VenueSymbol,
    MarketKind Kind,
    bool IsTrading,
    string? RawKind = null,
    IReadOnlyList<string>? AltSymbols = null);

/// <summary>
/// A venue's markets, read from the venue's own market metadata (Binance <c>exchangeInfo</c>,
/// Kraken <c>AssetPairs</c>, Coinbase <c>products</c>, OKX <c>instruments</c>); maps unified
/// instruments to venue symbols and back.
/// </summary>
public sealed class MarketCatalog
{
    private readonly Dictionary<string, Market> _byInstrument = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Market> _byVenueSymbol = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Builds a catalog; when two markets claim one unified symbol, the first (trading first) wins.</summary>
    /// <param name="venue">The venue name.</param>
    /// <param name="markets">The venue's markets.</param>
    public MarketCatalog(string venue, IEnumerable<Market> markets)
    {
        ArgumentNullException.ThrowIfNull(markets);
        Venue = venue;
        var list = markets.OrderByDescending(m => m.IsTrading).ToList();
        foreach (var market in list)
        {
            _byInstrument.TryAdd(market.Instrument.Symbol, market);
            _byVenueSymbol.TryAdd(market.VenueSymbol, market);
            foreach (var alt in market.AltSymbols ?? [])
            {
                _byVenueSymbol.TryAdd(alt, market);
            }
        }

        Markets = list;
    }

    /// <summary>The venue name.</summary>
    public string Venue { get; }

    /// <summary>Every market, trading ones first.</summary>
    public IReadOnlyList<Market> Markets { get; }

    /// <summary>Finds the market for a unified instrument.</summary>
    /// <param name="instrument">The instrument.</param>
    /// <param name="market">The market when listed.</param>
    /// <returns><see langword="true"/> when the venue lists the instrument.</returns>
    public bool TryGet(Instrument instrument, [NotNullWhen(true)] out Market? market)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        return _byInstrument.TryGetValue(instrument.Symbol, out market);
    }

    /// <summary>Finds the market for a venue symbol (or one of its alternative names).</summary>
    /// <param name="venueSymbol">The venue's symbol, case-insensitive.</param>
    /// <param name="market">The market when listed.</param>
    /// <returns><see langword="true"/> when the venue lists the symbol.</returns>
    public bool TryGetByVenueSymbol(string venueSymbol, [NotNullWhen(true)] out Market? market)
        => _byVenueSymbol.TryGetValue(venueSymbol, out market);

    /// <summary>The market for a unified instrument.</summary>
    /// <param name="instrument">The instrument.</param>
    /// <returns>The market.</returns>
    /// <exception cref="InstrumentNotListedException">The venue does not list it; the message suggests close matches.</exception>
    public Market Get(Instrument instrument)
    {
        if (TryGet(instrument, out var market))
        {
            return market;
        }

        var near = Markets
            .Where(m => m.Instrument.Base == instrument.Base && m.Instrument.Quote == instrument.Quote)
            .Select(m => m.Instrument.Symbol)
            .Take(3)
            .ToList();
        var hint = near.Count > 0 ? $"; did you mean {string.Join(" or ", near)}?" : string.Empty;
        throw new InstrumentNotListedException(Venue, instrument, $"{instrument.Symbol} is not listed on {Venue}{hint}");
    }
}

using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Resilience;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Kraken;

/// <summary>
/// Kraken Futures' market metadata (<c>kraken-futures</c>, no REST connector here): <c>GET /derivatives/api/v3/instruments</c>
/// on <c>https://futures.kraken.com</c>.
/// </summary>
/// <remarks>
/// <para>
/// Only perpetuals are kept: tradeable contracts without a <c>lastTradingTime</c>. Dated contracts (<c>FI_XBTUSD_210924</c>)
/// are left out: the unified form <c>BASE/QUOTE:SETTLE</c> has no expiry. Indices (<c>type</c> <c>spot index</c>) are left out.
/// </para>
/// <para>
/// Base and quote come from the instrument's <c>base</c> and <c>quote</c> fields when it has them (newer answers), else from
/// its <c>pair</c> (<c>XBT:USD</c>), else from its <c>underlying</c> index (<c>rr_xbtusd</c>: the index names the pair,
/// split before a known quote currency); Kraken's <c>XBT</c> is <c>BTC</c>. Settlement follows <c>type</c>:
/// <c>futures_inverse</c> (<c>PI_</c>) settles in the base coin (<c>PI_XBTUSD</c> is <c>BTC/USD:BTC</c>);
/// <c>flexible_futures</c> (<c>PF_</c>, multi-collateral) and <c>futures_vanilla</c> settle in the quote currency
/// (<c>PF_XBTUSD</c> is <c>BTC/USD:USD</c>). The venue symbol is the product id upper-case, as the stream's frames carry it.
/// </para>
/// </remarks>
internal static class KrakenFuturesMarkets
{
    /// <summary>The venue name.</summary>
    internal const string VenueName = "kraken-futures";

    /// <summary>Kraken Futures' real REST base.</summary>
    internal static readonly Uri RestBase = new("https://futures.kraken.com/");

    /// <summary>The gate's policy for Kraken Futures' REST API (provider <c>kraken-futures</c>).</summary>
    /// <remarks>
    /// Source: Kraken "Derivatives Rate Limits" (docs.kraken.com, futures rate limits): <c>/derivatives</c> endpoints may
    /// spend a budget of 500 every 10 seconds; public endpoints (such as <c>instruments</c>) cost nothing against it. The
    /// gate paces them as if each cost 1: 50 requests per second.
    /// </remarks>
    internal static ProviderPolicy RestPolicy { get; } = new()
    {
        Name = VenueName,
        BaseUrl = RestBase,
        RateLimits = new RateLimitOptions { RequestsPerSecond = 50 },
    };

    private static readonly string[] Quotes = ["usdt", "usdc", "usd", "eur", "gbp", "jpy", "chf", "aud", "cad", "xbt", "eth"];

    private static readonly Dictionary<string, string> CommonAsset = new(StringComparer.OrdinalIgnoreCase)
    {
        ["XBT"] = "BTC",
        ["XDG"] = "DOGE",
    };

    /// <summary>Fetches the instruments.</summary>
    internal static Task<MarketCatalog> FetchAsync(VenueConnection rest, CancellationToken cancellationToken)
        => MarketMetadata.FetchAsync(rest, VenueName, "/derivatives/api/v3/instruments", Parse, cancellationToken);

    /// <summary>
    /// Parses <c>{"result":"success","instruments":[{"symbol":"pi_xbtusd","type":"futures_inverse","underlying":"rr_xbtusd",
    /// "tradeable":true,"lastTradingTime"?:...},...]}</c>.
    /// </summary>
    /// <exception cref="FormatException"><c>result</c> is not <c>success</c>, or <c>instruments</c> is missing.</exception>
    internal static MarketCatalog Parse(string venue, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (JsonElementRead.OptionalString(root, "result") is { } result && result != "success")
        {
            throw new FormatException($"instruments: result '{result}' ({JsonElementRead.OptionalString(root, "error")})");
        }

        var markets = new List<Market>();
        foreach (var item in JsonElementRead.Array(JsonElementRead.Property(root, "instruments", "instruments"), "instruments").EnumerateArray())
        {
            var symbol = JsonElementRead.OptionalString(item, "symbol");
            var type = JsonElementRead.OptionalString(item, "type");
            var tradeable = JsonElementRead.Optional(item, "tradeable") is { ValueKind: JsonValueKind.True };
            if (symbol is null || type is null || !tradeable || JsonElementRead.Optional(item, "lastTradingTime") is not null
                || type is not ("futures_inverse" or "flexible_futures" or "futures_vanilla"))
            {
                continue;
            }

            if (BaseQuote(item) is not var (baseAsset, quoteAsset))
            {
                continue;
            }

            var settle = type == "futures_inverse" ? baseAsset : quoteAsset;
            if (Instrument.TryParse($"{baseAsset}/{quoteAsset}:{settle}", out var instrument))
            {
                markets.Add(new Market(instrument, symbol.ToUpperInvariant(), MarketKind.Perpetual, true, type, [symbol]));
            }
        }

        return new MarketCatalog(venue, markets);
    }

    private static (string Base, string Quote)? BaseQuote(JsonElement item)
    {
        if (JsonElementRead.OptionalString(item, "base") is { } b && JsonElementRead.OptionalString(item, "quote") is { } q)
        {
            return (Common(b), Common(q));
        }

        if (JsonElementRead.OptionalString(item, "pair") is { } pair && pair.Split(':') is [var pb, var pq])
        {
            return (Common(pb), Common(pq));
        }

        if (JsonElementRead.OptionalString(item, "underlying") is { } underlying)
        {
            var index = underlying[(underlying.IndexOf('_', StringComparison.Ordinal) + 1)..];
            foreach (var quote in Quotes)
            {
                if (index.Length > quote.Length && index.EndsWith(quote, StringComparison.OrdinalIgnoreCase))
                {
                    return (Common(index[..^quote.Length]), Common(quote));
                }
            }
        }

        return null;
    }

    private static string Common(string asset)
    {
        var upper = asset.ToUpperInvariant();
        return CommonAsset.GetValueOrDefault(upper, upper);
    }
}

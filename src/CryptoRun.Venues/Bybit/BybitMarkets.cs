using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Resilience;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Bybit;

/// <summary>
/// Bybit's market metadata for its stream-only venues (no Bybit REST connector here): v5
/// <c>GET /v5/market/instruments-info?category=linear|spot</c> (<c>bybit-linear</c>, <c>bybit</c>) and the retired
/// v2 <c>GET /v2/public/symbols</c> (<c>bybit-v2</c>).
/// </summary>
/// <remarks>
/// Unified instruments come from the venue's own fields: v5 <c>baseCoin</c>, <c>quoteCoin</c>, <c>settleCoin</c> and
/// <c>contractType</c> (<c>LinearPerpetual</c> to <c>BASE/QUOTE:SETTLE</c>; dated <c>LinearFutures</c> are left out, the
/// unified form has no expiry); v2 <c>base_currency</c>, <c>quote_currency</c> (USD-quoted contracts are inverse and settle
/// in the base coin, USDT-quoted ones in USDT; dated contracts, whose <c>alias</c> differs from <c>name</c>, are left out).
/// </remarks>
internal static class BybitMarkets
{
    /// <summary>Bybit's real REST base.</summary>
    internal static readonly Uri RestBase = new("https://api.bybit.com/");

    /// <summary>
    /// The gate's policy for Bybit's REST API, one provider <c>bybit</c> for the <c>bybit</c>, <c>bybit-linear</c> and
    /// <c>bybit-v2</c> streams (one IP limit covers all of api.bybit.com).
    /// </summary>
    /// <remarks>
    /// Source: Bybit v5 "Rate Limit Rules", HTTP IP limit (bybit-exchange.github.io/docs/v5/rate-limit): 600 requests in a
    /// 5-second window per IP for all traffic to api.bybit.com; over it the venue answers 403 "access too frequent" and
    /// asks for a wait of at least 10 minutes, and it advises against running at the edge of the limit. Kept here as
    /// 100 requests per second paced (500 per 5 s); a 403 opens the breaker for those 10 minutes.
    /// </remarks>
    internal static ProviderPolicy RestPolicy { get; } = new()
    {
        Name = "bybit",
        BaseUrl = RestBase,
        RateLimits = new RateLimitOptions { RequestsPerSecond = 100 },
        CircuitBreaker = new CircuitBreakerOptions { OpenTimeout = TimeSpan.FromMinutes(10) },
    };

    /// <summary>Fetches v5 <c>instruments-info</c> of the category (<c>limit=1000</c>, trading instruments only).</summary>
    internal static Task<MarketCatalog> FetchV5Async(VenueConnection rest, BybitCategory category, CancellationToken cancellationToken)
    {
        var name = category == BybitCategory.Linear ? "linear" : "spot";
        var venue = category == BybitCategory.Linear ? "bybit-linear" : "bybit";
        return MarketMetadata.FetchAsync(rest, venue, $"/v5/market/instruments-info?category={name}&status=Trading&limit=1000", ParseV5, cancellationToken);
    }

    /// <summary>Fetches v2 <c>/v2/public/symbols</c>.</summary>
    internal static Task<MarketCatalog> FetchV2Async(VenueConnection rest, CancellationToken cancellationToken)
        => MarketMetadata.FetchAsync(rest, "bybit-v2", "/v2/public/symbols", ParseV2, cancellationToken);

    /// <summary>
    /// Parses v5 <c>{"retCode":0,"result":{"category":"linear","list":[{"symbol":"BTCUSDT","contractType":"LinearPerpetual",
    /// "status":"Trading","baseCoin":"BTC","quoteCoin":"USDT","settleCoin":"USDT",...}]}}</c> (spot: no contract type or settle coin).
    /// </summary>
    /// <exception cref="FormatException"><c>retCode</c> is not 0, or <c>result.list</c> is missing; the message names it.</exception>
    internal static MarketCatalog ParseV5(string venue, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (JsonElementRead.Optional(root, "retCode") is { ValueKind: JsonValueKind.Number } code && code.GetInt64() != 0)
        {
            throw new FormatException($"instruments-info: retCode {code.GetInt64()} ({JsonElementRead.OptionalString(root, "retMsg")})");
        }

        var result = JsonElementRead.Object(JsonElementRead.Property(root, "result", "instruments-info"), "instruments-info result");
        var category = JsonElementRead.OptionalString(result, "category");
        var markets = new List<Market>();
        foreach (var item in JsonElementRead.Array(JsonElementRead.Property(result, "list", "instruments-info result"), "instruments-info result.list").EnumerateArray())
        {
            var symbol = JsonElementRead.OptionalString(item, "symbol");
            var baseCoin = JsonElementRead.OptionalString(item, "baseCoin");
            var quoteCoin = JsonElementRead.OptionalString(item, "quoteCoin");
            if (symbol is null || baseCoin is null || quoteCoin is null)
            {
                continue;
            }

            var contractType = JsonElementRead.OptionalString(item, "contractType");
            var trading = string.Equals(JsonElementRead.OptionalString(item, "status"), "Trading", StringComparison.Ordinal);
            Instrument? instrument;
            MarketKind kind;
            if (category == "spot" || contractType is null)
            {
                kind = MarketKind.Spot;
                instrument = TryInstrument(baseCoin, quoteCoin, null);
            }
            else if (contractType.EndsWith("Perpetual", StringComparison.Ordinal))
            {
                kind = MarketKind.Perpetual;
                var settle = JsonElementRead.OptionalString(item, "settleCoin") ?? quoteCoin;
                instrument = TryInstrument(baseCoin, quoteCoin, settle);
            }
            else
            {
                continue; // dated futures: the unified form has no expiry
            }

            if (instrument is not null)
            {
                markets.Add(new Market(instrument, symbol, kind, trading, contractType ?? "spot"));
            }
        }

        return new MarketCatalog(venue, markets);
    }

    /// <summary>
    /// Parses v2 <c>{"ret_code":0,"result":[{"name":"BTCUSD","alias":"BTCUSD","status":"Trading","base_currency":"BTC",
    /// "quote_currency":"USD",...}]}</c>: perpetuals only.
    /// </summary>
    /// <exception cref="FormatException"><c>ret_code</c> is not 0, or <c>result</c> is missing; the message names it.</exception>
    internal static MarketCatalog ParseV2(string venue, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (JsonElementRead.Optional(root, "ret_code") is { ValueKind: JsonValueKind.Number } code && code.GetInt64() != 0)
        {
            throw new FormatException($"symbols: ret_code {code.GetInt64()} ({JsonElementRead.OptionalString(root, "ret_msg")})");
        }

        var markets = new List<Market>();
        foreach (var item in JsonElementRead.Array(JsonElementRead.Property(root, "result", "symbols"), "symbols result").EnumerateArray())
        {
            var name = JsonElementRead.OptionalString(item, "name");
            var alias = JsonElementRead.OptionalString(item, "alias");
            var baseCoin = JsonElementRead.OptionalString(item, "base_currency");
            var quoteCoin = JsonElementRead.OptionalString(item, "quote_currency");
            if (name is null || baseCoin is null || quoteCoin is null || (alias is not null && alias != name))
            {
                continue;
            }

            var settle = quoteCoin == "USD" ? baseCoin : quoteCoin;
            if (TryInstrument(baseCoin, quoteCoin, settle) is { } instrument)
            {
                var trading = string.Equals(JsonElementRead.OptionalString(item, "status"), "Trading", StringComparison.Ordinal);
                markets.Add(new Market(instrument, name, MarketKind.Perpetual, trading, quoteCoin == "USD" ? "inverse" : "linear"));
            }
        }

        return new MarketCatalog(venue, markets);
    }

    private static Instrument? TryInstrument(string baseCoin, string quoteCoin, string? settle)
        => Instrument.TryParse(settle is null ? $"{baseCoin}/{quoteCoin}" : $"{baseCoin}/{quoteCoin}:{settle}", out var instrument) ? instrument : null;
}

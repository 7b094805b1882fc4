using System.Text.Json;
using CryptoRun.Domain;
using static CryptoRun.Venues.Common.JsonElementRead;

namespace CryptoRun.Venues.TheGraph;

/// <summary>
/// Parses The Graph gateway's GraphQL answers for the Uniswap v3 subgraph: <c>{"data": {...}}</c>, or
/// <c>{"errors": [{"message"}]}</c> (the gateway sends auth and query errors with HTTP 200), or the gateway's
/// own <c>{"message": "auth error: ..."}</c>. Errors throw <see cref="VenueRequestException"/> with the messages
/// passed through <c>redact</c>; malformed data throws <see cref="FormatException"/>. <c>BigDecimal</c> values are
/// strings, parsed invariantly (digits beyond decimal's 28-29 significant digits are rounded).
/// </summary>
internal static class TheGraphParser
{
    private const long HourSeconds = 3600;

    /// <summary>
    /// Parses <c>{factory(id: FACTORY) {totalValueLockedUSD} _meta {block {number timestamp}}}</c>. The point's
    /// time is the indexed block's timestamp (seconds), or <paramref name="readAtMs"/> when the gateway gives none.
    /// </summary>
    internal static TvlPoint ParseFactoryTvl(string venue, string protocol, byte[] json, long readAtMs, Func<string, string> redact)
    {
        using var document = JsonDocument.Parse(json);
        var data = Data(venue, document.RootElement, redact);
        if (Optional(data, "factory") is not { ValueKind: JsonValueKind.Object } factory)
        {
            throw new FormatException("factory: the subgraph answered no factory");
        }

        return new TvlPoint(protocol, BlockTimeMs(data) ?? readAtMs, Decimal(factory, "totalValueLockedUSD", "factory"));
    }

    /// <summary>
    /// Parses <c>{pool(id) {id token0 {symbol derivedETH} token1 {symbol} token1Price totalValueLockedUSD
    /// poolHourData(first: 24, orderBy: periodStartUnix, orderDirection: desc) {periodStartUnix volumeUSD}}
    /// bundle(id: "1") {ethPriceUSD} _meta {block {timestamp}}}</c>. Base is <c>token0</c>, quote <c>token1</c>:
    /// the native price is <c>token1Price</c> (token1 per token0), the USD price <c>token0.derivedETH × ethPriceUSD</c>,
    /// liquidity the pool's <c>totalValueLockedUSD</c>, and the 24 h volume the sum of <c>volumeUSD</c> over the
    /// hourly buckets of the indexed block's hour and the 23 before it (hours without swaps have no bucket).
    /// </summary>
    /// <exception cref="VenueRequestException">The subgraph has no such pool.</exception>
    internal static DexPairSnapshot ParsePool(string venue, string chainId, string poolId, byte[] json, long readAtMs, Func<string, string> redact)
    {
        using var document = JsonDocument.Parse(json);
        var data = Data(venue, document.RootElement, redact);
        if (Optional(data, "pool") is not { ValueKind: JsonValueKind.Object } pool)
        {
            throw new VenueRequestException(venue, $"{venue}: the Uniswap v3 subgraph has no pool {poolId}");
        }

        var timeMs = BlockTimeMs(data) ?? readAtMs;
        var token0 = Property(pool, "token0", "pool");
        var token1 = Property(pool, "token1", "pool");
        decimal? priceUsd = null;
        if (OptionalDecimal(token0, "derivedETH", "pool token0") is { } derivedEth
            && Optional(data, "bundle") is { } bundle
            && OptionalDecimal(bundle, "ethPriceUSD", "bundle") is { } ethUsd)
        {
            priceUsd = derivedEth * ethUsd;
        }

        decimal? volume = null;
        if (Optional(pool, "poolHourData") is { } hours)
        {
            var fromSec = ((timeMs / 1000 / HourSeconds) - 23) * HourSeconds;
            var index = 0;
            foreach (var hour in Array(hours, "pool poolHourData").EnumerateArray())
            {
                var what = $"poolHourData {index++}";
                if (Int64(hour, "periodStartUnix", what) >= fromSec)
                {
                    volume = (volume ?? 0m) + Decimal(hour, "volumeUSD", what);
                }
            }
        }

        return new DexPairSnapshot(
            chainId,
            String(pool, "id", "pool"),
            "uniswap-v3",
            String(token0, "symbol", "pool token0"),
            String(token1, "symbol", "pool token1"),
            priceUsd,
            OptionalDecimal(pool, "token1Price", "pool"),
            OptionalDecimal(pool, "totalValueLockedUSD", "pool"),
            volume,
            timeMs);
    }

    /// <summary>Parses <c>{_meta {block {number}}}</c>: the indexed block number.</summary>
    internal static long ParseMeta(string venue, byte[] json, Func<string, string> redact)
    {
        using var document = JsonDocument.Parse(json);
        var data = Data(venue, document.RootElement, redact);
        return Int64(Property(Property(data, "_meta", "data"), "block", "_meta"), "number", "_meta block");
    }

    /// <summary>Reads a failed call's body: GraphQL <c>errors</c> or the gateway's <c>message</c>, else the body's start; always redacted.</summary>
    internal static VenueException ReadError(string venue, int status, byte[] body, string endpoint, Func<string, string> redact)
    {
        string said;
        try
        {
            using var document = JsonDocument.Parse(body);
            said = Messages(document.RootElement) ?? Common.VenueHttp.Snippet(body);
        }
        catch (JsonException)
        {
            said = Common.VenueHttp.Snippet(body);
        }

        return new VenueRequestException(venue, redact($"{venue} {endpoint}: HTTP {status}: {said}")) { StatusCode = status };
    }

    private static JsonElement Data(string venue, JsonElement root, Func<string, string> redact)
    {
        Object(root, "graphql answer");
        if (Messages(root) is { } messages)
        {
            throw new VenueRequestException(venue, redact($"{venue}: the gateway refused the query: {messages}"));
        }

        return Object(Property(root, "data", "graphql answer"), "data");
    }

    /// <summary>The <c>errors[].message</c> texts, or a root <c>message</c>, or null when there are none.</summary>
    private static string? Messages(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (Optional(root, "errors") is { ValueKind: JsonValueKind.Array } errors && errors.GetArrayLength() > 0)
        {
            return string.Join("; ", errors.EnumerateArray().Select(e => OptionalString(e, "message") ?? e.GetRawText()));
        }

        return Optional(root, "data") is null ? OptionalString(root, "message") : null;
    }

    private static long? BlockTimeMs(JsonElement data)
        => Optional(data, "_meta") is { } meta && Optional(meta, "block") is { } block && Optional(block, "timestamp") is { } timestamp
            ? Int64Of(timestamp, "_meta block timestamp") * 1000
            : null;
}

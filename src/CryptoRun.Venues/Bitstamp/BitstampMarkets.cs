using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Resilience;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Bitstamp;

/// <summary>Bitstamp's market metadata (<c>bitstamp</c>, no REST connector here): <c>GET /api/v2/trading-pairs-info/</c>.</summary>
/// <remarks>
/// Each pair is <c>{"name":"BTC/USD","url_symbol":"btcusd","trading":"Enabled",...}</c>: the unified instrument is the
/// <c>name</c> (Bitstamp's own <c>BASE/QUOTE</c>), the venue symbol the <c>url_symbol</c> (as channels and
/// <c>/api/v2/order_book/{pair}</c> name it), with <c>name</c> as an alternative symbol. All spot.
/// </remarks>
internal static class BitstampMarkets
{
    /// <summary>The gate's policy for Bitstamp's REST API (provider <c>bitstamp</c>): market metadata and book snapshots.</summary>
    /// <remarks>
    /// Source: Bitstamp API v2 documentation, "Request limits" (bitstamp.net/api): 400 requests per second, and a default
    /// threshold of 10,000 requests per 10 minutes. Kept here as 200 per second paced and 900 per UTC minute, so any
    /// 10 minutes (at most 11 minute windows) stay under 10,000.
    /// </remarks>
    internal static ProviderPolicy RestPolicy { get; } = new()
    {
        Name = BitstampStreamProtocol.VenueName,
        BaseUrl = BitstampStreamProtocol.DefaultRestBaseAddress,
        RateLimits = new RateLimitOptions { RequestsPerSecond = 200, RequestsPerMinute = 900 },
    };

    /// <summary>Fetches the trading pairs.</summary>
    internal static Task<MarketCatalog> FetchAsync(VenueConnection rest, CancellationToken cancellationToken)
        => MarketMetadata.FetchAsync(rest, BitstampStreamProtocol.VenueName, "/api/v2/trading-pairs-info/", Parse, cancellationToken);

    /// <summary>Parses the pairs array.</summary>
    /// <exception cref="FormatException">The body is not an array.</exception>
    internal static MarketCatalog Parse(string venue, byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var markets = new List<Market>();
        foreach (var item in JsonElementRead.Array(document.RootElement, "trading-pairs-info").EnumerateArray())
        {
            var name = JsonElementRead.OptionalString(item, "name");
            var url = JsonElementRead.OptionalString(item, "url_symbol");
            if (name is null || url is null || !Instrument.TryParse(name, out var instrument) || instrument.IsPerpetual)
            {
                continue;
            }

            var trading = string.Equals(JsonElementRead.OptionalString(item, "trading"), "Enabled", StringComparison.Ordinal);
            markets.Add(new Market(instrument, url, MarketKind.Spot, trading, "spot", [name]));
        }

        return new MarketCatalog(venue, markets);
    }
}

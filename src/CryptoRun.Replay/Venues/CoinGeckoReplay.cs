using CryptoRun.Domain;
using CryptoRun.Venues.CoinGecko;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace CryptoRun.Replay.Venues;

/// <summary>
/// CoinGecko as recorded: <c>GET /api/v3/global</c> serves <c>rest-samples/coingecko/global.response.json</c>
/// (OpenBB cassette, 2022-04-06) when it exists.
/// </summary>
/// <remarks>
/// <para>
/// <c>GET /api/v3/ping</c> is not mapped here: on the replay's single port that path is Binance spot's ping
/// (<c>https://api.binance.com/api/v3/ping</c>), served by the Binance module with <c>{}</c>. CoinGecko's probe
/// accepts any JSON object, so it succeeds over the replay; CoinGecko's own body
/// (<c>{"gecko_says":"(V3) To the Moon!"}</c>) is not recorded and not served.
/// </para>
/// <para>
/// Nothing else was recorded, so <c>/api/v3/simple/price</c>, <c>/api/v3/coins/markets</c> and every other
/// endpoint are not served: they get the replay's generic 404. Candle files are not served.
/// </para>
/// </remarks>
internal sealed class CoinGeckoReplay : IReplayVenue
{
    private readonly byte[]? _global;

    internal CoinGeckoReplay(ReplayVenueContext context, string? folder)
    {
        if (context.Series.Count > 0)
        {
            throw new ArgumentException($"coingecko has no candles in the replay; {context.Series[0].Source.Path} cannot be served as coingecko");
        }

        _global = RestSamples.Read(folder).FirstOrDefault(s => s.File == "global.response.json")?.Body;
    }

    public string Name => CoinGeckoConnector.VenueName;

    public IReadOnlyList<Instrument> Instruments => [];

    public IReadOnlyList<string> Notices => [];

    public void Map(IEndpointRouteBuilder routes)
    {
        if (_global is { } global)
        {
            routes.MapGet("/api/v3/global", context => ReplayHttp.Send(context, 200, global));
        }
    }
}

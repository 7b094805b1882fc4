using CryptoRun.Domain;
using CryptoRun.Venues.CoinGecko;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace CryptoRun.Replay.Venues;

/// <summary>
/// CoinGecko as recorded: <c>GET /api/v3/global</c> serves <c>rest-samples/coingecko/global.response.json</c>
/// (OpenBB cassette, 2022-04-06) when it exists, and <c>GET /api/v3/ping</c> answers CoinGecko's documented
/// constant <c>{"gecko_says":"(V3) To the Moon!"}</c> (a liveness reply, not market data).
/// </summary>
/// <remarks>
/// Nothing else was recorded, so <c>/api/v3/simple/price</c>, <c>/api/v3/coins/markets</c> and every other
/// endpoint are not served: they get the replay's generic 404. Candle files are not served.
/// </remarks>
internal sealed class CoinGeckoReplay : IReplayVenue
{
    private static readonly byte[] Ping = """{"gecko_says":"(V3) To the Moon!"}"""u8.ToArray();

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
        routes.MapGet("/api/v3/ping", context => ReplayHttp.Send(context, 200, Ping));
        if (_global is { } global)
        {
            routes.MapGet("/api/v3/global", context => ReplayHttp.Send(context, 200, global));
        }
    }
}

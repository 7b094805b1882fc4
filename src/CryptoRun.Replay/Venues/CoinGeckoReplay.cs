using CryptoRun.Domain;
using CryptoRun.Venues.CoinGecko;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
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
    /// <summary>CoinGecko's public (keyless) limit as its docs state it: 30 calls per minute.</summary>
    private const int CallsPerMinute = 30;

    private readonly byte[]? _global;
    private readonly Limits.WindowCounter _calls = new(60_000);
    private readonly ReplayVenueContext _context;

    internal CoinGeckoReplay(ReplayVenueContext context, string? folder)
    {
        _context = context;
        if (context.Series.Count > 0)
        {
            throw new ArgumentException($"coingecko has no candles in the replay; {context.Series[0].Source.Path} cannot be served as coingecko");
        }

        _global = RestSamples.Read(folder).FirstOrDefault(s => s.File == "global.response.json")?.Body;
    }

    public string Name => CoinGeckoConnector.VenueName;

    public IReadOnlyList<Instrument> Instruments => [];

    public IReadOnlyList<string> Notices => [];

    /// <inheritdoc />
    /// <remarks>30 calls per UTC minute (docs.coingecko.com, "Common errors &amp; rate limit"); over it HTTP 429 with CoinGecko's body.</remarks>
    public async ValueTask<bool> AdmitAsync(HttpContext context, int weight)
    {
        var now = _context.NowMs;
        if (!_context.EnforceLimits || _calls.TryAdd("public", CallsPerMinute, now))
        {
            return true;
        }

        await SendErrorAsync(context, 429, (int)Math.Ceiling((60_000 - (now % 60_000)) / 1000.0)).ConfigureAwait(false);
        return false;
    }

    /// <inheritdoc />
    public Task SendErrorAsync(HttpContext context, int status, int? retryAfterSeconds)
        => ReplayHttp.Send(context, status, ReplayHttp.Json(w =>
        {
            w.WriteStartObject();
            if (status == 429)
            {
                w.WriteStartObject("status");
                w.WriteNumber("error_code", 429);
                w.WriteString("error_message", "You've exceeded the Rate Limit. Please visit https://www.coingecko.com/en/api/pricing to subscribe to our API plans for higher rate limits.");
                w.WriteEndObject();
            }
            else
            {
                w.WriteString("error", Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status));
            }

            w.WriteEndObject();
        }), ReplayHttp.RetryAfter(retryAfterSeconds));

    public void Map(IEndpointRouteBuilder routes)
    {
        if (_global is { } global)
        {
            routes.MapGet("/api/v3/global", context => ReplayHttp.Send(context, 200, global));
        }
    }
}

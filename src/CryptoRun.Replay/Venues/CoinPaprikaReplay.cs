using System.Globalization;
using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Venues.CoinPaprika;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CryptoRun.Replay.Venues;

/// <summary>
/// CoinPaprika as recorded: <c>GET /v1/search</c> (and <c>/v1/search/</c>) for <c>q=ethereum</c> serves
/// <c>rest-samples/coinpaprika/search_q-ethereum.response.json</c> (OpenBB cassette, 2022-01-29; recorded with
/// <c>c=currencies,exchanges,icos,people,tags&amp;limit=100</c>) when it exists.
/// </summary>
/// <remarks>
/// The answer keeps only the categories named in <c>c</c> (all recorded ones when absent) and cuts each list to
/// <c>limit</c> when given; no recorded list reaches 100 entries, so any larger limit gets the complete lists.
/// When <c>limit</c> is absent the recorded lists are served as recorded (CoinPaprika's own default was not
/// confirmed). Any other query, <c>/v1/global</c> and <c>/v1/tickers/{coin_id}</c> were not recorded and are not
/// served: they get the replay's 404. Candle files are not served.
/// </remarks>
internal sealed class CoinPaprikaReplay : IReplayVenue
{
    private const string RecordedQuery = "ethereum";

    private readonly JsonElement? _search;

    internal CoinPaprikaReplay(ReplayVenueContext context, string? folder)
    {
        if (context.Series.Count > 0)
        {
            throw new ArgumentException($"coinpaprika has no candles in the replay; {context.Series[0].Source.Path} cannot be served as coinpaprika");
        }

        if (RestSamples.Read(folder).FirstOrDefault(s => s.File == "search_q-ethereum.response.json") is { } sample)
        {
            using var document = JsonDocument.Parse(sample.Body);
            _search = document.RootElement.Clone();
        }
    }

    public string Name => CoinPaprikaConnector.VenueName;

    public IReadOnlyList<Instrument> Instruments => [];

    public IReadOnlyList<string> Notices => [];

    /// <inheritdoc />
    /// <remarks>CoinPaprika's free plan is stated as a monthly call allowance with no per-second or per-minute limit, so every request is admitted.</remarks>
    public ValueTask<bool> AdmitAsync(HttpContext context, int weight) => ValueTask.FromResult(true);

    /// <inheritdoc />
    public Task SendErrorAsync(HttpContext context, int status, int? retryAfterSeconds)
        => ReplayHttp.Send(context, status, ReplayHttp.Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("error", status == 429 ? "Too many requests" : Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status));
            w.WriteEndObject();
        }), ReplayHttp.RetryAfter(retryAfterSeconds));

    public void Map(IEndpointRouteBuilder routes)
    {
        if (_search is not null)
        {
            // Routing matches /v1/search/ (the recorded URL) to this template too.
            routes.MapGet("/v1/search", Search);
        }
    }

    private Task Search(HttpContext context)
    {
        var query = context.Query("q");
        if (!string.Equals(query, RecordedQuery, StringComparison.OrdinalIgnoreCase))
        {
            return RestSamples.NotRecorded(context, $"q={query}");
        }

        var categories = context.Query("c")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        int? limit = int.TryParse(context.Query("limit"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l : null;
        var recorded = _search!.Value;
        return ReplayHttp.Send(context, 200, ReplayHttp.Json(w =>
        {
            w.WriteStartObject();
            foreach (var category in recorded.EnumerateObject())
            {
                if (categories is not null && !categories.Contains(category.Name, StringComparer.Ordinal))
                {
                    continue;
                }

                w.WriteStartArray(category.Name);
                foreach (var item in category.Value.EnumerateArray().Take(limit ?? int.MaxValue))
                {
                    item.WriteTo(w);
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
        }));
    }
}

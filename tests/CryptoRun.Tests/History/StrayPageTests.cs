using System.Globalization;
using System.Text.Json.Nodes;
using CryptoRun.Domain;
using CryptoRun.History;
using CryptoRun.Providers;
using CryptoRun.Replay;
using CryptoRun.Storage;
using CryptoRun.Storage.Sqlite;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues;

namespace CryptoRun.Tests.History;

/// <summary>
/// A venue answering a page with candles (or trades) from outside the window asked for: the page is
/// rejected by the conformance check, nothing of it is stored, and no slot of the window is recorded as
/// "answered, no candle". The stray answers are the venue's own real answer for the window (the
/// recording served by the replay), with its times shifted by 10 days: real prices, wrong place.
/// </summary>
public sealed class StrayPageTests
{
    private const long TenDaysMs = 10L * 24 * 60 * 60 * 1000;

    private static readonly DateTimeOffset July1 = new(2026, 7, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Each venue with candles, and whether all of the first page's rows or half of them are strays.</summary>
    public static TheoryData<string, string> Venues => new()
    {
        { "binance", "whole" },
        { "binance", "half" },
        { "binance-usdm", "whole" },
        { "binance-usdm", "half" },
        { "coinbase", "whole" },
        { "coinbase", "half" },
        { "okx", "whole" },
        { "okx", "half" },
        { "kraken", "whole" },
        { "kraken", "half" },
        { "hyperliquid", "whole" },
        { "hyperliquid", "half" },
    };

    [Theory]
    [MemberData(nameof(Venues))]
    public async Task Backfill_FirstPageIsTheRealAnswerShifted10Days_RejectedNothingStoredNothingRecordedAsAnswered(string venue, string stray)
    {
        var series = Series.Of(venue);
        var (real, meta) = await series.RealCandleAnswerAsync();
        var body = Shift(venue, real.Body, stray == "whole");

        // Hyperliquid asks everything of POST /info: its first request (the market metadata) is answered as recorded.
        var rules = new System.Text.StringBuilder("rules:\n");
        if (meta is not null)
        {
            rules.Append(Rule("meta", venue, real.Path, meta));
        }

        rules.Append(Rule("stray-page", venue, real.Path, body));
        await using var faulty = await series.StartAsync(rules.ToString());
        using var dir = new TempDir();
        await using var store = await SqliteStore.OpenAsync(dir.File("store.db"), faulty.Clock);
        using var http = new Http(faulty.Server.BaseAddress);
        var provider = (ICandleProvider)VenueRegistry.Get(venue).Create(VenueConnection.Direct(http.Client(), series.Clock));

        var error = await Assert.ThrowsAsync<VenueDataException>(() => new CandleBackfill(store, series.Clock).RunAsync(provider, series.Instrument, series.Timeframe, series.Range));

        Assert.Contains("quality gate", error.Message, StringComparison.Ordinal);
        Assert.Contains("outside the page's window", error.Message, StringComparison.Ordinal);
        var key = new SeriesKey(venue, series.Instrument, series.Timeframe);
        Assert.Empty(await store.GetFetchedWindowsAsync(key));
        Assert.Equal(0, (await store.GetSummaryAsync(key)).Count);
        Assert.Single(faulty.Server.Requests, r => r.Fault == "stray-page");
    }

    [Fact]
    public async Task Backfill_KrakenTradesPageShifted10DaysBack_RejectedAndTheWindowNotRecordedAsAnswered()
    {
        // No SC/EUR candles are served: the range is built from Kraken's trades (recorded 2021-04-17 16:49).
        var instrument = Instrument.Parse("SC/EUR");
        var range = new TimeRange(DateTimeOffset.Parse("2021-04-17T16:45:00Z", CultureInfo.InvariantCulture), DateTimeOffset.Parse("2021-04-17T16:55:00Z", CultureInfo.InvariantCulture));
        var clock = new ManualClock(ReplayFixture.Now);
        string path, real;
        await using (var healthy = await ReplayHarness.StartAsync())
        {
            using var capture = new Capture(healthy.Server.BaseAddress);
            var kraken = (ITradeHistoryProvider)VenueRegistry.Get("kraken").Create(VenueConnection.Direct(capture.Client, clock));
            await foreach (var _ in kraken.FetchTradesAsync(instrument, range))
            {
            }

            (path, real) = capture.First("/0/public/Trades");
        }

        var body = JsonNode.Parse(real)!;
        var result = body["result"]!.AsObject();
        foreach (var (name, value) in result.ToList())
        {
            if (value is JsonArray rows)
            {
                foreach (var row in rows)
                {
                    row![2] = Math.Round(row[2]!.GetValue<decimal>() - (TenDaysMs / 1000m), 4);
                }
            }
            else if (name == "last")
            {
                result["last"] = (decimal.Parse(value!.GetValue<string>(), CultureInfo.InvariantCulture) - (TenDaysMs * 1_000_000m)).ToString(CultureInfo.InvariantCulture);
            }
        }

        await using var faulty = await ReplayHarness.StartAsync(faults: ReplayFaults.Parse("rules:\n" + Rule("stray-trades", "kraken", path, body.ToJsonString()), "faults.yaml"));
        using var dir = new TempDir();
        await using var store = await SqliteStore.OpenAsync(dir.File("store.db"), clock);
        using var http = new Http(faulty.Server.BaseAddress);
        var provider = (ICandleProvider)VenueRegistry.Get("kraken").Create(VenueConnection.Direct(http.Client(), clock));

        var error = await Assert.ThrowsAsync<VenueDataException>(() => new CandleBackfill(store, clock).RunAsync(provider, instrument, Timeframe.M1, range));

        Assert.Contains("outside the page's window", error.Message, StringComparison.Ordinal);
        var key = new SeriesKey("kraken", instrument, Timeframe.M1);
        Assert.DoesNotContain(await store.GetFetchedWindowsAsync(key), w => w.FromMs < range.ToMs && w.ToMs > range.FromMs);
        Assert.Single(faulty.Server.Requests, r => r.Fault == "stray-trades");
    }

    /// <summary>A faults rule answering the first request to <paramref name="path"/> with HTTP 200 and <paramref name="body"/>.</summary>
    private static string Rule(string name, string venue, string path, string body)
        => $"  - name: {name}\n    venue: {venue}\n    path: {path}\n    status: 200\n    body: '{body.Replace("'", "''", StringComparison.Ordinal)}'\n    count: 1\n";

    /// <summary>Moves every time of a venue's candle answer by 10 days (Kraken: back, before its <c>since</c>; the others forward, after the window); with <paramref name="whole"/> false, only half of the rows.</summary>
    private static string Shift(string venue, string json, bool whole)
    {
        var root = JsonNode.Parse(json)!;
        JsonArray rows = venue switch
        {
            "okx" => root["data"]!.AsArray(),
            "kraken" => root["result"]!.AsObject().Single(p => p.Value is JsonArray).Value!.AsArray(),
            _ => root.AsArray(),
        };
        Assert.True(rows.Count >= 2, $"{venue}: the real answer has {rows.Count} rows");

        // Shift the later half (in time) for the forward venues, the earlier half for Kraken's backward shift,
        // so that a mixed page stays in time order.
        var newestFirst = venue is "coinbase" or "okx";
        var indexes = Enumerable.Range(0, rows.Count).ToList();
        var later = newestFirst ? indexes.Take(rows.Count / 2) : indexes.Skip(rows.Count / 2);
        var earlier = newestFirst ? indexes.Skip(rows.Count / 2) : indexes.Take(rows.Count / 2);
        var shifted = whole ? indexes : venue == "kraken" ? earlier : later;
        foreach (var i in shifted)
        {
            var row = rows[i]!;
            switch (venue)
            {
                case "binance" or "binance-usdm":
                    row[0] = row[0]!.GetValue<long>() + TenDaysMs;
                    row[6] = row[6]!.GetValue<long>() + TenDaysMs;
                    break;
                case "coinbase":
                    row[0] = row[0]!.GetValue<long>() + (TenDaysMs / 1000);
                    break;
                case "okx":
                    row[0] = (long.Parse(row[0]!.GetValue<string>(), CultureInfo.InvariantCulture) + TenDaysMs).ToString(CultureInfo.InvariantCulture);
                    break;
                case "kraken":
                    row[0] = row[0]!.GetValue<long>() - (TenDaysMs / 1000);
                    break;
                case "hyperliquid":
                    row["t"] = row["t"]!.GetValue<long>() + TenDaysMs;
                    row["T"] = row["T"]!.GetValue<long>() + TenDaysMs;
                    break;
            }
        }

        if (venue == "kraken" && whole)
        {
            root["result"]!["last"] = root["result"]!["last"]!.GetValue<long>() - (TenDaysMs / 1000);
        }

        return root.ToJsonString();
    }

    /// <summary>A venue's recorded series the replay serves, a window of it, and the clock to ask at.</summary>
    private sealed record Series(string Venue, Instrument Instrument, Timeframe Timeframe, TimeRange Range, ManualClock Clock, ReplayCandleSource? Source)
    {
        public static Series Of(string venue) => venue switch
        {
            "hyperliquid" => new(venue, Instrument.Parse("KPEPE/USDC:USDC"), Timeframe.H1, new TimeRange(1684699200000, 1684785600000),
                new ManualClock(DateTimeOffset.Parse("2023-07-17T21:43:00Z", CultureInfo.InvariantCulture)), null),

            // Kraken's OHLC serves its 720 most recent candles: the last half-day of the recording.
            "kraken" => Avax(venue, new TimeRange(July1.AddDays(30).AddHours(12), July1.AddDays(31))),
            "coinbase" or "okx" => Avax(venue, new TimeRange(July1, July1.AddHours(5))),
            _ => Avax(venue, new TimeRange(July1, July1.AddDays(1))),
        };

        private static Series Avax(string venue, TimeRange range)
        {
            var instrument = ReplayFixture.Avax[venue];
            return new(venue, instrument, Timeframe.M1, range, new ManualClock(ReplayFixture.Now), new ReplayCandleSource(venue, instrument, Timeframe.M1, TestData.AvaxMonth));
        }

        public Task<ReplayHarness> StartAsync(string? faults = null)
            => ReplayHarness.StartAsync(Clock.GetUtcNow(), faults: faults is null ? null : ReplayFaults.Parse(faults, "faults.yaml"), candles: Source is null ? [] : [Source]);

        /// <summary>The venue's real answer to the first candle request the connector makes for the window (and, for Hyperliquid, to its metadata request).</summary>
        public async Task<((string Path, string Body) Candles, string? Meta)> RealCandleAnswerAsync()
        {
            await using var healthy = await StartAsync();
            using var capture = new Capture(healthy.Server.BaseAddress);
            var provider = (ICandleProvider)VenueRegistry.Get(Venue).Create(VenueConnection.Direct(capture.Client, Clock));
            await foreach (var _ in provider.FetchCandlesAsync(Instrument, Timeframe, Range))
            {
            }

            var candles = capture.First(Venue switch
            {
                "binance" => "/api/v3/klines",
                "binance-usdm" => "/fapi/v1/klines",
                "coinbase" => "/candles",
                "okx" => "/api/v5/market/",
                "kraken" => "/0/public/OHLC",
                _ => "/info",
            }, body => Venue != "hyperliquid" || body.StartsWith('['));
            return (candles, Venue == "hyperliquid" ? capture.First("/info", body => body.StartsWith('{')).Body : null);
        }
    }

    /// <summary>An HttpClient to a base address that keeps every answer's path and body.</summary>
    private sealed class Capture : IDisposable
    {
        private readonly List<(string Path, string Body)> _answers = [];

        public Capture(Uri baseAddress) => Client = new HttpClient(new Handler(_answers) { InnerHandler = new HttpClientHandler() }) { BaseAddress = baseAddress };

        public HttpClient Client { get; }

        /// <summary>The path (without query) and body of the first answer whose path contains <paramref name="part"/>.</summary>
        public (string Path, string Body) First(string part, Func<string, bool>? accept = null)
        {
            lock (_answers)
            {
                return _answers.First(a => a.Path.Contains(part, StringComparison.Ordinal) && (accept?.Invoke(a.Body) ?? true));
            }
        }

        public void Dispose() => Client.Dispose();

        private sealed class Handler(List<(string Path, string Body)> answers) : DelegatingHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                var response = await base.SendAsync(request, cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                lock (answers)
                {
                    answers.Add((request.RequestUri!.AbsolutePath, body));
                }

                return response;
            }
        }
    }
}

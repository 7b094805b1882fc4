using System.Globalization;
using System.Net;
using System.Text.Json;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Replay;

/// <summary>The replay venue answers like each real venue: page limits, ordering, time bounds, error bodies and headers.</summary>
public sealed class ReplayVenueBehaviourTests(ReplayFixture replay) : IClassFixture<ReplayFixture>
{
    private static readonly long AvaxFirst = DateTimeOffset.Parse("2026-07-01T00:00:00Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    [Fact]
    public async Task BinanceUsdmKlines_Limit1500_ServesAtMost1500AscendingWithInclusiveBounds()
    {
        var (status, json, _) = await GetAsync($"fapi/v1/klines?symbol=AVAXUSDT&interval=1m&startTime={AvaxFirst}&endTime={AvaxFirst + (2000 * 60_000)}&limit=1500");

        Assert.Equal(HttpStatusCode.OK, status);
        var rows = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(1500, rows.Count);
        Assert.Equal(AvaxFirst, rows[0][0].GetInt64());
        Assert.Equal(AvaxFirst + 59_999, rows[0][6].GetInt64());
        Assert.Equal("6.5340", rows[0][1].GetString());
        Assert.True(rows.Zip(rows.Skip(1)).All(p => p.First[0].GetInt64() < p.Second[0].GetInt64()));

        var (_, inclusive, _) = await GetAsync($"fapi/v1/klines?symbol=AVAXUSDT&interval=1m&startTime={AvaxFirst}&endTime={AvaxFirst + 120_000}&limit=1500");
        Assert.Equal(3, inclusive.RootElement.GetArrayLength());
    }

    [Fact]
    public async Task BinanceUsdmKlines_LimitOverMax_Is400WithCode1130()
    {
        var (status, json, _) = await GetAsync("fapi/v1/klines?symbol=AVAXUSDT&interval=1m&limit=1501");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(-1130, json.RootElement.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task BinanceSpotKlines_LimitOverMax_IsCappedAt1000()
    {
        var (status, json, _) = await GetAsync($"api/v3/klines?symbol=AVAXUSDT&interval=1m&startTime={AvaxFirst}&limit=5000");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1000, json.RootElement.GetArrayLength());
    }

    [Fact]
    public async Task BinanceKlines_UnknownSymbolOrInterval_AreBinanceErrors()
    {
        var (symbolStatus, symbol, _) = await GetAsync("api/v3/klines?symbol=NOPEUSDT&interval=1m");
        var (intervalStatus, interval, _) = await GetAsync("fapi/v1/klines?symbol=AVAXUSDT&interval=1s");

        Assert.Equal(HttpStatusCode.BadRequest, symbolStatus);
        Assert.Equal(-1121, symbol.RootElement.GetProperty("code").GetInt32());
        Assert.Equal("Invalid symbol.", symbol.RootElement.GetProperty("msg").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, intervalStatus);
        Assert.Equal(-1120, interval.RootElement.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task BinanceResponses_CarryUsedWeightThatGrowsWithinTheMinute()
    {
        var (_, _, first) = await GetAsync("fapi/v1/klines?symbol=AVAXUSDT&interval=1m&limit=1000");
        var (_, _, second) = await GetAsync("fapi/v1/klines?symbol=AVAXUSDT&interval=1m&limit=1000");

        var a = int.Parse(first.GetValues("X-MBX-USED-WEIGHT-1M").Single(), CultureInfo.InvariantCulture);
        var b = int.Parse(second.GetValues("X-MBX-USED-WEIGHT-1M").Single(), CultureInfo.InvariantCulture);
        Assert.Equal(5, b - a);
    }

    [Fact]
    public async Task BinanceExchangeInfo_ListsHeldInstrumentsWithTheirRecordedEntries()
    {
        var (_, json, _) = await GetAsync("fapi/v1/exchangeInfo");

        var symbols = json.RootElement.GetProperty("symbols").EnumerateArray().ToDictionary(s => s.GetProperty("symbol").GetString()!);
        Assert.Contains("AVAXUSDT", symbols.Keys);
        Assert.Contains("SUSHIUSDT", symbols.Keys);
        Assert.Equal("PERPETUAL", symbols["AVAXUSDT"].GetProperty("contractType").GetString());
        Assert.Equal("0.0010", symbols["AVAXUSDT"].GetProperty("filters")[0].GetProperty("tickSize").GetString());
        Assert.Equal(2400, json.RootElement.GetProperty("rateLimits")[0].GetProperty("limit").GetInt32());
    }

    [Fact]
    public async Task BinanceUsdmDepth_LimitNotAllowed_Is400WithCode4021()
    {
        var (status, json, _) = await GetAsync("fapi/v1/depth?symbol=SUSHIUSDT&limit=7");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(-4021, json.RootElement.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task KrakenOhlc_ServesOnlyThe720MostRecentWhateverSince()
    {
        var (_, json, _) = await GetAsync("0/public/OHLC?pair=AVAXUSDT&interval=1&since=0");

        var result = json.RootElement.GetProperty("result");
        var rows = result.GetProperty("AVAXUSDT").EnumerateArray().ToList();
        Assert.Equal(720, rows.Count);
        Assert.Equal(rows[^1][0].GetInt64(), result.GetProperty("last").GetInt64());
        Assert.Equal(DateTimeOffset.Parse("2026-07-31T23:59:00Z", CultureInfo.InvariantCulture).ToUnixTimeSeconds(), rows[^1][0].GetInt64());
    }

    [Fact]
    public async Task KrakenOhlc_SinceIsExclusive()
    {
        var last = DateTimeOffset.Parse("2026-07-31T23:59:00Z", CultureInfo.InvariantCulture).ToUnixTimeSeconds();

        var (_, json, _) = await GetAsync($"0/public/OHLC?pair=AVAXUSDT&interval=1&since={last - 60}");

        var rows = json.RootElement.GetProperty("result").GetProperty("AVAXUSDT").EnumerateArray().ToList();
        Assert.Equal(last, Assert.Single(rows)[0].GetInt64());
    }

    [Fact]
    public async Task KrakenUnknownPair_IsErrorEnvelopeWithStatus200()
    {
        var (status, json, _) = await GetAsync("0/public/OHLC?pair=NOPEUSD&interval=1");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("EQuery:Unknown asset pair", json.RootElement.GetProperty("error")[0].GetString());
    }

    [Fact]
    public async Task CoinbaseCandles_NewestFirstInclusiveBothEnds()
    {
        var (_, json, _) = await GetAsync("products/BTC-USD/candles?granularity=60&start=2020-11-24T21:05:00Z&end=2020-11-24T21:12:00Z");

        var times = json.RootElement.EnumerateArray().Select(r => r[0].GetInt64()).ToList();
        var start = DateTimeOffset.Parse("2020-11-24T21:05:00Z", CultureInfo.InvariantCulture).ToUnixTimeSeconds();
        Assert.Equal(times.OrderDescending(), times);
        Assert.Equal(start + (7 * 60), times[0]);
        Assert.Equal(start, times[^1]);
        Assert.Equal(7, times.Count); // 8 slots, one of them the recorded missing minute 21:09
        Assert.DoesNotContain(start + (4 * 60), times);
        Assert.Equal(JsonValueKind.Number, json.RootElement[0][1].ValueKind);
    }

    [Fact]
    public async Task CoinbaseCandles_MoreThan300Buckets_Is400WithTheVenuesMessage()
    {
        var (status, json, _) = await GetAsync("products/BTC-USD/candles?granularity=60&start=2020-11-24T00:00:00Z&end=2020-11-24T05:01:00Z");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(
            "granularity too small for the requested time range. Count of aggregations requested exceeds 300",
            json.RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task CoinbaseCandles_UnsupportedGranularityAndUnknownProduct_AreCoinbaseErrors()
    {
        var (granularityStatus, granularity, _) = await GetAsync("products/BTC-USD/candles?granularity=120");
        var (productStatus, product, _) = await GetAsync("products/NOPE-USD/candles?granularity=60");

        Assert.Equal(HttpStatusCode.BadRequest, granularityStatus);
        Assert.Equal("Unsupported granularity", granularity.RootElement.GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.NotFound, productStatus);
        Assert.Equal("NotFound", product.RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task OkxCandles_NewestFirstAfterAndBeforeExclusiveAndRecentWindowLimited()
    {
        var after = AvaxFirst + (10 * 60_000);

        var (_, history, _) = await GetAsync($"api/v5/market/history-candles?instId=AVAX-USDT-SWAP&bar=1m&after={after}&before={AvaxFirst}&limit=300");
        var (_, recent, _) = await GetAsync($"api/v5/market/candles?instId=AVAX-USDT-SWAP&bar=1m&after={after}&limit=300");

        var times = history.RootElement.GetProperty("data").EnumerateArray().Select(r => long.Parse(r[0].GetString()!, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(9, times.Count);
        Assert.Equal(after - 60_000, times[0]);
        Assert.Equal(AvaxFirst + 60_000, times[^1]);
        Assert.Equal("1", history.RootElement.GetProperty("data")[0][8].GetString());
        Assert.Empty(recent.RootElement.GetProperty("data").EnumerateArray()); // older than the latest 1440
    }

    [Fact]
    public async Task OkxUnknownInstrument_Is51001WithStatus200AndBadBarIs51000With400()
    {
        var (unknownStatus, unknown, _) = await GetAsync("api/v5/market/candles?instId=NOPE-USDT");
        var (barStatus, bar, _) = await GetAsync("api/v5/market/candles?instId=AVAX-USDT-SWAP&bar=7m");

        Assert.Equal(HttpStatusCode.OK, unknownStatus);
        Assert.Equal("51001", unknown.RootElement.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, barStatus);
        Assert.Equal("51000", bar.RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task UnknownEndpoint_Is404NamingIt()
    {
        var (status, json, _) = await GetAsync("api/v9/nothing");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("/api/v9/nothing", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private async Task<(HttpStatusCode Status, JsonDocument Json, System.Net.Http.Headers.HttpResponseHeaders Headers)> GetAsync(string pathAndQuery)
    {
        using var client = replay.Http.Client();
        using var response = await client.GetAsync(new Uri(pathAndQuery, UriKind.Relative));
        var body = await response.Content.ReadAsByteArrayAsync();
        return (response.StatusCode, JsonDocument.Parse(body), response.Headers);
    }
}

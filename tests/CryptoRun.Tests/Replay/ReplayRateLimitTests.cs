using System.Globalization;
using System.Net;
using CryptoRun.Replay.Limits;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Replay;

/// <summary>Each venue's real rate limits on the replay clock: Binance weight with 429 and 418 bans, Coinbase, Kraken, OKX.</summary>
public sealed class ReplayRateLimitTests
{
    /// <summary>15 s into a UTC minute: a 429 here says Retry-After 45.</summary>
    private static readonly DateTimeOffset FifteenIn = new(2026, 9, 1, 0, 0, 15, TimeSpan.Zero);

    private const string Depth250 = "api/v3/depth?symbol=NKNUSDT&limit=5000"; // spot depth 1001..5000: weight 250
    private const string Depth50 = "api/v3/depth?symbol=NKNUSDT&limit=1000"; // weight 50
    private const string Ping = "api/v3/ping"; // weight 1

    private const string TooMuch = "Too much request weight used; current limit is 1200 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.";

    [Fact]
    public async Task Binance_WeightExactlyAtTheLimit_IsServed_OneMore_Is429WithRetryAfterToTheNextMinute()
    {
        await using var replay = await ReplayHarness.StartAsync(FifteenIn);

        var served = new List<Answer>();
        served.AddRange(await replay.GetManyAsync(Depth250, 4));
        served.AddRange(await replay.GetManyAsync(Depth50, 4));
        var refused = await replay.GetAsync(Ping);

        Assert.All(served, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal("1200", served[^1].Header("X-MBX-USED-WEIGHT-1M"));
        Assert.Equal(429, refused.Code);
        Assert.Equal("45", refused.Header("Retry-After"));
        Assert.Equal(-1003, refused.Json.GetProperty("code").GetInt32());
        Assert.Equal(TooMuch, refused.Json.GetProperty("msg").GetString());
        Assert.Equal("1200", refused.Header("X-MBX-USED-WEIGHT-1M")); // a refused request adds nothing
        Assert.Equal("1200", refused.Header("X-MBX-USED-WEIGHT"));
    }

    [Fact]
    public async Task Binance_RequestBeforeRetryAfter_Is418AndNothingIsServedUntilTheBanEnds()
    {
        await using var replay = await ReplayHarness.StartAsync(FifteenIn);
        await replay.GetManyAsync(Depth250, 4);
        var limited = await replay.GetAsync(Depth250);
        replay.Clock.Advance(TimeSpan.FromSeconds(10)); // 00:00:25, Retry-After said wait until 00:01:00

        var banned = await replay.GetAsync(Ping);
        var before = replay.Server.Requests.Count;
        var during = new List<Answer>();
        foreach (var step in new[] { 30, 60, 29 })
        {
            replay.Clock.Advance(TimeSpan.FromSeconds(step));
            during.Add(await replay.GetAsync(Ping));
            during.Add(await replay.GetAsync(Depth50));
        }

        var duringLog = replay.Server.Requests.Skip(before).ToList();
        replay.Clock.Advance(TimeSpan.FromSeconds(1)); // 00:02:25: the 2-minute ban is over
        var after = await replay.GetAsync(Ping);

        Assert.Equal(429, limited.Code);
        Assert.Equal(418, banned.Code);
        Assert.Equal("120", banned.Header("Retry-After"));
        var until = FifteenIn.AddSeconds(10).AddMinutes(2).ToUnixTimeMilliseconds();
        Assert.Equal(-1003, banned.Json.GetProperty("code").GetInt32());
        Assert.Equal(
            $"Way too much request weight used; IP banned until {until}. Please use WebSocket Streams for live updates to avoid bans.",
            banned.Json.GetProperty("msg").GetString());
        Assert.All(during, a => Assert.Equal(418, a.Code));
        Assert.Equal(["90", "90", "30", "30", "1", "1"], during.Select(a => a.Header("Retry-After")));
        Assert.Equal(["1000", "1000", "0", "0", "0", "0"], during.Select(a => a.Header("X-MBX-USED-WEIGHT-1M"))); // 00:00:55, then new minutes with nothing served
        Assert.Equal(6, duringLog.Count);
        Assert.DoesNotContain(duringLog, r => r.Status != 418); // zero requests reached the venue during the ban
        Assert.Equal(HttpStatusCode.OK, after.Status);
        Assert.Equal("1", after.Header("X-MBX-USED-WEIGHT-1M"));
    }

    [Fact]
    public async Task Binance_EachFurtherBan_LastsTwiceAsLong()
    {
        await using var replay = await ReplayHarness.StartAsync(FifteenIn);
        var lengths = new List<string?>();
        for (var ban = 0; ban < 3; ban++)
        {
            await replay.GetManyAsync(Depth250, 5); // the fifth is refused with 429
            var answer = await replay.GetAsync(Ping); // too early: banned
            lengths.Add(answer.Header("Retry-After"));
            replay.Clock.Advance(TimeSpan.FromSeconds(int.Parse(answer.Header("Retry-After")!, CultureInfo.InvariantCulture)));
            Assert.Equal(HttpStatusCode.OK, (await replay.GetAsync(Ping)).Status);
            replay.Clock.Advance(TimeSpan.FromMinutes(1)); // a fresh minute for the next round
        }

        Assert.Equal(["120", "240", "480"], lengths);
    }

    [Fact]
    public void BinanceBanLength_DoublesFromTwoMinutesAndStopsAtThreeDays()
    {
        var lengths = Enumerable.Range(1, 14).Select(ban => TimeSpan.FromMilliseconds(BinanceWeightLimiter.BanLengthMs(ban))).ToList();

        Assert.Equal(TimeSpan.FromMinutes(2), lengths[0]);
        Assert.Equal(TimeSpan.FromMinutes(4), lengths[1]);
        Assert.Equal(TimeSpan.FromMinutes(4096), lengths[11]); // 2^12 minutes < 3 days
        Assert.Equal(TimeSpan.FromDays(3), lengths[12]);
        Assert.Equal(TimeSpan.FromDays(3), lengths[13]);
    }

    [Fact]
    public async Task Binance_UsedWeightHeaders_OnEveryAnswer_ServedErrorLimitedAndBanned()
    {
        await using var replay = await ReplayHarness.StartAsync(FifteenIn);

        var answers = new List<Answer>
        {
            await replay.GetAsync(Ping),
            await replay.GetAsync("api/v3/depth?symbol=NOPEUSDT&limit=5000"), // 400 Invalid symbol still costs 250
            await replay.GetAsync("api/v3/exchangeInfo"),
        };
        answers.AddRange(await replay.GetManyAsync(Depth250, 4)); // the fourth is refused
        answers.Add(await replay.GetAsync(Ping)); // banned

        Assert.Equal([200, 400, 200, 200, 200, 200, 429, 418], answers.Select(a => a.Code));
        Assert.Equal(["1", "251", "271", "521", "771", "1021", "1021", "1021"], answers.Select(a => a.Header("X-MBX-USED-WEIGHT-1M")));
        Assert.Equal(answers.Select(a => a.Header("X-MBX-USED-WEIGHT-1M")), answers.Select(a => a.Header("X-MBX-USED-WEIGHT")));
    }

    [Fact]
    public async Task Binance_WindowResetsAtTheMinuteBoundary_AndWaitingOutRetryAfterIsNoBan()
    {
        await using var replay = await ReplayHarness.StartAsync(new DateTimeOffset(2026, 9, 1, 0, 0, 59, 500, TimeSpan.Zero));
        await replay.GetManyAsync(Depth250, 4);
        var limited = await replay.GetAsync(Depth250);
        replay.Clock.Advance(TimeSpan.FromMilliseconds(500)); // exactly 00:01:00, when Retry-After ends

        var next = await replay.GetAsync(Depth250);

        Assert.Equal(429, limited.Code);
        Assert.Equal("1", limited.Header("Retry-After")); // 0.5 s, in whole seconds rounded up
        Assert.Equal(HttpStatusCode.OK, next.Status);
        Assert.Equal("250", next.Header("X-MBX-USED-WEIGHT-1M"));
    }

    [Fact]
    public async Task BinanceUsdm_RecordedLimitIs2400_CountedApartFromSpot()
    {
        await using var replay = await ReplayHarness.StartAsync(FifteenIn);

        var usdm = await replay.GetManyAsync("fapi/v1/depth?symbol=SUSHIUSDT&limit=1000", 121); // weight 20 each
        var spot = await replay.GetAsync(Ping);

        Assert.All(usdm.Take(120), a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal("2400", usdm[119].Header("X-MBX-USED-WEIGHT-1M"));
        Assert.Equal(429, usdm[120].Code);
        Assert.Contains("current limit is 2400 request weight per 1 MINUTE", usdm[120].Json.GetProperty("msg").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, spot.Status);
        Assert.Equal("1", spot.Header("X-MBX-USED-WEIGHT-1M"));
    }

    [Fact]
    public async Task Coinbase_Burst15_Then429_ThenRefillsTenASecondUpTo15()
    {
        await using var replay = await ReplayHarness.StartAsync();

        var burst = await replay.GetManyAsync("products/SKL-USD/book?level=2", 16);
        replay.Clock.Advance(TimeSpan.FromMilliseconds(100)); // one token back
        var afterTenth = await replay.GetManyAsync("time", 2);
        replay.Clock.Advance(TimeSpan.FromSeconds(5)); // full again, but never more than 15
        var refilled = await replay.GetManyAsync("time", 16);

        Assert.All(burst.Take(15), a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal(429, burst[15].Code);
        Assert.Equal("""{"message":"Public rate limit exceeded"}""", burst[15].Body);
        Assert.Null(burst[15].Header("Retry-After")); // Coinbase sends no rate-limit headers
        Assert.Equal([200, 429], afterTenth.Select(a => a.Code));
        Assert.Equal(15, refilled.Count(a => a.Code == 200));
        Assert.Equal(429, refilled[15].Code);
    }

    [Fact]
    public async Task Kraken_CallsOverTheCounter_AreRateLimitExceededWith200_AndTheCounterDecaysOneASecond()
    {
        await using var replay = await ReplayHarness.StartAsync();

        var burst = await replay.GetManyAsync("0/public/Time", 16);
        var depthToo = await replay.GetAsync("0/public/Depth?pair=XBTCHF&count=2"); // same IP counter
        var ohlcOwnCounter = await replay.GetManyAsync("0/public/OHLC?pair=XBTCHF&interval=1", 16); // per pair
        var otherPair = await replay.GetAsync("0/public/Trades?pair=XBTUSD");
        replay.Clock.Advance(TimeSpan.FromSeconds(1));
        var afterOneSecond = await replay.GetManyAsync("0/public/Time", 2);

        static bool Limited(Answer a) => a.Code == 200 && a.Body == """{"error":["EAPI:Rate limit exceeded"]}""";
        Assert.DoesNotContain(burst.Take(15), Limited);
        Assert.True(Limited(burst[15]));
        Assert.True(Limited(depthToo));
        Assert.DoesNotContain(ohlcOwnCounter.Take(15), Limited);
        Assert.True(Limited(ohlcOwnCounter[15]));
        Assert.False(Limited(otherPair));
        Assert.Equal([false, true], afterOneSecond.Select(Limited));
    }

    [Fact]
    public async Task Okx_EachEndpointHasItsLimitPer2s_Over_Is429With50011_NextWindowServes()
    {
        await using var replay = await ReplayHarness.StartAsync(); // 00:00:00, the start of a 2 s window

        var candles = await replay.GetManyAsync("api/v5/market/candles?instId=BTC-USDT&bar=1m", 41);
        var history = await replay.GetManyAsync("api/v5/market/history-candles?instId=BTC-USDT&bar=1m", 21);
        var time = await replay.GetManyAsync("api/v5/public/time", 11);
        var spot = await replay.GetManyAsync("api/v5/public/instruments?instType=SPOT", 21);
        var swap = await replay.GetAsync("api/v5/public/instruments?instType=SWAP");
        var books = await replay.GetAsync("api/v5/market/books?instId=BTC-USDT&sz=10");
        replay.Clock.Advance(TimeSpan.FromMilliseconds(1999));
        var stillLimited = await replay.GetAsync("api/v5/public/time");
        replay.Clock.Advance(TimeSpan.FromMilliseconds(1)); // 00:00:02, a new window
        var nextWindow = await replay.GetAsync("api/v5/public/time");

        const string Refusal = """{"code":"50011","msg":"Rate limit reached. Please refer to API documentation and throttle requests accordingly.","data":[]}""";
        Assert.All(candles.Take(40), a => Assert.NotEqual(429, a.Code));
        Assert.Equal((429, Refusal), (candles[40].Code, candles[40].Body));
        Assert.All(history.Take(20), a => Assert.NotEqual(429, a.Code));
        Assert.Equal(429, history[20].Code);
        Assert.All(time.Take(10), a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal(429, time[10].Code);
        Assert.All(spot.Take(20), a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal(429, spot[20].Code);
        Assert.Equal(HttpStatusCode.OK, swap.Status); // instruments count per instType
        Assert.Equal(HttpStatusCode.OK, books.Status);
        Assert.Equal(429, stillLimited.Code);
        Assert.Equal(HttpStatusCode.OK, nextWindow.Status);
    }

    [Fact]
    public async Task LimitsOff_ServesEverything_AndBinanceStillReportsItsWeight()
    {
        await using var replay = await ReplayHarness.StartAsync(FifteenIn, enforceLimits: false);

        var binance = await replay.GetManyAsync(Depth250, 6);
        var coinbase = await replay.GetManyAsync("time", 30);
        var kraken = await replay.GetManyAsync("0/public/Time", 30);
        var okx = await replay.GetManyAsync("api/v5/public/time", 30);

        Assert.All(binance.Concat(coinbase).Concat(kraken).Concat(okx), a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.DoesNotContain(kraken, a => a.Body.Contains("EAPI:Rate limit exceeded", StringComparison.Ordinal));
        Assert.Equal("1500", binance[^1].Header("X-MBX-USED-WEIGHT-1M"));
    }
}

using System.Globalization;
using System.Net;
using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Replay;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Tests.Venues;

namespace CryptoRun.Tests.Replay;

/// <summary>The replay's ticker endpoints: REST shapes, which data answers at which clock, errors and rate limits.</summary>
public sealed class ReplayTickerTests
{
    private static readonly DateTimeOffset InsideAvax = DateTimeOffset.Parse("2026-07-15T10:20:30Z", CultureInfo.InvariantCulture);

    [Fact]
    public async Task KrakenTicker_PairsByAltnameAndWsnameCommaSeparated_AreKeyedByPairInTheRestTypes()
    {
        await using var replay = await ReplayHarness.StartAsync();

        var answer = await replay.GetAsync("0/public/Ticker?pair=XMRUSD,XBT/CHF,XXMRZUSD");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(0, answer.Json.GetProperty("error").GetArrayLength());
        var result = answer.Json.GetProperty("result");
        Assert.Equal(["XXMRZUSD", "XBTCHF"], result.EnumerateObject().Select(p => p.Name)); // asked twice, answered once
        var xmr = result.GetProperty("XXMRZUSD");
        // Recorded: "a":["354.38000000",4,"4.95600000"], "o":["340.88000000","335.21000000"]
        Assert.Equal(["354.38000000", "4", "4.95600000"], Strings(xmr.GetProperty("a")));
        Assert.Equal(["353.81000000", "5", "5.14412712"], Strings(xmr.GetProperty("b")));
        Assert.Equal(["353.81000000", "1.71754604"], Strings(xmr.GetProperty("c")));
        Assert.Equal("340.88000000", xmr.GetProperty("o").GetString());
        Assert.Equal([6485, 10284], xmr.GetProperty("t").EnumerateArray().Select(t => t.GetInt32()));
    }

    [Fact]
    public async Task CoinbaseTicker_RecordedFrame_IsServedWithTheRestFieldNames()
    {
        await using var replay = await ReplayHarness.StartAsync();

        var answer = await replay.GetAsync("products/SKL-USD/ticker");

        Assert.Equal(
            """{"trade_id":1568319,"price":"0.7902","size":"18","time":"2021-04-17T16:44:06.669388Z","bid":"0.7901","ask":"0.7905","volume":"34168548.50000000"}""",
            answer.Body);
    }

    [Fact]
    public async Task OkxTicker_RecordedFrame_IsItsDataInTheRestEnvelope()
    {
        await using var replay = await ReplayHarness.StartAsync();

        var answer = await replay.GetAsync("api/v5/market/ticker?instId=UNI-USD-SWAP");

        Assert.Equal(
            """{"code":"0","msg":"","data":[{"instType":"SWAP","instId":"UNI-USD-SWAP","last":"5.123","lastSz":"100","askPx":"5.142","askSz":"25","bidPx":"5.134","bidSz":"96","open24h":"4.799","high24h":"5.458","low24h":"4.537","sodUtc0":"4.654","sodUtc8":"5.204","volCcy24h":"577730.7823","vol24h":"289425","ts":"1652459223143"}]}""",
            answer.Body);
    }

    [Theory]
    [InlineData("api/v3/ticker/24hr?symbol=AVAXUSDT", false)]
    [InlineData("fapi/v1/ticker/24hr?symbol=AVAXUSDT", true)]
    public async Task Binance24hTicker_FromTheAvaxMonth_AggregatesThe24hBeforeTheLatestClosedCandle(string path, bool futures)
    {
        await using var replay = await ReplayHarness.StartAsync(InsideAvax, candles: AvaxEverywhere());
        var rows = TickersOverReplayTests.AvaxRows();
        var closeMs = At("2026-07-15T10:20:00Z");
        var window = rows.Where(r => r.OpenMs >= closeMs - 86_400_000 && r.OpenMs < closeMs).ToList();
        var last = window[^1];
        var volume = window.Sum(r => r.Volume);
        var quoteVolume = window.Sum(r => r.QuoteVolume);

        var answer = await replay.GetAsync(path);
        var t = answer.Json;

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(1440, window.Count);
        Assert.Equal("AVAXUSDT", t.GetProperty("symbol").GetString());
        Assert.Equal(Text(last.Close), t.GetProperty("lastPrice").GetString());
        Assert.Equal(Text(window[0].Open), t.GetProperty("openPrice").GetString());
        Assert.Equal(window.Max(r => r.High), Dec(t, "highPrice"));
        Assert.Equal(window.Min(r => r.Low), Dec(t, "lowPrice"));
        Assert.Equal(volume, Dec(t, "volume"));
        Assert.Equal(quoteVolume, Dec(t, "quoteVolume"));
        Assert.Equal(window.Sum(r => r.Count), t.GetProperty("count").GetInt64());
        Assert.Equal(last.Close - window[0].Open, Dec(t, "priceChange"));
        Assert.Equal(Math.Round((last.Close - window[0].Open) / window[0].Open * 100, 3), Dec(t, "priceChangePercent"));
        Assert.Equal(3, t.GetProperty("priceChangePercent").GetString()!.Split('.')[1].Length);
        Assert.Equal(Math.Round(quoteVolume / volume, 8), Dec(t, "weightedAvgPrice"));
        Assert.Equal(closeMs - 86_400_000, t.GetProperty("openTime").GetInt64());
        Assert.Equal(closeMs - 1, t.GetProperty("closeTime").GetInt64());
        Assert.Equal(futures ? null : Text(rows.Single(r => r.OpenMs == closeMs - 86_400_000 - 60_000).Close), t.TryGetProperty("prevClosePrice", out var p) ? p.GetString() : null);
        foreach (var absent in new[] { "bidPrice", "askPrice", "bidQty", "askQty", "lastQty", "firstId", "lastId" })
        {
            Assert.False(t.TryGetProperty(absent, out _), absent); // candles do not know them
        }
    }

    [Fact]
    public async Task Binance24hTicker_WithoutSymbol_ListsTheSymbolsWithCandles_AndWeighs80SpotAnd40UsdM()
    {
        await using var replay = await ReplayHarness.StartAsync(InsideAvax, candles: AvaxEverywhere());

        var spotOne = await replay.GetAsync("api/v3/ticker/24hr?symbol=AVAXUSDT");
        var spotAll = await replay.GetAsync("api/v3/ticker/24hr");
        var usdmOne = await replay.GetAsync("fapi/v1/ticker/24hr?symbol=AVAXUSDT");
        var usdmAll = await replay.GetAsync("fapi/v1/ticker/24hr");

        Assert.Equal(["2", "82"], new[] { spotOne, spotAll }.Select(a => a.Header("X-MBX-USED-WEIGHT-1M")));
        Assert.Equal(["1", "41"], new[] { usdmOne, usdmAll }.Select(a => a.Header("X-MBX-USED-WEIGHT-1M")));
        Assert.Equal(["AVAXUSDT"], spotAll.Json.EnumerateArray().Select(t => t.GetProperty("symbol").GetString()));
        Assert.Equal(spotOne.Json.GetRawText(), spotAll.Json[0].GetRawText());
        Assert.Equal([2, 80, 1, 40], replay.Server.Requests.Select(r => r.Weight));
    }

    [Fact]
    public async Task CandleTickers_LeaveOutWhatCandlesCannotKnow_AndThe24hVolumeUntilTheSeriesCoversIt()
    {
        // 2020-11-23T00:00Z: the BTC/USD minute file starts 2020-11-22T18:46Z, less than 24 h before.
        var candles = BtcUsdMinute("coinbase", "kraken", "okx");
        await using var replay = await ReplayHarness.StartAsync(DateTimeOffset.Parse("2020-11-23T00:00:00Z", CultureInfo.InvariantCulture), candles: candles);
        var close = TickersOverReplayTests.CoinbaseMinuteRows().Single(r => r.OpenMs == At("2020-11-22T23:59:00Z")).Close;

        var coinbase = await replay.GetAsync("products/BTC-USD/ticker");
        var kraken = await replay.GetAsync("0/public/Ticker?pair=XBTUSD");
        var okx = await replay.GetAsync("api/v5/market/ticker?instId=BTC-USD");

        Assert.Equal($$"""{"price":"{{Text(close)}}","time":"2020-11-23T00:00:00.000000Z"}""", coinbase.Body);
        Assert.Equal("""{"error":[],"result":{"XXBTZUSD":{"c":[""" + $"\"{Text(close)}\"" + "]}}}", kraken.Body);
        var o = okx.Json.GetProperty("data")[0];
        Assert.Equal(Text(close), o.GetProperty("last").GetString());
        Assert.Equal(At("2020-11-23T00:00:00Z").ToString(CultureInfo.InvariantCulture), o.GetProperty("ts").GetString());
        foreach (var empty in new[] { "lastSz", "askPx", "askSz", "bidPx", "bidSz", "open24h", "vol24h", "volCcy24h", "sodUtc0" })
        {
            Assert.Equal("", o.GetProperty(empty).GetString()); // OKX's empty value
        }
    }

    [Fact]
    public async Task KrakenAndOkxCandleTickers_Covered_GiveTodayAndThe24hAggregates()
    {
        var now = DateTimeOffset.Parse("2020-12-05T08:00:00Z", CultureInfo.InvariantCulture);
        var candles = BtcUsdMinute("kraken", "okx");
        await using var replay = await ReplayHarness.StartAsync(now, candles: candles);
        var rows = TickersOverReplayTests.CoinbaseMinuteRows();
        var closeMs = now.ToUnixTimeMilliseconds();
        var day = rows.Where(r => r.OpenMs >= closeMs - 86_400_000 && r.OpenMs < closeMs).ToList();
        var today = rows.Where(r => r.OpenMs >= At("2020-12-05T00:00:00Z") && r.OpenMs < closeMs).ToList();

        var kraken = (await replay.GetAsync("0/public/Ticker?pair=XBT/USD")).Json.GetProperty("result").GetProperty("XXBTZUSD");
        var okx = (await replay.GetAsync("api/v5/market/ticker?instId=BTC-USD")).Json.GetProperty("data")[0];

        Assert.Equal([today.Sum(r => r.Volume), day.Sum(r => r.Volume)], kraken.GetProperty("v").EnumerateArray().Select(v => Dec(v.GetString()!)));
        Assert.False(kraken.TryGetProperty("a", out _));
        Assert.False(kraken.TryGetProperty("b", out _));
        Assert.Equal(day.Sum(r => r.Volume), Dec(okx, "vol24h"));
        Assert.Equal(closeMs.ToString(CultureInfo.InvariantCulture), okx.GetProperty("ts").GetString());
        Assert.Equal("", okx.GetProperty("bidPx").GetString());
    }

    [Fact]
    public async Task UnknownInstruments_AnswerAsEachVenuesOtherEndpointsDo()
    {
        await using var replay = await ReplayHarness.StartAsync();

        var pairs = new (string Ticker, string Other)[]
        {
            ("products/NOPE-USD/ticker", "products/NOPE-USD/book"),
            ("0/public/Ticker?pair=NOPEUSD", "0/public/Depth?pair=NOPEUSD"),
            ("0/public/Ticker?pair=XMRUSD,NOPEUSD", "0/public/Depth?pair=NOPEUSD"),
            ("api/v5/market/ticker?instId=NOPE-USDT", "api/v5/market/books?instId=NOPE-USDT"),
            ("api/v3/ticker/24hr?symbol=NOPEUSDT", "api/v3/aggTrades?symbol=NOPEUSDT"),
            ("fapi/v1/ticker/24hr?symbol=NOPEUSDT", "fapi/v1/aggTrades?symbol=NOPEUSDT"),
        };
        var answers = new List<(Answer Ticker, Answer Other)>();
        foreach (var (ticker, other) in pairs)
        {
            answers.Add((await replay.GetAsync(ticker), await replay.GetAsync(other)));
        }

        Assert.All(answers, a => Assert.Equal((a.Other.Status, a.Other.Body), (a.Ticker.Status, a.Ticker.Body)));
        Assert.Equal([404, 200, 200, 200, 400, 400], answers.Select(a => a.Ticker.Code));
        Assert.Equal(
            ["""{"message":"NotFound"}""", """{"error":["EQuery:Unknown asset pair"]}""", """{"error":["EQuery:Unknown asset pair"]}""",
             """{"code":"51001","msg":"Instrument ID does not exist","data":[]}""", """{"code":-1121,"msg":"Invalid symbol."}""", """{"code":-1121,"msg":"Invalid symbol."}"""],
            answers.Select(a => a.Ticker.Body));
    }

    [Fact]
    public async Task Tickers_ClockBeforeAnyDataOrCandleStillOpen_AnswerAsForAnInstrumentWithoutData()
    {
        // 00:00:59.999: the first AVAX candle (00:00) closes at 00:01, so nothing is closed yet.
        await using var replay = await ReplayHarness.StartAsync(
            DateTimeOffset.Parse("2026-07-01T00:00:59.999Z", CultureInfo.InvariantCulture),
            candles: AvaxEverywhere());

        var before = new List<Answer>
        {
            await replay.GetAsync("api/v3/ticker/24hr?symbol=AVAXUSDT"),
            await replay.GetAsync("fapi/v1/ticker/24hr?symbol=AVAXUSDT"),
            await replay.GetAsync("api/v3/ticker/24hr?symbol=NKNUSDT"), // held for its recorded book, no candles
            await replay.GetAsync("products/AVAX-USDT/ticker"),
            await replay.GetAsync("0/public/Ticker?pair=AVAXUSDT"),
            await replay.GetAsync("api/v5/market/ticker?instId=AVAX-USDT-SWAP"),
        };
        replay.Clock.Advance(TimeSpan.FromMilliseconds(1));
        var closed = await replay.GetAsync("fapi/v1/ticker/24hr?symbol=AVAXUSDT");

        Assert.Equal([400, 400, 400, 404, 200, 200], before.Select(a => a.Code));
        Assert.Equal(
            ["""{"code":-1121,"msg":"Invalid symbol."}""", """{"code":-1121,"msg":"Invalid symbol."}""", """{"code":-1121,"msg":"Invalid symbol."}""",
             """{"message":"NotFound"}""", """{"error":["EQuery:Unknown asset pair"]}""", """{"code":"51001","msg":"Instrument ID does not exist","data":[]}"""],
            before.Select(a => a.Body));
        Assert.Equal(HttpStatusCode.OK, closed.Status);
        Assert.Equal("6.5400", closed.Json.GetProperty("lastPrice").GetString()); // the 00:00 candle's close
        Assert.Equal("6.5340", closed.Json.GetProperty("openPrice").GetString());
    }

    [Fact]
    public async Task RecordedTickers_ClockBeforeTheRecording_AnswerAsForAnInstrumentWithoutData()
    {
        await using var replay = await ReplayHarness.StartAsync(DateTimeOffset.Parse("2021-01-01T00:00:00Z", CultureInfo.InvariantCulture));

        var coinbase = await replay.GetAsync("products/SKL-USD/ticker");
        var kraken = await replay.GetAsync("0/public/Ticker?pair=XMRUSD");
        var okx = await replay.GetAsync("api/v5/market/ticker?instId=BTC-USDT");

        Assert.Equal((404, """{"message":"NotFound"}"""), (coinbase.Code, coinbase.Body));
        Assert.Equal("""{"error":["EQuery:Unknown asset pair"]}""", kraken.Body);
        Assert.Equal("51001", okx.Json.GetProperty("code").GetString());
    }

    [Fact]
    public async Task CoinbaseTicker_CountsAgainstTheTokenBucket()
    {
        await using var replay = await ReplayHarness.StartAsync();

        var answers = await replay.GetManyAsync("products/SKL-USD/ticker", 16);
        var book = await replay.GetAsync("products/SKL-USD/book");

        Assert.All(answers.Take(15), a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal((429, """{"message":"Public rate limit exceeded"}"""), (answers[15].Code, answers[15].Body));
        Assert.Equal(429, book.Code); // one bucket for every public endpoint
    }

    [Fact]
    public async Task KrakenTicker_CountsAgainstTheIpCounter()
    {
        await using var replay = await ReplayHarness.StartAsync();

        var answers = await replay.GetManyAsync("0/public/Ticker?pair=XMRUSD", 15);
        var time = await replay.GetAsync("0/public/Time");

        Assert.All(answers, a => Assert.StartsWith("""{"error":[],""", a.Body, StringComparison.Ordinal));
        Assert.Equal("""{"error":["EAPI:Rate limit exceeded"]}""", time.Body);
    }

    [Fact]
    public async Task OkxTicker_Allows20Per2SecondWindow_ApartFromOtherEndpoints()
    {
        await using var replay = await ReplayHarness.StartAsync();

        var answers = await replay.GetManyAsync("api/v5/market/ticker?instId=BTC-USDT", 21);
        var books = await replay.GetAsync("api/v5/market/books?instId=BTC-USDT");
        replay.Clock.Advance(TimeSpan.FromSeconds(2));
        var nextWindow = await replay.GetAsync("api/v5/market/ticker?instId=BTC-USDT");

        Assert.All(answers.Take(20), a => Assert.Equal("0", a.Json.GetProperty("code").GetString()));
        Assert.Equal(429, answers[20].Code);
        Assert.Equal("50011", answers[20].Json.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, books.Status);
        Assert.Equal(HttpStatusCode.OK, nextWindow.Status);
    }

    [Fact]
    public async Task Binance24hTicker_UnknownSymbol_StillCostsItsWeight()
    {
        await using var replay = await ReplayHarness.StartAsync(InsideAvax);

        var unknown = await replay.GetAsync("api/v3/ticker/24hr?symbol=NOPEUSDT");
        var usdm = await replay.GetAsync("fapi/v1/ticker/24hr?symbol=NOPEUSDT");

        Assert.Equal(("2", "1"), (unknown.Header("X-MBX-USED-WEIGHT-1M"), usdm.Header("X-MBX-USED-WEIGHT-1M")));
    }

    private static ReplayCandleSource[] AvaxEverywhere() =>
    [
        new("binance", Instrument.Parse("AVAX/USDT"), Timeframe.M1, TestData.AvaxMonth),
        new("binance-usdm", Instrument.Parse("AVAX/USDT:USDT"), Timeframe.M1, TestData.AvaxMonth),
        new("coinbase", Instrument.Parse("AVAX/USDT"), Timeframe.M1, TestData.AvaxMonth),
        new("kraken", Instrument.Parse("AVAX/USDT"), Timeframe.M1, TestData.AvaxMonth),
        new("okx", Instrument.Parse("AVAX/USDT:USDT"), Timeframe.M1, TestData.AvaxMonth),
    ];

    private static IEnumerable<ReplayCandleSource> BtcUsdMinute(params string[] venues)
        => venues.Select(v => new ReplayCandleSource(v, Instrument.Parse("BTC/USD"), Timeframe.M1, TestData.CoinbaseMinute));

    private static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static decimal Dec(string text) => decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static decimal Dec(JsonElement element, string name) => Dec(element.GetProperty(name).GetString()!);

    private static long At(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
}

using System.Net;
using System.Text;
using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Replay;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Replay;

/// <summary>The replay venue's Hyperliquid, CoinGecko and CoinPaprika modules: recorded answers served as recorded, the rest refused as the venues (or the replay) refuse it.</summary>
public sealed class RestSampleReplayTests(ReplayFixture replay) : IClassFixture<ReplayFixture>
{
    private HttpClient Client() => replay.Http.Client();

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static string Recorded(string venue, string file) => File.ReadAllText(TestData.RestSample(venue, file));

    [Fact]
    public async Task HyperliquidMeta_IsTheRecordedBodyByteForByte()
    {
        using var response = await Client().PostAsync("info", Json("""{"type": "meta"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Recorded("hyperliquid", "test_get_l2_snapshot.0.meta.response.json"), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task HyperliquidCandleSnapshot_RecordedRequest_AnswersTheRecordedCandles()
    {
        // The cassette's own request body (test_get_candles_snapshot.cassette.yaml).
        using var response = await Client().PostAsync("info", Json("""{"type": "candleSnapshot", "req": {"coin": "kPEPE", "interval": "1h", "startTime": 1684702007000, "endTime": 1684784807000}}"""));

        using var served = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        using var recorded = JsonDocument.Parse(Recorded("hyperliquid", "test_get_candles_snapshot.1.candleSnapshot.response.json"));
        Assert.Equal(24, served.RootElement.GetArrayLength());
        Assert.True(JsonElement.DeepEquals(recorded.RootElement, served.RootElement));
    }

    [Fact]
    public async Task HyperliquidCandleSnapshot_NarrowerWindow_CandlesTouchingTheWindowOnly()
    {
        // [20:30, 21:10] touches the 20:00 and 21:00 candles of 2023-05-21.
        using var response = await Client().PostAsync("info", Json("""{"type":"candleSnapshot","req":{"coin":"kPEPE","interval":"1h","startTime":1684701000000,"endTime":1684703400000}}"""));

        using var served = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal([1684699200000L, 1684702800000L], served.RootElement.EnumerateArray().Select(c => c.GetProperty("t").GetInt64()));
    }

    [Fact]
    public async Task HyperliquidFundingHistory_WindowFilteredInclusive()
    {
        using var response = await Client().PostAsync("info", Json("""{"type":"fundingHistory","coin":"BTC","startTime":1684742400290,"endTime":1684771200159}"""));

        using var served = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal([1684742400290L, 1684771200159L], served.RootElement.EnumerateArray().Select(r => r.GetProperty("time").GetInt64()));
    }

    [Fact]
    public async Task HyperliquidL2Book_CoinTheMetaDoesNotList_200Null()
    {
        using var response = await Client().PostAsync("info", Json("""{"type":"l2Book","coin":"NOTACOIN"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("null", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task HyperliquidInfo_UnknownType_422PlainText()
    {
        using var response = await Client().PostAsync("info", Json("""{"type":"allMidz"}"""));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("Failed to deserialize the JSON body into the target type", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HyperliquidInfo_BodyNotJson_400()
    {
        using var response = await Client().PostAsync("info", Json("{type: meta"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task HyperliquidInfo_DocumentedTypeNotRecorded_404NoRecording()
    {
        using var response = await Client().PostAsync("info", Json("""{"type":"metaAndAssetCtxs"}"""));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("no recording", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CoinGeckoSimplePrice_NotRecorded_NotServed()
    {
        using var response = await Client().GetAsync("api/v3/simple/price?ids=bitcoin&vs_currencies=usd");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task CoinPaprikaSearch_RecordedQueryOneCategoryWithLimit_ProjectsTheRecording()
    {
        using var response = await Client().GetAsync("v1/search?q=Ethereum&c=currencies&limit=3");

        using var served = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var property = Assert.Single(served.RootElement.EnumerateObject());
        Assert.Equal("currencies", property.Name);
        Assert.Equal(["eth-ethereum", "etc-ethereum-classic", "ens-ethereum-name-service"], property.Value.EnumerateArray().Select(c => c.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task CoinPaprikaSearch_OtherQuery_404NoRecording()
    {
        using var response = await Client().GetAsync("v1/search?q=bitcoin&c=currencies");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("no recording", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CoinPaprikaGlobalAndTickers_NotRecorded_NotServed()
    {
        using var global = await Client().GetAsync("v1/global");
        using var ticker = await Client().GetAsync("v1/tickers/btc-bitcoin?quotes=USD");

        Assert.Equal(HttpStatusCode.NotFound, global.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, ticker.StatusCode);
    }

    [Fact]
    public async Task Start_DataRootWithoutRestSamples_StartsAndServesNoRecordings()
    {
        using var dir = new TempDir();
        await using var server = await ReplayServer.StartAsync(new ReplayOptions { DataRoot = dir.Path, TimeProvider = new ManualClock(ReplayFixture.Now) });
        using var http = new Http(server.BaseAddress);

        using var meta = await http.Client().PostAsync("info", Json("""{"type":"meta"}"""));
        using var global = await http.Client().GetAsync("api/v3/global");
        using var search = await http.Client().GetAsync("v1/search?q=ethereum");

        Assert.Equal(HttpStatusCode.NotFound, meta.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, global.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, search.StatusCode);
        Assert.Empty(server.Instruments["hyperliquid"]);
    }

    [Fact]
    public async Task Start_CandleFileForHyperliquid_RefusedNamingTheFile()
    {
        var options = new ReplayOptions { DataRoot = TestData.Root };
        options.Candles.Add(new ReplayCandleSource("hyperliquid", Instrument.Parse("BTC/USDC:USDC"), Timeframe.H1, TestData.CoinbaseHour));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => ReplayServer.StartAsync(options));

        Assert.Contains(TestData.CoinbaseHour, error.Message, StringComparison.Ordinal);
    }
}

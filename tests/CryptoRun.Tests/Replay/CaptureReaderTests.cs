using System.Text;
using CryptoRun.Replay.Recordings;
using CryptoRun.Replay.WebSockets;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Replay;

/// <summary>The capture readers behind the WebSocket streams: v1 text with connections and sends, v2 zstd JSON lines.</summary>
public sealed class CaptureReaderTests
{
    private static string V2(string exchange) => Path.Combine(TestData.Root, "ws-captures", "v2", exchange + ".jsonl.zst");

    [Fact]
    public void ReadCapture_V1WebSocketFile_KeepsItsConnectionUrlSendsAndEachFramesConnection()
    {
        var capture = CaptureReader.ReadCapture(TestData.Capture("KRAKEN.ws.48.0"));

        var connection = Assert.Single(capture.Connections);
        Assert.Equal("KRAKEN.ws.48", connection.Id);
        Assert.Equal("wss://ws.kraken.com", connection.Url);
        Assert.Equal(1618678132.368463, connection.ConnectedAt);
        var send = Assert.Single(connection.Sends);
        Assert.Equal(1618678132.83097, send.SentAt);
        Assert.Equal(
            """{"event":"subscribe","pair":["WAVES/EUR","XMR/USD","KSM/XBT","GRT/ETH","SC/EUR","ETH/CHF","OCEAN/XBT","OMG/USD","XBT/CHF","ADA/XBT"],"subscription":{"name":"trade"}}""",
            send.Payload);
        Assert.Equal(49, capture.Frames.Count);
        Assert.All(capture.Frames, f => Assert.Equal("KRAKEN.ws.48", f.Connection));
        Assert.Empty(capture.Responses);
    }

    [Fact]
    public void ReadCapture_V1Binance_ConnectUrlIsTheCombinedStreamList()
    {
        var connection = Assert.Single(CaptureReader.ReadCapture(TestData.Capture("BINANCE.ws.1.0")).Connections);

        Assert.StartsWith("wss://stream.binance.com:9443/stream?streams=nknusdt@depth@100ms/", connection.Url, StringComparison.Ordinal);
        Assert.Empty(connection.Sends);
    }

    [Fact]
    public void Read_V1HttpFile_ResponsesOnlyAndNoConnection()
    {
        var (responses, frames) = CaptureReader.Read(TestData.Capture("BINANCE.http.0.0"));

        Assert.Equal(4, responses.Count);
        Assert.Empty(frames);
        Assert.Empty(CaptureReader.ReadCapture(TestData.Capture("BINANCE.http.0.0")).Connections);
    }

    [Theory]
    [InlineData("KRAKEN.ws.48.0", "KRAKEN.ws.48")]
    [InlineData("BINANCE.http.0.0", "BINANCE.http.0")]
    [InlineData("OKX.0", "OKX.http.sync")]
    public void ConnectionId_IsV2sName(string file, string id) => Assert.Equal(id, CaptureReader.ConnectionId(file));

    [Theory]
    [InlineData("KRAKEN")]
    [InlineData("OKX")]
    [InlineData("BITSTAMP")]
    [InlineData("BINANCE")]
    public void V2_LosslessReEncodings_HoldTheV1FramesResponsesAndConnections(string exchange)
    {
        var v2 = CaptureV2Reader.Read(V2(exchange));
        var v1 = Directory.GetFiles(Path.Combine(TestData.Root, "ws-captures", "v1"), exchange + ".*")
            .Order(StringComparer.Ordinal)
            .Select(CaptureReader.ReadCapture)
            .ToList();

        Assert.Equal(v1.SelectMany(c => c.Frames).OrderBy(f => f.Connection, StringComparer.Ordinal), v2.Frames.OrderBy(f => f.Connection, StringComparer.Ordinal));
        Assert.Equal(v1.SelectMany(c => c.Responses).Select(r => (r.Url, r.Body)).Order(), v2.Responses.Select(r => (r.Url, r.Body)).Order());
        var v1Connections = v1.SelectMany(c => c.Connections).OrderBy(c => c.Id, StringComparer.Ordinal).ToList();
        var v2Connections = v2.Connections.OrderBy(c => c.Id, StringComparer.Ordinal).ToList();
        Assert.Equal(v1Connections.Select(c => (c.Id, c.Url, c.ConnectedAt)), v2Connections.Select(c => (c.Id, c.Url, c.ConnectedAt)));
        Assert.Equal(v1Connections.SelectMany(c => c.Sends), v2Connections.SelectMany(c => c.Sends));
    }

    [Fact]
    public void V2_Bybit_TwoConnectionsWithTheirUrlsSubscriptionsAndFrames()
    {
        var capture = CaptureV2Reader.Read(V2("BYBIT"));

        Assert.Equal(["BYBIT.ws.2", "BYBIT.ws.3"], capture.Connections.Select(c => c.Id));
        Assert.Equal(["wss://stream.bybit.com/v5/public/linear", "wss://stream.bybit.com/v5/public/spot"], capture.Connections.Select(c => c.Url));
        Assert.Equal([17, 7], capture.Connections.Select(c => c.Sends.Count));
        Assert.Equal("""{"op":"subscribe","args":["tickers.BTCUSDT","tickers.DOGEUSDT","tickers.ETHUSDT","tickers.SOLUSDT"]}""", capture.Connections[0].Sends[0].Payload);
        Assert.Equal(2546, capture.Frames.Count(f => f.Connection == "BYBIT.ws.2"));
        Assert.Equal(681, capture.Frames.Count(f => f.Connection == "BYBIT.ws.3"));
        Assert.Equal(2, capture.Responses.Count);
    }

    [Fact]
    public void V2_CoinbaseAdvanced_ReadsTheMultiMegabyteSnapshotLines()
    {
        var capture = CaptureV2Reader.Read(V2("COINBASE"));

        Assert.Equal(1030, capture.Frames.Count);
        Assert.Equal("wss://advanced-trade-ws.coinbase.com", Assert.Single(capture.Connections).Url);
        Assert.Equal(2, capture.Frames.Count(f => f.Payload.Length > 1_000_000 && f.Payload.Contains("\"type\":\"snapshot\"", StringComparison.Ordinal)));
    }

    [Fact]
    public void V2_UnknownRecordKindsAndFields_AreIgnored()
    {
        var lines = """
            {"t":"header","format":2,"exchange":"X"}
            {"t":"connect","conn":"X.ws.1","ts":1.5,"addr":"wss://x","new":true}
            {"t":"note","text":"written by a newer recorder"}
            {"t":"recv","conn":"X.ws.1","ts":2.25,"data":"{\"a\":1}","extra":[1,2]}
            """;

        var capture = CaptureV2Reader.Parse(Encoding.UTF8.GetBytes(lines), "x.jsonl");

        Assert.Equal([new RecordedFrame(2.25, """{"a":1}""", "X.ws.1")], capture.Frames);
        Assert.Equal("wss://x", Assert.Single(capture.Connections).Url);
    }

    [Theory]
    [InlineData("""{"t":"recv","conn":"X.ws.1","ts":1,"data":"x"}""", "x.jsonl:1: not a v2 capture")]
    [InlineData("{\"t\":\"header\",\"format\":2}\n{\"t\":\"recv\",\"conn\":\"X.ws.1\",\"ts\":1}", "x.jsonl:2: 'data' is missing or not a string")]
    [InlineData("{\"t\":\"header\",\"format\":2}\n{\"t\":\"recv\",\"conn\":\"X.ws.1\",\"ts\":1,\"b64\":\"AAE=\"}", "x.jsonl:2: a binary (b64) frame")]
    [InlineData("{\"t\":\"header\",\"format\":2}\n{\"t\":\"recv\",", "x.jsonl:2: ")]
    public void V2_BadLine_FormatExceptionNamesFileAndLine(string lines, string message)
    {
        var error = Assert.Throws<FormatException>(() => CaptureV2Reader.Parse(Encoding.UTF8.GetBytes(lines), "x.jsonl"));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Zstd_TruncatedFile_ThrowsInvalidDataException()
    {
        var compressed = File.ReadAllBytes(V2("OKX"));

        Assert.Throws<InvalidDataException>(() => Zstd.Decompress(compressed[..(compressed.Length / 2)]));
        Assert.Throws<InvalidDataException>(() => Zstd.Decompress(Encoding.UTF8.GetBytes("not zstd at all")));
    }

    [Fact]
    public void Merge_ByReceiveTime_KeepsEachConnectionsOrderAndGivesTiesToTheFirstConnection()
    {
        List<RecordedFrame> a = [new(1, "a1"), new(3, "a3"), new(3, "a3b")];
        List<RecordedFrame> b = [new(2, "b2"), new(3, "b3"), new(1, "b-late")];

        var merged = ReplayStreams.Merge([a, b]);

        Assert.Equal(["a1", "b2", "a3", "a3b", "b3", "b-late"], merged.Select(f => f.Payload));
    }

    [Theory]
    [InlineData("""{"p":"19"}""", """{"p":"10"}""")]
    [InlineData("""[1,{"c":9}]""", """[1,{"c":0}]""")]
    [InlineData("""{"event":"subscribed"}""", """{"event":"subscribed"}""")]
    public void Corrupt_ChangesTheLastDigitToTheNextDigit(string payload, string corrupted)
        => Assert.Equal(corrupted, Encoding.UTF8.GetString(ReplayFramePlan.Corrupt(Encoding.UTF8.GetBytes(payload))));
}

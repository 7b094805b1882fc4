using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using CryptoRun.Replay;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Replay;

/// <summary>
/// The replay venue's WebSocket streams over real loopback WebSockets: every stream sends its
/// recorded frames byte-exact and in order, paced on the replay clock, looping on request, with
/// exact deterministic faults. The expected frames are read here from the capture files directly
/// (v2 through the <c>zstd</c> command), not through the replay's readers.
/// </summary>
public sealed class ReplayWebSocketTests(ReplayWebSocketTests.Fixture fixture) : IClassFixture<ReplayWebSocketTests.Fixture>
{
    /// <summary>One replay venue on a frozen manual clock for the tests that only read streams; recordings stay loaded between tests.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public ManualClock Clock { get; } = new(ReplayFixture.Now);

        public ReplayServer Server { get; private set; } = null!;

        public async Task InitializeAsync()
            => Server = await ReplayServer.StartAsync(new ReplayOptions { TimeProvider = Clock, DataRoot = TestData.Root });

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }

    /// <summary>Each stream, where its recording is, and how many frames it holds (FORMAT.md's counts).</summary>
    public static TheoryData<string, string, int> Streams => new()
    {
        { "binance", "v1:BINANCE.ws.", 265 },
        { "binance-usdm", "v1:BINANCE_FUTURES.ws.", 1535 },
        { "kraken", "v1:KRAKEN.ws.", 4430 },
        { "kraken-futures", "v1:KRAKEN_FUTURES.ws.", 7175 },
        { "coinbase", "v1:COINBASE.ws.", 9946 },
        { "coinbase-advanced", "v2:COINBASE", 1030 },
        { "okx", "v1:OKX.ws.", 410 },
        { "bybit", "v2:BYBIT", 3227 },
        { "bybit-legacy", "v1:BYBIT.ws.", 4440 },
        { "bitstamp", "v1:BITSTAMP.ws.", 747 },
    };

    [Theory]
    [MemberData(nameof(Streams))]
    public async Task Stream_Speed0_SendsEveryRecordedFrameByteExactInOrderThenClosesNormally(string stream, string recording, int count)
    {
        var expected = Recorded(recording);
        using var timeout = Timeout();

        using var client = await ConnectAsync(fixture.Server, $"{stream}?speed=0", timeout.Token);
        var (frames, close) = await ReceiveToCloseAsync(client, timeout.Token);

        Assert.Equal(count, expected.Count);
        Assert.Equal(count, frames.Count);
        Assert.Equal(expected[0], frames[0]);
        Assert.Equal(expected[^1], frames[^1]);
        Assert.True(expected.SequenceEqual(frames), $"{stream}: first difference at frame {FirstDifference(expected, frames)}");
        Assert.Equal(WebSocketCloseStatus.NormalClosure, close);
    }

    [Fact]
    public void Streams_ListsEveryStreamAtItsWsUrlOnTheRestPort()
    {
        var authority = fixture.Server.BaseAddress.Authority;

        Assert.Equal(
            ["binance", "binance-usdm", "kraken", "kraken-futures", "coinbase", "coinbase-advanced", "okx", "bybit", "bybit-legacy", "bitstamp"],
            fixture.Server.Streams.Select(s => s.Name));
        Assert.Equal(ReplayServer.StreamNames, fixture.Server.Streams.Select(s => s.Name));
        Assert.All(fixture.Server.Streams, s => Assert.Equal(new Uri($"ws://{authority}/ws/{s.Name}"), s.Address));
        Assert.Equal(
            ["KRAKEN.ws.48.0", "KRAKEN.ws.49.0", "KRAKEN.ws.50.0"],
            fixture.Server.Streams.Single(s => s.Name == "kraken").Files.Select(Path.GetFileName));
        Assert.Equal(["BYBIT.jsonl.zst"], fixture.Server.Streams.Single(s => s.Name == "bybit").Files.Select(Path.GetFileName));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    public async Task Stream_Speed_WaitsEachRecordedGapOverTheSpeedOnTheReplayClock(int speed)
    {
        // Binance spot: frames 1..6 of the recording, sent one by one only as the replay clock reaches each.
        var clock = new ManualClock(ReplayFixture.Now);
        await using var server = await ReplayServer.StartAsync(new ReplayOptions { TimeProvider = clock, DataRoot = TestData.Root });
        var times = RecordedTimes("v1:BINANCE.ws.");
        var expected = Recorded("v1:BINANCE.ws.");
        using var timeout = Timeout();
        using var client = await ConnectAsync(server, $"binance?speed={speed}", timeout.Token);

        Assert.Equal(expected[0], (await ReceiveAsync(client, timeout.Token)).Text);
        var now = 0L; // ticks the replay clock has moved since the first frame
        for (var i = 1; i < 6; i++)
        {
            var due = Due(times, i, speed);
            var next = ReceiveAsync(client, timeout.Token);
            if (due > now)
            {
                await clock.WhenTimersPendingAsync().WaitAsync(timeout.Token);
                clock.Advance(TimeSpan.FromTicks(due - now - 1));

                Assert.True(clock.WhenTimersPendingAsync().IsCompleted, $"frame {i + 1} is not yet due");
                Assert.False(next.IsCompleted, $"frame {i + 1} arrived before its time");
                clock.Advance(TimeSpan.FromMilliseconds(1)); // its time, and the rest of the millisecond the delay counts in
                now = due - 1 + TimeSpan.TicksPerMillisecond;
            }

            Assert.Equal(expected[i], (await next).Text);
        }
    }

    [Fact]
    public async Task Stream_Speed0_IsNotPaced_TheWholeRecordingArrivesOnAFrozenClock()
    {
        // The fixture's clock never moves: a single delay would hang the stream.
        using var timeout = Timeout();
        using var client = await ConnectAsync(fixture.Server, "kraken?speed=0", timeout.Token);

        var (frames, close) = await ReceiveToCloseAsync(client, timeout.Token);

        Assert.Equal(4430, frames.Count);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, close);
    }

    [Fact]
    public async Task Loop_StartsAgainFromTheFirstFrame_MoreThanOneCycle()
    {
        var expected = Recorded("v1:OKX.ws.");
        using var timeout = Timeout();
        using var client = await ConnectAsync(fixture.Server, "okx?speed=0&loop=true", timeout.Token);

        var frames = await ReceiveCountAsync(client, (2 * expected.Count) + 3, timeout.Token);
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);

        Assert.Equal(expected, frames[..expected.Count]);
        Assert.Equal(expected, frames[expected.Count..(2 * expected.Count)]);
        Assert.Equal(expected[..3], frames[(2 * expected.Count)..]);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
    }

    [Fact]
    public async Task Options_SpeedAndLoop_AreTheDefaultsAConnectionsQueryOverrides()
    {
        var clock = new ManualClock(ReplayFixture.Now);
        await using var server = await ReplayServer.StartAsync(new ReplayOptions
        {
            TimeProvider = clock,
            DataRoot = TestData.Root,
            WebSocketSpeed = 0,
            WebSocketLoop = true,
        });
        var expected = Recorded("v1:OKX.ws.");
        using var timeout = Timeout();

        using (var looping = await ConnectAsync(server, "okx", timeout.Token))
        {
            var frames = await ReceiveCountAsync(looping, expected.Count + 1, timeout.Token);
            Assert.Equal(expected[0], frames[^1]);
            await looping.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
        }

        using var once = await ConnectAsync(server, "okx?loop=false", timeout.Token);
        var (all, close) = await ReceiveToCloseAsync(once, timeout.Token);
        Assert.Equal(expected, all);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, close);
    }

    [Fact]
    public async Task StartAsync_NegativeWebSocketSpeed_ThrowsArgumentException()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => ReplayServer.StartAsync(new ReplayOptions { DataRoot = TestData.Root, WebSocketSpeed = -1 }));

        Assert.Contains("WebSocket speed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientMessages_SubscriptionsAndPings_AreReadAndIgnored()
    {
        var expected = Recorded("v1:OKX.ws.");
        using var timeout = Timeout();
        using var client = await ConnectAsync(fixture.Server, "okx?speed=0", timeout.Token);

        foreach (var message in new[] { "ping", """{"op":"ping"}""", """{"event":"ping","reqid":1}""", """{"method":"ping"}""", """{"op":"subscribe","args":[{"channel":"tickers","instId":"BTC-USDT"}]}""", new string('x', 100_000) })
        {
            await client.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
        }

        var (frames, close) = await ReceiveToCloseAsync(client, timeout.Token);
        Assert.Equal(expected, frames);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, close);
    }

    [Fact]
    public async Task ClientClose_MidStream_IsAnsweredWithANormalClose()
    {
        using var timeout = Timeout();
        using var client = await ConnectAsync(fixture.Server, "coinbase?speed=1", timeout.Token);
        await ReceiveAsync(client, timeout.Token);

        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);

        Assert.Equal(WebSocketState.Closed, client.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(265)]
    public async Task DropAfter_EndsTheConnectionWithoutACloseHandshakeAfterNFrames(int n)
    {
        var expected = Recorded("v1:BINANCE.ws.");
        using var timeout = Timeout();
        using var client = await ConnectAsync(fixture.Server, $"binance?speed=0&drop_after={n}", timeout.Token);

        var frames = await ReceiveCountAsync(client, n, timeout.Token);
        var end = await Assert.ThrowsAsync<WebSocketException>(() => ReceiveAsync(client, timeout.Token));

        Assert.Equal(expected[..n], frames);
        Assert.Equal(WebSocketError.ConnectionClosedPrematurely, end.WebSocketErrorCode);
        Assert.Equal(WebSocketState.Aborted, client.State);
        Assert.Null(client.CloseStatus);
    }

    [Fact]
    public async Task DropAfter_CountsFramesSent_DuplicatesIncluded()
    {
        var expected = Recorded("v1:OKX.ws.");
        using var timeout = Timeout();
        using var client = await ConnectAsync(fixture.Server, "okx?speed=0&duplicate_every=2&drop_after=5", timeout.Token);

        var frames = await ReceiveCountAsync(client, 5, timeout.Token);
        await Assert.ThrowsAsync<WebSocketException>(() => ReceiveAsync(client, timeout.Token));

        Assert.Equal([expected[0], expected[1], expected[1], expected[2], expected[3]], frames);
    }

    [Fact]
    public async Task SilentAfter_StopsSendingAfterNFrames_TheConnectionStaysOpen()
    {
        var expected = Recorded("v1:OKX.ws.");
        using var timeout = Timeout();
        using var client = await ConnectAsync(fixture.Server, "okx?speed=0&silent_after=3", timeout.Token);

        var frames = await ReceiveCountAsync(client, 3, timeout.Token);
        var next = ReceiveAsync(client, timeout.Token);
        // At speed 0 the fourth frame would follow at once; none comes while the client waits.
        var first = await Task.WhenAny(next, Task.Delay(TimeSpan.FromMilliseconds(300), timeout.Token));
        Assert.NotSame(next, first);
        Assert.Equal(WebSocketState.Open, client.State);
        await client.SendAsync("ping"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
        await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
        var closed = await next;

        Assert.Equal(expected[..3], frames);
        Assert.Equal(WebSocketMessageType.Close, closed.Type);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
    }

    [Fact]
    public async Task DuplicateEvery_SendsEveryKthFrameTwice()
    {
        var expected = Recorded("v1:OKX.ws.");
        var sequence = expected.SelectMany((frame, i) => (i + 1) % 3 == 0 ? new[] { frame, frame } : [frame]).ToList();
        using var timeout = Timeout();
        using var client = await ConnectAsync(fixture.Server, "okx?speed=0&duplicate_every=3", timeout.Token);

        var (frames, close) = await ReceiveToCloseAsync(client, timeout.Token);

        Assert.Equal(410 + 136, frames.Count);
        Assert.Equal(sequence, frames);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, close);
    }

    [Theory]
    [InlineData(4)] // 408 and 409 swap; 410 is sent last
    [InlineData(5)] // 410, the last frame, has none after it and stays
    public async Task ReorderEvery_SwapsEveryKthFrameWithTheOneAfterIt(int k)
    {
        var expected = Recorded("v1:OKX.ws.");
        var sequence = expected.ToList();
        for (var n = k; n < sequence.Count; n += k)
        {
            (sequence[n - 1], sequence[n]) = (sequence[n], sequence[n - 1]);
        }

        using var timeout = Timeout();
        using var client = await ConnectAsync(fixture.Server, $"okx?speed=0&reorder_every={k}", timeout.Token);

        var (frames, _) = await ReceiveToCloseAsync(client, timeout.Token);

        Assert.Equal(sequence, frames);
        Assert.Equal(expected[k], frames[k - 1]);
        Assert.Equal(expected[k - 1], frames[k]);
        Assert.Equal(expected[^1], frames[^1]);
    }

    [Fact]
    public async Task ReorderEvery_WhenLooping_SwapsAcrossTheCycleBoundary()
    {
        // Recorded frames are numbered along the connection: 410 (the last) swaps with 411 (the first again).
        var expected = Recorded("v1:OKX.ws.");
        using var timeout = Timeout();
        using var client = await ConnectAsync(fixture.Server, "okx?speed=0&loop=true&reorder_every=410", timeout.Token);

        var frames = await ReceiveCountAsync(client, 412, timeout.Token);
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);

        Assert.Equal(expected[..409], frames[..409]);
        Assert.Equal(expected[0], frames[409]);
        Assert.Equal(expected[409], frames[410]);
        Assert.Equal(expected[1], frames[411]);
    }

    [Fact]
    public async Task CorruptEvery_ChangesOneDigitOfEveryKthFrame_JsonStaysValid()
    {
        var expected = Recorded("v1:OKX.ws.");
        using var timeout = Timeout();
        using var client = await ConnectAsync(fixture.Server, "okx?speed=0&corrupt_every=7", timeout.Token);

        var (frames, _) = await ReceiveToCloseAsync(client, timeout.Token);

        Assert.Equal(expected.Count, frames.Count);
        var corruptedCount = 0;
        for (var i = 0; i < frames.Count; i++)
        {
            var at = expected[i].AsSpan().LastIndexOfAny(Digits);
            if ((i + 1) % 7 != 0 || at < 0) // a subscription ack without digits is sent as recorded
            {
                Assert.Equal(expected[i], frames[i]);
                continue;
            }

            corruptedCount++;
            var digit = (char)('0' + ((expected[i][at] - '0' + 1) % 10));
            var corrupted = expected[i][..at] + digit + expected[i][(at + 1)..];
            Assert.Equal(corrupted, frames[i]);
            Assert.NotEqual(expected[i], frames[i]);
            using var _ = JsonDocument.Parse(frames[i]);
        }

        Assert.Equal(57, corruptedCount); // 58 seventh frames, one of them an ack without digits
    }

    [Fact]
    public async Task CorruptEvery_OkxBookUpdate_NoLongerMatchesItsChecksum()
    {
        // The first OKX book update (frame 7) ends in its checksum: corrupting frame 7 changes that checksum's last digit.
        var expected = Recorded("v1:OKX.ws.");
        var index = expected.FindIndex(f => f.Contains("\"action\":\"update\"", StringComparison.Ordinal));
        using var timeout = Timeout();
        using var client = await ConnectAsync(fixture.Server, $"okx?speed=0&corrupt_every={index + 1}", timeout.Token);

        var frames = await ReceiveCountAsync(client, index + 1, timeout.Token);
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);

        var recordedChecksum = JsonDocument.Parse(expected[index]).RootElement.GetProperty("data")[0].GetProperty("checksum").GetInt64();
        var servedChecksum = JsonDocument.Parse(frames[index]).RootElement.GetProperty("data")[0].GetProperty("checksum").GetInt64();
        Assert.NotEqual(recordedChecksum, servedChecksum);
    }

    [Theory]
    [InlineData("speed=-1", "speed")]
    [InlineData("speed=fast", "speed")]
    [InlineData("speed=NaN", "speed")]
    [InlineData("loop=maybe", "loop")]
    [InlineData("drop_after=x", "drop_after")]
    [InlineData("drop_after=-1", "drop_after")]
    [InlineData("silent_after=1.5", "silent_after")]
    [InlineData("duplicate_every=0", "duplicate_every")]
    [InlineData("reorder_every=1", "reorder_every")]
    [InlineData("corrupt_every=0", "corrupt_every")]
    [InlineData("drop_after=1&silent_after=1", "drop_after")]
    [InlineData("speed=1&speed=2", "speed")]
    public async Task BadQuery_Answers400NamingTheParameter(string query, string parameter)
    {
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        using var response = await http.GetAsync(new Uri($"ws/kraken?{query}", UriKind.Relative));
        var message = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("message").GetString();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith(parameter + ":", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadQuery_WebSocketClient_IsRefusedWith400()
    {
        using var client = new ClientWebSocket();
        client.Options.CollectHttpResponseDetails = true;
        using var timeout = Timeout();

        await Assert.ThrowsAsync<WebSocketException>(() => client.ConnectAsync(Address(fixture.Server, "kraken?reorder_every=1"), timeout.Token));

        Assert.Equal(HttpStatusCode.BadRequest, client.HttpStatusCode);
    }

    [Fact]
    public async Task UnknownStream_Answers404NamingTheStreamsServed()
    {
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        using var response = await http.GetAsync(new Uri("ws/ftx", UriKind.Relative));
        var message = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("message").GetString();
        using var client = new ClientWebSocket();
        client.Options.CollectHttpResponseDetails = true;
        using var timeout = Timeout();
        await Assert.ThrowsAsync<WebSocketException>(() => client.ConnectAsync(Address(fixture.Server, "ftx"), timeout.Token));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("the replay venue has no WebSocket stream 'ftx'; it serves binance, binance-usdm, kraken, kraken-futures, coinbase, coinbase-advanced, okx, bybit, bybit-legacy, bitstamp", message);
        Assert.Equal(HttpStatusCode.NotFound, client.HttpStatusCode);
    }

    [Fact]
    public async Task PlainGet_OnAStream_Answers400AskingForAnUpgrade()
    {
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        using var response = await http.GetAsync(new Uri("ws/okx", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("WebSocket upgrade", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestLog_RecordsEachConnectionWithItsStreamQueryAndStatus101()
    {
        using var dir = new TempDir();
        var path = dir.File("requests.jsonl");
        await using (var replay = await ReplayHarness.StartAsync(requestLog: path))
        {
            using var timeout = Timeout();
            using (var client = await ConnectAsync(replay.Server, "kraken?speed=0&drop_after=1", timeout.Token))
            {
                Assert.Single(replay.Server.Requests);
                await ReceiveCountAsync(client, 1, timeout.Token);
            }

            using var http = replay.Client();
            using var _ = await http.GetAsync(new Uri("ws/ftx?speed=0", UriKind.Relative));
            Assert.Equal(2, replay.Server.Requests.Count);
        }

        var lines = File.ReadAllLines(path);
        Assert.Equal(
            [
                """{"time":"2026-09-01T00:00:00.000Z","venue":"kraken","method":"GET","path":"/ws/kraken","query":"speed=0&drop_after=1","status":101,"weight":1,"fault":null}""",
                """{"time":"2026-09-01T00:00:00.000Z","venue":null,"method":"GET","path":"/ws/ftx","query":"speed=0","status":404,"weight":1,"fault":null}""",
            ],
            lines);
    }

    [Fact]
    public async Task RestEndpoints_AreUnchanged_AlongsideTheStreams()
    {
        using var http = new HttpClient { BaseAddress = fixture.Server.BaseAddress };
        using var response = await http.GetAsync(new Uri("api/v3/ping", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{}", await response.Content.ReadAsStringAsync());
    }

    // ---- helpers ----

    private static readonly SearchValues<char> Digits = SearchValues.Create("0123456789");

    private static CancellationTokenSource Timeout() => new(TimeSpan.FromSeconds(60)); // a guard against hangs, not a timing

    private static Uri Address(ReplayServer server, string streamAndQuery) => new($"ws://{server.BaseAddress.Authority}/ws/{streamAndQuery}");

    private static async Task<ClientWebSocket> ConnectAsync(ReplayServer server, string streamAndQuery, CancellationToken cancellationToken)
    {
        var client = new ClientWebSocket();
        await client.ConnectAsync(Address(server, streamAndQuery), cancellationToken);
        return client;
    }

    private static async Task<(WebSocketMessageType Type, string Text)> ReceiveAsync(ClientWebSocket client, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await client.ReceiveAsync(buffer.AsMemory(), cancellationToken);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return (result.MessageType, Encoding.UTF8.GetString(message.ToArray()));
            }
        }
    }

    private static async Task<List<string>> ReceiveCountAsync(ClientWebSocket client, int count, CancellationToken cancellationToken)
    {
        var frames = new List<string>();
        while (frames.Count < count)
        {
            var (type, text) = await ReceiveAsync(client, cancellationToken);
            Assert.Equal(WebSocketMessageType.Text, type);
            frames.Add(text);
        }

        return frames;
    }

    /// <summary>Reads text frames until the server's close, answers it, and returns the frames and the close status.</summary>
    private static async Task<(List<string> Frames, WebSocketCloseStatus? Close)> ReceiveToCloseAsync(ClientWebSocket client, CancellationToken cancellationToken)
    {
        var frames = new List<string>();
        while (true)
        {
            var (type, text) = await ReceiveAsync(client, cancellationToken);
            if (type == WebSocketMessageType.Close)
            {
                await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", cancellationToken);
                return (frames, client.CloseStatus);
            }

            Assert.Equal(WebSocketMessageType.Text, type);
            frames.Add(text);
        }
    }

    private static int FirstDifference(List<string> expected, List<string> actual)
        => Enumerable.Range(0, Math.Min(expected.Count, actual.Count)).FirstOrDefault(i => expected[i] != actual[i], Math.Min(expected.Count, actual.Count));

    /// <summary>When frame <paramref name="i"/> is due at <paramref name="speed"/>, in ticks after the first (its recorded offset over the speed).</summary>
    private static long Due(List<double> times, int i, int speed)
        => (long)Math.Round(Math.Round((times[i] - times[0]) * TimeSpan.TicksPerSecond) / speed);

    /// <summary>A recording's frames in the order a stream sends them: <c>v1:PREFIX</c> or <c>v2:EXCHANGE</c>.</summary>
    private static List<string> Recorded(string recording) => Read(recording).Select(f => f.Payload).ToList();

    private static List<double> RecordedTimes(string recording) => Read(recording).Select(f => f.Time).ToList();

    /// <summary>
    /// Received frames of every WebSocket connection of the recording, connections taken in the order
    /// they were opened, then ordered by receive time (a stable sort: each connection's own frames are
    /// already in time order in these captures).
    /// </summary>
    private static List<(double Time, string Payload)> Read(string recording)
    {
        var (version, name) = (recording[..2], recording[3..]);
        var connections = version == "v1" ? ReadV1(name) : ReadV2(name);
        return connections.OrderBy(c => c.OpenedAt).SelectMany(c => c.Frames).OrderBy(f => f.Time).ToList();
    }

    private static List<(double OpenedAt, List<(double Time, string Payload)> Frames)> ReadV1(string prefix)
    {
        var folder = Path.Combine(TestData.Root, "ws-captures", "v1");
        var result = new List<(double, List<(double, string)>)>();
        foreach (var file in Directory.GetFiles(folder, prefix + "*").Order(StringComparer.Ordinal))
        {
            var opened = 0.0;
            var frames = new List<(double, string)>();
            foreach (var line in File.ReadLines(file))
            {
                var connect = line.IndexOf(" <-> ", StringComparison.Ordinal);
                if (connect > 0)
                {
                    opened = double.Parse(line[(connect + 5)..], CultureInfo.InvariantCulture);
                }
                else if (line.Length > 0 && !line.StartsWith("ws", StringComparison.Ordinal))
                {
                    var colon = line.IndexOf(": ", StringComparison.Ordinal);
                    frames.Add((double.Parse(line[..colon], CultureInfo.InvariantCulture), line[(colon + 2)..]));
                }
            }

            result.Add((opened, frames));
        }

        return result;
    }

    private static List<(double OpenedAt, List<(double Time, string Payload)> Frames)> ReadV2(string exchange)
    {
        var start = new ProcessStartInfo("zstd", ["-dc", Path.Combine(TestData.Root, "ws-captures", "v2", exchange + ".jsonl.zst")])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var lines = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        process.WaitForExit();
        var opened = new Dictionary<string, double>();
        var frames = new Dictionary<string, List<(double, string)>>();
        foreach (var line in lines)
        {
            var record = JsonDocument.Parse(line).RootElement;
            var kind = record.GetProperty("t").GetString();
            if (kind == "connect")
            {
                opened[record.GetProperty("conn").GetString()!] = record.GetProperty("ts").GetDouble();
            }
            else if (kind == "recv")
            {
                var conn = record.GetProperty("conn").GetString()!;
                if (!frames.TryGetValue(conn, out var list))
                {
                    frames[conn] = list = [];
                }

                list.Add((record.GetProperty("ts").GetDouble(), record.GetProperty("data").GetString()!));
            }
        }

        return frames.Select(f => (opened[f.Key], f.Value)).ToList();
    }
}

using System.Globalization;
using System.Text.Json;
using CryptoRun.Replay.Recordings;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Cli;

/// <summary><c>cryptorun probe data</c> against the replay venue: the REST snapshot and the live stream, as JSON lines and tables.</summary>
public sealed class ProbeDataCommandTests
{
    [Fact]
    public async Task Snapshot_Jsonl_HasTheVenuesBookTopAndRecentTrades()
    {
        await using var replay = await ReplayHarness.StartAsync();
        using var dir = new TempDir();

        var result = await new CliRun(dir.Path, TimeProvider.System).RunAsync(
            "probe", "data", "--venue", "kraken", "--pair", "XMR/USD", "--mins", "5", "--format", "jsonl", "--endpoint", $"all={replay.Server.BaseAddress}");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        var line = JsonDocument.Parse(Assert.Single(result.Lines)).RootElement;
        var depth = (await replay.GetAsync("/0/public/Depth?pair=XXMRZUSD&count=10")).Json.GetProperty("result").EnumerateObject().Single().Value;
        var trades = (await replay.GetAsync("/0/public/Trades?pair=XXMRZUSD")).Json.GetProperty("result").EnumerateObject().First(p => p.Name != "last").Value;
        var bid = decimal.Parse(depth.GetProperty("bids")[0][0].GetString()!, CultureInfo.InvariantCulture);
        var ask = decimal.Parse(depth.GetProperty("asks")[0][0].GetString()!, CultureInfo.InvariantCulture);
        Assert.Equal("snapshot", line.GetProperty("type").GetString());
        Assert.Equal("XMR/USD", line.GetProperty("symbol").GetString());
        Assert.Equal(bid, line.GetProperty("best_bid").GetDecimal());
        Assert.Equal(ask, line.GetProperty("best_ask").GetDecimal());
        Assert.Equal(ask - bid, line.GetProperty("spread").GetDecimal());
        Assert.Equal(trades.GetArrayLength(), line.GetProperty("recent_trades_fetched").GetInt32());

        // The recorded trades are years old on the real clock: none in the window, and the data is stale.
        Assert.Equal(0, line.GetProperty("trades").GetInt32());
        Assert.Equal("stale", line.GetProperty("freshness").GetString());
        Assert.Equal(0, line.GetProperty("freshness_penalty").GetDouble());
    }

    [Fact]
    public async Task Stream_Jsonl_OneLinePerEventWithProvenance_BooksChecksummed_ThenASummary()
    {
        await using var replay = await ReplayHarness.StartAsync();
        using var dir = new TempDir();
        var ws = $"{replay.Server.Streams.Single(s => s.Name == "kraken").Address}?speed=0";

        var result = await new CliRun(dir.Path, TimeProvider.System).RunAsync(
            "probe", "data", "--venue", "kraken", "--pair", "XMR/USD", "--stream", "--mins", "1", "--max-events", "2000",
            "--format", "jsonl", "--ws", ws, "--endpoint", $"all={replay.Server.BaseAddress}");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        var lines = result.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2001, lines.Count);
        var events = lines.Take(2000).ToList();
        Assert.All(events, e => Assert.Equal("XMR/USD", e.GetProperty("symbol").GetString()));
        // 2,000 events span more than two passes of the recording (854 XMR/USD frames, 4 of them trades; its end closes the
        // connection and the stream reconnects): the trades and books come interleaved from two subscriptions, so only the
        // whole span is sure to hold a trade. A reconnect's REST backfill adds trades or a gap on "kraken:rest".
        Assert.All(events, e => Assert.Contains(e.GetProperty("connection").GetString(), (string[])["kraken#1", "kraken:rest"]));
        Assert.All(events.Where(e => e.GetProperty("connection").GetString() == "kraken:rest"), e => Assert.Contains(e.GetProperty("type").GetString(), (string[])["trade", "gap"]));
        var snapshot = events.First(e => e.GetProperty("type").GetString() == "book_snapshot");
        var recorded = JsonDocument.Parse(CaptureReader.Read(TestData.Capture("KRAKEN.ws.50.0")).Frames
            .Select(f => f.Payload).First(p => p.Contains("\"as\":", StringComparison.Ordinal) && p.EndsWith("\"XMR/USD\"]", StringComparison.Ordinal))).RootElement[1];
        Assert.Equal(decimal.Parse(recorded.GetProperty("bs")[0][0].GetString()!, CultureInfo.InvariantCulture), snapshot.GetProperty("best_bid").GetDecimal());
        Assert.Equal(decimal.Parse(recorded.GetProperty("as")[0][0].GetString()!, CultureInfo.InvariantCulture), snapshot.GetProperty("best_ask").GetDecimal());
        Assert.All(events.Where(e => e.GetProperty("type").GetString() == "book_delta"), e => Assert.True(e.GetProperty("checksum_verified").GetBoolean()));
        Assert.Contains(events, e => e.GetProperty("type").GetString() == "trade");
        var summary = lines[^1];
        Assert.Equal("summary", summary.GetProperty("type").GetString());
        Assert.Equal(2000, summary.GetProperty("events").GetInt64());
        Assert.Equal(0, summary.GetProperty("checksum_failures").GetInt64());
        Assert.True(summary.GetProperty("checksum_passes").GetInt64() > 0);
    }

    [Fact]
    public async Task Stream_Table_NonInteractive_PrintsTheSummaryView()
    {
        await using var replay = await ReplayHarness.StartAsync();
        using var dir = new TempDir();
        var ws = $"{replay.Server.Streams.Single(s => s.Name == "okx").Address}?speed=0";

        var result = await new CliRun(dir.Path, TimeProvider.System).RunAsync(
            "probe", "data", "--venue", "okx", "--pair", "BTC-USDT", "--stream", "--max-events", "100", "--ws", ws, "--endpoint", $"all={replay.Server.BaseAddress}");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains(result.Lines, l => l.StartsWith("okx BTC/USDT (live)", StringComparison.Ordinal));
        Assert.Contains(result.Lines, l => l.StartsWith("top of book", StringComparison.Ordinal) && l.Contains('|', StringComparison.Ordinal));
        Assert.Contains(result.Lines, l => l.StartsWith("checksums", StringComparison.Ordinal) && l.Contains("0 failed", StringComparison.Ordinal));
        Assert.Contains(result.Lines, l => l.StartsWith("freshness", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("kraken", "NOPE/USD", "--pair 'NOPE/USD': kraken lists no such market")]
    [InlineData("coingecko", "BTC/USD", "--venue coingecko --stream: no WebSocket stream for 'coingecko'")]
    public async Task BadInput_ExitsTwoNamingIt(string venue, string pair, string message)
    {
        await using var replay = await ReplayHarness.StartAsync();
        using var dir = new TempDir();

        var result = await new CliRun(dir.Path, TimeProvider.System).RunAsync(
            "probe", "data", "--venue", venue, "--pair", pair, "--stream", "--endpoint", $"all={replay.Server.BaseAddress}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
    }

    /// <remarks>
    /// No <c>--ws</c>: the WebSocket URL comes from <c>--endpoint all=URL</c> and the stream's replay name (<c>bybit-linear</c>
    /// is the replay's <c>/ws/bybit/linear</c>); the market metadata of a stream-only venue comes from the same base URL.
    /// The replay runs on the real clock at 10x the recorded pace (no <c>?speed=</c> in a derived URL): Bitstamp's book
    /// needs its REST snapshot before the recording is over.
    /// </remarks>
    [Theory]
    [InlineData("coinbase", "SKL/GBP", "SKL/GBP", 50)]
    [InlineData("coinbase-advanced", "BTC-USD", "BTC/USD", 200)]
    [InlineData("bybit-linear", "BTC/USDT:USDT", "BTC/USDT:USDT", 50)]
    [InlineData("bybit", "BTCUSDT", "BTC/USDT", 50)]
    [InlineData("kraken-futures", "PI_ETHUSD", "ETH/USD:ETH", 50)]
    [InlineData("bitstamp", "ETH/USD", "ETH/USD", 5)]
    public async Task Stream_Jsonl_StreamOnlyAndNewVenues_EventsOfTheInstrumentThenASummary(string venue, string pair, string symbol, int maxEvents)
    {
        await using var server = await CryptoRun.Replay.ReplayServer.StartAsync(new CryptoRun.Replay.ReplayOptions { DataRoot = TestData.Root, WebSocketSpeed = 10 });
        using var dir = new TempDir();

        var result = await new CliRun(dir.Path, TimeProvider.System).RunAsync(
            "probe", "data", "--venue", venue, "--pair", pair, "--stream", "--mins", "1", "--max-events", maxEvents.ToString(CultureInfo.InvariantCulture),
            "--format", "jsonl", "--endpoint", $"all={server.BaseAddress}");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        var lines = result.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(maxEvents + 1, lines.Count);
        var events = lines.Take(maxEvents).ToList();
        Assert.All(events, e => Assert.Equal(symbol, e.GetProperty("symbol").GetString()));
        Assert.All(events, e => Assert.StartsWith(venue + "#", e.GetProperty("connection").GetString(), StringComparison.Ordinal));
        Assert.Contains(events, e => e.GetProperty("type").GetString() == "book_snapshot");
        Assert.DoesNotContain(events, e => e.GetProperty("type").GetString() == "gap");
        var summary = lines[^1];
        Assert.Equal("summary", summary.GetProperty("type").GetString());
        Assert.Equal(venue, summary.GetProperty("venue").GetString());
        Assert.Equal(0, summary.GetProperty("parse_errors").GetInt64());
        Assert.Contains(server.Requests, r => r.Path.StartsWith("/ws/" + (venue.StartsWith("bybit", StringComparison.Ordinal) ? "bybit/" : venue), StringComparison.Ordinal) && r.Status == 101);
    }

    /// <remarks>A stream that never opens used to exit 0 with an all-zero summary and nothing on standard error.</remarks>
    [Theory]
    [InlineData("no-such-stream", "status code '404'", "jsonl")]
    [InlineData("kraken?speed=fast", "status code '400'", "jsonl")]
    [InlineData(null, "Unable to connect", "jsonl")]
    [InlineData("no-such-stream", "status code '404'", "table")]
    public async Task Stream_WebSocketNeverOpens_ExitsThreeWithTheLastConnectError_EveryAttemptAndFailureShown(string? stream, string error, string format)
    {
        await using var replay = await ReplayHarness.StartAsync();
        using var dir = new TempDir();
        var ws = stream is null ? $"ws://127.0.0.1:{ClosedPort()}/ws/kraken" : $"{replay.Server.BaseAddress.ToString().Replace("http", "ws", StringComparison.Ordinal)}ws/{stream}";

        var result = await new CliRun(dir.Path, TimeProvider.System).RunAsync(
            "probe", "data", "--venue", "kraken", "--pair", "XMR/USD", "--stream", "--mins", "0.05", "--format", format, "--ws", ws, "--endpoint", $"all={replay.Server.BaseAddress}");

        Assert.True(result.ExitCode == 3, result.Out + result.Error);
        Assert.Contains("error: kraken: the stream never opened (", result.Error, StringComparison.Ordinal);
        Assert.Contains(error, result.Error, StringComparison.Ordinal);
        if (format == "table")
        {
            Assert.Contains(result.Lines, l => l.StartsWith("connects", StringComparison.Ordinal) && l.Contains(" failed (last: kraken#1: ", StringComparison.Ordinal) && l.Contains(error, StringComparison.Ordinal));
            return;
        }

        var lines = result.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var failed = lines.Where(l => l.GetProperty("type").GetString() == "status" && l.GetProperty("detail").GetString()!.StartsWith("connect attempt failed: ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(failed);
        Assert.All(failed, l => Assert.Equal("reconnecting", l.GetProperty("state").GetString()));
        var summary = lines[^1];
        Assert.Equal("summary", summary.GetProperty("type").GetString());
        Assert.Equal(0, summary.GetProperty("frames").GetInt64());
        var attempts = summary.GetProperty("connect_attempts").GetInt64();
        var failures = summary.GetProperty("connect_failures").GetInt64();
        Assert.True(failures >= 1 && attempts >= failures && attempts <= failures + 1, $"{attempts} attempts, {failures} failures");
        Assert.Contains(error, summary.GetProperty("last_connect_error").GetString(), StringComparison.Ordinal);
    }

    /// <remarks>
    /// The venue answers the book's first REST snapshot with a 418 ban of 2 s (a fault). The stream used to go on
    /// fetching on every delta and after every reconnect, past the ban and the venue's weight limit, and exit 0. The CLI's
    /// clock starts at a whole minute, so the whole run is one of Binance's weight windows.
    /// </remarks>
    [Fact]
    public async Task Stream_VenueBansTheSnapshotFetch_TheBookSaysSo_ExitsThree_AndTheStreamStaysUnderTheWeightLimit()
    {
        await using var replay = await ReplayHarness.WithFaultsAsync("""
            rules:
              - name: depth-418
                venue: binance
                path: /api/v3/depth
                status: 418
                retry_after: 2
                count: 1
            """);
        using var dir = new TempDir();
        var ws = $"{replay.Server.Streams.Single(s => s.Name == "binance").Address}?speed=0";

        var result = await new CliRun(dir.Path).RunAsync(
            "probe", "data", "--venue", "binance", "--pair", "NKN/USDT", "--stream", "--mins", "0.1", "--format", "jsonl", "--ws", ws, "--endpoint", $"all={replay.Server.BaseAddress}");

        Assert.True(result.ExitCode == 3, result.Out + result.Error);
        Assert.Contains("error: binance: the venue banned this IP during the stream (HTTP 418) until ", result.Error, StringComparison.Ordinal);
        var lines = result.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Contains(lines, l => l.GetProperty("type").GetString() == "status" && l.GetProperty("state").GetString() == "resyncing"
            && l.GetProperty("detail").GetString()!.StartsWith("waiting for the REST snapshot: binance banned until ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.GetProperty("type").GetString() == "book_snapshot");
        var summary = lines[^1];
        Assert.NotEqual(JsonValueKind.Null, summary.GetProperty("banned_until").ValueKind);
        var rest = replay.Server.Requests.Where(r => r.Venue == "binance" && r.Path.StartsWith("/api/", StringComparison.Ordinal)).ToList();
        Assert.Single(rest, r => r.Status == 418);
        Assert.DoesNotContain(rest, r => r.Status == 429);
        Assert.InRange(rest.Sum(r => r.Weight), 0, 1200);
    }

    /// <remarks>
    /// The venue drops each connection after 100 frames. Drops used to count as reconnects only once reopening succeeded (a
    /// reopening that failed before its first frame, as when the client's subscribe meets a connection the venue has
    /// already dropped, counted nowhere), and the summary had no connect attempts or failures.
    /// </remarks>
    [Fact]
    public async Task Stream_VenueDropsConnections_EachDropCountedAsAReconnect_FailedAttemptsShown()
    {
        await using var replay = await ReplayHarness.StartAsync();
        using var dir = new TempDir();
        var ws = $"{replay.Server.Streams.Single(s => s.Name == "coinbase").Address}?speed=0&drop_after=100";

        var result = await new CliRun(dir.Path, TimeProvider.System).RunAsync(
            "probe", "data", "--venue", "coinbase", "--pair", "BTC/USD", "--stream", "--mins", "0.05", "--format", "jsonl", "--ws", ws, "--endpoint", $"all={replay.Server.BaseAddress}");

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        var lines = result.Lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var summary = lines[^1];
        var drops = lines.Count(l => l.GetProperty("type").GetString() == "status" && l.GetProperty("channel").GetString() == "book"
            && l.GetProperty("state").GetString() == "reconnecting" && !l.GetProperty("detail").GetString()!.StartsWith("connect attempt failed", StringComparison.Ordinal));
        Assert.True(drops >= 1, result.Out);
        // Drops come every few milliseconds: the last ones before the time is up may not reach the output, never the reverse.
        var reconnects = summary.GetProperty("reconnects").GetInt64();
        Assert.True(reconnects >= drops, $"{reconnects} reconnects, {drops} drops shown");
        var attempts = summary.GetProperty("connect_attempts").GetInt64();
        Assert.True(attempts >= reconnects, $"{attempts} attempts, {reconnects} reconnects"); // the first, and one per drop but a last one cut short
        Assert.InRange(replay.Server.Requests.Count(r => r.Path == "/ws/coinbase"), attempts - 1, attempts); // one may be cut short at the end
        Assert.InRange(summary.GetProperty("connect_failures").GetInt64(), 0, attempts - 1);
    }

    private static int ClosedPort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [Fact]
    public async Task Snapshot_StreamOnlyVenue_ExitsTwoAskingForStream()
    {
        await using var replay = await ReplayHarness.StartAsync();
        using var dir = new TempDir();

        var result = await new CliRun(dir.Path, TimeProvider.System).RunAsync(
            "probe", "data", "--venue", "bitstamp", "--pair", "ETH/USD", "--endpoint", $"all={replay.Server.BaseAddress}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--venue bitstamp: a stream-only venue", result.Error, StringComparison.Ordinal);
    }
}

using System.Net;
using System.Text.Json;
using CryptoRun.Replay;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Replay;

/// <summary>Fault rules (<c>--faults</c>): each effect, by count, by seeded probability, by time window; and bad files.</summary>
public sealed class ReplayFaultTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task StatusFault_WithRetryAfter_AnswersInTheVenuesShape_AndTheVenueNeverCountsIt()
    {
        await using var replay = await ReplayHarness.WithFaultsAsync("""
            seed: 1
            rules:
              - name: depth-429
                venue: binance
                path: /api/v3/depth
                status: 429
                retry_after: 7
              - venue: okx
                status: 503
              - venue: coinbase
                path: /products
                status: 500
                body: '{"message":"Internal Server Error","hint":"fault"}'
            """);

        var binance = await replay.GetAsync("api/v3/depth?symbol=NKNUSDT&limit=5000");
        var ping = await replay.GetAsync("api/v3/ping");
        var okx = await replay.GetAsync("api/v5/public/time");
        var coinbase = await replay.GetAsync("products/SKL-USD/book");

        Assert.Equal(429, binance.Code);
        Assert.Equal("7", binance.Header("Retry-After"));
        Assert.Equal(-1003, binance.Json.GetProperty("code").GetInt32());
        Assert.Equal("0", binance.Header("X-MBX-USED-WEIGHT-1M")); // the fault answered; the venue counted nothing
        Assert.Equal(HttpStatusCode.OK, ping.Status); // and a 429 from a fault is no reason to ban
        Assert.Equal("1", ping.Header("X-MBX-USED-WEIGHT-1M"));
        Assert.Equal(503, okx.Code);
        Assert.Equal("""{"code":"50001","msg":"Service temporarily unavailable. Please try again later.","data":[]}""", okx.Body);
        Assert.Null(okx.Header("Retry-After"));
        Assert.Equal(500, coinbase.Code);
        Assert.Equal("""{"message":"Internal Server Error","hint":"fault"}""", coinbase.Body);
        Assert.Equal(["depth-429", null, "rule 2", "rule 3"], replay.Server.Requests.Select(r => r.Fault));
    }

    [Fact]
    public async Task LatencyFault_AnswersOnlyWhenTheReplayClockHasAdvancedByIt()
    {
        await using var replay = await ReplayHarness.WithFaultsAsync("""
            rules:
              - venue: coinbase
                path: /time
                latency: 2s
            """);
        using var client = replay.Client();

        var pending = client.GetStringAsync(new Uri("time", UriKind.Relative));
        await replay.Clock.WhenTimersPendingAsync().WaitAsync(Guard);
        replay.Clock.Advance(TimeSpan.FromMilliseconds(1999));
        var stillWaiting = !pending.IsCompleted;
        replay.Clock.Advance(TimeSpan.FromMilliseconds(1));
        var body = await pending.WaitAsync(Guard);

        Assert.True(stillWaiting);
        Assert.Equal("2026-09-01T00:00:02.000Z", JsonDocument.Parse(body).RootElement.GetProperty("iso").GetString()); // served after the wait
        var logged = Assert.Single(replay.Server.Requests);
        Assert.Equal((ReplayFixture.Now, 200, "rule 1"), (logged.Time, logged.Status, logged.Fault)); // logged at arrival time
    }

    [Fact]
    public async Task TimeoutFault_NeverAnswers_UntilTheClientGivesUp()
    {
        await using var replay = await ReplayHarness.WithFaultsAsync("""
            rules:
              - name: silent-okx
                venue: okx
                timeout: true
            """);
        using var client = replay.Client();
        using var giveUp = new CancellationTokenSource();

        var pending = client.GetAsync(new Uri("api/v5/public/time", UriKind.Relative), giveUp.Token);
        await replay.Server.RequestLog.WhenCountAsync(1).WaitAsync(Guard);
        replay.Clock.Advance(TimeSpan.FromHours(1));
        var unanswered = !pending.IsCompleted;
        await giveUp.CancelAsync();

        Assert.True(unanswered);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(Guard));
        var logged = Assert.Single(replay.Server.Requests);
        Assert.Equal(("okx", 0, "silent-okx"), (logged.Venue, logged.Status, logged.Fault));
    }

    [Fact]
    public async Task TimeoutFault_ServerStops_DropsTheConnectionWithoutAnAnswer()
    {
        var replay = await ReplayHarness.WithFaultsAsync("""
            rules:
              - venue: kraken
                timeout: true
            """);
        using var client = replay.Client();
        var pending = client.GetAsync(new Uri("0/public/Time", UriKind.Relative));
        await replay.Server.RequestLog.WhenCountAsync(1).WaitAsync(Guard);

        await replay.DisposeAsync().AsTask().WaitAsync(Guard);

        await Assert.ThrowsAsync<HttpRequestException>(() => pending.WaitAsync(Guard));
    }

    [Fact]
    public async Task ResetFault_DropsTheConnection()
    {
        await using var replay = await ReplayHarness.WithFaultsAsync("""
            rules:
              - venue: binance-usdm
                path: /fapi/v1/klines
                method: GET
                reset: true
            """);

        await Assert.ThrowsAsync<HttpRequestException>(() => replay.GetAsync("fapi/v1/klines?symbol=SUSHIUSDT&interval=1m"));
        var other = await replay.GetAsync("fapi/v1/time");

        Assert.Equal(HttpStatusCode.OK, other.Status);
        Assert.Equal([0, 200], replay.Server.Requests.Select(r => r.Status));
    }

    [Fact]
    public async Task MalformedFault_Truncated_IsTheRealAnswerCutInHalf_ByCountOnlyTheFirst()
    {
        await using var replay = await ReplayHarness.WithFaultsAsync("""
            rules:
              - venue: okx
                path: /api/v5/market/books
                malformed: truncated
                count: 1
            """);

        var spoiled = await replay.GetAsync("api/v5/market/books?instId=BTC-USDT&sz=10");
        var real = await replay.GetAsync("api/v5/market/books?instId=BTC-USDT&sz=10");

        Assert.Equal(HttpStatusCode.OK, spoiled.Status);
        Assert.Equal(real.Body[..(real.Body.Length / 2)], spoiled.Body);
        Assert.Equal((spoiled.Body.Length).ToString(System.Globalization.CultureInfo.InvariantCulture), spoiled.Header("Content-Length"));
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(spoiled.Body));
        Assert.Equal("0", real.Json.GetProperty("code").GetString());
    }

    [Fact]
    public async Task MalformedFault_Invalid_KeepsTheStatusWithABodyThatIsNotJson()
    {
        await using var replay = await ReplayHarness.WithFaultsAsync("""
            rules:
              - venue: kraken
                malformed: invalid
            """);

        var answer = await replay.GetAsync("0/public/Time");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.StartsWith("<html>", answer.Body, StringComparison.Ordinal);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(answer.Body));
    }

    [Fact]
    public async Task CountFault_AppliesToTheFirstNMatchingRequests_ThenTheNextRuleOrTheVenue()
    {
        await using var replay = await ReplayHarness.WithFaultsAsync("""
            rules:
              - name: first-two
                venue: coinbase
                path: /time
                status: 502
                count: 2
              - name: post-only
                venue: coinbase
                method: POST
                status: 500
            """);

        var answers = await replay.GetManyAsync("time", 4);

        Assert.Equal([502, 502, 200, 200], answers.Select(a => a.Code));
        Assert.Equal(["first-two", "first-two", null, null], replay.Server.Requests.Select(r => r.Fault));
    }

    [Fact]
    public async Task ProbabilityFault_IsDrawnFromTheSeed_SoTheSameRequestsFaultTheSameWay()
    {
        const string Yaml = """
            seed: 42
            rules:
              - venue: binance
                path: /api/v3/ping
                status: 503
                probability: 0.3
            """;
        var runs = new List<int[]>();
        foreach (var yaml in new[] { Yaml, Yaml, Yaml.Replace("seed: 42", "seed: 43", StringComparison.Ordinal) })
        {
            await using var replay = await ReplayHarness.WithFaultsAsync(yaml);
            runs.Add((await replay.GetManyAsync("api/v3/ping", 40)).Select(a => a.Code).ToArray());
        }

        var draws = new Random(42 + 0); // rule 0 draws from new Random(seed + 0)
        var expected = Enumerable.Range(0, 40).Select(_ => draws.NextDouble() < 0.3 ? 503 : 200).ToArray();
        Assert.Equal(expected, runs[0]);
        Assert.Equal(runs[0], runs[1]);
        Assert.NotEqual(runs[0], runs[2]);
        Assert.InRange(runs[0].Count(c => c == 503), 4, 24);
    }

    [Fact]
    public async Task WindowFault_AppliesFromInclusiveUntilExclusive_OnTheReplayClock()
    {
        await using var replay = await ReplayHarness.WithFaultsAsync("""
            rules:
              - venue: '*'
                status: 503
                from: 2026-09-01T00:01:00Z
                until: 2026-09-01T00:02:00Z
            """);

        var codes = new List<int>();
        foreach (var step in new[] { 59_999, 1, 59_999, 1 })
        {
            replay.Clock.Advance(TimeSpan.FromMilliseconds(step));
            codes.Add((await replay.GetAsync("api/v5/public/time")).Code);
        }

        Assert.Equal([200, 503, 503, 200], codes);
    }

    [Fact]
    public async Task AnyVenueRule_CoversPathsNoVenueServes()
    {
        await using var replay = await ReplayHarness.WithFaultsAsync("""
            rules:
              - venue: '*'
                path: /api/v9
                status: 451
            """);

        var answer = await replay.GetAsync("api/v9/nothing");

        Assert.Equal(451, answer.Code);
        Assert.Equal("Unavailable For Legal Reasons", answer.Json.GetProperty("message").GetString());
        Assert.Null(Assert.Single(replay.Server.Requests).Venue);
    }

    [Theory]
    [InlineData("rules:\n  - venue: binance\n    stauts: 500\n", 3, "rule 1: unknown key 'stauts'")]
    [InlineData("rules:\n  - venue: binance\n    status: 500\n    reset: true\n", 2, "rule 1: more than one effect (status, reset)")]
    [InlineData("rules:\n  - venue: binance\n    path: /api/v3\n", 2, "rule 1: no effect")]
    [InlineData("seed: 1\nrules:\n  - venue: binance\n    status: 500\n  - path: /x\n    status: 500\n", 5, "rule 2: 'venue:' is missing")]
    [InlineData("rules:\n  - venue: bitmex\n    status: 500\n", 2, "venue 'bitmex' is not one the replay serves")]
    [InlineData("rules:\n  - venue: binance\n    path: /fapi/v1/klines\n    status: 500\n", 3, "path '/fapi/v1/klines' is not under binance's API (/api/v3)")]
    [InlineData("rules:\n  - venue: okx\n    status: 999\n", 3, "status '999' must be a whole number from 100 to 599")]
    [InlineData("rules:\n  - venue: okx\n    latency: 2\n", 3, "latency '2' must be a positive duration with a unit")]
    [InlineData("rules:\n  - venue: okx\n    latency: 100000h\n", 3, "latency '100000h' must be a positive duration with a unit, at most 1d")]
    [InlineData("rules:\n  - venue: okx\n    malformed: half\n", 3, "malformed 'half': use 'truncated'")]
    [InlineData("rules:\n  - venue: okx\n    timeout: false\n", 3, "'timeout' takes only 'true'")]
    [InlineData("rules:\n  - venue: okx\n    reset: true\n    retry_after: 5\n", 4, "'retry_after' goes only with 'status:'")]
    [InlineData("rules:\n  - venue: okx\n    status: 500\n    probability: 1.5\n", 4, "probability '1.5' must be a number in (0, 1]")]
    [InlineData("rules:\n  - venue: okx\n    status: 500\n    count: 0\n", 4, "count '0' must be a whole number from 1")]
    [InlineData("rules:\n  - venue: okx\n    status: 500\n    from: tomorrow\n", 4, "from 'tomorrow' is not an ISO-8601 time")]
    [InlineData("rules:\n  - venue: okx\n    status: 500\n    from: 2026-09-01T01:00:00Z\n    until: 2026-09-01T00:00:00Z\n", 5, "'until' must be after 'from'")]
    [InlineData("seed: x\nrules: []\n", 1, "seed 'x' must be a whole number")]
    [InlineData("seed: 1\n", 1, "'rules:' is missing")]
    [InlineData("rules:\n  venue: okx\n", 2, "'rules' must be a list of rules")]
    [InlineData("rules:\n  - venue: okx\n     status: 500\n", 3, "not valid YAML")]
    [InlineData("sead: 1\nrules: []\n", 1, "top level: unknown key 'sead'; expected one of seed, rules")]
    public void BadFaultsFile_FailsNamingTheFileTheLineAndWhatIsWrong(string yaml, int line, string problem)
    {
        using var dir = new TempDir();
        var path = dir.Write("faults.yaml", yaml);

        var error = Assert.Throws<ReplayFaultsException>(() => ReplayFaults.Load(path));

        Assert.Equal(path, error.File);
        Assert.Equal(line, error.Line);
        Assert.Contains(problem, error.Problem, StringComparison.Ordinal);
        Assert.StartsWith($"{path}:{line}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FaultsFile_NestedDeeperThanTheLimit_FailsNamingTheLine()
    {
        var yaml = "seed: 1\nrules:\n  - venue: okx\n    status: 500\n    body: " + new string('[', 200) + new string(']', 200) + "\n";

        var error = Assert.Throws<ReplayFaultsException>(() => ReplayFaults.Parse(yaml, "faults.yaml"));

        Assert.Equal(5, error.Line);
        Assert.Contains("nested deeper than 64 levels", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void FaultsFile_LargerThan1MiB_OrADirectory_FailsSayingSo()
    {
        using var dir = new TempDir();
        var huge = dir.Write("huge.yaml", "seed: 1\nrules: []\n" + string.Concat(Enumerable.Repeat("# a comment line of forty characters ..\n", 60_000)));

        var tooLarge = Assert.Throws<ReplayFaultsException>(() => ReplayFaults.Load(huge));
        var folder = Assert.Throws<ReplayFaultsException>(() => ReplayFaults.Load(dir.Path));

        Assert.Equal($"{huge}: cannot read the faults file: larger than 1 MiB; a YAML file of settings is a few KB", tooLarge.Message);
        Assert.Equal($"{dir.Path}: is a directory, not a faults file", folder.Message);
    }

    [Fact]
    public void FaultsFile_LongValue_IsEchoedCut()
    {
        var yaml = "rules:\n  - venue: " + new string('x', 100_000) + "\n    status: 500\n";

        var error = Assert.Throws<ReplayFaultsException>(() => ReplayFaults.Parse(yaml, "faults.yaml"));

        Assert.Contains("venue 'xxxx", error.Problem, StringComparison.Ordinal);
        Assert.Contains("…' (100000 characters, cut) is not one the replay serves", error.Problem, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 1_000, $"{error.Message.Length} characters");
    }

    [Fact]
    public void FaultsFile_Missing_OrEmpty_FailsNamingTheFile()
    {
        using var dir = new TempDir();

        var missing = Assert.Throws<ReplayFaultsException>(() => ReplayFaults.Load(dir.File("none.yaml")));
        var empty = Assert.Throws<ReplayFaultsException>(() => ReplayFaults.Load(dir.Write("empty.yaml", "")));

        Assert.StartsWith($"{dir.File("none.yaml")}: cannot read the faults file", missing.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{dir.File("empty.yaml")}: the file is empty", empty.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FaultsFile_FullExample_ReadsEveryField()
    {
        var faults = ReplayFaults.Parse("""
            seed: 7
            rules:
              - name: klines-slow
                venue: binance
                path: /api/v3/klines
                method: get
                latency: 1.5s
                probability: 0.25
                count: 10
                from: 2026-09-01T00:00:00Z
                until: 2026-09-01T02:00:00+01:00
            """, "f.yaml");

        var rule = Assert.Single(faults.Rules);
        Assert.Equal(7, faults.Seed);
        Assert.Equal(
            new ReplayFaultRule
            {
                Name = "klines-slow", Venue = "binance", Path = "/api/v3/klines", Method = "GET", Kind = ReplayFaultKind.Latency,
                Latency = TimeSpan.FromMilliseconds(1500), Probability = 0.25, Count = 10,
                From = ReplayFixture.Now, Until = ReplayFixture.Now.AddHours(1), Line = 3,
            },
            rule);
    }

    [Fact]
    public void ReadmeFaultsExample_IsAValidFaultsFile()
    {
        var readme = File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "README.md"));
        var section = readme[readme.IndexOf("#### Faults file", StringComparison.Ordinal)..];
        var start = section.IndexOf("```yaml\n", StringComparison.Ordinal) + "```yaml\n".Length;
        var yaml = section[start..section.IndexOf("```", start, StringComparison.Ordinal)];

        var faults = ReplayFaults.Parse(yaml, "README.md");

        Assert.Equal(42, faults.Seed);
        Assert.Equal(
            [ReplayFaultKind.Status, ReplayFaultKind.Latency, ReplayFaultKind.Timeout, ReplayFaultKind.Reset, ReplayFaultKind.Malformed, ReplayFaultKind.Status],
            faults.Rules.Select(r => r.Kind));
        Assert.Equal(5, faults.Rules[0].RetryAfterSeconds);
        Assert.Equal(TimeSpan.FromSeconds(1.5), faults.Rules[1].Latency);
    }

    [Fact]
    public async Task FaultRuleBuiltInCode_Inconsistent_FailsStartUp()
    {
        var options = new ReplayOptions
        {
            DataRoot = TestData.Root,
            Faults = new ReplayFaults(0, [new ReplayFaultRule { Name = "bad", Venue = "okx", Kind = ReplayFaultKind.Status, Status = 42 }]),
        };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => ReplayServer.StartAsync(options));

        Assert.Contains("fault rule 'bad': status 42 is not an HTTP status", error.Message, StringComparison.Ordinal);
    }
}

using System.Net;
using System.Text.Json;
using CryptoRun.Replay;

namespace CryptoRun.Tests.TestSupport;

/// <summary>One venue answer: status, body text and headers (response and content headers together).</summary>
internal sealed record Answer(HttpStatusCode Status, string Body, IReadOnlyDictionary<string, string> Headers)
{
    public int Code => (int)Status;

    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string? Header(string name) => Headers.GetValueOrDefault(name);
}

/// <summary>
/// A replay venue of its own for one test (recorded captures, plus only the candle files a test
/// names, so it starts fast), on a manual clock, with the options a test chooses.
/// </summary>
internal sealed class ReplayHarness : IAsyncDisposable
{
    private readonly Http _http;

    private ReplayHarness(ManualClock clock, ReplayServer server)
    {
        Clock = clock;
        Server = server;
        _http = new Http(server.BaseAddress);
    }

    public ManualClock Clock { get; }

    public ReplayServer Server { get; }

    public static async Task<ReplayHarness> StartAsync(
        DateTimeOffset? now = null,
        bool enforceLimits = true,
        ReplayFaults? faults = null,
        string? requestLog = null,
        IEnumerable<ReplayCandleSource>? candles = null)
    {
        var clock = new ManualClock(now ?? ReplayFixture.Now);
        var options = new ReplayOptions
        {
            TimeProvider = clock,
            DataRoot = TestData.Root,
            EnforceLimits = enforceLimits,
            Faults = faults,
            RequestLogPath = requestLog,
        };
        foreach (var source in candles ?? [])
        {
            options.Candles.Add(source);
        }

        var server = await ReplayServer.StartAsync(options);
        return new ReplayHarness(clock, server);
    }

    /// <summary>Starts with the faults YAML given.</summary>
    public static Task<ReplayHarness> WithFaultsAsync(string yaml, DateTimeOffset? now = null)
        => StartAsync(now, faults: ReplayFaults.Parse(yaml, "faults.yaml"));

    public HttpClient Client() => _http.Client();

    /// <summary>The named venue's connector over this replay, on its clock.</summary>
    public T Connect<T>(string venue)
        where T : class, CryptoRun.Providers.IMarketDataProvider
        => _http.Connect<T>(venue, Clock);

    public async Task<Answer> GetAsync(string pathAndQuery, CancellationToken cancellationToken = default)
    {
        using var client = Client();
        using var response = await client.GetAsync(new Uri(pathAndQuery, UriKind.Relative), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var headers = response.Headers.Concat(response.Content.Headers)
            .ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        return new Answer(response.StatusCode, body, headers);
    }

    /// <summary>Sends the same request <paramref name="times"/> times, one after another.</summary>
    public async Task<List<Answer>> GetManyAsync(string pathAndQuery, int times)
    {
        var answers = new List<Answer>();
        for (var i = 0; i < times; i++)
        {
            answers.Add(await GetAsync(pathAndQuery));
        }

        return answers;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Server.DisposeAsync();
    }
}

using CryptoRun.Cli;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Replay;
using CryptoRun.Resilience;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Scenarios;

/// <summary>
/// The whole provider system as the CLI composes it (config file, gates, registry, router), every
/// provider pointed at one replay venue, all on one manual clock. <see cref="RunAsync{T}"/> moves the
/// clock while the code under test waits on it (rate windows, Retry-After, bans, backoff).
/// </summary>
internal sealed class ScenarioKit : IAsyncDisposable
{
    /// <summary>
    /// Added to every scenario's config: an attempt timeout far longer than any scenario, so that
    /// moving the manual clock while a loopback request is in flight never times it out.
    /// </summary>
    private const string LongAttempts = "timeout: 1h";

    private readonly TempDir _dir;

    private ScenarioKit(TempDir dir, ReplayHarness replay, ProviderHost host)
    {
        _dir = dir;
        Replay = replay;
        Host = host;
    }

    public ReplayHarness Replay { get; }

    public ProviderHost Host { get; }

    public ManualClock Clock => Replay.Clock;

    public ProviderRouter Router => Host.Router;

    public string Folder => _dir.Path;

    /// <summary>BTC/USD one-minute candles (the Coinbase recording) served by every exchange, so chains have a common instrument.</summary>
    public static IEnumerable<ReplayCandleSource> BtcUsdEverywhere()
        => ReplayFixture.BtcUsdVenues.Select(v => new ReplayCandleSource(v, BtcUsd, Timeframe.M1, TestData.CoinbaseMinute));

    public static Instrument BtcUsd { get; } = Instrument.Parse("BTC/USD");

    /// <summary>Starts a replay venue and the provider system.</summary>
    /// <param name="providers">YAML for each provider named (its mapping's keys), merged with <see cref="LongAttempts"/>.</param>
    /// <param name="chains">The <c>chains:</c> YAML block's body, or null for the defaults.</param>
    /// <param name="faults">A faults file, or null.</param>
    /// <param name="candles">Candle series the replay serves.</param>
    /// <param name="now">The clock's start.</param>
    public static async Task<ScenarioKit> StartAsync(
        IReadOnlyDictionary<string, string>? providers = null,
        string? chains = null,
        string? faults = null,
        IEnumerable<ReplayCandleSource>? candles = null,
        DateTimeOffset? now = null)
    {
        var dir = new TempDir();
        var replay = await ReplayHarness.StartAsync(now, faults: faults is null ? null : ReplayFaults.Parse(faults, "faults.yaml"), candles: candles);
        var yaml = new System.Text.StringBuilder("providers:\n");
        foreach (var known in ProviderHost.Known)
        {
            var extra = providers?.GetValueOrDefault(known.Name);
            yaml.Append("  ").Append(known.Name).Append(": { ").Append(LongAttempts).Append(extra is null ? "" : ", " + extra).Append(" }\n");
        }

        if (chains is not null)
        {
            yaml.Append("chains:\n").Append(chains);
        }

        var config = Path.Combine(dir.Path, "providers.yaml");
        File.WriteAllText(config, yaml.ToString());
        var environment = new CliEnvironment(TextWriter.Null, TextWriter.Null, interactive: false, replay.Clock, dir.Path, new Dictionary<string, string>());
        var host = ProviderHost.Create(environment, [$"all={replay.Server.BaseAddress}"], config);
        return new ScenarioKit(dir, replay, host);
    }

    /// <summary>A provider's gate.</summary>
    public ProviderGate Gate(string provider)
        => Host.Registry.TryGet(provider, out var registered) ? registered.Gate : throw new ArgumentException(provider);

    /// <summary>A provider's connector.</summary>
    public T Provider<T>(string provider)
        where T : class
        => Host.Registry.TryGet(provider, out var registered) ? (T)registered.Provider : throw new ArgumentException(provider);

    /// <summary>The requests that reached the replay for one venue (fault answers included), oldest first.</summary>
    public IReadOnlyList<ReplayRequest> Requests(string venue) => Replay.Server.Requests.Where(r => r.Venue == venue).ToList();

    /// <summary>
    /// Awaits <paramref name="task"/>, moving the clock forward by <paramref name="step"/> (250 ms by
    /// default) whenever it has not finished after a moment of real time: waits on the clock end,
    /// loopback I/O is unaffected (attempts may take an hour of clock time).
    /// </summary>
    public async Task<T> RunAsync<T>(Task<T> task, TimeSpan? step = null)
    {
        var by = step ?? TimeSpan.FromMilliseconds(250);
        var started = DateTime.UtcNow;
        while (!task.IsCompleted)
        {
            await Task.WhenAny(task, Task.Delay(2));
            if (!task.IsCompleted)
            {
                if (DateTime.UtcNow - started > TimeSpan.FromMinutes(2))
                {
                    throw new TimeoutException($"the scenario did not finish within 2 minutes of real time; the clock stands at {Clock.GetUtcNow():O}");
                }

                Clock.Advance(by);
            }
        }

        return await task;
    }

    /// <inheritdoc cref="RunAsync{T}(Task{T}, TimeSpan?)"/>
    public Task RunAsync(Task task, TimeSpan? step = null) => RunAsync(Wrap(task), step);

    public async ValueTask DisposeAsync()
    {
        Host.Dispose();
        await Replay.DisposeAsync();
        _dir.Dispose();
    }

    private static async Task<bool> Wrap(Task task)
    {
        await task;
        return true;
    }
}

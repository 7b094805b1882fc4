using CryptoRun.Domain;
using CryptoRun.Replay;

namespace CryptoRun.Tests.TestSupport;

/// <summary>
/// One replay venue for a test class: the AVAX/USDT July 2026 month and the Coinbase BTC/USD 1m
/// recording served through every venue, the Coinbase 1h recording as Coinbase, plus the recorded
/// metadata, books and trades. Its clock stands at 2026-09-01, after every recording. The venues'
/// rate limits are on, as in <c>replay serve</c>.
/// </summary>
public class ReplayFixture : IAsyncLifetime
{
    private readonly bool _enforceLimits;

    public ReplayFixture()
        : this(enforceLimits: true)
    {
    }

    protected ReplayFixture(bool enforceLimits) => _enforceLimits = enforceLimits;

    /// <summary>The clock of the replay venue and of connectors made by tests: after every recording ends.</summary>
    public static readonly DateTimeOffset Now = new(2026, 9, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>For each venue, the instrument AVAX/USDT is served as: spot venues list it as spot, derivative venues as the perpetual.</summary>
    public static readonly IReadOnlyDictionary<string, Instrument> Avax = new Dictionary<string, Instrument>
    {
        ["binance"] = Instrument.Parse("AVAX/USDT"),
        ["binance-usdm"] = Instrument.Parse("AVAX/USDT:USDT"),
        ["okx"] = Instrument.Parse("AVAX/USDT:USDT"),
        ["coinbase"] = Instrument.Parse("AVAX/USDT"),
        ["kraken"] = Instrument.Parse("AVAX/USDT"),
    };

    /// <summary>The venues BTC/USD 1m (Coinbase recording) is served through.</summary>
    public static readonly IReadOnlyList<string> BtcUsdVenues = ["coinbase", "binance", "okx", "kraken"];

    public ManualClock Clock { get; } = new(Now);

    public ReplayServer Server { get; private set; } = null!;

    public Http Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var options = new ReplayOptions { TimeProvider = Clock, DataRoot = TestData.Root, EnforceLimits = _enforceLimits };
        foreach (var (venue, instrument) in Avax)
        {
            options.Candles.Add(new ReplayCandleSource(venue, instrument, Timeframe.M1, TestData.AvaxMonth));
        }

        foreach (var venue in BtcUsdVenues)
        {
            options.Candles.Add(new ReplayCandleSource(venue, Instrument.Parse("BTC/USD"), Timeframe.M1, TestData.CoinbaseMinute));
        }

        options.Candles.Add(new ReplayCandleSource("coinbase", Instrument.Parse("BTC/USD"), Timeframe.H1, TestData.CoinbaseHour));
        Server = await ReplayServer.StartAsync(options);
        Http = new Http(Server.BaseAddress);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>
/// The same replay venue with the rate limits off: for tests that fetch whole recordings in one
/// instant of the manual clock (149 Coinbase or OKX pages) to check the data, not the pacing.
/// </summary>
public sealed class ReplayFixtureWithoutLimits : ReplayFixture
{
    public ReplayFixtureWithoutLimits()
        : base(enforceLimits: false)
    {
    }
}

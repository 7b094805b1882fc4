using CryptoRun.Domain;
using CryptoRun.History;
using CryptoRun.Providers;
using CryptoRun.Replay;
using CryptoRun.Resilience;
using CryptoRun.Storage.Sqlite;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Scenarios;

/// <summary>
/// Binance's real limits at the replay venue (1200 weight a UTC minute from the recorded
/// exchangeInfo, 429 then 418 bans): the gate keeps a client that shares the IP with another
/// under the limit, and sends nothing while banned.
/// </summary>
public sealed class BinanceLimitScenarioTests
{
    private const string ExchangeInfo = "/api/v3/exchangeInfo";
    private const int ExchangeInfoWeight = 20;
    private static readonly Instrument Avax = Instrument.Parse("AVAX/USDT");
    private static readonly Instrument Btc = Instrument.Parse("BTC/USD");
    private static readonly Instrument BtcUsdt = Instrument.Parse("BTC/USDT");

    [Fact]
    public async Task ConcurrentBackfill_ThreeInstrumentsWhileAnotherClientSpentMostOfTheMinute_ZeroRefusals()
    {
        // Only AVAX/USDT and BTC/USD candles were recorded: the third instrument, BTC/USDT, is served
        // from the BTC/USD minute recording (what matters here is each request's weight).
        await using var kit = await ScenarioKit.StartAsync(candles:
        [
            new ReplayCandleSource("binance", Avax, Timeframe.M1, TestData.AvaxMonth),
            new ReplayCandleSource("binance", BtcUsdt, Timeframe.M1, TestData.CoinbaseMinute),
            new ReplayCandleSource("binance", Btc, Timeframe.M1, TestData.CoinbaseMinute),
            new ReplayCandleSource("binance", Btc, Timeframe.H1, TestData.CoinbaseHour),
        ]);

        // Another client on the same IP spends 1100 of the minute's 1200 weight before ours starts.
        var other = await kit.Replay.GetManyAsync(ExchangeInfo, 55);
        Assert.Equal("1100", other[^1].Header("X-MBX-USED-WEIGHT-1M"));

        using var dir = new TempDir();
        await using var store = await SqliteStore.OpenAsync(dir.File("store.db"), kit.Clock);
        var backfill = new CandleBackfill(store, kit.Clock);
        var binance = kit.Provider<ICandleProvider>("binance");
        var reports = await kit.RunAsync(Task.WhenAll(
            backfill.RunAsync(binance, Avax, Timeframe.M1, Range("2026-07-01", "2026-08-01")),
            backfill.RunAsync(binance, Btc, Timeframe.M1, Range("2020-11-22", "2020-12-20")),
            backfill.RunAsync(binance, Btc, Timeframe.H1, Range("2018-05-15", "2020-11-23")),
            backfill.RunAsync(binance, BtcUsdt, Timeframe.M1, Range("2020-11-22", "2020-12-20"))));

        var ours = kit.Requests("binance").Skip(other.Count).ToList();
        Assert.DoesNotContain(ours, r => r.Status is 429 or 418);
        Assert.All(ours, r => Assert.Equal(200, r.Status));
        Assert.Equal(44640, reports[0].CandlesStored);
        Assert.Equal(27950, reports[1].CandlesStored);
        Assert.Equal(reports[2].CandlesFetched, reports[2].CandlesStored);
        Assert.True(reports[2].CandlesStored > 22_000, $"{reports[2].CandlesStored} hourly candles");
        Assert.Equal(27950, reports[3].CandlesStored);

        // The backfill needed more weight than the first minute had left: it ran up to the limit, then waited for the next minute.
        var perMinute = kit.Requests("binance")
            .GroupBy(r => r.Time.ToUnixTimeMilliseconds() / 60_000)
            .Select(g => g.Sum(r => r.Weight))
            .ToList();
        Assert.True(perMinute.Count >= 2, "all requests fell in one minute: the scenario did not press against the limit");
        Assert.InRange(perMinute[0], 1180, 1200);
        Assert.All(perMinute, w => Assert.InRange(w, 1, 1200));
    }

    [Fact]
    public async Task AfterA418_NoRequestReachesBinanceUntilTheBanEnds()
    {
        await using var kit = await ScenarioKit.StartAsync(
            chains: "  microstructure: { providers: [binance, kraken] }\n",
            candles: ScenarioKit.BtcUsdEverywhere());
        var ticker = kit.Provider<ITickerProvider>("binance");

        // Ours learns the limits first (exchangeInfo, 20 weight).
        await kit.RunAsync(ticker.GetSpotQuoteAsync(Btc));

        // Another client on the same IP runs into the limit, gets a 429, and keeps going: the IP is banned for 2 minutes.
        await kit.Replay.GetManyAsync(ExchangeInfo, (1200 - (ExchangeInfoWeight + 2)) / ExchangeInfoWeight);
        var refused = await kit.Replay.GetManyAsync(ExchangeInfo, 2);
        Assert.Equal([429, 418], refused.Select(r => r.Code));
        var banEnds = kit.Clock.GetUtcNow().AddMinutes(2);

        // Ours does not know yet: its next request is answered 418 with the ban's Retry-After.
        var first = await Assert.ThrowsAnyAsync<VenueException>(() => kit.RunAsync(ticker.GetSpotQuoteAsync(Btc)));
        var bannedAt = kit.Requests("binance")[^1].Time;
        Assert.Equal(418, kit.Requests("binance")[^1].Status);
        Assert.Equal(BreakerState.Open, kit.Gate("binance").Status.Breaker.State);
        Assert.True(kit.Gate("binance").Status.Breaker.Banned, first.Message);

        // Calls during the ban are refused without a request, naming the venue and the ban's end.
        for (var i = 0; i < 5; i++)
        {
            kit.Clock.Advance(TimeSpan.FromSeconds(10));
            var refusal = await Assert.ThrowsAsync<ProviderUnavailableException>(() => ticker.GetSpotQuoteAsync(Btc));
            Assert.Equal(UnavailableReason.Banned, refusal.Reason);
            Assert.Contains("binance", refusal.Message, StringComparison.Ordinal);
        }

        // A caller whose deadline ends before the ban fails at once; one whose deadline is later waits for the ban's end.
        using (CallScope.Begin(new CallSettings(kit.Clock.GetUtcNow().AddSeconds(30), WaitForBan: true)))
        {
            var tooSoon = await Assert.ThrowsAsync<ProviderUnavailableException>(() => ticker.GetSpotQuoteAsync(Btc));
            Assert.Contains(TimeRange.Format(tooSoon.Until.ToUnixTimeMilliseconds()), tooSoon.Message, StringComparison.Ordinal);
        }

        Sourced<SpotQuote> after;
        using (CallScope.Begin(new CallSettings(kit.Clock.GetUtcNow().AddMinutes(10), WaitForBan: true)))
        {
            after = await kit.RunAsync(ticker.GetSpotQuoteAsync(Btc));
        }

        Assert.Equal(FetchStatus.Ok, after.Provenance.Status);
        var next = kit.Requests("binance").Where(r => r.Time > bannedAt).ToList();
        Assert.NotEmpty(next);
        Assert.All(next, r => Assert.True(r.Time >= banEnds, $"a request reached binance at {r.Time:O}, before the ban ended at {banEnds:O}"));
        Assert.All(next, r => Assert.Equal(200, r.Status));
    }

    [Fact]
    public async Task WeightHeaders_ResyncTheGateToWhatTheVenueCounts()
    {
        await using var kit = await ScenarioKit.StartAsync(candles: ScenarioKit.BtcUsdEverywhere());
        var ticker = kit.Provider<ITickerProvider>("binance");
        await kit.RunAsync(ticker.GetSpotQuoteAsync(Btc));
        Assert.Equal(kit.Requests("binance").Sum(r => r.Weight), Minute(kit).Used);

        // Another client spends 400 weight; our next answer's X-MBX-USED-WEIGHT-1M carries it, and the gate takes it as used.
        var other = await kit.Replay.GetManyAsync(ExchangeInfo, 20);
        await kit.RunAsync(ticker.GetSpotQuoteAsync(Btc));

        var venueCount = kit.Requests("binance").Sum(r => r.Weight);
        Assert.Equal(400, other.Count * ExchangeInfoWeight);
        Assert.Equal(venueCount, Minute(kit).Used);
        Assert.Equal(1200, Minute(kit).Window.Limit);
    }

    private static BudgetUse Minute(ScenarioKit kit) => kit.Gate("binance").Status.Budget.Single(b => b.Window.Key == "1M");

    private static TimeRange Range(string from, string to)
        => new(DateTimeOffset.Parse(from + "T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.Parse(to + "T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
}

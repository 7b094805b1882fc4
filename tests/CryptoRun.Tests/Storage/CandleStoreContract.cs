using System.Globalization;
using CryptoRun.Bars;
using CryptoRun.Domain;
using CryptoRun.Storage;
using CryptoRun.Tests.TestSupport;
using static CryptoRun.Tests.Storage.StoreKit;

namespace CryptoRun.Tests.Storage;

/// <summary>
/// The candle-store contract: every fact here holds for every <see cref="ICandleStore"/> (and its
/// <see cref="IBarStore"/>), run once per store by a concrete subclass (SQLite over a temp file,
/// PostgreSQL over a fresh schema). xunit makes a new instance per test, so each test gets a fresh
/// location; <see cref="OpenStoreAsync"/> opens a store on it (again and again, for reopen facts).
/// Facts about one store's medium (files, WAL, server addresses) live in that store's own classes.
/// </summary>
public abstract class CandleStoreContract : IAsyncLifetime
{
    private static readonly DateTimeOffset FirstOpen = new(2026, 8, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>How many migrations the store records in <c>schema_migrations</c>.</summary>
    protected abstract int MigrationCount { get; }

    /// <summary>The exact exception type the store's database raises when it refuses a row.</summary>
    protected abstract Type StoreErrorType { get; }

    /// <summary>Opens a store on this test's location (the same location on every call).</summary>
    protected abstract Task<ICandleStore> OpenStoreAsync(TimeProvider? time = null);

    /// <summary>Rows in a table, read directly from the database.</summary>
    protected abstract Task<long> CountAsync(string table);

    /// <summary>Runs a statement directly on the database (SQL both dialects accept).</summary>
    protected abstract Task ExecuteRawAsync(string sql);

    /// <summary>Runs a query directly on the database; integers come back as <see cref="long"/>, text as <see cref="string"/>.</summary>
    protected abstract Task<List<object?[]>> QueryRawAsync(string sql);

    /// <summary>Makes the database refuse the row of <paramref name="table"/> (candles or fetched_windows) whose time is <paramref name="fromMs"/>: a fault inside the write's transaction.</summary>
    protected abstract Task InjectFaultAsync(string table, long fromMs);

    /// <summary>Removes the fault injected by <see cref="InjectFaultAsync"/>.</summary>
    protected abstract Task RemoveFaultAsync();

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    [ContractFact]
    public async Task BackfillLease_HeldByOneOwnerUntilItExpiresOrIsReleased_RenewableByItsHolderReplaceableWhenDead()
    {
        // Two store instances on one location stand for two workers.
        await using var first = await OpenStoreAsync();
        await using var second = await OpenStoreAsync();
        var a = Assert.IsAssignableFrom<IBackfillLeases>(first);
        var b = Assert.IsAssignableFrom<IBackfillLeases>(second);
        const string Key = "coinbase:BTC/USD:1m";

        Assert.True(await a.TryAcquireLeaseAsync(Key, "a", FirstOpen, FirstOpen.AddMinutes(2)));
        Assert.False(await b.TryAcquireLeaseAsync(Key, "b", FirstOpen.AddMinutes(1), FirstOpen.AddMinutes(3)));
        Assert.True(await a.TryAcquireLeaseAsync(Key, "a", FirstOpen.AddMinutes(1), FirstOpen.AddMinutes(3)));
        Assert.False(await b.TryAcquireLeaseAsync(Key, "b", FirstOpen.AddMinutes(2.5), FirstOpen.AddMinutes(4)));

        // Expired (a crashed worker): taken over.
        Assert.True(await b.TryAcquireLeaseAsync(Key, "b", FirstOpen.AddMinutes(3), FirstOpen.AddMinutes(5)));
        Assert.False(await a.TryAcquireLeaseAsync(Key, "a", FirstOpen.AddMinutes(3), FirstOpen.AddMinutes(5)));

        // Released only by its holder.
        await a.ReleaseLeaseAsync(Key, "a");
        Assert.False(await a.TryAcquireLeaseAsync(Key, "a", FirstOpen.AddMinutes(4), FirstOpen.AddMinutes(6)));
        await b.ReleaseLeaseAsync(Key, "b");
        Assert.True(await a.TryAcquireLeaseAsync(Key, "a", FirstOpen.AddMinutes(4), FirstOpen.AddMinutes(6)));
        Assert.True(await b.TryAcquireLeaseAsync("okx:BTC/USDT:1m", "b", FirstOpen.AddMinutes(4), FirstOpen.AddMinutes(6)));

        // A holder known dead is replaced before its lease expires; naming another owner does not help.
        Assert.Equal("a", await b.ReadLeaseHolderAsync(Key));
        Assert.False(await b.TryAcquireLeaseAsync(Key, "b", FirstOpen.AddMinutes(4), FirstOpen.AddMinutes(6), replacing: "c"));
        Assert.True(await b.TryAcquireLeaseAsync(Key, "b", FirstOpen.AddMinutes(4), FirstOpen.AddMinutes(6), replacing: "a"));
        Assert.Equal("b", await a.ReadLeaseHolderAsync(Key));
        Assert.Null(await a.ReadLeaseHolderAsync("nothing"));
    }

    [ContractFact]
    public async Task TwoWorkersBackfillOneSeries_TheSecondWaitsForTheLeaseAndFetchesNothingAgain()
    {
        await using var first = await OpenStoreAsync();
        await using var second = await OpenStoreAsync();
        var key = new SeriesKey("fake", Instrument.Parse("SC/EUR"), Timeframe.M1);
        var start = new DateTimeOffset(2021, 4, 1, 0, 0, 0, TimeSpan.Zero);
        var candles = Enumerable.Range(0, 3000).Select(m => new Candle(start.AddMinutes(m).ToUnixTimeMilliseconds(), 1m, 1m, 1m, 1m, 1m)).ToList();
        var venueA = new History.FakeCandleProvider("fake", key.Instrument, key.Timeframe, candles);
        var venueB = new History.FakeCandleProvider("fake", key.Instrument, key.Timeframe, candles);
        var hold = new TaskCompletionSource();
        venueA.Hold = hold.Task;
        var range = new TimeRange(start, start.AddMinutes(2500));

        var a = new CryptoRun.History.HistoryProvider(first, _ => venueA, TimeProvider.System).FetchAsync(key, range, CryptoRun.History.HistoryStrategy.AutoBackfill);
        while (venueA.Walks.Count == 0)
        {
            await Task.Delay(5);
        }

        var b = new CryptoRun.History.HistoryProvider(second, _ => venueB, TimeProvider.System).FetchAsync(key, range, CryptoRun.History.HistoryStrategy.AutoBackfill);
        await Task.Delay(3 * CryptoRun.History.HistoryProvider.LeasePoll);
        Assert.False(b.IsCompleted);
        hold.SetResult();
        var results = await Task.WhenAll(a, b);

        Assert.Equal(3, venueA.Requests.Count);
        Assert.Empty(venueB.Requests);
        Assert.All(results, r => Assert.Equal((2500, false), (r.Candles.Count, r.IsPartial)));
        Assert.Equal(2500, await CountAsync("candles"));
    }

    [ContractFact]
    public async Task WriteAsync_ThenReadAsync_ReturnsCandlesValueForValueWithScale()
    {
        await using var store = await OpenStoreAsync();
        var candles = AvaxSlice(0, 240);

        var written = await store.WriteAsync(AvaxKey, candles, Provenance(), null);
        var read = await ReadAllAsync(store, AvaxKey);

        Assert.Equal(240, written);
        AssertSameDigits(candles, read.Select(r => r.Candle));
        var first = read[0].Candle;
        Assert.Equal(Ms("2026-07-01T00:00:00Z"), first.OpenTimeMs);
        Assert.Equal("6.5340", Text(first.Open));
        Assert.Equal("6.5430", Text(first.High));
        Assert.Equal("6.5340", Text(first.Low));
        Assert.Equal("6.5400", Text(first.Close));
        Assert.Equal("33013", Text(first.Volume));
        Assert.Equal("215829.8910", Text(first.QuoteVolume!.Value));
        Assert.Equal(365L, first.TradeCount);
    }

    [ContractFact]
    public async Task WriteAsync_AbsentQuoteVolumeAndTradeCount_ReadBackAsNullNotZero()
    {
        await using var store = await OpenStoreAsync();

        // A venue without quote volume (Kraken OHLCVT) and one without trade counts (the Coinbase export).
        var noQuote = AvaxSlice(0, 30).Select(c => c with { QuoteVolume = null }).ToList();
        var coinbase = CoinbaseMinute.Take(30).ToList();
        var coinbaseKey = new SeriesKey("coinbase", BtcUsd, Timeframe.M1);
        Assert.All(coinbase, c => Assert.Null(c.TradeCount));
        await store.WriteAsync(AvaxKey, noQuote, Provenance(), null);
        await store.WriteAsync(coinbaseKey, coinbase, Provenance(provider: "coinbase", endpoint: "file Coinbase_BTCUSD_minute.csv"), null);

        var avax = await ReadAllAsync(store, AvaxKey);
        var btc = await ReadAllAsync(store, coinbaseKey);

        Assert.All(avax, r => Assert.Null(r.Candle.QuoteVolume));
        Assert.All(avax, r => Assert.NotNull(r.Candle.TradeCount));
        Assert.All(btc, r => Assert.Null(r.Candle.TradeCount));
        Assert.All(btc, r => Assert.NotNull(r.Candle.QuoteVolume));
        AssertSameDigits(noQuote, avax.Select(r => r.Candle));
        AssertSameDigits(coinbase, btc.Select(r => r.Candle));
    }

    [ContractTheory]
    [InlineData(FetchStatus.Ok, null)]
    [InlineData(FetchStatus.Degraded, "served by the fallback after binance-usdm timed out")]
    [InlineData(FetchStatus.Down, "HTTP 503 from GET /fapi/v1/klines")]
    public async Task WriteAsync_Provenance_RoundTripsOnEveryRow(FetchStatus status, string? error)
    {
        await using var store = await OpenStoreAsync();
        var fetchedAt = new DateTimeOffset(2026, 8, 2, 17, 45, 3, 987, TimeSpan.Zero);
        var provenance = new Provenance(
            "binance-usdm", "GET /fapi/v1/klines?symbol=AVAXUSDT&interval=1m", new TimeRange(AvaxOpen(0), AvaxOpen(50)), 137, fetchedAt, status, error);

        await store.WriteAsync(AvaxKey, AvaxSlice(0, 50), provenance, null);
        var read = await ReadAllAsync(store, AvaxKey);

        Assert.Equal(50, read.Count);
        Assert.All(read, row =>
        {
            Assert.Equal("binance-usdm", row.Provider);
            Assert.Equal(fetchedAt, row.FetchedAt);
            Assert.Equal(fetchedAt.ToUnixTimeMilliseconds(), row.FetchedAt.ToUnixTimeMilliseconds());
            Assert.Equal(status, row.Status);
            Assert.Equal(error, row.Error);
            Assert.Equal("GET /fapi/v1/klines?symbol=AVAXUSDT&interval=1m", row.Endpoint);
            Assert.Equal(137L, row.LatencyMs);
        });

        // The request window is kept with the call's provenance, once per call.
        var fetch = Assert.Single(await QueryRawAsync("SELECT provider, window_from, window_to, status FROM fetches"));
        Assert.Equal("binance-usdm", fetch[0]);
        Assert.Equal(AvaxOpen(0), fetch[1]);
        Assert.Equal(AvaxOpen(50), fetch[2]);
        Assert.Equal(status.ToText(), fetch[3]);
    }

    [ContractFact]
    public async Task WriteAsync_SameCandlesTwice_OneRowPerOpenTimeAndSecondProvenanceWins()
    {
        await using var store = await OpenStoreAsync();
        var candles = AvaxSlice(100, 100);
        var first = Provenance(endpoint: "GET /fapi/v1/klines (first)", latencyMs: 80, fetchedAt: FetchTime);
        var second = Provenance(
            endpoint: "GET /fapi/v1/klines (second)", latencyMs: 35, fetchedAt: FetchTime.AddHours(1), status: FetchStatus.Degraded, error: "stale");

        Assert.Equal(100, await store.WriteAsync(AvaxKey, candles, first, null));
        Assert.Equal(100, await store.WriteAsync(AvaxKey, candles, second, null));
        var read = await ReadAllAsync(store, AvaxKey);

        Assert.Equal(100L, await CountAsync("candles"));
        Assert.Equal(100, (await store.GetSummaryAsync(AvaxKey)).Count);
        AssertSameDigits(candles, read.Select(r => r.Candle));
        Assert.All(read, row =>
        {
            Assert.Equal("GET /fapi/v1/klines (second)", row.Endpoint);
            Assert.Equal(35L, row.LatencyMs);
            Assert.Equal(FetchTime.AddHours(1), row.FetchedAt);
            Assert.Equal(FetchStatus.Degraded, row.Status);
            Assert.Equal("stale", row.Error);
        });
    }

    [ContractFact]
    public async Task WriteAsync_OverlappingBatchWithRevisedCandle_UpsertsRevisionAndAddsNewRows()
    {
        await using var store = await OpenStoreAsync();
        var original = AvaxSlice(0, 100);
        var overlap = AvaxSlice(50, 100);
        overlap[10] = overlap[10] with { Close = overlap[10].Close + 0.0010m, High = overlap[10].High + 0.0010m, TradeCount = 999 };

        await store.WriteAsync(AvaxKey, original, Provenance(), null);
        await store.WriteAsync(AvaxKey, overlap, Provenance(endpoint: "revision"), null);
        var read = await ReadAllAsync(store, AvaxKey);

        Assert.Equal(150, read.Count);
        AssertSameDigits(original.Take(50).Concat(overlap), read.Select(r => r.Candle));
        Assert.All(read.Take(50), r => Assert.Equal("GET /fapi/v1/klines", r.Endpoint));
        Assert.All(read.Skip(50), r => Assert.Equal("revision", r.Endpoint));
        Assert.Equal(999L, read[60].Candle.TradeCount);
    }

    [ContractFact]
    public async Task WriteAsync_CandlesOutOfOrder_StoredOldestFirst()
    {
        await using var store = await OpenStoreAsync();
        var candles = AvaxSlice(0, 70);
        var shuffled = candles.AsEnumerable().Reverse().ToList();

        await store.WriteAsync(AvaxKey, shuffled, Provenance(), null);

        AssertSameDigits(candles, (await ReadAllAsync(store, AvaxKey)).Select(r => r.Candle));
    }

    [ContractFact]
    public async Task WriteAsync_BatchWithOneMisalignedCandle_ThrowsAndWritesNothing()
    {
        await using var store = await OpenStoreAsync();
        var baseline = await WriteBaselineAsync(store);

        // New candles, a revision of a stored one, a window, and one candle 30 s off the minute grid.
        var batch = AvaxSlice(50, 100);
        batch[0] = batch[0] with { Close = batch[0].Close + 1m, High = batch[0].High + 1m };
        batch[70] = batch[70] with { OpenTimeMs = batch[70].OpenTimeMs + 30_000 };
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            store.WriteAsync(AvaxKey, batch, Provenance(endpoint: "bad batch"), new TimeRange(AvaxOpen(50), AvaxOpen(150))));

        Assert.Contains("not aligned", error.Message, StringComparison.Ordinal);
        Assert.Contains(TimeRange.Format(batch[70].OpenTimeMs), error.Message, StringComparison.Ordinal);
        await AssertHoldsOnlyBaselineAsync(store, baseline);
    }

    [ContractFact]
    public async Task WriteAsync_BatchWithDuplicatedOpenTime_ThrowsAndWritesNothing()
    {
        await using var store = await OpenStoreAsync();
        var baseline = await WriteBaselineAsync(store);

        var batch = AvaxSlice(50, 100);
        batch.Add(batch[80] with { Close = batch[80].Close + 0.01m, High = batch[80].High + 0.01m });
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            store.WriteAsync(AvaxKey, batch, Provenance(endpoint: "bad batch"), new TimeRange(AvaxOpen(50), AvaxOpen(150))));

        Assert.Contains("two candles open at", error.Message, StringComparison.Ordinal);
        Assert.Contains(TimeRange.Format(batch[80].OpenTimeMs), error.Message, StringComparison.Ordinal);
        await AssertHoldsOnlyBaselineAsync(store, baseline);
    }

    [ContractTheory]
    [InlineData(4_102_444_800_000L)]
    [InlineData(253_402_300_740_000L)]
    [InlineData(-60_000L)]
    public async Task WriteAsync_CandleOutsideTheAcceptedTimes_ThrowsAndWritesNothing(long openTimeMs)
    {
        await using var store = await OpenStoreAsync();
        var baseline = await WriteBaselineAsync(store);

        var batch = AvaxSlice(50, 10);
        batch.Add(batch[0] with { OpenTimeMs = openTimeMs });
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            store.WriteAsync(AvaxKey, batch, Provenance(endpoint: "bad batch"), new TimeRange(AvaxOpen(50), AvaxOpen(60))));

        Assert.Contains(TimeRange.Format(openTimeMs), error.Message, StringComparison.Ordinal);
        Assert.Contains("CryptoRun accepts times from 1970-01-01 to 2100-01-01", error.Message, StringComparison.Ordinal);
        await AssertHoldsOnlyBaselineAsync(store, baseline);
    }

    [ContractFact]
    public async Task WriteAsync_WindowOutsideTheAcceptedTimes_ThrowsAndWritesNothing()
    {
        await using var store = await OpenStoreAsync();
        var baseline = await WriteBaselineAsync(store);

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            store.WriteAsync(AvaxKey, AvaxSlice(50, 10), Provenance(endpoint: "bad batch"), new TimeRange(AvaxOpen(50), 253_402_300_800_000L)));

        Assert.Contains("CryptoRun accepts times from 1970-01-01 to 2100-01-01", error.Message, StringComparison.Ordinal);
        await AssertHoldsOnlyBaselineAsync(store, baseline);
    }

    [ContractFact]
    public async Task WriteAsync_CancelledBeforeCommit_WritesNothingAndStoreStaysUsable()
    {
        await using var store = await OpenStoreAsync();
        var baseline = await WriteBaselineAsync(store);
        var otherKey = new SeriesKey("okx", Avax, Timeframe.M1);
        var batch = AvaxSlice(50, 100);
        batch[0] = batch[0] with { Close = batch[0].Close + 1m, High = batch[0].High + 1m };
        var window = new TimeRange(AvaxOpen(50), AvaxOpen(150));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            store.WriteAsync(AvaxKey, batch, Provenance(endpoint: "cancelled"), window, cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            store.WriteAsync(otherKey, batch, Provenance(endpoint: "cancelled"), window, cancelled.Token));

        await AssertHoldsOnlyBaselineAsync(store, baseline);
        Assert.Equal([AvaxKey], await store.ListSeriesAsync());

        // The same batch without cancellation lands whole.
        Assert.Equal(100, await store.WriteAsync(AvaxKey, batch, Provenance(endpoint: "retried"), window));
        Assert.Equal(150, (await store.GetSummaryAsync(AvaxKey)).Count);
        Assert.Equal([new TimeRange(AvaxOpen(0), AvaxOpen(150))], await store.GetFetchedWindowsAsync(AvaxKey));
    }

    [ContractFact]
    public async Task WriteAsync_DatabaseRejectsARowMidBatch_RollsBackTheWholeBatch()
    {
        await using var store = await OpenStoreAsync();
        var baseline = await WriteBaselineAsync(store);

        // 200 rows go in as 64 + 64 + 64 + 8; the database refuses the 151st, after two statements have run.
        var batch = AvaxSlice(50, 200);
        batch[0] = batch[0] with { Close = batch[0].Close + 1m, High = batch[0].High + 1m };
        await InjectFaultAsync("candles", AvaxOpen(200));
        var error = await AssertStoreErrorAsync(() =>
            store.WriteAsync(AvaxKey, batch, Provenance(endpoint: "doomed"), new TimeRange(AvaxOpen(50), AvaxOpen(250))));

        Assert.Contains("injected fault", error.Message, StringComparison.Ordinal);
        await AssertHoldsOnlyBaselineAsync(store, baseline);
    }

    [ContractFact]
    public async Task WriteAsync_DatabaseRejectsTheWindowOfANewSeries_NothingOfTheSeriesRemains()
    {
        await using var store = await OpenStoreAsync();
        var okx = new SeriesKey("okx", Avax, Timeframe.M1);
        var coinbase = new SeriesKey("coinbase", BtcUsd, Timeframe.M1);
        var okxCandles = AvaxSlice(0, 100);
        var coinbaseCandles = CoinbaseMinute.Take(100).ToList();
        await InjectFaultAsync("fetched_windows", AvaxOpen(0));

        await AssertStoreErrorAsync(() =>
            store.WriteAsync(okx, okxCandles, Provenance(provider: "okx"), new TimeRange(AvaxOpen(0), AvaxOpen(100))));

        Assert.Empty(await store.ListSeriesAsync());
        Assert.Equal(0L, await CountAsync("series"));
        Assert.Equal(0L, await CountAsync("candles"));
        Assert.Equal(0L, await CountAsync("fetches"));

        // Another series is created next; a retry of the first must not land in it (no stale series id).
        await store.WriteAsync(coinbase, coinbaseCandles, Provenance(provider: "coinbase"), null);
        await RemoveFaultAsync();
        await store.WriteAsync(okx, okxCandles, Provenance(provider: "okx"), new TimeRange(AvaxOpen(0), AvaxOpen(100)));

        AssertSameDigits(okxCandles, (await ReadAllAsync(store, okx)).Select(r => r.Candle));
        AssertSameDigits(coinbaseCandles, (await ReadAllAsync(store, coinbase)).Select(r => r.Candle));
        Assert.Equal([new TimeRange(AvaxOpen(0), AvaxOpen(100))], await store.GetFetchedWindowsAsync(okx));
        Assert.Empty(await store.GetFetchedWindowsAsync(coinbase));
        Assert.Equal([coinbase, okx], await store.ListSeriesAsync());
    }

    [ContractFact]
    public async Task WriteAsync_ConcurrentBatches_AllLandWhole()
    {
        await using var store = await OpenStoreAsync();

        var writes = Enumerable.Range(0, 8).Select(i => Task.Run(() => store.WriteAsync(
            AvaxKey, AvaxSlice(i * 500, 500), Provenance(endpoint: $"writer {i}"), new TimeRange(AvaxOpen(i * 500), AvaxOpen((i + 1) * 500)))));
        var written = await Task.WhenAll(writes);

        Assert.All(written, n => Assert.Equal(500, n));
        var read = await ReadAllAsync(store, AvaxKey);
        AssertSameDigits(AvaxSlice(0, 4000), read.Select(r => r.Candle));
        Assert.All(read, r => Assert.Equal($"writer {(r.Candle.OpenTimeMs - AvaxOpen(0)) / (500 * 60_000)}", r.Endpoint));
        Assert.Equal([new TimeRange(AvaxOpen(0), AvaxOpen(4000))], await store.GetFetchedWindowsAsync(AvaxKey));
    }

    [ContractFact]
    public async Task WriteAsync_TwoStoresOnOneFile_EachSeesTheOthersWrites()
    {
        await using var first = await OpenStoreAsync();
        await using var second = await OpenStoreAsync();
        var okx = new SeriesKey("okx", Avax, Timeframe.M1);

        await first.WriteAsync(AvaxKey, AvaxSlice(0, 100), Provenance(), new TimeRange(AvaxOpen(0), AvaxOpen(100)));
        await second.WriteAsync(okx, AvaxSlice(0, 50), Provenance(provider: "okx"), null);
        await second.WriteAsync(AvaxKey, AvaxSlice(100, 100), Provenance(), new TimeRange(AvaxOpen(100), AvaxOpen(200)));

        AssertSameDigits(AvaxSlice(0, 200), (await ReadAllAsync(first, AvaxKey)).Select(r => r.Candle));
        Assert.Equal([new TimeRange(AvaxOpen(0), AvaxOpen(200))], await first.GetFetchedWindowsAsync(AvaxKey));
        Assert.Equal(50, (await first.GetSummaryAsync(okx)).Count);
        Assert.Equal([AvaxKey, okx], await first.ListSeriesAsync());
        Assert.Equal(MigrationCount, await CountAsync("schema_migrations"));
    }

    [ContractFact]
    public async Task WriteAsync_EmptyBatchWithWindow_RecordsWindowAndListsSeries()
    {
        await using var store = await OpenStoreAsync();
        var window = new TimeRange(AvaxOpen(0), AvaxOpen(720));

        Assert.Equal(0, await store.WriteAsync(AvaxKey, [], Provenance(), window));

        Assert.Equal([window], await store.GetFetchedWindowsAsync(AvaxKey));
        Assert.Equal([AvaxKey], await store.ListSeriesAsync());
        var summary = await store.GetSummaryAsync(AvaxKey);
        Assert.Equal(0, summary.Count);
        Assert.Null(summary.FirstOpenMs);
    }

    [ContractFact]
    public async Task WriteAsync_WholeAvaxMonthInOneCall_RoundTripsExactly()
    {
        await using var store = await OpenStoreAsync();
        var month = AvaxMonth;
        var july = new TimeRange(Ms("2026-07-01T00:00:00Z"), Ms("2026-08-01T00:00:00Z"));
        Assert.Equal(44_640, month.Count);

        var written = await store.WriteAsync(AvaxKey, month, Provenance(), july);
        var read = await ReadAllAsync(store, AvaxKey);

        Assert.Equal(44_640, written);
        Assert.Equal(44_640L, await CountAsync("candles"));
        var summary = await store.GetSummaryAsync(AvaxKey);
        Assert.Equal(44_640, summary.Count);
        Assert.Equal(Ms("2026-07-01T00:00:00Z"), summary.FirstOpenMs);
        Assert.Equal(Ms("2026-07-31T23:59:00Z"), summary.LastOpenMs);
        Assert.Empty(await store.GetGapsAsync(AvaxKey));
        Assert.Equal([july], await store.GetFetchedWindowsAsync(AvaxKey));
        AssertSameDigits(month, read.Select(r => r.Candle));

        // Spot checks against the CSV text itself, not through the reader: first row, a middle row, the last
        // row, and the rows either side of the 64-row statement boundary and of the final 32-row statement.
        var lines = File.ReadAllLines(TestData.AvaxMonth);
        foreach (var index in new[] { 0, 63, 64, 22_320, 44_607, 44_608, 44_639 })
        {
            var f = lines[index + 1].Split(',');
            var row = read[index].Candle;
            Assert.Equal(long.Parse(f[0], CultureInfo.InvariantCulture), row.OpenTimeMs);
            Assert.Equal(f[1], Text(row.Open));
            Assert.Equal(f[2], Text(row.High));
            Assert.Equal(f[3], Text(row.Low));
            Assert.Equal(f[4], Text(row.Close));
            Assert.Equal(f[5], Text(row.Volume));
            Assert.Equal(f[7], Text(row.QuoteVolume!.Value));
            Assert.Equal(long.Parse(f[8], CultureInfo.InvariantCulture), row.TradeCount);
        }
    }

    [ContractFact]
    public async Task ReadAsync_Range_IsHalfOpen()
    {
        await using var store = await OpenStoreAsync();
        var candles = AvaxSlice(0, 10);
        await store.WriteAsync(AvaxKey, candles, Provenance(), null);

        var inside = await ReadAllAsync(store, AvaxKey, new TimeRange(AvaxOpen(2), AvaxOpen(5)));
        var shifted = await ReadAllAsync(store, AvaxKey, new TimeRange(AvaxOpen(2) + 1, AvaxOpen(5) + 1));
        var empty = await ReadAllAsync(store, AvaxKey, new TimeRange(AvaxOpen(3), AvaxOpen(3)));
        var after = await ReadAllAsync(store, AvaxKey, new TimeRange(AvaxOpen(10), AvaxOpen(20)));
        var last = await ReadAllAsync(store, AvaxKey, new TimeRange(AvaxOpen(9), AvaxOpen(10)));

        AssertSameDigits(candles.Skip(2).Take(3), inside.Select(r => r.Candle));
        AssertSameDigits(candles.Skip(3).Take(3), shifted.Select(r => r.Candle));
        Assert.Empty(empty);
        Assert.Empty(after);
        Assert.Equal(AvaxOpen(9), Assert.Single(last).Candle.OpenTimeMs);
    }

    [ContractFact]
    public async Task GetFetchedWindowsAsync_TouchingAndOverlappingWindows_MergedAndSorted()
    {
        await using var store = await OpenStoreAsync();

        // Written out of order: [30,40) first, then [0,10), [10,20) (touching), [15,25) (overlapping), [0,10) again.
        await store.WriteAsync(AvaxKey, AvaxSlice(30, 10), Provenance(), new TimeRange(AvaxOpen(30), AvaxOpen(40)));
        await store.WriteAsync(AvaxKey, AvaxSlice(0, 10), Provenance(), new TimeRange(AvaxOpen(0), AvaxOpen(10)));
        await store.WriteAsync(AvaxKey, AvaxSlice(10, 10), Provenance(), new TimeRange(AvaxOpen(10), AvaxOpen(20)));
        await store.WriteAsync(AvaxKey, AvaxSlice(15, 10), Provenance(), new TimeRange(AvaxOpen(15), AvaxOpen(25)));
        await store.WriteAsync(AvaxKey, AvaxSlice(0, 10), Provenance(), new TimeRange(AvaxOpen(0), AvaxOpen(10)));

        var windows = await store.GetFetchedWindowsAsync(AvaxKey);

        Assert.Equal([new TimeRange(AvaxOpen(0), AvaxOpen(25)), new TimeRange(AvaxOpen(30), AvaxOpen(40))], windows);
    }

    [ContractFact]
    public async Task GetFetchedWindowsAsync_BatchWithoutWindow_RecordsNone()
    {
        await using var store = await OpenStoreAsync();

        await store.WriteAsync(AvaxKey, AvaxSlice(0, 10), Provenance(), null);

        Assert.Empty(await store.GetFetchedWindowsAsync(AvaxKey));
        Assert.Equal(10, (await store.GetSummaryAsync(AvaxKey)).Count);
    }

    [ContractFact]
    public async Task GetGapsAsync_SeriesWithHoles_ReportsEachRunOfMissingSlots()
    {
        await using var store = await OpenStoreAsync();

        // 200 real minutes with a 5-minute hole at 50..54 and a 1-minute hole at 120.
        var candles = AvaxSlice(0, 200).Where((_, i) => i is not (>= 50 and < 55) and not 120).ToList();
        await store.WriteAsync(AvaxKey, candles, Provenance(), null);

        var gaps = await store.GetGapsAsync(AvaxKey);

        Assert.Equal([new TimeRange(AvaxOpen(50), AvaxOpen(55)), new TimeRange(AvaxOpen(120), AvaxOpen(121))], gaps);
        Assert.Equal(194, (await store.GetSummaryAsync(AvaxKey)).Count);
    }

    [ContractFact]
    public async Task GetGapsAsync_RecordedCoinbaseMinutes_ReportsTheOneMissingMinute()
    {
        await using var store = await OpenStoreAsync();
        var key = new SeriesKey("coinbase", BtcUsd, Timeframe.M1);
        await store.WriteAsync(key, CoinbaseMinute, Provenance(provider: "file", endpoint: TestData.CoinbaseMinute, latencyMs: 0), null);

        var gaps = await store.GetGapsAsync(key);

        // SOURCES.md: one missing minute, 2020-11-24 21:09 UTC.
        Assert.Equal([new TimeRange(Ms("2020-11-24T21:09:00Z"), Ms("2020-11-24T21:10:00Z"))], gaps);
    }

    [ContractFact]
    public async Task GetGapsAsync_CompleteOrEmptySeries_ReportsNone()
    {
        await using var store = await OpenStoreAsync();
        await store.WriteAsync(AvaxKey, AvaxSlice(0, 300), Provenance(), null);

        Assert.Empty(await store.GetGapsAsync(AvaxKey));
        Assert.Empty(await store.GetGapsAsync(new SeriesKey("okx", Avax, Timeframe.M1)));
    }

    [ContractFact]
    public async Task GetSummaryAsync_ReportsCountFirstAndLast()
    {
        await using var store = await OpenStoreAsync();
        await store.WriteAsync(AvaxKey, AvaxSlice(1000, 500), Provenance(), null);
        await store.WriteAsync(AvaxKey, AvaxSlice(3000, 10), Provenance(), null);

        var summary = await store.GetSummaryAsync(AvaxKey);

        Assert.Equal(AvaxKey, summary.Key);
        Assert.Equal(510, summary.Count);
        Assert.Equal(AvaxOpen(1000), summary.FirstOpenMs);
        Assert.Equal(AvaxOpen(3009), summary.LastOpenMs);
    }

    [ContractFact]
    public async Task GetSummaryAsync_UnknownSeries_CountZeroAndNoTimes()
    {
        await using var store = await OpenStoreAsync();
        await store.WriteAsync(AvaxKey, AvaxSlice(0, 5), Provenance(), null);
        var unknown = new SeriesKey("kraken", Avax, Timeframe.M1);

        var summary = await store.GetSummaryAsync(unknown);

        Assert.Equal(unknown, summary.Key);
        Assert.Equal(0, summary.Count);
        Assert.Null(summary.FirstOpenMs);
        Assert.Null(summary.LastOpenMs);
    }

    [ContractFact]
    public async Task ListSeriesAsync_ReturnsEverySeriesSortedByVenueAndSymbol()
    {
        await using var store = await OpenStoreAsync();
        var okx = new SeriesKey("okx", Avax, Timeframe.M1);
        var coinbase = new SeriesKey("coinbase", BtcUsd, Timeframe.M1);
        var hourly = new SeriesKey("binance-usdm", Avax, Timeframe.H1);
        await store.WriteAsync(okx, AvaxSlice(0, 5), Provenance(provider: "okx"), null);
        await store.WriteAsync(coinbase, CoinbaseMinute.Take(5).ToList(), Provenance(provider: "coinbase"), null);
        await store.WriteAsync(AvaxKey, AvaxSlice(0, 5), Provenance(), null);
        await store.WriteAsync(hourly, HourlyAvax(3), Provenance(), null);

        var series = await store.ListSeriesAsync();

        Assert.Equal(4, series.Count);
        Assert.Equal(["binance-usdm", "binance-usdm", "coinbase", "okx"], series.Select(s => s.Venue));
        Assert.Equal([AvaxKey, hourly], series.Take(2).OrderBy(s => s.Timeframe.Milliseconds));
        Assert.Equal(coinbase, series[2]);
        Assert.Equal(okx, series[3]);
    }

    [ContractFact]
    public async Task ListSeriesAsync_EmptyStore_ReturnsNothing()
    {
        await using var store = await OpenStoreAsync();

        Assert.Empty(await store.ListSeriesAsync());
    }

    [ContractFact]
    public async Task Series_SameInstrumentOtherVenueOrTimeframe_StaySeparate()
    {
        await using var store = await OpenStoreAsync();
        var okx = new SeriesKey("okx", Avax, Timeframe.M1);
        var hourly = new SeriesKey("binance-usdm", Avax, Timeframe.H1);
        var binanceCandles = AvaxSlice(0, 100);
        var okxCandles = AvaxSlice(50, 30).Where((_, i) => i != 10).ToList();
        var hourlyCandles = HourlyAvax(4);

        await store.WriteAsync(AvaxKey, binanceCandles, Provenance(endpoint: "binance"), new TimeRange(AvaxOpen(0), AvaxOpen(100)));
        await store.WriteAsync(okx, okxCandles, Provenance(provider: "okx", endpoint: "okx"), new TimeRange(AvaxOpen(50), AvaxOpen(80)));
        await store.WriteAsync(hourly, hourlyCandles, Provenance(endpoint: "binance 1h"), new TimeRange(AvaxOpen(0), AvaxOpen(240)));

        var binanceRead = await ReadAllAsync(store, AvaxKey);
        var okxRead = await ReadAllAsync(store, okx);
        var hourlyRead = await ReadAllAsync(store, hourly);

        AssertSameDigits(binanceCandles, binanceRead.Select(r => r.Candle));
        AssertSameDigits(okxCandles, okxRead.Select(r => r.Candle));
        AssertSameDigits(hourlyCandles, hourlyRead.Select(r => r.Candle));

        // The overlapping open times did not upsert across series: each keeps its own provenance.
        Assert.All(binanceRead, r => Assert.Equal("binance", r.Endpoint));
        Assert.All(okxRead, r => Assert.Equal("okx", r.Provider));
        Assert.All(hourlyRead, r => Assert.Equal("binance 1h", r.Endpoint));

        Assert.Empty(await store.GetGapsAsync(AvaxKey));
        Assert.Equal([new TimeRange(AvaxOpen(60), AvaxOpen(61))], await store.GetGapsAsync(okx));
        Assert.Empty(await store.GetGapsAsync(hourly));
        Assert.Equal([new TimeRange(AvaxOpen(0), AvaxOpen(100))], await store.GetFetchedWindowsAsync(AvaxKey));
        Assert.Equal([new TimeRange(AvaxOpen(50), AvaxOpen(80))], await store.GetFetchedWindowsAsync(okx));
        Assert.Equal([new TimeRange(AvaxOpen(0), AvaxOpen(240))], await store.GetFetchedWindowsAsync(hourly));
        Assert.Equal(100, (await store.GetSummaryAsync(AvaxKey)).Count);
        Assert.Equal(29, (await store.GetSummaryAsync(okx)).Count);
        Assert.Equal(4, (await store.GetSummaryAsync(hourly)).Count);
        Assert.Equal(133L, await CountAsync("candles"));
    }

    [ContractFact]
    public async Task OpenAsync_ReopenExistingStore_NoDuplicateMigrationRowsAndDataKept()
    {
        var candles = AvaxSlice(0, 90);
        var window = new TimeRange(AvaxOpen(0), AvaxOpen(90));
        await using (var first = await OpenStoreAsync(new ManualClock(FirstOpen)))
        {
            await first.WriteAsync(AvaxKey, candles, Provenance(), window);
        }

        var later = new ManualClock(FirstOpen.AddDays(3));
        await using (var second = await OpenStoreAsync(later))
        {
            AssertSameDigits(candles, (await ReadAllAsync(second, AvaxKey)).Select(r => r.Candle));
            Assert.Equal([window], await second.GetFetchedWindowsAsync(AvaxKey));
        }

        await using (var third = await OpenStoreAsync(later))
        {
            Assert.Equal(90, (await third.GetSummaryAsync(AvaxKey)).Count);
        }

        Assert.Equal(MigrationCount, await CountAsync("schema_migrations"));
        var appliedAt = Assert.Single(await QueryRawAsync("SELECT applied_at FROM schema_migrations WHERE version = 1"));
        Assert.Equal(FirstOpen.ToUnixTimeMilliseconds(), appliedAt[0]);
    }

    [ContractFact]
    public async Task OpenAsync_StoreHoldsNewerSchemaVersion_ThrowsNamingVersionAndKeepsData()
    {
        await using (var store = await OpenStoreAsync())
        {
            await store.WriteAsync(AvaxKey, AvaxSlice(0, 10), Provenance(), null);
        }

        var newer = MigrationCount + 1;
        await ExecuteRawAsync($"INSERT INTO schema_migrations (version, name, applied_at) VALUES ({newer}, 'written by a newer CryptoRun', 0)");

        var error = await Assert.ThrowsAsync<StoreException>(() => OpenStoreAsync());

        Assert.Equal(StoreProblem.SchemaNewer, error.Problem);
        Assert.Contains($"schema version {newer}", error.Message, StringComparison.Ordinal);
        Assert.Contains("upgrade CryptoRun", error.Message, StringComparison.Ordinal);
        Assert.Equal(MigrationCount + 1, await CountAsync("schema_migrations"));
        Assert.Equal(10L, await CountAsync("candles"));
    }

    [ContractFact]
    public async Task WriteBarsAsync_ThenReadBarsAsync_RoundTripsValuesScaleAndNulls()
    {
        var clock = new ManualClock(FirstOpen);
        await using var store = await OpenStoreAsync(clock);
        var bars = (IBarStore)store;
        var key = AvaxKey with { Timeframe = Timeframe.H1 };
        var candles = Enumerable.Range(0, 3).Select(h => AvaxMonth[h * 60]).ToList();
        MaterializedBar[] written =
        [
            new(candles[0], 60, 60, null, 0.0, null),
            new(candles[1] with { QuoteVolume = null, TradeCount = null }, 58, 60, -0.0012345678901234567, 0.25, null),
            new(candles[2], 60, 60, 0.5, -1.0 / 3.0, 0.0123),
        ];

        Assert.Equal(3, await bars.WriteBarsAsync(key, Timeframe.M1, written));
        var read = await bars.ReadBarsAsync(key);

        Assert.Equal(3, read.Count);
        AssertSameDigits(written.Select(b => b.Candle), read.Select(r => r.Bar.Candle));
        Assert.Equal(written, read.Select(r => r.Bar));
        Assert.All(read, r => Assert.Equal(Timeframe.M1, r.SourceTimeframe));
        Assert.All(read, r => Assert.Equal(FirstOpen, r.MaterializedAt));
        Assert.Equal([written[1]], (await bars.ReadBarsAsync(key, new TimeRange(AvaxOpen(60), AvaxOpen(120)))).Select(r => r.Bar));
        Assert.Empty(await bars.ReadBarsAsync(key with { Venue = "okx" }));
    }

    [ContractFact]
    public async Task WriteBarsAsync_Rematerialized_ReplacesRowsAndMaterializedAt()
    {
        var clock = new ManualClock(FirstOpen);
        await using var store = await OpenStoreAsync(clock);
        var bars = (IBarStore)store;
        var key = AvaxKey with { Timeframe = Timeframe.H1 };
        var first = Enumerable.Range(0, 4).Select(h => new MaterializedBar(AvaxMonth[h * 60], 59, 60, null, null, null)).ToList();
        await bars.WriteBarsAsync(key, Timeframe.M1, first);
        clock.Advance(TimeSpan.FromHours(2));
        var second = first.Skip(2).Select(b => b with { SourceCandles = 60, LogReturn = 0.001, Candle = b.Candle with { Close = b.Candle.Close + 0.0001m } }).ToList();

        Assert.Equal(2, await bars.WriteBarsAsync(key, Timeframe.Parse("5m"), second));
        var read = await bars.ReadBarsAsync(key);

        Assert.Equal(first.Take(2).Concat(second), read.Select(r => r.Bar));
        Assert.Equal([FirstOpen, FirstOpen, FirstOpen.AddHours(2), FirstOpen.AddHours(2)], read.Select(r => r.MaterializedAt));
        Assert.Equal([Timeframe.M1, Timeframe.M1, Timeframe.Parse("5m"), Timeframe.Parse("5m")], read.Select(r => r.SourceTimeframe));
        Assert.Equal(4L, await CountAsync("bars"));
    }

    [ContractFact]
    public async Task WriteBarsAsync_MisalignedOrDuplicatedBar_ThrowsAndWritesNothing()
    {
        await using var store = await OpenStoreAsync();
        var bars = (IBarStore)store;
        var key = AvaxKey with { Timeframe = Timeframe.H1 };
        var good = Enumerable.Range(0, 3).Select(h => new MaterializedBar(AvaxMonth[h * 60], 60, 60, null, null, null)).ToList();
        var misaligned = good.Append(new MaterializedBar(AvaxMonth[200], 60, 60, null, null, null)).ToList();
        var duplicated = good.Append(good[1]).ToList();

        var notAligned = await Assert.ThrowsAsync<ArgumentException>(() => bars.WriteBarsAsync(key, Timeframe.M1, misaligned));
        var twice = await Assert.ThrowsAsync<ArgumentException>(() => bars.WriteBarsAsync(key, Timeframe.M1, duplicated));

        Assert.Contains("not aligned", notAligned.Message, StringComparison.Ordinal);
        Assert.Contains("two candles open at", twice.Message, StringComparison.Ordinal);
        Assert.Empty(await bars.ReadBarsAsync(key));
        Assert.Equal(0L, await CountAsync("bars"));
    }

    /// <summary>Awaits a write the database must refuse and checks the store let the database's own exception through.</summary>
    private async Task<Exception> AssertStoreErrorAsync(Func<Task> write)
    {
        var error = await Record.ExceptionAsync(write);
        Assert.NotNull(error);
        Assert.IsType(StoreErrorType, error);
        return error;
    }

    private static async Task<List<StoredCandle>> WriteBaselineAsync(ICandleStore store)
    {
        await store.WriteAsync(AvaxKey, AvaxSlice(0, 60), Provenance(), new TimeRange(AvaxOpen(0), AvaxOpen(60)));
        return await ReadAllAsync(store, AvaxKey);
    }

    private async Task AssertHoldsOnlyBaselineAsync(ICandleStore store, List<StoredCandle> baseline)
    {
        var now = await ReadAllAsync(store, AvaxKey);
        Assert.Equal(60, baseline.Count);
        Assert.Equal(baseline, now);
        AssertSameDigits(baseline.Select(r => r.Candle), now.Select(r => r.Candle));
        Assert.Equal(60L, await CountAsync("candles"));
        Assert.Equal(1L, await CountAsync("fetches"));
        Assert.Equal(1L, await CountAsync("fetched_windows"));
        Assert.Equal([new TimeRange(AvaxOpen(0), AvaxOpen(60))], await store.GetFetchedWindowsAsync(AvaxKey));
        Assert.Equal(60, (await store.GetSummaryAsync(AvaxKey)).Count);
    }

    /// <summary>The AVAX candles that open on the hour, used as hourly candles (aligned to 1h, real values).</summary>
    private static List<Candle> HourlyAvax(int count)
        => Enumerable.Range(0, count).Select(h => AvaxMonth[h * 60]).ToList();
}

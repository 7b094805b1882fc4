using System.Globalization;
using CryptoRun.Domain;
using CryptoRun.Storage;
using CryptoRun.Storage.Sqlite;
using CryptoRun.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using static CryptoRun.Tests.Storage.StoreKit;

namespace CryptoRun.Tests.Storage;

public sealed class SqliteStoreWriteTests
{
    [Fact]
    public async Task WriteAsync_ThenReadAsync_ReturnsCandlesValueForValueWithScale()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
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

    [Fact]
    public async Task WriteAsync_AbsentQuoteVolumeAndTradeCount_ReadBackAsNullNotZero()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);

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

    [Theory]
    [InlineData(FetchStatus.Ok, null)]
    [InlineData(FetchStatus.Degraded, "served by the fallback after binance-usdm timed out")]
    [InlineData(FetchStatus.Down, "HTTP 503 from GET /fapi/v1/klines")]
    public async Task WriteAsync_Provenance_RoundTripsOnEveryRow(FetchStatus status, string? error)
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
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
        using var raw = OpenRaw(DbPath(dir));
        using var command = raw.CreateCommand();
        command.CommandText = "SELECT provider, window_from, window_to, status FROM fetches";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal("binance-usdm", reader.GetString(0));
        Assert.Equal(AvaxOpen(0), reader.GetInt64(1));
        Assert.Equal(AvaxOpen(50), reader.GetInt64(2));
        Assert.Equal(status.ToText(), reader.GetString(3));
        Assert.False(reader.Read());
    }

    [Fact]
    public async Task WriteAsync_SameCandlesTwice_OneRowPerOpenTimeAndSecondProvenanceWins()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var candles = AvaxSlice(100, 100);
        var first = Provenance(endpoint: "GET /fapi/v1/klines (first)", latencyMs: 80, fetchedAt: FetchTime);
        var second = Provenance(
            endpoint: "GET /fapi/v1/klines (second)", latencyMs: 35, fetchedAt: FetchTime.AddHours(1), status: FetchStatus.Degraded, error: "stale");

        Assert.Equal(100, await store.WriteAsync(AvaxKey, candles, first, null));
        Assert.Equal(100, await store.WriteAsync(AvaxKey, candles, second, null));
        var read = await ReadAllAsync(store, AvaxKey);

        Assert.Equal(100L, Count(DbPath(dir), "candles"));
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

    [Fact]
    public async Task WriteAsync_OverlappingBatchWithRevisedCandle_UpsertsRevisionAndAddsNewRows()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
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

    [Fact]
    public async Task WriteAsync_CandlesOutOfOrder_StoredOldestFirst()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var candles = AvaxSlice(0, 70);
        var shuffled = candles.AsEnumerable().Reverse().ToList();

        await store.WriteAsync(AvaxKey, shuffled, Provenance(), null);

        AssertSameDigits(candles, (await ReadAllAsync(store, AvaxKey)).Select(r => r.Candle));
    }

    [Fact]
    public async Task WriteAsync_BatchWithOneMisalignedCandle_ThrowsAndWritesNothing()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var baseline = await WriteBaselineAsync(store);

        // New candles, a revision of a stored one, a window, and one candle 30 s off the minute grid.
        var batch = AvaxSlice(50, 100);
        batch[0] = batch[0] with { Close = batch[0].Close + 1m, High = batch[0].High + 1m };
        batch[70] = batch[70] with { OpenTimeMs = batch[70].OpenTimeMs + 30_000 };
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            store.WriteAsync(AvaxKey, batch, Provenance(endpoint: "bad batch"), new TimeRange(AvaxOpen(50), AvaxOpen(150))));

        Assert.Contains("not aligned", error.Message, StringComparison.Ordinal);
        Assert.Contains(TimeRange.Format(batch[70].OpenTimeMs), error.Message, StringComparison.Ordinal);
        await AssertHoldsOnlyBaselineAsync(store, dir, baseline);
    }

    [Fact]
    public async Task WriteAsync_BatchWithDuplicatedOpenTime_ThrowsAndWritesNothing()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var baseline = await WriteBaselineAsync(store);

        var batch = AvaxSlice(50, 100);
        batch.Add(batch[80] with { Close = batch[80].Close + 0.01m, High = batch[80].High + 0.01m });
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            store.WriteAsync(AvaxKey, batch, Provenance(endpoint: "bad batch"), new TimeRange(AvaxOpen(50), AvaxOpen(150))));

        Assert.Contains("two candles open at", error.Message, StringComparison.Ordinal);
        Assert.Contains(TimeRange.Format(batch[80].OpenTimeMs), error.Message, StringComparison.Ordinal);
        await AssertHoldsOnlyBaselineAsync(store, dir, baseline);
    }

    [Fact]
    public async Task WriteAsync_CancelledBeforeCommit_WritesNothingAndStoreStaysUsable()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
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

        await AssertHoldsOnlyBaselineAsync(store, dir, baseline);
        Assert.Equal([AvaxKey], await store.ListSeriesAsync());

        // The same batch without cancellation lands whole.
        Assert.Equal(100, await store.WriteAsync(AvaxKey, batch, Provenance(endpoint: "retried"), window));
        Assert.Equal(150, (await store.GetSummaryAsync(AvaxKey)).Count);
        Assert.Equal([new TimeRange(AvaxOpen(0), AvaxOpen(150))], await store.GetFetchedWindowsAsync(AvaxKey));
    }

    [Fact]
    public async Task WriteAsync_DatabaseRejectsARowMidBatch_RollsBackTheWholeBatch()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var baseline = await WriteBaselineAsync(store);

        // 200 rows go in as 64 + 64 + 64 + 8; the database refuses the 151st, after two statements have run.
        var batch = AvaxSlice(50, 200);
        batch[0] = batch[0] with { Close = batch[0].Close + 1m, High = batch[0].High + 1m };
        InjectFault(dir, "candles", AvaxOpen(200));
        var error = await Assert.ThrowsAsync<SqliteException>(() =>
            store.WriteAsync(AvaxKey, batch, Provenance(endpoint: "doomed"), new TimeRange(AvaxOpen(50), AvaxOpen(250))));

        Assert.Contains("injected fault", error.Message, StringComparison.Ordinal);
        await AssertHoldsOnlyBaselineAsync(store, dir, baseline);
    }

    [Fact]
    public async Task WriteAsync_DatabaseRejectsTheWindowOfANewSeries_NothingOfTheSeriesRemains()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var okx = new SeriesKey("okx", Avax, Timeframe.M1);
        var coinbase = new SeriesKey("coinbase", BtcUsd, Timeframe.M1);
        var okxCandles = AvaxSlice(0, 100);
        var coinbaseCandles = CoinbaseMinute.Take(100).ToList();
        InjectFault(dir, "fetched_windows", AvaxOpen(0));

        await Assert.ThrowsAsync<SqliteException>(() =>
            store.WriteAsync(okx, okxCandles, Provenance(provider: "okx"), new TimeRange(AvaxOpen(0), AvaxOpen(100))));

        Assert.Empty(await store.ListSeriesAsync());
        Assert.Equal(0L, Count(DbPath(dir), "series"));
        Assert.Equal(0L, Count(DbPath(dir), "candles"));
        Assert.Equal(0L, Count(DbPath(dir), "fetches"));

        // Another series is created next; a retry of the first must not land in it (no stale series id).
        await store.WriteAsync(coinbase, coinbaseCandles, Provenance(provider: "coinbase"), null);
        Execute(DbPath(dir), "DROP TRIGGER injected_fault");
        await store.WriteAsync(okx, okxCandles, Provenance(provider: "okx"), new TimeRange(AvaxOpen(0), AvaxOpen(100)));

        AssertSameDigits(okxCandles, (await ReadAllAsync(store, okx)).Select(r => r.Candle));
        AssertSameDigits(coinbaseCandles, (await ReadAllAsync(store, coinbase)).Select(r => r.Candle));
        Assert.Equal([new TimeRange(AvaxOpen(0), AvaxOpen(100))], await store.GetFetchedWindowsAsync(okx));
        Assert.Empty(await store.GetFetchedWindowsAsync(coinbase));
        Assert.Equal([coinbase, okx], await store.ListSeriesAsync());
    }

    [Fact]
    public async Task WriteAsync_ConcurrentBatches_AllLandWhole()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);

        var writes = Enumerable.Range(0, 8).Select(i => Task.Run(() => store.WriteAsync(
            AvaxKey, AvaxSlice(i * 500, 500), Provenance(endpoint: $"writer {i}"), new TimeRange(AvaxOpen(i * 500), AvaxOpen((i + 1) * 500)))));
        var written = await Task.WhenAll(writes);

        Assert.All(written, n => Assert.Equal(500, n));
        var read = await ReadAllAsync(store, AvaxKey);
        AssertSameDigits(AvaxSlice(0, 4000), read.Select(r => r.Candle));
        Assert.All(read, r => Assert.Equal($"writer {(r.Candle.OpenTimeMs - AvaxOpen(0)) / (500 * 60_000)}", r.Endpoint));
        Assert.Equal([new TimeRange(AvaxOpen(0), AvaxOpen(4000))], await store.GetFetchedWindowsAsync(AvaxKey));
    }

    [Fact]
    public async Task WriteAsync_TwoStoresOnOneFile_EachSeesTheOthersWrites()
    {
        using var dir = new TempDir();
        await using var first = await OpenAsync(dir);
        await using var second = await OpenAsync(dir);
        var okx = new SeriesKey("okx", Avax, Timeframe.M1);

        await first.WriteAsync(AvaxKey, AvaxSlice(0, 100), Provenance(), new TimeRange(AvaxOpen(0), AvaxOpen(100)));
        await second.WriteAsync(okx, AvaxSlice(0, 50), Provenance(provider: "okx"), null);
        await second.WriteAsync(AvaxKey, AvaxSlice(100, 100), Provenance(), new TimeRange(AvaxOpen(100), AvaxOpen(200)));

        AssertSameDigits(AvaxSlice(0, 200), (await ReadAllAsync(first, AvaxKey)).Select(r => r.Candle));
        Assert.Equal([new TimeRange(AvaxOpen(0), AvaxOpen(200))], await first.GetFetchedWindowsAsync(AvaxKey));
        Assert.Equal(50, (await first.GetSummaryAsync(okx)).Count);
        Assert.Equal([AvaxKey, okx], await first.ListSeriesAsync());
        Assert.Equal(CryptoRun.Storage.Sqlite.SqliteMigrations.All.Count, Count(DbPath(dir), "schema_migrations"));
    }

    [Fact]
    public async Task WriteAsync_EmptyBatchWithWindow_RecordsWindowAndListsSeries()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var window = new TimeRange(AvaxOpen(0), AvaxOpen(720));

        Assert.Equal(0, await store.WriteAsync(AvaxKey, [], Provenance(), window));

        Assert.Equal([window], await store.GetFetchedWindowsAsync(AvaxKey));
        Assert.Equal([AvaxKey], await store.ListSeriesAsync());
        var summary = await store.GetSummaryAsync(AvaxKey);
        Assert.Equal(0, summary.Count);
        Assert.Null(summary.FirstOpenMs);
    }

    [Fact]
    public async Task WriteAsync_WholeAvaxMonthInOneCall_RoundTripsExactly()
    {
        using var dir = new TempDir();
        await using var store = await OpenAsync(dir);
        var month = AvaxMonth;
        var july = new TimeRange(Ms("2026-07-01T00:00:00Z"), Ms("2026-08-01T00:00:00Z"));
        Assert.Equal(44_640, month.Count);

        var written = await store.WriteAsync(AvaxKey, month, Provenance(), july);
        var read = await ReadAllAsync(store, AvaxKey);

        Assert.Equal(44_640, written);
        Assert.Equal(44_640L, Count(DbPath(dir), "candles"));
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

    /// <summary>A trigger, stored in the file, that makes the database refuse one row: a fault inside the write's transaction.</summary>
    private static void InjectFault(TempDir dir, string table, long fromMs)
        => Execute(DbPath(dir), string.Create(CultureInfo.InvariantCulture, $"""
            CREATE TRIGGER injected_fault BEFORE INSERT ON {table}
            WHEN NEW.{(table == "candles" ? "open_time" : "from_ms")} = {fromMs}
            BEGIN SELECT RAISE(ABORT, 'injected fault'); END;
            """));

    private static async Task<List<StoredCandle>> WriteBaselineAsync(SqliteStore store)
    {
        await store.WriteAsync(AvaxKey, AvaxSlice(0, 60), Provenance(), new TimeRange(AvaxOpen(0), AvaxOpen(60)));
        return await ReadAllAsync(store, AvaxKey);
    }

    private static async Task AssertHoldsOnlyBaselineAsync(SqliteStore store, TempDir dir, List<StoredCandle> baseline)
    {
        var now = await ReadAllAsync(store, AvaxKey);
        Assert.Equal(60, baseline.Count);
        Assert.Equal(baseline, now);
        AssertSameDigits(baseline.Select(r => r.Candle), now.Select(r => r.Candle));
        Assert.Equal(60L, Count(DbPath(dir), "candles"));
        Assert.Equal(1L, Count(DbPath(dir), "fetches"));
        Assert.Equal(1L, Count(DbPath(dir), "fetched_windows"));
        Assert.Equal([new TimeRange(AvaxOpen(0), AvaxOpen(60))], await store.GetFetchedWindowsAsync(AvaxKey));
        Assert.Equal(60, (await store.GetSummaryAsync(AvaxKey)).Count);
    }
}

using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Snapshots;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Snapshots;

/// <summary>
/// The point-in-time store on real Binance depth snapshots and bookTicker frames: value-exact round trips, as-of
/// boundaries, integrity failures that name the file, atomic writes, retention on a manual clock, parallel writers.
/// </summary>
public sealed class PointInTimeStoreTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly ManualClock _clock = new(new DateTimeOffset(2021, 10, 12, 0, 30, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private PointInTimeStore Store(TimeSpan? retention = null) =>
        new(new PointInTimeStoreOptions { Root = _dir.Path, TimeProvider = _clock, Retention = retention ?? TimeSpan.FromDays(30) });

    [Fact]
    public async Task WriteBook_RecordedDepth_ReadsBackValueForValueWithTheVenueText()
    {
        var store = Store();
        var books = RecordedSnapshots.BinanceBooks();
        Assert.Equal(4, books.Count);
        foreach (var recorded in books)
        {
            var meta = await store.WriteBookAsync("binance", recorded.Book, recorded.Provenance);

            Assert.True(store.TryReadBookAsOf("binance", recorded.Book.Instrument, recorded.Provenance.FetchedAt, out var read));
            Assert.Equal(meta, read.Metadata);
            Assert.Equal(recorded.Book.Sequence, read.Book.Sequence);
            Assert.Equal(recorded.Book.Instrument, read.Book.Instrument);
            Assert.Equal(recorded.BidText, read.Book.Bids.Select(Text).ToList());
            Assert.Equal(recorded.AskText, read.Book.Asks.Select(Text).ToList());
            Assert.Equal(recorded.Book.Bids.Count + recorded.Book.Asks.Count, meta.RecordCount);
            Assert.Equal(recorded.Provenance, read.Metadata.Provenance);
        }

        Assert.Equal([609 + 1000, 174 + 1000, 176 + 1000, 221 + 468], books.Select(b => b.Book.Bids.Count + b.Book.Asks.Count)); // real, deep books
    }

    [Fact]
    public async Task WriteBook_Layout_DataAndMetadataFilesWhereTheSeedSaysWithHashAndSizes()
    {
        var store = Store();
        var recorded = RecordedSnapshots.BinanceBooks()[0]; // NKNUSDT at 2021-10-12 00:28:32.321
        var meta = await store.WriteBookAsync("Binance", recorded.Book, recorded.Provenance, connection: "binance#1", id: "abc123");

        var series = Path.Combine(_dir.Path, "binance", "nkn-usdt");
        var data = Path.Combine(series, "2021-10-12", "20211012_002832_321_book_abc123.json.gz");
        Assert.True(File.Exists(data), string.Join("\n", Directory.EnumerateFiles(_dir.Path, "*", SearchOption.AllDirectories)));
        var bytes = await File.ReadAllBytesAsync(data);
        Assert.Equal(bytes.Length, meta.CompressedBytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), meta.Sha256);
        Assert.Equal("2021-10-12/20211012_002832_321_book_abc123.json.gz", meta.DataFile);

        using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(series, "metadata", "abc123.meta.json")));
        var root = json.RootElement;
        Assert.Equal("abc123", root.GetProperty("id").GetString());
        Assert.Equal("book", root.GetProperty("kind").GetString());
        Assert.Equal("NKN/USDT", root.GetProperty("instrument").GetString());
        Assert.Equal(1633998512321, root.GetProperty("takenAtMs").GetInt64());
        Assert.Equal("2021-10-12T00:28:32.321Z", root.GetProperty("takenAt").GetString());
        Assert.Equal(meta.RecordCount, root.GetProperty("recordCount").GetInt32());
        Assert.Equal(bytes.Length, root.GetProperty("compressedBytes").GetInt64());
        Assert.Equal(meta.Sha256, root.GetProperty("sha256").GetString());
        var provenance = root.GetProperty("provenance");
        Assert.Equal("binance", provenance.GetProperty("provider").GetString());
        Assert.Equal("GET /api/v3/depth", provenance.GetProperty("endpoint").GetString());
        Assert.Equal("binance#1", provenance.GetProperty("connection").GetString());
        Assert.Equal(499869752, provenance.GetProperty("sequence").GetInt64());
        Assert.Equal("OK", provenance.GetProperty("status").GetString());

        await using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var inner = await JsonDocument.ParseAsync(gz);
        var firstBid = inner.RootElement.GetProperty("book").GetProperty("bids")[0];
        Assert.Equal(JsonValueKind.String, firstBid[0].ValueKind); // decimals as strings, exactly the venue's text
        Assert.Equal("0.35210000", firstBid[0].GetString());
        Assert.Equal("672.00000000", firstBid[1].GetString());
        Assert.Empty(Directory.EnumerateFiles(_dir.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task WriteTicker_RecordedBookTickers_EachReadsBackAsOfItsOwnTime()
    {
        var store = Store();
        var tickers = RecordedSnapshots.BinanceTickers();
        Assert.Equal(84, tickers.Count);
        foreach (var t in tickers)
        {
            await store.WriteTickerAsync("binance", t.Ticker, t.Provenance, connection: "binance#1");
        }

        // Frames of one symbol that share a millisecond: the later file name wins, so check only distinct times.
        var distinct = tickers.GroupBy(t => (t.Ticker.Instrument, t.ReceivedAt)).Where(g => g.Count() == 1).Select(g => g.Single()).ToList();
        Assert.True(distinct.Count > 60, $"{distinct.Count} distinct");
        foreach (var t in distinct)
        {
            Assert.True(store.TryReadTickerAsOf("binance", t.Ticker.Instrument, t.ReceivedAt, out var read));
            Assert.Equal(t.Ticker, read.Ticker);
            Assert.Equal(t.Text, new[] { read.Ticker.BidPrice, read.Ticker.BidSize, read.Ticker.AskPrice, read.Ticker.AskSize }
                .Select(d => d!.Value.ToString(CultureInfo.InvariantCulture)).ToArray());
            Assert.Equal("binance#1", read.Metadata.Connection);
            Assert.Equal(t.Ticker.Sequence, read.Metadata.Sequence);
            Assert.Equal(1, read.Metadata.RecordCount);
        }

        var nkn = tickers[0].Ticker.Instrument;
        var all = store.List(SnapshotKind.Ticker, "binance", nkn, new TimeRange(tickers[0].ReceivedAt, tickers[^1].ReceivedAt.AddSeconds(1)));
        Assert.Equal(tickers.Count(t => t.Ticker.Instrument == nkn), all.Count);
        Assert.True(all.Zip(all.Skip(1)).All(p => p.First.TakenAt <= p.Second.TakenAt));
        Assert.Empty(store.List(SnapshotKind.Book, "binance", nkn, new TimeRange(tickers[0].ReceivedAt, tickers[^1].ReceivedAt.AddSeconds(1))));
    }

    [Fact]
    public async Task TryReadAsOf_Boundaries_BeforeFirstNoneExactlyAtThatOneBetweenTheEarlierAcrossDays()
    {
        var store = Store();
        var book = RecordedSnapshots.BinanceBooks()[0];
        var t1 = new DateTimeOffset(2021, 10, 12, 23, 59, 59, 999, TimeSpan.Zero);
        var t2 = t1.AddMilliseconds(1); // the next day's folder
        var t3 = t2.AddDays(2);
        await store.WriteBookAsync("binance", book.Book with { Sequence = 1 }, book.Provenance, takenAt: t1, id: "one");
        await store.WriteBookAsync("binance", book.Book with { Sequence = 2 }, book.Provenance, takenAt: t2, id: "two");
        await store.WriteBookAsync("binance", book.Book with { Sequence = 3 }, book.Provenance, takenAt: t3, id: "three");
        var nkn = book.Book.Instrument;

        long? SequenceAsOf(DateTimeOffset at) => store.TryReadBookAsOf("binance", nkn, at, out var s) ? s.Book.Sequence : null;

        Assert.Null(SequenceAsOf(t1.AddMilliseconds(-1)));
        Assert.Null(SequenceAsOf(t1.AddTicks(-1)));
        Assert.Equal(1, SequenceAsOf(t1));
        Assert.Equal(1, SequenceAsOf(t1.AddTicks(9_999))); // within the same millisecond
        Assert.Equal(2, SequenceAsOf(t2));
        Assert.Equal(2, SequenceAsOf(t3.AddMilliseconds(-1)));
        Assert.Equal(3, SequenceAsOf(t3));
        Assert.Equal(3, SequenceAsOf(t3.AddDays(40)));
        Assert.False(store.TryReadTickerAsOf("binance", nkn, t3, out _)); // other kind
        Assert.False(store.TryReadBookAsOf("binance", Instrument.Parse("BTC/USDT"), t3, out _)); // other series
        Assert.False(store.TryReadBookAsOf("okx", nkn, t3, out _)); // other venue

        var listed = store.List(SnapshotKind.Book, "binance", nkn, new TimeRange(t1, t3));
        Assert.Equal(["one", "two"], listed.Select(m => m.Id)); // half-open: t3 is out
        Assert.Equal(3, ((BookPitSnapshot)store.Read(store.List(SnapshotKind.Book, "binance", nkn, new TimeRange(t3, t3.AddMilliseconds(1)))[0])).Book.Sequence);
    }

    [Fact]
    public async Task TryReadAsOf_OneByteCorrupted_ThrowsNamingTheDataFile()
    {
        var store = Store();
        var book = RecordedSnapshots.BinanceBooks()[1];
        var meta = await store.WriteBookAsync("binance", book.Book, book.Provenance);
        var path = DataPath(meta);
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[bytes.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(path, bytes);

        var e = Assert.Throws<SnapshotIntegrityException>(() => store.TryReadBookAsOf("binance", book.Book.Instrument, book.Provenance.FetchedAt, out _));
        Assert.Equal(path, e.FilePath);
        Assert.Contains(Path.GetFileName(path), e.Message, StringComparison.Ordinal);
        Assert.Contains("SHA-256", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TryReadAsOf_TruncatedFile_ThrowsNamingTheDataFile()
    {
        var store = Store();
        var book = RecordedSnapshots.BinanceBooks()[2];
        var meta = await store.WriteBookAsync("binance", book.Book, book.Provenance);
        var path = DataPath(meta);
        var bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, bytes[..(bytes.Length - 100)]);

        var e = Assert.Throws<SnapshotIntegrityException>(() => store.TryReadAsOf(SnapshotKind.Book, "binance", book.Book.Instrument, book.Provenance.FetchedAt.AddHours(1), out _));
        Assert.Equal(path, e.FilePath);
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TryReadAsOf_MetadataTamperedToMatchATruncatedFile_GzipCheckStillThrows()
    {
        // Even with size and hash rewritten to match, a cut gzip member never yields data.
        var store = Store();
        var book = RecordedSnapshots.BinanceBooks()[2];
        var meta = await store.WriteBookAsync("binance", book.Book, book.Provenance, id: "cut");
        var path = DataPath(meta);
        var cut = (await File.ReadAllBytesAsync(path))[..^100];
        await File.WriteAllBytesAsync(path, cut);
        var metaPath = MetaPath(meta);
        var text = (await File.ReadAllTextAsync(metaPath))
            .Replace(meta.Sha256, Convert.ToHexStringLower(SHA256.HashData(cut)), StringComparison.Ordinal)
            .Replace($"\"compressedBytes\": {meta.CompressedBytes}", $"\"compressedBytes\": {cut.Length}", StringComparison.Ordinal);
        await File.WriteAllTextAsync(metaPath, text);

        var e = Assert.Throws<SnapshotIntegrityException>(() => store.TryReadBookAsOf("binance", book.Book.Instrument, book.Provenance.FetchedAt, out _));
        Assert.Equal(path, e.FilePath);
    }

    [Fact]
    public async Task TryReadAsOf_MetadataMissing_ThrowsNamingTheMetadataFile()
    {
        var store = Store();
        var book = RecordedSnapshots.BinanceBooks()[3];
        var meta = await store.WriteBookAsync("binance", book.Book, book.Provenance, id: "gone");
        File.Delete(MetaPath(meta));

        var e = Assert.Throws<SnapshotIntegrityException>(() => store.TryReadBookAsOf("binance", book.Book.Instrument, book.Provenance.FetchedAt, out _));
        Assert.Equal(MetaPath(meta), e.FilePath);
        Assert.Contains("gone.meta.json", e.Message, StringComparison.Ordinal);
        Assert.Throws<SnapshotIntegrityException>(() => store.List(SnapshotKind.Book, "binance", book.Book.Instrument, new TimeRange(book.Provenance.FetchedAt.AddDays(-1), book.Provenance.FetchedAt.AddDays(1))));
    }

    [Fact]
    public async Task Write_CrashLeftTempFiles_ReadsIgnoreThemAndNoTempRemainsAfterWrites()
    {
        var store = Store();
        var tickers = RecordedSnapshots.BinanceTickers();
        var first = tickers[0];
        var meta = await store.WriteTickerAsync("binance", first.Ticker, first.Provenance, id: "real");
        Assert.Empty(Directory.EnumerateFiles(_dir.Path, "*.tmp", SearchOption.AllDirectories));

        // A writer that died mid-write of a later snapshot: half a gzip file under its temp name, and a half metadata temp.
        var folder = Path.GetDirectoryName(DataPath(meta))!;
        var later = first.ReceivedAt.AddSeconds(5).UtcDateTime.ToString("yyyyMMdd_HHmmss_fff", CultureInfo.InvariantCulture);
        await File.WriteAllBytesAsync(Path.Combine(folder, $"{later}_ticker_dead.json.gz.1a2b3c4d.tmp"), [0x1f, 0x8b, 0x08]);
        await File.WriteAllTextAsync(Path.Combine(Path.GetDirectoryName(MetaPath(meta))!, $"{later}_dead.1a2b3c4d.meta.tmp"), "{\"id\":");

        Assert.True(store.TryReadTickerAsOf("binance", first.Ticker.Instrument, first.ReceivedAt.AddSeconds(10), out var read));
        Assert.Equal("real", read.Metadata.Id);
        Assert.Single(store.List(SnapshotKind.Ticker, "binance", first.Ticker.Instrument, new TimeRange(first.ReceivedAt, first.ReceivedAt.AddMinutes(1))));
    }

    [Fact]
    public async Task Write_ExistingId_RefusesAndKeepsTheOriginal()
    {
        var store = Store();
        var books = RecordedSnapshots.BinanceBooks();
        var meta = await store.WriteBookAsync("binance", books[0].Book, books[0].Provenance, id: "dup");
        var original = await File.ReadAllBytesAsync(DataPath(meta));

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            store.WriteBookAsync("binance", books[0].Book with { Sequence = 7 }, books[0].Provenance, takenAt: books[0].Provenance.FetchedAt.AddSeconds(1), id: "dup"));
        Assert.Contains("dup", e.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            store.WriteBookAsync("binance", books[0].Book with { Sequence = 7 }, books[0].Provenance, id: "dup"));

        Assert.Equal(original, await File.ReadAllBytesAsync(DataPath(meta)));
        Assert.Single(Directory.EnumerateFiles(_dir.Path, "*.json.gz", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFiles(_dir.Path, "*.tmp", SearchOption.AllDirectories));
        Assert.True(store.TryReadBookAsOf("binance", books[0].Book.Instrument, books[0].Provenance.FetchedAt.AddDays(1), out var read));
        Assert.Equal(books[0].Book.Sequence, read.Book.Sequence);
    }

    [Fact]
    public async Task Cleanup_ManualClock_DeletesOlderThanRetentionKeepsNewestOfEachSeries()
    {
        var store = Store(TimeSpan.FromDays(30));
        var books = RecordedSnapshots.BinanceBooks();
        var now = _clock.GetUtcNow();
        var nkn = books[0];
        foreach (var (days, id) in new[] { (-40, "d40"), (-35, "d35"), (-29, "d29"), (0, "d0") })
        {
            await store.WriteBookAsync("binance", nkn.Book, nkn.Provenance, takenAt: now.AddDays(days), id: id);
        }

        // A series whose only snapshot is old: it is its newest, so it stays.
        var blz = books[1];
        await store.WriteBookAsync("binance", blz.Book, blz.Provenance, takenAt: now.AddDays(-50), id: "lonely");
        // A temp file a crash left 45 days ago, and one from a write running now.
        var nknDay = Path.Combine(_dir.Path, "binance", "nkn-usdt", now.AddDays(-29).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        var oldStamp = now.AddDays(-45).ToString("yyyyMMdd_HHmmss_fff", CultureInfo.InvariantCulture);
        var newStamp = now.ToString("yyyyMMdd_HHmmss_fff", CultureInfo.InvariantCulture);
        await File.WriteAllBytesAsync(Path.Combine(nknDay, $"{oldStamp}_book_x.json.gz.00000000.tmp"), [1]);
        await File.WriteAllBytesAsync(Path.Combine(nknDay, $"{newStamp}_book_y.json.gz.00000000.tmp"), [1]);

        var result = await store.CleanupAsync();

        Assert.Equal(new PointInTimeCleanupResult(SnapshotsDeleted: 2, MetadataDeleted: 2, TempFilesDeleted: 1, FoldersDeleted: 2, NewestKept: 1), result);
        var left = store.List(SnapshotKind.Book, "binance", nkn.Book.Instrument, new TimeRange(now.AddDays(-100), now.AddDays(1)));
        Assert.Equal(["d29", "d0"], left.Select(m => m.Id));
        Assert.False(store.TryReadBookAsOf("binance", nkn.Book.Instrument, now.AddDays(-30), out _));
        Assert.True(store.TryReadBookAsOf("binance", blz.Book.Instrument, now, out var lonely));
        Assert.Equal("lonely", lonely.Metadata.Id);
        Assert.Equal(2, Directory.EnumerateFiles(Path.Combine(_dir.Path, "binance", "nkn-usdt", "metadata")).Count());

        // Time passes: d29 falls out; d0 is the newest and stays however old it gets.
        _clock.Advance(TimeSpan.FromDays(400));
        var later = await store.CleanupAsync();
        Assert.Equal(1, later.SnapshotsDeleted);
        Assert.Equal(2, later.NewestKept);
        Assert.Equal(1, later.TempFilesDeleted);
        Assert.True(store.TryReadBookAsOf("binance", nkn.Book.Instrument, _clock.GetUtcNow(), out var kept));
        Assert.Equal("d0", kept.Metadata.Id);
    }

    [Fact]
    public async Task Write_ParallelWriters_EverySnapshotStoredWithADistinctId()
    {
        var store = Store();
        var tickers = RecordedSnapshots.BinanceTickers();
        var instrument = tickers[0].Ticker.Instrument;
        var series = tickers.Where(t => t.Ticker.Instrument == instrument).ToList();
        var writes = Enumerable.Range(0, 8).SelectMany(round => series.Select(t =>
            Task.Run(() => store.WriteTickerAsync("binance", t.Ticker, t.Provenance, takenAt: t.ReceivedAt.AddMinutes(round)))));

        var metas = await Task.WhenAll(writes);

        Assert.Equal(series.Count * 8, metas.Length);
        Assert.Equal(metas.Length, metas.Select(m => m.Id).Distinct().Count());
        var listed = store.List(SnapshotKind.Ticker, "binance", instrument, new TimeRange(series[0].ReceivedAt, series[^1].ReceivedAt.AddMinutes(9)));
        Assert.Equal(metas.Length, listed.Count);
        Assert.All(listed, m => Assert.Equal(((TickerPitSnapshot)store.Read(m)).Ticker.Sequence, m.Sequence));
        Assert.Empty(Directory.EnumerateFiles(_dir.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Create_BadOptions_Throw()
    {
        Assert.Throws<ArgumentException>(() => new PointInTimeStore(new PointInTimeStoreOptions { Root = " " }));
        Assert.Throws<ArgumentException>(() => new PointInTimeStore(new PointInTimeStoreOptions { Root = _dir.Path, Retention = TimeSpan.Zero }));
        Assert.Equal("btc-usdt-usdt", PointInTimeStore.SymbolSlug(Instrument.Parse("BTC/USDT:USDT")));
    }

    private string DataPath(SnapshotMetadata meta) =>
        Path.Combine(_dir.Path, meta.Venue, PointInTimeStore.SymbolSlug(meta.Instrument), meta.DataFile);

    private string MetaPath(SnapshotMetadata meta) =>
        Path.Combine(_dir.Path, meta.Venue, PointInTimeStore.SymbolSlug(meta.Instrument), "metadata", $"{meta.Id}.meta.json");

    private static (string, string) Text(BookLevel level) =>
        (level.Price.ToString(CultureInfo.InvariantCulture), level.Size.ToString(CultureInfo.InvariantCulture));
}

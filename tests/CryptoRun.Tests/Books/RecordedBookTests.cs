using System.Text;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Replay.Recordings;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues.Binance;
using CryptoRun.Venues.Kraken;
using CryptoRun.Venues.Okx;

namespace CryptoRun.Tests.Books;

/// <summary>
/// The recorded book streams applied through each venue's parser and sync rules: Kraken's and OKX's own checksums
/// pass on every message; Binance's books follow the REST snapshot by the documented procedure and equal the
/// recording applied naively; corrupted, dropped or reordered messages are caught.
/// </summary>
public sealed class RecordedBookTests
{
    [Fact]
    public void Kraken_RecordedBooks_EveryChecksumPasses()
    {
        var (stats, books) = ReplayKraken(Frames("KRAKEN.ws.50.0"));

        Assert.Equal(10, books.Count);
        Assert.Equal(0, stats.ChecksumFailures);
        Assert.Equal(0, stats.Gaps);
        Assert.Equal(CountFrames("KRAKEN.ws.50.0", "\"c\":\""), stats.ChecksumPasses);
        Assert.True(stats.ChecksumPasses > 4000, $"{stats.ChecksumPasses} checksums");
        Assert.All(books.Values, b => Assert.True(b.IsSynced && b.Bids.Count > 0 && b.Asks.Count > 0));
    }

    [Fact]
    public void Kraken_OneSizeDigitCorrupted_ChecksumFailsAtThatMessageAndTheBookWaitsForASnapshot()
    {
        var frames = Frames("KRAKEN.ws.50.0");
        var target = frames.FindIndex(200, f => f.Contains("\"c\":\"", StringComparison.Ordinal) && f.Contains("\"b\":[[", StringComparison.Ordinal));
        var pair = PairOf(frames[target]);
        frames[target] = CorruptFirstSize(frames[target]);

        var (stats, books) = ReplayKraken(frames);

        Assert.Equal(1, stats.ChecksumFailures);
        Assert.False(books[pair].IsSynced); // no new snapshot in the recording: the stream must resubscribe
        Assert.All(books.Where(b => b.Key != pair), b => Assert.True(b.Value.IsSynced)); // other books undisturbed
    }

    [Fact]
    public void Okx_RecordedBooks_EveryChecksumPasses()
    {
        var sync = new OkxBookSync();
        var stats = new BookStats();
        var books = new Dictionary<string, L2Book>();
        var message = new BookMessage();
        foreach (var frame in Frames("OKX.ws.1.0"))
        {
            if (!OkxBookSync.TryParse(Encoding.UTF8.GetBytes(frame), message))
            {
                continue;
            }

            var book = BookFor(books, message.Symbol, depth: 0);
            stats.Count(sync.Apply(book, message), message.Checksum is not null);
        }

        Assert.Equal(3, books.Count);
        Assert.Equal(0, stats.ChecksumFailures);
        Assert.Equal(290, stats.ChecksumPasses);
        Assert.Equal(CountFrames("OKX.ws.1.0", "\"checksum\":"), stats.ChecksumPasses);
    }

    [Fact]
    public void Okx_ReorderedUpdates_FailTheChecksum()
    {
        var frames = Frames("OKX.ws.1.0");
        var updates = frames.Select((f, i) => (f, i)).Where(x => x.f.Contains("\"action\":\"update\"", StringComparison.Ordinal) && x.f.Contains("BTC-USDT\"", StringComparison.Ordinal)).Select(x => x.i).Take(12).ToList();
        (frames[updates[10]], frames[updates[11]]) = (frames[updates[11]], frames[updates[10]]);
        var sync = new OkxBookSync();
        var failures = 0;
        var books = new Dictionary<string, L2Book>();
        var message = new BookMessage();
        foreach (var frame in frames)
        {
            if (OkxBookSync.TryParse(Encoding.UTF8.GetBytes(frame), message) && sync.Apply(BookFor(books, message.Symbol, 0), message) == BookApplyResult.ChecksumFailed)
            {
                failures++;
            }
        }

        Assert.Equal(1, failures);
    }

    [Theory]
    [InlineData("BINANCE", false, 4)]
    [InlineData("BINANCE_FUTURES", true, 4)]
    public void Binance_DiffDepthFromTheRestSnapshot_FollowsWithoutGapsAndEqualsTheRecordingAppliedNaively(string capture, bool futures, int symbols)
    {
        var (stats, books, naive, applied) = ReplayBinance(capture, futures, dropOne: false);

        Assert.Equal(symbols, books.Count);
        Assert.Equal(0, stats.Gaps);
        Assert.True(applied > 0);
        foreach (var (symbol, book) in books)
        {
            Assert.True(book.IsSynced, symbol);
            Assert.Equal(naive[symbol].Bids, book.Bids.Select(l => (l.Price, l.Size)).ToList());
            Assert.Equal(naive[symbol].Asks, book.Asks.Select(l => (l.Price, l.Size)).ToList());
        }
    }

    [Theory]
    [InlineData("BINANCE", false)]
    [InlineData("BINANCE_FUTURES", true)]
    public void Binance_OneUpdateLost_IsAGap(string capture, bool futures)
    {
        var (stats, _, _, _) = ReplayBinance(capture, futures, dropOne: true);

        Assert.Equal(1, stats.Gaps);
    }

    [Fact]
    public void BinanceFutures_SnapshotEndingExactlyAtAnEventNotBuffered_TheNextEventFollowsByItsPu()
    {
        // The snapshot's lastUpdateId is the u of an event the client never buffered (the one that broke the chain before
        // the refetch): the next event starts at lastUpdateId + 1 with pu = lastUpdateId, and follows. One that does not
        // (pu elsewhere, U past lastUpdateId) is a gap.
        var sync = new BinanceBookSync(futures: true);
        var book = new L2Book(Instrument.Parse("BTC/USDT:USDT"));
        var snapshot = new BookMessage { IsSnapshot = true, Sequence = 100 };
        snapshot.Bids.Add(new LevelChange(10m, 1m, "10", "1"));
        snapshot.Asks.Add(new LevelChange(11m, 1m, "11", "1"));
        Assert.Equal(BookApplyResult.Applied, sync.Apply(book, snapshot));
        var next = new BookMessage { FirstSequence = 101, Sequence = 104, PreviousSequence = 100 };
        next.Bids.Add(new LevelChange(10m, 2m, "10", "2"));
        Assert.Equal(BookApplyResult.Applied, sync.Apply(book, next));
        Assert.Equal(2m, book.Bids[0].Size);

        Assert.Equal(BookApplyResult.Applied, sync.Apply(book, snapshot));
        var apart = new BookMessage { FirstSequence = 103, Sequence = 106, PreviousSequence = 102 };
        Assert.Equal(BookApplyResult.Gap, sync.Apply(book, apart));
    }

    private static (BookStats Stats, Dictionary<string, L2Book> Books) ReplayKraken(List<string> frames)
    {
        var sync = new KrakenBookSync();
        var stats = new BookStats();
        var books = new Dictionary<string, L2Book>();
        var message = new BookMessage();
        foreach (var frame in frames)
        {
            if (!KrakenBookSync.TryParse(Encoding.UTF8.GetBytes(frame), message, out var depth))
            {
                continue;
            }

            stats.Count(sync.Apply(BookFor(books, message.Symbol, depth), message), message.Checksum is not null);
        }

        return (stats, books);
    }

    private static (BookStats Stats, Dictionary<string, L2Book> Books, Dictionary<string, (List<(decimal, decimal)> Bids, List<(decimal, decimal)> Asks)> Naive, int Applied)
        ReplayBinance(string capture, bool futures, bool dropOne)
    {
        var sync = new BinanceBookSync(futures);
        var stats = new BookStats();
        var books = new Dictionary<string, L2Book>();
        var naive = new Dictionary<string, (SortedDictionary<decimal, decimal> Bids, SortedDictionary<decimal, decimal> Asks, long Id)>();
        var (responses, _) = CaptureReader.Read(TestData.Capture(capture + ".http.0.0"));
        var message = new BookMessage();
        foreach (var response in responses.Where(r => r.Url.Contains("depth", StringComparison.Ordinal)))
        {
            var symbol = response.Url.Split("symbol=")[1].Split('&')[0];
            BinanceBookSync.ParseSnapshot(Encoding.UTF8.GetBytes(response.Body), symbol, message);
            var book = BookFor(books, symbol, 0);
            sync.Apply(book, message);
            naive[symbol] = (
                new SortedDictionary<decimal, decimal>(message.Bids.ToDictionary(l => l.Price, l => l.Size)),
                new SortedDictionary<decimal, decimal>(message.Asks.ToDictionary(l => l.Price, l => l.Size)),
                message.Sequence!.Value);
        }

        var applied = 0;
        var dropped = false;
        foreach (var frame in Frames(capture + ".ws.1.0"))
        {
            if (!BinanceBookSync.TryParseUpdate(Encoding.UTF8.GetBytes(frame), message) || !books.TryGetValue(message.Symbol, out var book))
            {
                continue;
            }

            var (bids, asks, id) = naive[message.Symbol];
            var fresh = futures ? message.Sequence >= id : message.Sequence > id;
            if (dropOne && !dropped && fresh && book.DeltasSinceSnapshot > 0)
            {
                dropped = true;
                continue;
            }

            var result = sync.Apply(book, message);
            stats.Count(result, checksummed: false);
            if (result == BookApplyResult.Applied)
            {
                applied++;
            }

            if (fresh)
            {
                foreach (var level in message.Bids)
                {
                    Set(bids, level);
                }

                foreach (var level in message.Asks)
                {
                    Set(asks, level);
                }
            }
        }

        return (stats, books, naive.ToDictionary(
            n => n.Key,
            n => (n.Value.Bids.Reverse().Select(p => (p.Key, p.Value)).ToList(), n.Value.Asks.Select(p => (p.Key, p.Value)).ToList())), applied);

        static void Set(SortedDictionary<decimal, decimal> side, LevelChange level)
        {
            if (level.Size == 0)
            {
                side.Remove(level.Price);
            }
            else
            {
                side[level.Price] = level.Size;
            }
        }
    }

    private static L2Book BookFor(Dictionary<string, L2Book> books, string symbol, int depth)
    {
        if (!books.TryGetValue(symbol, out var book))
        {
            book = new L2Book(Instrument.Parse(symbol.Contains('/', StringComparison.Ordinal) ? symbol : "X/Y"), depth);
            books[symbol] = book;
        }

        return book;
    }

    private static List<string> Frames(string file) => CaptureReader.Read(TestData.Capture(file)).Frames.Select(f => f.Payload).ToList();

    private static int CountFrames(string file, string marker) => Frames(file).Count(f => f.Contains(marker, StringComparison.Ordinal));

    private static string PairOf(string krakenFrame) => krakenFrame[(krakenFrame.LastIndexOf(",\"", StringComparison.Ordinal) + 2)..^2];

    // Changes the last digit of the first bid update's volume text ("5.00000000" -> "5.00000001"-like), keeping valid JSON.
    private static string CorruptFirstSize(string frame)
    {
        var start = frame.IndexOf("\"b\":[[\"", StringComparison.Ordinal) + 7;
        var sizeStart = frame.IndexOf("\",\"", start, StringComparison.Ordinal) + 3;
        var sizeEnd = frame.IndexOf('"', sizeStart);
        var last = frame[sizeEnd - 1];
        return frame[..(sizeEnd - 1)] + (last == '9' ? '8' : (char)(last + 1)) + frame[sizeEnd..];
    }
}

using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Streaming;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues.Binance;
using CryptoRun.Venues.Kraken;
using CryptoRun.Venues.Okx;

namespace CryptoRun.Tests.Streaming;

/// <summary>
/// Each venue's recorded capture replayed end to end over a real loopback WebSocket through the venue's stream
/// protocol and the stream client: the consumers' books, rebuilt from nothing but the published snapshot and delta
/// events, equal the recording applied naively, every Kraken and OKX checksum passes, and trades arrive one for one.
/// </summary>
public sealed class StreamClientReplayTests
{
    internal static readonly string[] KrakenFiles = ["KRAKEN.ws.48.0", "KRAKEN.ws.49.0", "KRAKEN.ws.50.0"];
    private static readonly string[] OkxIds = ["BTC-USDT", "UNI-USD-SWAP"];

    [Fact]
    public async Task Kraken_RecordedCapture_BooksEqualTheRecordingAppliedNaively_EveryChecksumPasses_TradesOneForOne()
    {
        await using var replay = await ReplayHarness.StartAsync();
        var kraken = replay.Connect<KrakenConnector>("kraken");
        var protocol = new KrakenStreamProtocol();
        await using var client = Client(replay, "kraken", protocol, kraken.GetMarketsAsync);
        var markets = await kraken.GetMarketsAsync();
        var frames = KrakenFiles.SelectMany(StreamReplayKit.Frames).ToList();
        var pairs = markets.Markets.Select(m => (Market: m, Pair: protocol.StreamSymbol(m)))
            .Where(p => frames.Any(f => f.EndsWith($"\"{p.Pair}\"]", StringComparison.Ordinal)))
            .ToList();
        Assert.Equal(10, pairs.Count);
        var books = pairs.ToDictionary(p => p.Pair, p => client.Subscribe(StreamChannel.Book, p.Market.Instrument));
        var trades = pairs.ToDictionary(p => p.Pair, p => client.Subscribe(StreamChannel.Trades, p.Market.Instrument));
        await client.StartAsync();

        var naive = StreamReplayKit.KrakenNaive(frames, protocol.BookDepth);
        var totalTrades = 0;
        var verified = 0;
        foreach (var (pair, subscriber) in books)
        {
            var events = await StreamReplayKit.ReadUntilAsync(subscriber, StreamReplayKit.IsReconnecting);
            var rebuilt = StreamReplayKit.Rebuild(events, protocol.BookDepth);
            // The recorded snapshot, and one more when the client's subscribe reaches the replay after the stream has passed it
            // (the replay then answers with a snapshot of the book so far, as Kraken answers a subscribe).
            Assert.InRange(events.OfType<BookSnapshotEvent>().Count(), 1, 2);
            Assert.Equal(frames.Count(f => f.EndsWith($"\"{pair}\"]", StringComparison.Ordinal) && f.Contains("\"as\":", StringComparison.Ordinal) == false && f.Contains("\"book-", StringComparison.Ordinal)), events.OfType<BookDeltaEvent>().Count());
            Assert.All(events.OfType<BookDeltaEvent>(), d => Assert.True(d.ChecksumVerified));
            verified += events.OfType<BookDeltaEvent>().Count(d => d.ChecksumVerified);
            Assert.Empty(events.OfType<GapEvent>());
            Assert.Equal(naive[pair].Bids, rebuilt.Bids);
            Assert.Equal(naive[pair].Asks, rebuilt.Asks);
            Assert.All(events.OfType<BookDeltaEvent>(), d => Assert.Equal("kraken#1", d.Provenance.Connection));
        }

        foreach (var (pair, subscriber) in trades)
        {
            var events = await StreamReplayKit.ReadUntilAsync(subscriber, StreamReplayKit.IsReconnecting);
            var recorded = frames.Where(f => f.StartsWith('[') && f.EndsWith($",\"trade\",\"{pair}\"]", StringComparison.Ordinal))
                .SelectMany(f => JsonDocument.Parse(f).RootElement[1].EnumerateArray().Select(t => (Price: StreamReplayKit.Dec(t[0]), Size: StreamReplayKit.Dec(t[1]), Side: t[3].GetString()!)))
                .ToList();
            var got = events.OfType<TradeEvent>().Select(t => (t.Trade.Price, t.Trade.Size, Side: t.Trade.Side == TradeSide.Buy ? "b" : "s")).ToList();
            Assert.Equal(recorded, got);
            totalTrades += got.Count;
        }

        // Every recorded checksum, verified on the consumers' deltas (the client's own counters go on into the next session).
        var checksummed = frames.Count(f => f.StartsWith('[') && f.Contains("\"c\":\"", StringComparison.Ordinal));
        Assert.Equal(checksummed, verified);
        Assert.Equal(0, client.BookStats.ChecksumFailures);
        Assert.True(totalTrades >= 8, $"{totalTrades} trades");
    }

    [Fact]
    public async Task Okx_RecordedCapture_BooksEqualTheRecordingAppliedNaively_EveryChecksumPasses_TradesAndTickers()
    {
        await using var replay = await ReplayHarness.StartAsync();
        var okx = replay.Connect<OkxConnector>("okx");
        var protocol = new OkxStreamProtocol();
        await using var client = Client(replay, "okx", protocol, okx.GetMarketsAsync);
        var markets = await okx.GetMarketsAsync();
        var frames = StreamReplayKit.Frames("OKX.ws.1.0");
        var instruments = OkxIds.Select(id => markets.Markets.Single(m => m.VenueSymbol == id)).ToList();
        var books = instruments.ToDictionary(m => m.VenueSymbol, m => client.Subscribe(StreamChannel.Book, m.Instrument));
        var trades = instruments.ToDictionary(m => m.VenueSymbol, m => client.Subscribe(StreamChannel.Trades, m.Instrument));
        var tickers = instruments.ToDictionary(m => m.VenueSymbol, m => client.Subscribe(StreamChannel.Ticker, m.Instrument));
        await client.StartAsync();

        var naive = StreamReplayKit.OkxNaive(frames);
        foreach (var (id, subscriber) in books)
        {
            var events = await StreamReplayKit.ReadUntilAsync(subscriber, StreamReplayKit.IsReconnecting);
            var rebuilt = StreamReplayKit.Rebuild(events);
            Assert.Equal(naive[id].Bids, rebuilt.Bids);
            Assert.Equal(naive[id].Asks, rebuilt.Asks);
            Assert.InRange(events.OfType<BookSnapshotEvent>().Count(), 1, 2);
            Assert.Empty(events.OfType<GapEvent>());
            Assert.All(events.OfType<BookDeltaEvent>(), d => Assert.True(d.ChecksumVerified));
        }

        foreach (var (id, subscriber) in trades)
        {
            var events = await StreamReplayKit.ReadUntilAsync(subscriber, StreamReplayKit.IsReconnecting);
            var recorded = frames.Where(f => f.Contains("\"channel\":\"trades\"", StringComparison.Ordinal) && f.Contains($"\"instId\":\"{id}\"", StringComparison.Ordinal) && f.Contains("\"data\"", StringComparison.Ordinal))
                .SelectMany(f => JsonDocument.Parse(f).RootElement.GetProperty("data").EnumerateArray()
                    .Select(t => (Id: t.GetProperty("tradeId").GetString(), Price: StreamReplayKit.Dec(t.GetProperty("px")), Time: long.Parse(t.GetProperty("ts").GetString()!, System.Globalization.CultureInfo.InvariantCulture))))
                .ToList();
            Assert.NotEmpty(recorded);
            Assert.Equal(recorded, events.OfType<TradeEvent>().Select(t => (Id: (string?)t.Trade.Id, t.Trade.Price, t.Trade.TimeMs)).ToList());
        }

        var btcTickers = await StreamReplayKit.ReadUntilAsync(tickers["BTC-USDT"], StreamReplayKit.IsReconnecting);
        var lastTicker = JsonDocument.Parse(frames.Last(f => f.Contains("\"channel\":\"tickers\",\"instId\":\"BTC-USDT\"", StringComparison.Ordinal) && f.Contains("\"data\"", StringComparison.Ordinal)))
            .RootElement.GetProperty("data")[0];
        var ticker = btcTickers.OfType<TickerEvent>().Last();
        Assert.Equal(StreamReplayKit.Dec(lastTicker.GetProperty("bidPx")), ticker.BidPrice);
        Assert.Equal(StreamReplayKit.Dec(lastTicker.GetProperty("askPx")), ticker.AskPrice);
        Assert.Equal(StreamReplayKit.Dec(lastTicker.GetProperty("last")), ticker.LastPrice);
        Assert.Equal(0, client.BookStats.ChecksumFailures);
        Assert.True(client.BookStats.ChecksumPasses > 150, $"{client.BookStats.ChecksumPasses} checksums");
    }

    /// <remarks>
    /// Paced at 10x the recorded pace on the real clock: a diff-only book waits for its REST snapshot, and at speed 0 the
    /// whole 31 s recording would be over before the snapshot's answer, leaving nothing to apply it to. With
    /// <paramref name="reorder"/>, two consecutive diffs of one symbol past the recording's middle are swapped in transit
    /// (the replay's <c>reorder_every</c>): that book sees a sequence gap, refetches the REST snapshot and carries on in
    /// sync, while the other books see nothing.
    /// </remarks>
    [Theory]
    [InlineData("binance", "BINANCE", false, false)]
    [InlineData("binance-usdm", "BINANCE_FUTURES", true, false)]
    [InlineData("binance", "BINANCE", false, true)]
    [InlineData("binance-usdm", "BINANCE_FUTURES", true, true)]
    public async Task Binance_RecordedCapture_DiffDepthFromTheRestSnapshot_EqualsTheRecordingAppliedNaively(string venue, string capture, bool futures, bool reorder)
    {
        var frames = StreamReplayKit.Frames(capture + ".ws.1.0");
        string? DiffSymbol(string frame) => frame.Contains("\"e\":\"depthUpdate\"", StringComparison.Ordinal)
            ? JsonDocument.Parse(frame).RootElement.GetProperty("data").GetProperty("s").GetString()
            : null;
        var swapAt = reorder
            ? Enumerable.Range(frames.Count / 2, frames.Count * 3 / 10).First(i => DiffSymbol(frames[i]) is { } s && DiffSymbol(frames[i + 1]) == s)
            : -1;
        var gapped = reorder ? DiffSymbol(frames[swapAt]) : null;
        await using var server = await CryptoRun.Replay.ReplayServer.StartAsync(new CryptoRun.Replay.ReplayOptions { DataRoot = TestData.Root });
        using var venues = new Http(server.BaseAddress);
        IExchangeNativeProvider rest = futures ? venues.Connect<BinanceUsdmConnector>(venue) : venues.Connect<BinanceConnector>(venue);
        var protocol = futures ? BinanceStreamProtocol.UsdM : BinanceStreamProtocol.Spot;
        using var http = venues.Client();
        await using var client = new StreamClient(protocol, rest.GetMarketsAsync, new StreamClientOptions
        {
            // Slots count from 1: reorder_every=K sends frame K after frame K + 1 (and 2K is past the recording's end).
            Endpoint = new Uri($"{server.Streams.Single(s => s.Name == venue).Address}?speed=10{(reorder ? $"&reorder_every={swapAt + 1}" : "")}"),
            Rest = VenueConnection.Direct(http, TimeProvider.System),
        });
        var markets = await rest.GetMarketsAsync();
        var naive = StreamReplayKit.BinanceNaive(capture);
        var books = naive.Keys.ToDictionary(s => s, s => client.Subscribe(StreamChannel.Book, markets.Markets.Single(m => m.VenueSymbol == s).Instrument));
        var trades = naive.Keys.ToDictionary(s => s, s => client.Subscribe(StreamChannel.Trades, markets.Markets.Single(m => m.VenueSymbol == s).Instrument));
        await client.StartAsync();

        foreach (var (symbol, subscriber) in books)
        {
            var events = await StreamReplayKit.ReadUntilAsync(subscriber, StreamReplayKit.IsReconnecting);
            var rebuilt = StreamReplayKit.Rebuild(events);
            if (symbol == gapped)
            {
                var gap = Assert.Single(events.OfType<GapEvent>());
                Assert.Equal(GapReason.SequenceGap, gap.Reason);
                Assert.Equal(2, events.OfType<BookSnapshotEvent>().Count());
                Assert.IsType<BookSnapshotEvent>(events.SkipWhile(e => e != gap).First(e => e is BookSnapshotEvent or BookDeltaEvent));
                Assert.Contains(events, e => e is StreamStatusEvent { State: StreamState.Live } status && status.Detail.Contains("resynced", StringComparison.Ordinal));
            }
            else
            {
                Assert.Single(events.OfType<BookSnapshotEvent>());
                Assert.Empty(events.OfType<GapEvent>());
            }

            // Binance's REST snapshot holds the best 1,000 levels a side: a level deeper than that when the snapshot is
            // taken (later on a loaded machine) is unknown to any client until a diff touches it, so the book is compared
            // where the snapshot vouches for it.
            Assert.Equal(naive[symbol].Bids.Take(500), rebuilt.Bids.Take(500));
            Assert.Equal(naive[symbol].Asks.Take(500), rebuilt.Asks.Take(500));
        }

        Assert.Equal(reorder ? 1 : 0, client.BookStats.Gaps);
        Assert.Equal(reorder ? 1 : 0, client.BookStats.Resyncs);
        foreach (var (symbol, subscriber) in trades)
        {
            var events = await StreamReplayKit.ReadUntilAsync(subscriber, StreamReplayKit.IsReconnecting);
            var recorded = frames.Where(f => f.Contains("\"e\":\"aggTrade\"", StringComparison.Ordinal) && f.Contains($"\"s\":\"{symbol}\"", StringComparison.Ordinal))
                .Select(f => JsonDocument.Parse(f).RootElement.GetProperty("data"))
                .Select(d => (Id: d.GetProperty("a").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture), Price: StreamReplayKit.Dec(d.GetProperty("p")), Side: d.GetProperty("m").GetBoolean() ? TradeSide.Sell : TradeSide.Buy))
                .ToList();
            Assert.Equal(recorded, events.OfType<TradeEvent>().Select(t => (t.Trade.Id, t.Trade.Price, t.Trade.Side)).ToList());
        }

        Assert.Equal(0, client.Health().ParseErrors);
    }

    internal static StreamClient Client(ReplayHarness replay, string stream, IStreamProtocol protocol, Func<CancellationToken, Task<MarketCatalog>> markets, HttpClient? rest = null, string query = "speed=0")
        => new(protocol, markets, new StreamClientOptions
        {
            Endpoint = new Uri($"{replay.Server.Streams.Single(s => s.Name == stream).Address}?{query}"),
            TimeProvider = replay.Clock,
            Rest = rest is null ? null : VenueConnection.Direct(rest, replay.Clock),
        });
}

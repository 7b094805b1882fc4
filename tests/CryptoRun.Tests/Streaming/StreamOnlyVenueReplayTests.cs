using System.Globalization;
using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Replay.Recordings;
using CryptoRun.Streaming;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues;
using CryptoRun.Venues.Coinbase;

namespace CryptoRun.Tests.Streaming;

/// <summary>
/// The venues registered in <see cref="VenueStreams"/> beyond Binance, Kraken and OKX, end to end over loopback: the
/// market metadata from the replay's REST endpoints (the descriptor's fetch, or coinbase's connector), the stream from
/// the replay's <c>/ws/NAME</c> (the descriptor's replay URL), through <see cref="StreamClient"/>. Consumers' books, rebuilt
/// from nothing but the published snapshot and delta events, equal the recording applied naively; trades arrive one for
/// one with the recorded ids, prices and side texts; no parse errors and no gaps.
/// </summary>
public sealed class StreamOnlyVenueReplayTests
{
    private static readonly Lazy<List<RecordedFrame>> Bybit = new(() => V2Frames("BYBIT.jsonl.zst"));
    private static readonly Lazy<List<RecordedFrame>> CoinbaseAdvanced = new(() => V2Frames("COINBASE.jsonl.zst"));

    [Theory]
    [InlineData("bybit-linear", "BYBIT.ws.2", "BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT", "DOGE/USDT:USDT")]
    [InlineData("bybit", "BYBIT.ws.3", "BTC/USDT", "ETH/USDT")]
    public async Task BybitV5_RecordedEndpoint_BooksEqualTheRecordingAppliedNaively_TradesOneForOne(string venue, string connection, params string[] symbols)
    {
        await using var replay = await ReplayHarness.StartAsync();
        var descriptor = VenueStreams.Get(venue);
        var frames = Bybit.Value.Where(f => f.Connection == connection).Select(f => f.Payload).ToList();
        var protocol = descriptor.Create();
        await using var run = await RunAsync(replay, descriptor, symbols);

        var naive = StreamReplayKit.BybitNaive(frames, protocol.BookDepth);
        var trades = new Dictionary<string, List<(string, decimal, string)>>(StringComparer.Ordinal);
        foreach (var frame in frames)
        {
            using var document = JsonDocument.Parse(frame);
            var root = document.RootElement;
            var topic = root.TryGetProperty("topic", out var t) ? t.GetString()! : "";
            if (topic.StartsWith("publicTrade.", StringComparison.Ordinal))
            {
                foreach (var trade in root.GetProperty("data").EnumerateArray())
                {
                    Trades(trades, trade.GetProperty("s").GetString()!).Add((trade.GetProperty("i").GetString()!, StreamReplayKit.Dec(trade.GetProperty("p")), trade.GetProperty("S").GetString()!));
                }
            }
        }

        await run.AssertAsync(m => m.VenueSymbol, naive, trades, protocol.BookDepth);
    }

    [Fact]
    public async Task KrakenFutures_RecordedCapture_PerpetualBooksEqualTheRecordingAppliedNaively_TradesOneForOne()
    {
        await using var replay = await ReplayHarness.StartAsync();
        var descriptor = VenueStreams.Get("kraken-futures");
        await using var run = await RunAsync(replay, descriptor, "ETH/USD:ETH", "LTC/USD:LTC", "XRP/USD:XRP");
        var frames = StreamReplayKit.Frames("KRAKEN_FUTURES.ws.1.0");
        var naive = StreamReplayKit.KrakenFuturesNaive(frames);
        var trades = new Dictionary<string, List<(string, decimal, string)>>(StringComparer.Ordinal);
        foreach (var frame in frames)
        {
            using var document = JsonDocument.Parse(frame);
            var root = document.RootElement;
            var feed = root.TryGetProperty("feed", out var f) && !root.TryGetProperty("event", out _) ? f.GetString() : null; // not the subscribe acks
            var product = root.TryGetProperty("product_id", out var p) ? p.GetString()! : "";
            switch (feed)
            {
                case "trade_snapshot":
                    foreach (var trade in root.GetProperty("trades").EnumerateArray())
                    {
                        Trades(trades, product).Add((trade.GetProperty("uid").GetString()!, StreamReplayKit.Dec(trade.GetProperty("price")), trade.GetProperty("side").GetString()!));
                    }

                    break;
                case "trade":
                    Trades(trades, product).Add((root.GetProperty("uid").GetString()!, StreamReplayKit.Dec(root.GetProperty("price")), root.GetProperty("side").GetString()!));
                    break;
            }
        }

        await run.AssertAsync(m => m.VenueSymbol, naive, trades, 0);
    }

    [Fact]
    public async Task CoinbaseExchange_RecordedFeed_BooksEqualTheRecordingAppliedNaively_TradesOneForOne()
    {
        await using var replay = await ReplayHarness.StartAsync();
        var descriptor = VenueStreams.Get("coinbase");
        var frames = StreamReplayKit.Frames("COINBASE.ws.28.0");
        var naive = new Dictionary<string, NaiveBook>(StringComparer.Ordinal);
        var trades = new Dictionary<string, List<(string, decimal, string)>>(StringComparer.Ordinal);
        foreach (var frame in frames)
        {
            using var document = JsonDocument.Parse(frame);
            var root = document.RootElement;
            var product = root.TryGetProperty("product_id", out var p) ? p.GetString()! : "";
            switch (root.GetProperty("type").GetString())
            {
                case "snapshot":
                    var snapshot = Book(naive, product, 0);
                    snapshot.Clear();
                    snapshot.Apply(Pairs(root.GetProperty("bids")), Pairs(root.GetProperty("asks")));
                    break;
                case "l2update":
                    foreach (var change in root.GetProperty("changes").EnumerateArray())
                    {
                        var level = (StreamReplayKit.Dec(change[1]), StreamReplayKit.Dec(change[2]));
                        var buy = change[0].GetString() == "buy";
                        Book(naive, product, 0).Apply(buy ? [level] : [], buy ? [] : [level]);
                    }

                    break;
                case "match" or "last_match":
                    Trades(trades, product).Add((root.GetProperty("trade_id").GetRawText(), StreamReplayKit.Dec(root.GetProperty("price")), root.GetProperty("side").GetString()!));
                    break;
            }
        }

        var markets = await replay.Connect<CoinbaseConnector>("coinbase").GetMarketsAsync();
        var symbols = naive.Keys.Select(k => markets.Markets.Single(m => m.VenueSymbol == k).Instrument.Symbol).ToArray();
        Assert.Equal(10, symbols.Length);
        await using var run = await RunAsync(replay, descriptor, symbols);
        await run.AssertAsync(m => m.VenueSymbol, naive, trades, 0);
    }

    [Fact]
    public async Task CoinbaseAdvanced_RecordedConnection_BooksEqualTheRecordingAppliedNaively_TradesOneForOne()
    {
        await using var replay = await ReplayHarness.StartAsync();
        var descriptor = VenueStreams.Get("coinbase-advanced");
        await using var run = await RunAsync(replay, descriptor, "BTC/USD", "ETH/USD");
        var naive = new Dictionary<string, NaiveBook>(StringComparer.Ordinal);
        var trades = new Dictionary<string, List<(string, decimal, string)>>(StringComparer.Ordinal);
        foreach (var frame in CoinbaseAdvanced.Value.Where(f => f.Connection == "COINBASE.ws.2").Select(f => f.Payload))
        {
            using var document = JsonDocument.Parse(frame);
            var root = document.RootElement;
            var channel = root.TryGetProperty("channel", out var c) ? c.GetString() : null;
            foreach (var item in channel is "l2_data" or "market_trades" ? root.GetProperty("events").EnumerateArray() : default)
            {
                if (channel == "l2_data")
                {
                    var book = Book(naive, item.GetProperty("product_id").GetString()!, 0);
                    if (item.GetProperty("type").GetString() == "snapshot")
                    {
                        book.Clear();
                    }

                    foreach (var update in item.GetProperty("updates").EnumerateArray())
                    {
                        var level = (StreamReplayKit.Dec(update.GetProperty("price_level")), StreamReplayKit.Dec(update.GetProperty("new_quantity")));
                        var bid = update.GetProperty("side").GetString() == "bid";
                        book.Apply(bid ? [level] : [], bid ? [] : [level]);
                    }
                }
                else
                {
                    foreach (var trade in item.GetProperty("trades").EnumerateArray())
                    {
                        Trades(trades, trade.GetProperty("product_id").GetString()!).Add((trade.GetProperty("trade_id").GetString()!, StreamReplayKit.Dec(trade.GetProperty("price")), trade.GetProperty("side").GetString()!));
                    }
                }
            }
        }

        await run.AssertAsync(m => m.VenueSymbol, naive, trades, 0);
    }

    /// <remarks>
    /// Paced at 10x the recorded pace on the real clock (as Binance's diff depth): the books wait for their REST snapshots,
    /// which the replay answers from its own connection's book (or the recorded snapshot before that book has moved on).
    /// </remarks>
    [Fact]
    public async Task Bitstamp_RecordedCapture_DiffsFromTheRestSnapshot_EqualTheRecordingAppliedNaively_TradesOneForOne()
    {
        await using var server = await CryptoRun.Replay.ReplayServer.StartAsync(new CryptoRun.Replay.ReplayOptions { DataRoot = TestData.Root });
        using var venues = new Http(server.BaseAddress);
        using var http = venues.Client();
        var descriptor = VenueStreams.Get("bitstamp");
        var naive = new Dictionary<string, NaiveBook>(StringComparer.Ordinal);
        var micros = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var response in CaptureReader.Read(TestData.Capture("BITSTAMP.http.0.0")).Responses)
        {
            var pair = response.Url.Split("/order_book/")[1].Trim('/');
            using var document = JsonDocument.Parse(response.Body);
            Book(naive, pair, 0).Apply(Pairs(document.RootElement.GetProperty("bids")), Pairs(document.RootElement.GetProperty("asks")));
            micros[pair] = long.Parse(document.RootElement.GetProperty("microtimestamp").GetString()!, CultureInfo.InvariantCulture);
        }

        var trades = new Dictionary<string, List<(string, decimal, string)>>(StringComparer.Ordinal);
        foreach (var frame in StreamReplayKit.Frames("BITSTAMP.ws.1.0"))
        {
            using var document = JsonDocument.Parse(frame);
            var root = document.RootElement;
            var channel = root.GetProperty("channel").GetString()!;
            var data = root.GetProperty("data");
            if (channel.StartsWith("diff_order_book_", StringComparison.Ordinal) && root.GetProperty("event").GetString() == "data")
            {
                var pair = channel["diff_order_book_".Length..];
                if (long.Parse(data.GetProperty("microtimestamp").GetString()!, CultureInfo.InvariantCulture) > micros[pair])
                {
                    naive[pair].Apply(Pairs(data.GetProperty("bids")), Pairs(data.GetProperty("asks")));
                }
            }
            else if (channel.StartsWith("live_trades_", StringComparison.Ordinal) && root.GetProperty("event").GetString() == "trade")
            {
                Trades(trades, channel["live_trades_".Length..]).Add((data.GetProperty("id").GetRawText(), StreamReplayKit.Dec(data.GetProperty("price_str")), data.GetProperty("type").GetRawText()));
            }
        }

        var markets = await descriptor.FetchMarkets!(VenueConnection.Direct(http, TimeProvider.System), CancellationToken.None);
        var protocol = descriptor.Create();
        await using var client = new StreamClient(protocol, _ => Task.FromResult(markets), new StreamClientOptions
        {
            Endpoint = new Uri($"{descriptor.ReplayEndpoint(server.BaseAddress)}?speed=10"),
            Rest = VenueConnection.Direct(http, TimeProvider.System),
        });
        var symbols = naive.Keys.Select(k => markets.Markets.Single(m => m.VenueSymbol == k).Instrument.Symbol).ToArray();
        Assert.Equal(10, symbols.Length);
        await using var run = new Run(client, markets, symbols);
        await client.StartAsync();
        await run.AssertAsync(m => m.VenueSymbol, naive, trades, 0);
        Assert.Contains(server.Requests, r => r.Venue == "bitstamp" && r.Path.StartsWith("/api/v2/order_book/", StringComparison.Ordinal) && r.Status == 200);
    }

    /// <summary>Subscribes books and trades of the instruments through the descriptor's metadata and replay URL (speed 0, manual clock) and starts.</summary>
    private static async Task<Run> RunAsync(ReplayHarness replay, StreamVenueDescriptor descriptor, params string[] symbols)
    {
        Func<CancellationToken, Task<MarketCatalog>> markets = descriptor.FetchMarkets is { } fetch
            ? ct => fetch(VenueConnection.Direct(replay.Client(), replay.Clock), ct)
            : replay.Connect<CoinbaseConnector>(descriptor.RestVenue!).GetMarketsAsync;
        var catalog = await markets(CancellationToken.None);
        var client = new StreamClient(descriptor.Create(), markets, new StreamClientOptions
        {
            Endpoint = new Uri($"{descriptor.ReplayEndpoint(replay.Server.BaseAddress)}?speed=0"),
            TimeProvider = replay.Clock,
        });
        var run = new Run(client, catalog, symbols);
        await client.StartAsync();
        return run;
    }

    private static List<RecordedFrame> V2Frames(string file) => CaptureV2Reader.Read(Path.Combine(TestData.Root, "ws-captures", "v2", file)).Frames.ToList();

    private static NaiveBook Book(Dictionary<string, NaiveBook> books, string symbol, int depth)
        => books.TryGetValue(symbol, out var book) ? book : books[symbol] = new NaiveBook(depth);

    private static List<(string, decimal, string)> Trades(Dictionary<string, List<(string, decimal, string)>> trades, string symbol)
        => trades.TryGetValue(symbol, out var list) ? list : trades[symbol] = [];

    private static List<(decimal, decimal)> Pairs(JsonElement levels) => levels.EnumerateArray().Select(l => (StreamReplayKit.Dec(l[0]), StreamReplayKit.Dec(l[1]))).ToList();

    private static List<(decimal, decimal)> Objects(JsonElement levels) => levels.EnumerateArray().Select(l => (StreamReplayKit.Dec(l.GetProperty("price")), StreamReplayKit.Dec(l.GetProperty("qty")))).ToList();

    /// <summary>One client with book and trade consumers per instrument.</summary>
    private sealed class Run : IAsyncDisposable
    {
        private readonly StreamClient _client;
        private readonly List<(Market Market, StreamSubscriber Books, StreamSubscriber Trades)> _consumers;

        public Run(StreamClient client, MarketCatalog markets, IEnumerable<string> symbols)
        {
            _client = client;
            _consumers = symbols.Select(s => markets.Get(Instrument.Parse(s)))
                .Select(m => (m, client.Subscribe(StreamChannel.Book, m.Instrument), client.Subscribe(StreamChannel.Trades, m.Instrument)))
                .ToList();
        }

        /// <summary>Reads every consumer to the end of the recording and compares with the naive books and recorded trades (keyed by stream symbol).</summary>
        public async Task AssertAsync(Func<Market, string> key, Dictionary<string, NaiveBook> naive, Dictionary<string, List<(string, decimal, string)>> trades, int depth)
        {
            var totalTrades = 0;
            foreach (var (market, books, tradeConsumer) in _consumers)
            {
                var symbol = key(market);
                var events = await StreamReplayKit.ReadUntilAsync(books, StreamReplayKit.IsReconnecting);
                var rebuilt = StreamReplayKit.Rebuild(events, depth);
                Assert.NotEmpty(events.OfType<BookSnapshotEvent>());
                Assert.Empty(events.OfType<GapEvent>());
                Assert.True(naive[symbol].Bids.Count + naive[symbol].Asks.Count > 0, $"{symbol}: the recording has no book");
                Assert.Equal(naive[symbol].Bids, rebuilt.Bids);
                Assert.Equal(naive[symbol].Asks, rebuilt.Asks);

                var read = await StreamReplayKit.ReadUntilAsync(tradeConsumer, StreamReplayKit.IsReconnecting);
                Assert.Empty(read.OfType<GapEvent>());
                var got = read.OfType<TradeEvent>().Select(t => (t.Trade.Id, t.Trade.Price, t.Trade.RawSide ?? "")).ToList();
                Assert.Equal(trades.GetValueOrDefault(symbol) ?? [], got);
                totalTrades += got.Count;
            }

            Assert.True(totalTrades > 0, "no trades streamed");
            var health = _client.Health();
            Assert.Equal(0, health.ParseErrors);
            Assert.Equal(0, _client.BookStats.ChecksumFailures);
        }

        public ValueTask DisposeAsync() => _client.DisposeAsync();
    }
}

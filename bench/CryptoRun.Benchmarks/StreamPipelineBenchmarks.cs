using System.Text;
using BenchmarkDotNet.Attributes;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Replay;
using CryptoRun.Replay.Recordings;
using CryptoRun.Streaming;
using CryptoRun.Venues.Binance;
using CryptoRun.Venues.Kraken;
using CryptoRun.Venues.Okx;

namespace CryptoRun.Benchmarks;

/// <summary>
/// The hot tier's receive loop on one core, without the socket: each recorded frame (UTF-8, as received) goes through
/// <see cref="StreamConnection.Process"/> exactly as the loop runs it — provenance stamp, venue parser, symbol
/// resolution, normalized events, books kept in sync (Kraken/OKX CRC32 on every update, Binance sequence rules), and a
/// write to each consumer's bounded buffer — and the consumer's buffers are drained on the same core every 64 frames.
/// One operation = one frame. Targets (issue 5): 1,000,000 Binance trades/s; 500,000 book deltas/s with checksums.
/// </summary>
[MemoryDiagnoser]
public class StreamPipelineBenchmarks
{
    private Pipeline _binanceTrades = null!;
    private Pipeline _binanceUsdm = null!;
    private Pipeline _kraken = null!;
    private Pipeline _okx = null!;

    /// <summary>Loops of the Binance USD-M aggTrade frames per operation batch (the capture has 91).</summary>
    public const int TradeLoops = 100;

    [GlobalSetup]
    public void Setup()
    {
        var usdmFrames = Frames("BINANCE_FUTURES.ws.1.0");
        _binanceTrades = Pipeline.Create(
            BinanceStreamProtocol.UsdM,
            usdmFrames.Where(f => f.AsSpan().IndexOf("@aggTrade"u8) >= 0).ToArray(),
            BinanceMarkets(usdmFrames),
            [StreamChannel.Trades]);
        _binanceUsdm = Pipeline.Create(BinanceStreamProtocol.UsdM, usdmFrames, BinanceMarkets(usdmFrames), [StreamChannel.Trades, StreamChannel.Book, StreamChannel.Ticker, StreamChannel.Candles]);
        foreach (var response in CaptureReader.Read(RecordedData.PathOf("ws-captures", "v1", "BINANCE_FUTURES.http.0.0")).Responses.Where(r => r.Url.Contains("/depth?", StringComparison.Ordinal)))
        {
            var symbol = response.Url.Split("symbol=")[1].Split('&')[0];
            var snapshot = new BookMessage();
            BinanceBookSync.ParseSnapshot(Encoding.UTF8.GetBytes(response.Body), symbol, snapshot);
            snapshot.IsSnapshot = true;
            _binanceUsdm.Snapshots.Add((_binanceUsdm.Markets.Single(m => m.VenueSymbol == symbol).Instrument, snapshot));
        }

        var krakenFrames = Frames("KRAKEN.ws.50.0");
        _kraken = Pipeline.Create(new KrakenStreamProtocol(), krakenFrames, KrakenMarkets(krakenFrames), [StreamChannel.Trades, StreamChannel.Book, StreamChannel.Ticker]);
        var okxFrames = Frames("OKX.ws.1.0");
        _okx = Pipeline.Create(new OkxStreamProtocol(), okxFrames, OkxMarkets(), [StreamChannel.Trades, StreamChannel.Book, StreamChannel.Ticker]);
        Console.WriteLine($"frames: binance-usdm aggTrade {_binanceTrades.Frames.Length}, binance-usdm {_binanceUsdm.Frames.Length}, kraken {_kraken.Frames.Length}, okx {_okx.Frames.Length}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        // BenchmarkDotNet runs each benchmark in its own process: check the pipelines this one drove.
        foreach (var pipeline in new[] { _binanceTrades, _binanceUsdm, _kraken, _okx }.Where(p => p.Client.Health().Frames > 0))
        {
            pipeline.Check();
        }
    }

    [Benchmark(Description = "Binance USD-M aggTrade -> TradeEvent (per frame)", OperationsPerInvoke = 91 * TradeLoops)]
    public long BinanceTrades()
    {
        long events = 0;
        for (var i = 0; i < TradeLoops; i++)
        {
            events += _binanceTrades.RunOnce();
        }

        return events;
    }

    [Benchmark(Description = "Binance USD-M all streams: depth (from REST snapshots), bookTicker, aggTrade, kline (per frame)", OperationsPerInvoke = 1535)]
    public long BinanceUsdm() => _binanceUsdm.RunOnce();

    [Benchmark(Description = "Kraken book-1000 (CRC32 per update), trade, ticker (per frame)", OperationsPerInvoke = 4325)]
    public long Kraken() => _kraken.RunOnce();

    [Benchmark(Description = "OKX books (CRC32 per update), trades, tickers (per frame)", OperationsPerInvoke = 410)]
    public long Okx() => _okx.RunOnce();

    internal static byte[][] Frames(string file)
        => CaptureReader.Read(RecordedData.PathOf("ws-captures", "v1", file)).Frames.Select(f => Encoding.UTF8.GetBytes(f.Payload)).ToArray();

    private static List<Market> BinanceMarkets(byte[][] frames)
        => frames.Select(f => Encoding.UTF8.GetString(f))
            .Select(f => f.IndexOf("\"s\":\"", StringComparison.Ordinal) is var at and >= 0 ? f[(at + 5)..f.IndexOf('"', at + 5)] : null)
            .OfType<string>().Distinct()
            .Select(s => new Market(new Instrument(s[..^4], "USDT", "USDT"), s, MarketKind.Perpetual, true))
            .ToList();

    internal static List<Market> KrakenMarkets(byte[][] frames)
        => frames.Select(f => Encoding.UTF8.GetString(f))
            .Where(f => f.StartsWith('[') && f.EndsWith("\"]", StringComparison.Ordinal))
            .Select(f => f[(f.LastIndexOf(",\"", StringComparison.Ordinal) + 2)..^2])
            .Distinct()
            .Select(pair => new Market(new Instrument(pair.Split('/')[0], pair.Split('/')[1]), pair.Replace("/", "", StringComparison.Ordinal), MarketKind.Spot, true, null, [pair]))
            .ToList();

    private static List<Market> OkxMarkets()
        => [new Market(new Instrument("BTC", "USDT"), "BTC-USDT", MarketKind.Spot, true), new Market(new Instrument("UNI", "USD", "UNI"), "UNI-USD-SWAP", MarketKind.Perpetual, true)];

    /// <summary>One venue's offline connection with its consumers.</summary>
    internal sealed class Pipeline
    {
        private readonly List<StreamSubscriber> _subscribers = [];
        private long _drained;

        private Pipeline(StreamClient client, StreamConnection connection, byte[][] frames, List<Market> markets)
        {
            Client = client;
            Connection = connection;
            Frames = frames;
            Markets = markets;
        }

        public StreamClient Client { get; }

        public StreamConnection Connection { get; }

        public byte[][] Frames { get; }

        public List<Market> Markets { get; }

        public List<(Instrument Instrument, BookMessage Snapshot)> Snapshots { get; } = [];

        public static Pipeline Create(IStreamProtocol protocol, byte[][] frames, List<Market> markets, StreamChannel[] channels)
        {
            var catalog = new MarketCatalog(protocol.Venue, markets);
            using var http = new HttpClient();
            var client = new StreamClient(protocol, _ => Task.FromResult(catalog), new StreamClientOptions { Rest = VenueConnection.Direct(http, TimeProvider.System), ConsumerBufferSize = 1 << 16 });
            var subscribers = new List<StreamSubscriber>();
            foreach (var market in markets)
            {
                foreach (var channel in channels)
                {
                    subscribers.Add(client.Subscribe(channel, market.Instrument));
                }
            }

            var connection = client.OpenOfflineAsync().GetAwaiter().GetResult();
            var pipeline = new Pipeline(client, connection, frames, markets);
            pipeline._subscribers.AddRange(subscribers);
            return pipeline;
        }

        /// <summary>Every frame once (books start again from their snapshots); returns the events the consumers read.</summary>
        public long RunOnce()
        {
            foreach (var (instrument, snapshot) in Snapshots)
            {
                Connection.InjectSnapshot(instrument, snapshot);
            }

            long events = 0;
            for (var i = 0; i < Frames.Length; i++)
            {
                Connection.Process(Frames[i]);
                if ((i & 63) == 63)
                {
                    events += Drain();
                }
            }

            return events + Drain();
        }

        /// <summary>Fails the run when the pipeline did not do the work it claims (nothing read, parse errors, checksum failures, dropped events).</summary>
        public void Check()
        {
            var health = Client.Health();
            if (_drained == 0 || health.ParseErrors > 0 || health.ChecksumFailures > 0 || health.DroppedForSlowConsumers > 0)
            {
                throw new InvalidOperationException($"{Client.Venue}: {_drained} events read, {health}");
            }

            Console.WriteLine($"{Client.Venue}: {_drained} events read over {health.Frames} frames; checksums {health.ChecksumPasses} passed; book messages {Client.BookStats.Messages}");
        }

        private long Drain()
        {
            long count = 0;
            foreach (var subscriber in _subscribers)
            {
                count += subscriber.DrainBuffered();
            }

            _drained += count;
            return count;
        }
    }
}

using BenchmarkDotNet.Attributes;
using CryptoRun.CandleFiles;
using CryptoRun.Domain;
using CryptoRun.Venues.Binance;
using CryptoRun.Venues.Coinbase;
using CryptoRun.Venues.Kraken;
using CryptoRun.Venues.Okx;

namespace CryptoRun.Benchmarks;

/// <summary>
/// Candle parse throughput per venue format, on one core: each benchmark parses one full page of
/// real AVAX/USDT candles as the venue serves it (Binance 1000 and 1500, OKX 300, Coinbase 300,
/// Kraken 720). Reported per candle (OperationsPerInvoke = candles in the page): candles/s = 1e9 / ns.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 15)]
public class CandleParseBenchmarks
{
    private byte[] _binanceSpot = [];
    private byte[] _binanceUsdm = [];
    private byte[] _okx = [];
    private byte[] _coinbase = [];
    private byte[] _kraken = [];

    [GlobalSetup]
    public void Setup()
    {
        var start = BenchData.AvaxStart;
        var server = BenchData.StartReplayAsync().GetAwaiter().GetResult();
        try
        {
            _binanceSpot = BenchData.PageAsync(server, $"api/v3/klines?symbol=AVAXUSDT&interval=1m&startTime={start}&limit=1000").GetAwaiter().GetResult();
            _binanceUsdm = BenchData.PageAsync(server, $"fapi/v1/klines?symbol=AVAXUSDT&interval=1m&startTime={start}&limit=1500").GetAwaiter().GetResult();
            _okx = BenchData.PageAsync(server, $"api/v5/market/history-candles?instId=AVAX-USDT-SWAP&bar=1m&after={start + (300 * 60_000)}&limit=300").GetAwaiter().GetResult();
            _coinbase = BenchData.PageAsync(server, "products/AVAX-USDT/candles?granularity=60&start=2026-07-01T00:00:00Z&end=2026-07-01T04:59:00Z").GetAwaiter().GetResult();
            _kraken = BenchData.PageAsync(server, "0/public/OHLC?pair=AVAXUSDT&interval=1").GetAwaiter().GetResult();
        }
        finally
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        Check(BinanceParser.ParseKlines(_binanceSpot).Count, 1000);
        Check(BinanceParser.ParseKlines(_binanceUsdm).Count, 1500);
        Check(OkxParser.ParseCandles("okx", _okx).Count, 300);
        Check(CoinbaseParser.ParseCandles(_coinbase).Count, 300);
        Check(KrakenParser.ParseOhlc("kraken", _kraken).Candles.Count, 720);
    }

    [Benchmark(OperationsPerInvoke = 1000, Description = "Binance spot klines (1000/page)")]
    public List<Candle> BinanceSpotKlines() => BinanceParser.ParseKlines(_binanceSpot);

    [Benchmark(OperationsPerInvoke = 1500, Description = "Binance USD-M klines (1500/page)")]
    public List<Candle> BinanceUsdmKlines() => BinanceParser.ParseKlines(_binanceUsdm);

    [Benchmark(OperationsPerInvoke = 300, Description = "OKX candles (300/page)")]
    public object OkxCandles() => OkxParser.ParseCandles("okx", _okx);

    [Benchmark(OperationsPerInvoke = 300, Description = "Coinbase candles (300/page)")]
    public List<Candle> CoinbaseCandles() => CoinbaseParser.ParseCandles(_coinbase);

    [Benchmark(OperationsPerInvoke = 720, Description = "Kraken OHLC (720/page)")]
    public object KrakenOhlc() => KrakenParser.ParseOhlc("kraken", _kraken);

    [Benchmark(OperationsPerInvoke = 44_640, Description = "CSV file: Binance dump (44,640 rows)")]
    public CandleFile BinanceDumpFile() => CandleFileReader.Read(BenchData.AvaxMonth);

    private static void Check(int actual, int expected)
    {
        if (actual != expected)
        {
            throw new InvalidOperationException($"benchmark page holds {actual} candles, expected {expected}");
        }
    }
}

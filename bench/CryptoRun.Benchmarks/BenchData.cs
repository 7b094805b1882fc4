using CryptoRun.Domain;
using CryptoRun.Replay;

namespace CryptoRun.Benchmarks;

/// <summary>Real data for benchmarks: the recordings, and venue-format pages served from them by the replay venue.</summary>
internal static class BenchData
{
    internal static string AvaxMonth => RecordedData.PathOf("ohlcv", "binance-usdm_AVAXUSDT-1m-2026-07.csv");

    internal static long AvaxStart => DateTimeOffset.Parse("2026-07-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    /// <summary>A replay venue serving the AVAX month as every venue (spot venues as AVAX/USDT, derivative venues as the perpetual), without rate limits.</summary>
    internal static Task<ReplayServer> StartReplayAsync()
    {
        // Benchmarks measure serving and parsing, not the venues' rate limits.
        var options = new ReplayOptions { EnforceLimits = false };
        foreach (var (venue, symbol) in new[] { ("binance", "AVAX/USDT"), ("binance-usdm", "AVAX/USDT:USDT"), ("okx", "AVAX/USDT:USDT"), ("coinbase", "AVAX/USDT"), ("kraken", "AVAX/USDT") })
        {
            options.Candles.Add(new ReplayCandleSource(venue, Instrument.Parse(symbol), Timeframe.M1, AvaxMonth));
        }

        return ReplayServer.StartAsync(options);
    }

    /// <summary>GETs one page from the replay venue.</summary>
    internal static async Task<byte[]> PageAsync(ReplayServer server, string pathAndQuery)
    {
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        return await http.GetByteArrayAsync(new Uri(pathAndQuery, UriKind.Relative));
    }
}

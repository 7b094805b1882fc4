using CryptoRun.Replay;

namespace CryptoRun.Tests.TestSupport;

/// <summary>Paths into the real recorded data (CRYPTORUN_DATA, else ../shared/data from the repository root).</summary>
internal static class TestData
{
    internal static string Root => RecordedData.Root();

    /// <summary>The repository root: the folder holding CryptoRun.slnx above the test binaries.</summary>
    internal static string RepositoryRoot
    {
        get
        {
            var folder = new DirectoryInfo(AppContext.BaseDirectory);
            while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "CryptoRun.slnx")))
            {
                folder = folder.Parent;
            }

            return folder?.FullName ?? throw new InvalidOperationException($"no CryptoRun.slnx above {AppContext.BaseDirectory}");
        }
    }

    internal static string Ohlcv(string file) => Path.Combine(Root, "ohlcv", file);

    internal static string Capture(string file) => Path.Combine(Root, "ws-captures", "v1", file);

    internal static string RestSample(string venue, string file) => Path.Combine(Root, "rest-samples", venue, file);

    internal static string AvaxMonth => Ohlcv("binance-usdm_AVAXUSDT-1m-2026-07.csv");

    internal static string CoinbaseMinute => Ohlcv("Coinbase_BTCUSD_minute.csv");

    internal static string CoinbaseHour => Ohlcv("Coinbase_BTCUSD_1h.csv");

    /// <summary>The body of the first recorded HTTP response in a v1 capture file whose URL contains <paramref name="urlPart"/>.</summary>
    internal static byte[] RecordedResponse(string captureFile, string urlPart)
    {
        foreach (var line in File.ReadLines(Capture(captureFile)))
        {
            var arrow = line.IndexOf(" -> ", StringComparison.Ordinal);
            if (arrow > 0 && line[..arrow].Contains(urlPart, StringComparison.Ordinal))
            {
                var rest = line[(arrow + 4)..];
                return System.Text.Encoding.UTF8.GetBytes(rest[(rest.IndexOf(": ", StringComparison.Ordinal) + 2)..]);
            }
        }

        throw new InvalidOperationException($"{captureFile} has no recorded response for {urlPart}");
    }
}

namespace CryptoRun.Replay;

/// <summary>
/// Finds the real recorded market data (<c>shared/data</c>): the folder named by the
/// <c>CRYPTORUN_DATA</c> environment variable, else <c>../shared/data</c> next to the repository root
/// (the folder holding <c>CryptoRun.slnx</c>), searched upward from the working directory and from
/// the program's own folder.
/// </summary>
public static class RecordedData
{
    /// <summary>The environment variable that names the data folder.</summary>
    public const string EnvironmentVariable = "CRYPTORUN_DATA";

    /// <summary>The data folder.</summary>
    /// <returns>The absolute path of the folder holding <c>ohlcv/</c>, <c>ws-captures/</c> and <c>rest-samples/</c>.</returns>
    /// <exception cref="DirectoryNotFoundException">Neither <c>CRYPTORUN_DATA</c> nor <c>../shared/data</c> from the repository root exists; the message says where it looked.</exception>
    public static string Root()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return Directory.Exists(fromEnvironment)
                ? Path.GetFullPath(fromEnvironment)
                : throw new DirectoryNotFoundException($"{EnvironmentVariable} names {Configuration.InputText.Quote(fromEnvironment)}, which is not a folder");
        }

        var tried = new List<string>();
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "CryptoRun.slnx")))
                {
                    var candidate = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data"));
                    if (Directory.Exists(candidate))
                    {
                        return candidate;
                    }

                    tried.Add(candidate);
                    break;
                }
            }
        }

        throw new DirectoryNotFoundException(
            $"recorded data not found: set {EnvironmentVariable} to the shared/data folder"
            + (tried.Count > 0 ? $" (looked in {string.Join(", ", tried.Distinct())})" : " (no CryptoRun.slnx above the working directory)"));
    }

    /// <summary>A path inside the data folder.</summary>
    /// <param name="parts">Path parts below the root, for example <c>"ohlcv", "Coinbase_BTCUSD_minute.csv"</c>.</param>
    /// <returns>The combined absolute path.</returns>
    /// <exception cref="DirectoryNotFoundException">The data folder cannot be found.</exception>
    public static string PathOf(params string[] parts) => Path.Combine([Root(), .. parts]);
}

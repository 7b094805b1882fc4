using System.Security.Cryptography;
using CryptoRun.Tests.TestSupport;
using static CryptoRun.Tests.Storage.StoreKit;

namespace CryptoRun.Tests.Cli;

/// <summary>
/// What the store commands say about the store and the files they are given: a foreign database is
/// refused untouched, directories and empty paths are called what they are, every store-open error
/// names the path, and candle files that would make the store lie are refused before it is opened.
/// </summary>
public sealed class StoreInputCommandTests
{
    private static readonly string[] CoinbaseMinutes = ["--venue", "coinbase", "--symbol", "BTC/USD", "--timeframe", "1m"];

    private static readonly string[] CoinbaseHours = ["--venue", "coinbase", "--symbol", "BTC/USD", "--timeframe", "1h"];

    [Fact]
    public async Task Import_DbIsAForeignDatabaseWithClashingTables_Exits5NotACryptoRunStoreAndLeavesItByteForByte()
    {
        using var dir = new TempDir();
        var db = dir.File("notes.db");
        Execute(db, """
            PRAGMA journal_mode = DELETE;
            CREATE TABLE series (id INTEGER PRIMARY KEY, title TEXT NOT NULL);
            CREATE TABLE candles (id INTEGER PRIMARY KEY, colour TEXT);
            INSERT INTO series (title) VALUES ('a series of notes');
            """);
        var before = Hash(db);

        var import = await new CliRun(dir.Path).RunAsync(["history", "import", TestData.CoinbaseHour, .. CoinbaseHours, "--db", db]);
        var coverage = await new CliRun(dir.Path).RunAsync("history", "coverage", "--db", db);

        Assert.Equal(5, import.ExitCode);
        Assert.Contains($"{db} is not a CryptoRun store", import.Error, StringComparison.Ordinal);
        Assert.Equal(5, coverage.ExitCode);
        Assert.Contains($"{db} is not a CryptoRun store", coverage.Error, StringComparison.Ordinal);
        Assert.Equal(before, Hash(db));
    }

    [Fact]
    public async Task Import_DbIsATextFile_Exits5NotACryptoRunStoreAndLeavesItByteForByte()
    {
        using var dir = new TempDir();
        var db = dir.Write("prices.csv", "open_time,open,high,low,close,volume\n2026-07-01T00:00:00Z,6.5,6.6,6.4,6.55,10\n");
        var before = Hash(db);

        var import = await new CliRun(dir.Path).RunAsync(["history", "import", TestData.CoinbaseHour, .. CoinbaseHours, "--db", db]);

        Assert.Equal(5, import.ExitCode);
        Assert.Contains($"{db} is not a CryptoRun store", import.Error, StringComparison.Ordinal);
        Assert.Equal(before, Hash(db));
    }

    [Fact]
    public async Task Commands_DbIsADirectory_Exit2SayingItIsADirectory()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("stores"));

        var import = await new CliRun(dir.Path).RunAsync(["history", "import", TestData.CoinbaseHour, .. CoinbaseHours, "--db", "stores"]);
        var export = await new CliRun(dir.Path).RunAsync(["history", "export", .. CoinbaseHours, "--db", "stores"]);

        Assert.Equal(2, import.ExitCode);
        Assert.Contains($"--db '{dir.File("stores")}' is a directory", import.Error, StringComparison.Ordinal);
        Assert.Equal(2, export.ExitCode);
        Assert.Contains($"--db '{dir.File("stores")}' is a directory", export.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("does not exist", export.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commands_DbIsEmpty_Exit2SayingSoNotNamingTheWorkingDirectory()
    {
        using var dir = new TempDir();

        var export = await new CliRun(dir.Path).RunAsync(["history", "export", .. CoinbaseHours, "--db", ""]);
        var import = await new CliRun(dir.Path).RunAsync(["history", "import", TestData.CoinbaseHour, .. CoinbaseHours, "--db", " "]);
        var demo = await new CliRun(dir.Path).RunAsync("demo", "--db", "");

        Assert.Equal(2, demo.ExitCode);
        Assert.Contains("--db is empty", demo.Error, StringComparison.Ordinal);
        Assert.Equal(2, export.ExitCode);
        Assert.Contains("--db is empty", export.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(dir.Path, export.Error, StringComparison.Ordinal);
        Assert.Equal(2, import.ExitCode);
        Assert.Contains("--db is empty", import.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_DbUnderAFileNotAFolder_Exits5NamingThePath()
    {
        using var dir = new TempDir();
        dir.Write("plain", "a file, not a folder");
        var db = Path.Combine(dir.File("plain"), "cryptorun.db");

        var import = await new CliRun(dir.Path).RunAsync(["history", "import", TestData.CoinbaseHour, .. CoinbaseHours, "--db", db]);

        Assert.Equal(5, import.ExitCode);
        Assert.Contains(db, import.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", import.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_FileIsADirectory_Exits2SayingItIsADirectory()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("candles"));

        var import = await new CliRun(dir.Path).RunAsync(["history", "import", "candles", .. CoinbaseMinutes]);

        Assert.Equal(2, import.ExitCode);
        Assert.Contains($"FILE '{dir.File("candles")}' is a directory", import.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("cryptorun.db")));
    }

    [Fact]
    public async Task Import_HourlyFileAsMinutes_Exits4NamingTheSpacingAndStoresNothing()
    {
        using var dir = new TempDir();

        var import = await new CliRun(dir.Path).RunAsync(["history", "import", TestData.CoinbaseHour, .. CoinbaseMinutes]);

        Assert.Equal(4, import.ExitCode);
        Assert.Contains("1h apart", import.Error, StringComparison.Ordinal);
        Assert.Contains("--timeframe 1h", import.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("cryptorun.db")));
    }

    [Fact]
    public async Task Import_HeaderOnlyFile_Exits4NoCandlesAndWritesNothing()
    {
        using var dir = new TempDir();
        var file = dir.Write("header.csv", "open_time,open,high,low,close,volume\n");
        var empty = dir.Write("empty.csv", "");

        var header = await new CliRun(dir.Path).RunAsync(["history", "import", file, .. CoinbaseMinutes]);
        var nothing = await new CliRun(dir.Path).RunAsync(["history", "import", empty, .. CoinbaseMinutes]);

        Assert.Equal(4, header.ExitCode);
        Assert.Contains($"{file}: no candles", header.Error, StringComparison.Ordinal);
        Assert.Equal(4, nothing.ExitCode);
        Assert.Contains($"{empty}: no candles", nothing.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("cryptorun.db")), "a file without candles wrote a store");
    }

    [Theory]
    [InlineData("9999-12-31T23:59:00Z")]
    [InlineData("2100-01-01T00:00:00Z")]
    [InlineData("1969-12-31T23:59:00Z")]
    public async Task Import_CandleOutsideTheAcceptedTimes_Exits4NamingTheLineAndStoresNothing(string time)
    {
        using var dir = new TempDir();
        var file = dir.Write("edge.csv", $"open_time,open,high,low,close,volume\n2026-07-01T00:00:00Z,6.5,6.6,6.4,6.55,10\n{time},6.5,6.6,6.4,6.55,10\n");

        var import = await new CliRun(dir.Path).RunAsync(["history", "import", file, .. CoinbaseMinutes]);

        Assert.Equal(4, import.ExitCode);
        Assert.Contains($"{file}:3: ", import.Error, StringComparison.Ordinal);
        Assert.Contains("1970-01-01 to 2100-01-01", import.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("cryptorun.db")));
    }

    [Fact]
    public async Task CoverageAndGaps_StoreHoldingAFarFutureCandleFromAnEarlierBuild_DoNotCrashAndReportIt()
    {
        using var dir = new TempDir();
        var cli = new CliRun(dir.Path);
        var file = dir.Write("one.csv", "open_time,open,high,low,close,volume\n2026-07-01T00:00:00Z,6.5,6.6,6.4,6.55,10\n");
        Assert.Equal(0, (await cli.RunAsync(["history", "import", file, .. CoinbaseMinutes])).ExitCode);
        // What an earlier build stored from a file holding 9999-12-31T23:59Z: the candle and its window.
        Execute(dir.File("cryptorun.db"), """
            INSERT INTO candles (series_id, open_time, open, high, low, close, volume, provider_name, fetched_at_utc, fetch_status, fetch_id)
            SELECT series_id, 253402300740000, open, high, low, close, volume, provider_name, fetched_at_utc, fetch_status, fetch_id FROM candles;
            INSERT INTO fetched_windows (series_id, from_ms, to_ms, fetch_id)
            SELECT series_id, 253402300740000, 253402300800000, fetch_id FROM fetched_windows;
            """);

        var coverage = await cli.RunAsync("history", "coverage");
        var gaps = await cli.RunAsync(["history", "gaps", .. CoinbaseMinutes]);
        var export = await cli.RunAsync(["history", "export", .. CoinbaseMinutes]);

        Assert.True(coverage.ExitCode == 0, coverage.Error);
        Assert.Contains("coinbase", coverage.Out, StringComparison.Ordinal);
        Assert.Contains("1 candle outside", coverage.Error, StringComparison.Ordinal);
        Assert.True(gaps.ExitCode == 0, gaps.Error);
        Assert.Contains("1 candle outside", gaps.Error, StringComparison.Ordinal);
        Assert.True(export.ExitCode == 0, export.Error);
        Assert.StartsWith("9999-12-31T23:59:00Z,", export.Lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_DevZero_Exits4AtOnceSayingItIsBinary()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        using var dir = new TempDir();

        var import = await new CliRun(dir.Path).RunAsync(["history", "import", "/dev/zero", .. CoinbaseMinutes]);

        Assert.Equal(4, import.ExitCode);
        Assert.Contains("/dev/zero:1: ", import.Error, StringComparison.Ordinal);
        Assert.Contains("NUL", import.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("cryptorun.db")));
    }

    [Fact]
    public async Task Import_OneHugeLine_Exits4WithAShortMessageNamingTheLine()
    {
        using var dir = new TempDir();
        var file = dir.Write("huge.csv", "open_time,open,high,low,close,volume\n" + new string('7', 3_000_000) + "\n");

        var import = await new CliRun(dir.Path).RunAsync(["history", "import", file, .. CoinbaseMinutes]);

        Assert.Equal(4, import.ExitCode);
        Assert.Contains($"{file}:2: ", import.Error, StringComparison.Ordinal);
        Assert.Contains("longer than", import.Error, StringComparison.Ordinal);
        Assert.True(import.Error.Length < 1_000, $"the error echoed {import.Error.Length} characters");
    }

    [Fact]
    public async Task Fetch_WhollyFutureRange_Exits2SayingNoCandleHasClosedAndCreatesNoStore()
    {
        using var dir = new TempDir();
        var cli = new CliRun(dir.Path, new ManualClock(ReplayFixture.Now));

        var fetch = await cli.RunAsync(["history", "fetch", .. CoinbaseMinutes, "--from", "2030-01-01", "--to", "2030-01-02", "--endpoint", "coinbase=http://127.0.0.1:9/"]);

        Assert.Equal(2, fetch.ExitCode);
        Assert.Contains("no 1m candle", fetch.Error, StringComparison.Ordinal);
        Assert.Contains("has closed yet", fetch.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("already holds", fetch.Out + fetch.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("cryptorun.db")));
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}

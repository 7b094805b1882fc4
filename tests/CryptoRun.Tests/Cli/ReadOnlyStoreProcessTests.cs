using System.Diagnostics;
using System.Security.Cryptography;
using CryptoRun.Cli;
using CryptoRun.Tests.TestSupport;
using static CryptoRun.Tests.Storage.StoreKit;

namespace CryptoRun.Tests.Cli;

/// <summary>
/// The read commands (<c>history export|coverage|gaps</c>, <c>bars export</c>) on a store the user may
/// read but not write: the built <c>cryptorun</c> runs as a process without write access to the file
/// or its folder (as the unprivileged user <c>nobody</c> through <c>setpriv</c> when the tests run as
/// root, whom file modes do not stop).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ReadOnlyStoreProcessTests
{
    private static readonly string[] CoinbaseMinutes = ["--venue", "coinbase", "--symbol", "BTC/USD", "--timeframe", "1m"];

    [Fact]
    public async Task ReadCommands_StoreTheUserCannotWrite_ReadItAndWriteNothing()
    {
        using var dir = new TempDir();
        var folder = dir.File("shelf");
        Directory.CreateDirectory(folder);
        var cli = new CliRun(folder);
        Assert.Equal(0, (await cli.RunAsync(["history", "import", TestData.CoinbaseMinute, .. CoinbaseMinutes])).ExitCode);
        Assert.Equal(0, (await cli.RunAsync("bars", "materialize", "--venue", "coinbase", "--symbol", "BTC/USD", "--timeframes", "1h")).ExitCode);
        var db = Path.Combine(folder, "cryptorun.db");
        var before = (Hash(db), Directory.GetFiles(folder));

        await using var readOnly = ReadOnly(folder);
        var export = await readOnly.RunAsync(["history", "export", .. CoinbaseMinutes, "--from", "2020-11-24T21:08:00Z", "--to", "2020-11-24T21:11:00Z"]);
        var coverage = await readOnly.RunAsync("history", "coverage");
        var gaps = await readOnly.RunAsync(["history", "gaps", .. CoinbaseMinutes]);
        var bars = await readOnly.RunAsync("bars", "export", "--venue", "coinbase", "--symbol", "BTC/USD", "--timeframe", "1h", "--from", "2020-12-01", "--to", "2020-12-01T02:00:00Z");

        Assert.True(export.ExitCode == 0, export.Error);
        Assert.Equal(3, export.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.True(coverage.ExitCode == 0, coverage.Error);
        Assert.Contains("27,950", coverage.Out, StringComparison.Ordinal);
        Assert.True(gaps.ExitCode == 0, gaps.Error);
        Assert.Contains("2020-11-24T21:09:00Z,2020-11-24T21:10:00Z,1,no_candle", gaps.Out, StringComparison.Ordinal);
        Assert.True(bars.ExitCode == 0, bars.Error);
        Assert.Equal(3, bars.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(before.Item1, Hash(db));
        Assert.Equal(before.Item2, Directory.GetFiles(folder));
    }

    [Fact]
    public async Task Export_OlderSchemaTheUserCannotWrite_Exits5SayingItIsOlderAndCannotBeMigrated_MigratedWhenWritable()
    {
        using var dir = new TempDir();
        var folder = dir.File("shelf");
        Directory.CreateDirectory(folder);
        var cli = new CliRun(folder);
        Assert.Equal(0, (await cli.RunAsync(["history", "import", TestData.CoinbaseMinute, .. CoinbaseMinutes])).ExitCode);
        var db = Path.Combine(folder, "cryptorun.db");
        // A store as the build before migration 5 left it: no lease table, no application id.
        Execute(db, "DELETE FROM schema_migrations WHERE version = 5; DROP TABLE backfill_leases; PRAGMA application_id = 0;");

        CliResult refused;
        await using (var readOnly = ReadOnly(folder))
        {
            refused = await readOnly.RunAsync(["history", "export", .. CoinbaseMinutes, "--from", "2020-11-24T21:08:00Z", "--to", "2020-11-24T21:11:00Z"]);
        }

        var migrated = await cli.RunAsync(["history", "export", .. CoinbaseMinutes, "--from", "2020-11-24T21:08:00Z", "--to", "2020-11-24T21:11:00Z"]);

        Assert.Equal(5, refused.ExitCode);
        Assert.Contains(db, refused.Error, StringComparison.Ordinal);
        Assert.Contains("schema version 4, older than this CryptoRun's 5", refused.Error, StringComparison.Ordinal);
        Assert.Contains("cannot be migrated", refused.Error, StringComparison.Ordinal);
        Assert.True(migrated.ExitCode == 0, migrated.Error);
        Assert.Equal(3, migrated.Lines.Length);
        Assert.Equal(5L, Count(db, "schema_migrations"));
    }

    [Fact]
    public async Task Import_NewStoreInAFolderTheUserCannotWrite_Exits5NamingThePath()
    {
        using var dir = new TempDir();
        var folder = dir.File("shelf");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "readme.txt"), "a folder the user may only read");

        CliResult import;
        await using (var readOnly = ReadOnly(folder))
        {
            import = await readOnly.RunAsync(["history", "import", TestData.CoinbaseHour, "--venue", "coinbase", "--symbol", "BTC/USD", "--timeframe", "1h", "--db", "new.db"]);
        }

        Assert.Equal(5, import.ExitCode);
        Assert.Contains($"cannot open the store {Path.Combine(folder, "new.db")}: ", import.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder, "new.db")));
    }

    private static UnprivilegedCli ReadOnly(string folder) => new(folder);

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>Runs <c>cryptorun</c> as a process that may read <c>folder</c> but not write it; restores the modes on dispose.</summary>
    private sealed class UnprivilegedCli : IAsyncDisposable
    {
        private readonly string _folder;
        private readonly bool _dropPrivileges;

        public UnprivilegedCli(string folder)
        {
            _folder = folder;
            foreach (var file in Directory.GetFiles(folder))
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }

            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

            // Root writes whatever the modes say: then the process runs as nobody.
            _dropPrivileges = CanWrite(Directory.GetFiles(folder)[0]);
        }

        public async Task<CliResult> RunAsync(params string[] args)
        {
            var start = _dropPrivileges
                ? new ProcessStartInfo("setpriv") { ArgumentList = { "--reuid=65534", "--regid=65534", "--clear-groups", "dotnet" } }
                : new ProcessStartInfo("dotnet");
            start.ArgumentList.Add(typeof(CliApp).Assembly.Location);
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            start.WorkingDirectory = _folder;
            start.RedirectStandardOutput = true;
            start.RedirectStandardError = true;
            start.UseShellExecute = false;
            start.Environment["HOME"] = Path.GetTempPath();
            start.Environment["DOTNET_CLI_HOME"] = Path.GetTempPath();
            start.Environment["DOTNET_NOLOGO"] = "1";
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await process.WaitForExitAsync(timeout.Token);
            return new CliResult(process.ExitCode, await output, await error);
        }

        public ValueTask DisposeAsync()
        {
            File.SetUnixFileMode(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            foreach (var file in Directory.GetFiles(_folder))
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            return ValueTask.CompletedTask;
        }

        private static bool CanWrite(string file)
        {
            try
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
                return true;
            }
            catch (UnauthorizedAccessException)
            {
                return false;
            }
        }
    }
}

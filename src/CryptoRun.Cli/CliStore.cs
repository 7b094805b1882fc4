using System.CommandLine;
using CryptoRun.Configuration;
using CryptoRun.Postgres;
using CryptoRun.Resilience;
using CryptoRun.Storage;
using CryptoRun.Storage.Sqlite;

namespace CryptoRun.Cli;

/// <summary>Which store a command uses: the SQLite file of <c>--db</c>, or the PostgreSQL server of <c>--store</c>.</summary>
/// <param name="DbPath">The SQLite file (full path), used when <paramref name="Uri"/> is null.</param>
/// <param name="Uri">The PostgreSQL address: <c>postgres://USER@HOST:PORT/DB</c> or an Npgsql connection string.</param>
internal sealed record StoreTarget(string DbPath, string? Uri)
{
    /// <summary>The <c>--store</c> option.</summary>
    internal static Option<string> Option()
        => new("--store") { Description = "PostgreSQL store instead of the SQLite file: postgres://USER@HOST:PORT/DB or an Npgsql connection string" };

    /// <summary>Reads <c>--db</c> and <c>--store</c>; giving both is a usage error.</summary>
    /// <exception cref="UsageException">Both were given, or <c>--db</c> is empty.</exception>
    internal static StoreTarget From(CliEnvironment environment, ParseResult parse, Option<string> db, Option<string> store)
    {
        var uri = parse.GetValue(store);
        if (uri is not null && parse.GetResult(db) is { Implicit: false })
        {
            throw new UsageException("give --db (a SQLite file) or --store (a PostgreSQL server), not both");
        }

        var path = parse.GetRequiredValue(db);
        return new StoreTarget(uri is null ? DbFile(environment, path) : environment.FullPath(path), uri);
    }

    /// <summary>The full path of a <c>--db</c> value, refusing what cannot be a store file.</summary>
    /// <exception cref="UsageException">The value is empty, or names a directory.</exception>
    internal static string DbFile(CliEnvironment environment, string value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new UsageException($"--db is empty: give the store file's path (the default is {CliOptions.DefaultDb})");
        }

        var path = environment.FullPath(value);
        return Directory.Exists(path)
            ? throw new UsageException($"--db {InputText.Quote(path)} is a directory, not a store file; give a file path such as {Path.Combine(path, CliOptions.DefaultDb)}")
            : path;
    }

    /// <summary>For people: the file path, or the server address without its password.</summary>
    internal string Describe => Uri is null ? DbPath : "PostgreSQL store";
}

/// <summary>What a command does with the store.</summary>
internal enum StoreAccess
{
    /// <summary>Writes, creating the store when the file is missing.</summary>
    Write,

    /// <summary>Writes to a store that must exist already.</summary>
    WriteExisting,

    /// <summary>Only reads: the SQLite file is opened read-only.</summary>
    Read,
}

/// <summary>An open store for a command: candles, bars, provider health and ingested snapshots on either store; the shared rate budget only on PostgreSQL.</summary>
internal sealed class CliStore : IAsyncDisposable
{
    private readonly IAsyncDisposable _owner;

    private CliStore(ICandleStore candles, IBarStore bars, IProviderHealthStore? health, ISnapshotStore? snapshots, ISharedRateBudget? sharedBudget, IAsyncDisposable owner)
    {
        Candles = candles;
        Bars = bars;
        Health = health;
        Snapshots = snapshots;
        SharedBudget = sharedBudget;
        _owner = owner;
    }

    /// <summary>The candle store.</summary>
    internal ICandleStore Candles { get; }

    /// <summary>The materialized-bar store.</summary>
    internal IBarStore Bars { get; }

    /// <summary>Provider health, when the store keeps it (SQLite and PostgreSQL both do).</summary>
    internal IProviderHealthStore? Health { get; }

    /// <summary>Ingested spot quotes, DEX snapshots and ingest gaps, when the store keeps them (SQLite and PostgreSQL both do).</summary>
    internal ISnapshotStore? Snapshots { get; }

    /// <summary>The cluster-wide rate budget every worker on the store shares (PostgreSQL); null on SQLite (one machine).</summary>
    internal ISharedRateBudget? SharedBudget { get; }

    /// <summary>Where the data lives, for people.</summary>
    internal string Location => Candles.Location;

    /// <summary>Opens the target's store.</summary>
    /// <param name="environment">The command's environment (its clock).</param>
    /// <param name="target">The store to open.</param>
    /// <param name="access">
    /// What the command does with it: <see cref="StoreAccess.Read"/> opens an existing SQLite file read-only (no
    /// migration, nothing written; an older schema is migrated only when the file can be written, else the
    /// command says so); <see cref="StoreAccess.WriteExisting"/> needs the file to exist; <see cref="StoreAccess.Write"/> creates it.
    /// </param>
    /// <param name="hint">What to do first when the file is missing.</param>
    /// <param name="cancellationToken">Cancels opening.</param>
    /// <exception cref="UsageException">The SQLite path is a directory, or the file is missing (readers), or the PostgreSQL address is malformed.</exception>
    /// <exception cref="StoreException">The store cannot be opened, is not a CryptoRun store, or has a schema this build cannot use; the message names it.</exception>
    internal static async Task<CliStore> OpenAsync(CliEnvironment environment, StoreTarget target, StoreAccess access, string hint, CancellationToken cancellationToken)
    {
        if (target.Uri is { } uri)
        {
            PostgresStore postgres;
            try
            {
                postgres = await PostgresStore.OpenAsync(uri, environment.TimeProvider, cancellationToken);
            }
            catch (ArgumentException ex)
            {
                throw new UsageException($"--store: {ex.Message.Split(" (Parameter", 2)[0]}");
            }

            return new CliStore(postgres, postgres, postgres, postgres, postgres, postgres);
        }

        if (Directory.Exists(target.DbPath))
        {
            throw new UsageException($"--db {InputText.Quote(target.DbPath)} is a directory, not a store file; give a file path such as {Path.Combine(target.DbPath, CliOptions.DefaultDb)}");
        }

        if (access != StoreAccess.Write && !File.Exists(target.DbPath))
        {
            throw new UsageException($"--db {InputText.Quote(target.DbPath)} does not exist; {hint}");
        }

        var sqlite = access == StoreAccess.Read
            ? await OpenForReadingAsync(environment, target.DbPath, cancellationToken)
            : await SqliteStore.OpenAsync(target.DbPath, environment.TimeProvider, cancellationToken);
        return new CliStore(sqlite, sqlite, sqlite, sqlite, null, sqlite);
    }

    /// <summary>Read-only; a store from an earlier build is migrated first when the file can be written (as any writing command would), and says why not otherwise.</summary>
    private static async Task<SqliteStore> OpenForReadingAsync(CliEnvironment environment, string path, CancellationToken cancellationToken)
    {
        try
        {
            return await SqliteStore.OpenReadOnlyAsync(path, environment.TimeProvider, cancellationToken);
        }
        catch (StoreException older) when (older.Problem == StoreProblem.SchemaOlder)
        {
            try
            {
                return await SqliteStore.OpenAsync(path, environment.TimeProvider, cancellationToken);
            }
            catch (StoreException write) when (write.Problem == StoreProblem.CannotOpen)
            {
                throw new StoreException(path, StoreProblem.SchemaOlder,
                    $"{older.Message}; it cannot be migrated here ({write.Message}): run this CryptoRun once on it where the file and its folder can be written (any history import or fetch migrates it), or use the CryptoRun that wrote it", write);
            }
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _owner.DisposeAsync();
}

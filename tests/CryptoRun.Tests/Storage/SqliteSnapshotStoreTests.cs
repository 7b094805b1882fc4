using CryptoRun.Storage.Sqlite;
using CryptoRun.Tests.TestSupport;
using static CryptoRun.Tests.Storage.StoreKit;

namespace CryptoRun.Tests.Storage;

/// <summary>The snapshot-store contract over SQLite: a fresh database file in a temp folder per test.</summary>
public sealed class SqliteSnapshotStoreTests : SnapshotStoreContract<SqliteStore>, IDisposable
{
    private readonly TempDir _dir = new();

    public override Task InitializeAsync() => Task.CompletedTask;

    public override Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _dir.Dispose();

    protected override Task<SqliteStore> OpenStoreAsync() => OpenAsync(_dir);

    protected override Task<long> CountAsync(string table) => Task.FromResult(Count(DbPath(_dir), table));

    protected override Task<object?> ScalarAsync(string sql) => Task.FromResult(Scalar(DbPath(_dir), sql));
}

using CryptoRun.Postgres;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Storage;

/// <summary>
/// The snapshot-store contract over PostgreSQL: a fresh schema per test in the server of
/// <c>CRYPTORUN_TEST_POSTGRES</c> (skipped when unset), dropped afterwards.
/// </summary>
[RequiresPostgres]
public sealed class PostgresSnapshotStoreTests : SnapshotStoreContract<PostgresStore>
{
    private readonly PostgresSchema _schema = new();

    public override Task InitializeAsync() => _schema.CreateAsync();

    public override Task DisposeAsync() => _schema.DropAsync();

    protected override Task<PostgresStore> OpenStoreAsync() => PostgresStore.OpenAsync(_schema.ConnectionString);

    protected override async Task<long> CountAsync(string table)
        => (long)(await _schema.ScalarAsync($"SELECT COUNT(*) FROM {table}"))!;

    protected override Task<object?> ScalarAsync(string sql) => _schema.ScalarAsync(sql);
}

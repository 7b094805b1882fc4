using System.Globalization;
using CryptoRun.Postgres;
using CryptoRun.Storage;
using CryptoRun.Tests.TestSupport;
using Npgsql;

namespace CryptoRun.Tests.Storage;

/// <summary>
/// The candle-store contract over PostgreSQL: a fresh schema per test in the server of
/// <c>CRYPTORUN_TEST_POSTGRES</c> (skipped when unset), dropped afterwards.
/// </summary>
[RequiresPostgres]
public sealed class PostgresCandleStoreTests : CandleStoreContract
{
    private readonly PostgresSchema _schema = new();
    private string? _faultTable;

    protected override int MigrationCount => PostgresMigrations.All.Count;

    protected override Type StoreErrorType => typeof(PostgresException);

    public override Task InitializeAsync() => _schema.CreateAsync();

    public override Task DisposeAsync() => _schema.DropAsync();

    protected override async Task<ICandleStore> OpenStoreAsync(TimeProvider? time = null)
        => await PostgresStore.OpenAsync(_schema.ConnectionString, time);

    protected override async Task<long> CountAsync(string table)
        => (long)(await _schema.ScalarAsync($"SELECT COUNT(*) FROM {table}"))!;

    protected override Task ExecuteRawAsync(string sql) => _schema.ExecuteAsync(sql);

    protected override Task<List<object?[]>> QueryRawAsync(string sql) => _schema.QueryAsync(sql);

    /// <summary>A trigger in the test's schema that makes the database refuse one row.</summary>
    protected override Task InjectFaultAsync(string table, long fromMs)
    {
        _faultTable = table;
        return _schema.ExecuteAsync(string.Create(CultureInfo.InvariantCulture, $"""
            CREATE FUNCTION injected_fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$;
            CREATE TRIGGER injected_fault BEFORE INSERT ON {table} FOR EACH ROW
            WHEN (NEW.{(table == "candles" ? "open_time" : "from_ms")} = {fromMs}) EXECUTE FUNCTION injected_fault();
            """));
    }

    protected override Task RemoveFaultAsync() => _schema.ExecuteAsync($"DROP TRIGGER injected_fault ON {_faultTable}");
}

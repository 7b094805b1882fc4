using System.Globalization;
using CryptoRun.Storage;
using CryptoRun.Storage.Sqlite;
using CryptoRun.Tests.TestSupport;
using Microsoft.Data.Sqlite;
using static CryptoRun.Tests.Storage.StoreKit;

namespace CryptoRun.Tests.Storage;

/// <summary>The candle-store contract over SQLite: a fresh database file in a temp folder per test.</summary>
public sealed class SqliteCandleStoreTests : CandleStoreContract, IDisposable
{
    private readonly TempDir _dir = new();

    protected override int MigrationCount => SqliteMigrations.All.Count;

    protected override Type StoreErrorType => typeof(SqliteException);

    public override Task InitializeAsync() => Task.CompletedTask;

    public override Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _dir.Dispose();

    protected override async Task<ICandleStore> OpenStoreAsync(TimeProvider? time = null) => await OpenAsync(_dir, time);

    protected override Task<long> CountAsync(string table) => Task.FromResult(Count(DbPath(_dir), table));

    protected override Task ExecuteRawAsync(string sql)
    {
        Execute(DbPath(_dir), sql);
        return Task.CompletedTask;
    }

    protected override Task<List<object?[]>> QueryRawAsync(string sql)
    {
        using var connection = OpenRaw(DbPath(_dir));
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return Task.FromResult(rows);
    }

    /// <summary>A trigger, stored in the file, that makes the database refuse one row.</summary>
    protected override Task InjectFaultAsync(string table, long fromMs)
        => ExecuteRawAsync(string.Create(CultureInfo.InvariantCulture, $"""
            CREATE TRIGGER injected_fault BEFORE INSERT ON {table}
            WHEN NEW.{(table == "candles" ? "open_time" : "from_ms")} = {fromMs}
            BEGIN SELECT RAISE(ABORT, 'injected fault'); END;
            """));

    protected override Task RemoveFaultAsync() => ExecuteRawAsync("DROP TRIGGER injected_fault");
}

using CryptoRun.Postgres;
using Npgsql;

namespace CryptoRun.Tests.TestSupport;

/// <summary>
/// A fresh, uniquely named schema in the test server (<see cref="TestPostgres"/>), and a connection
/// string whose search path puts a store's tables in it. Create before use, drop after.
/// </summary>
internal sealed class PostgresSchema
{
    public string Name { get; } = "test_" + Guid.NewGuid().ToString("N");

    /// <summary>The test server's connection string with this schema as the search path (and a small pool).</summary>
    public string ConnectionString { get; private set; } = "";

    public async Task CreateAsync()
    {
        if (TestPostgres.Address is not { } address)
        {
            return;
        }

        var builder = PostgresConnectionString.Parse(address);
        builder.SearchPath = Name;
        builder.MaxPoolSize = 10;
        ConnectionString = builder.ConnectionString;
        await ExecuteAsync($"CREATE SCHEMA {Name}");
    }

    public async Task DropAsync()
    {
        if (ConnectionString.Length > 0)
        {
            await ExecuteAsync($"DROP SCHEMA IF EXISTS {Name} CASCADE");
        }
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    public async Task<List<object?[]>> QueryAsync(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        // Unpooled: a raw check must not keep server connections open after the test.
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }
}

using System.Globalization;
using Microsoft.Data.Sqlite;

namespace CryptoRun.Storage.Sqlite;

/// <summary>
/// Tells a CryptoRun store from any other SQLite file before anything is written to it. A store carries
/// CryptoRun's application id (<c>PRAGMA application_id</c>, "CRun"); a store written by an earlier build
/// carries none but has CryptoRun's <c>schema_migrations</c> ledger with CryptoRun's migration names. A
/// database without any table becomes a store; anything else is refused, untouched.
/// </summary>
internal static class SqliteStoreFile
{
    /// <summary>SQLite's application id of a CryptoRun store: "CRun" in ASCII.</summary>
    internal const long ApplicationId = 0x4352756E;

    /// <summary>What a database is, once it is known not to be foreign.</summary>
    internal enum Kind
    {
        /// <summary>A CryptoRun store carrying the application id.</summary>
        Store,

        /// <summary>A CryptoRun store written by a build that set no application id.</summary>
        EarlierStore,

        /// <summary>A database without tables (a new or zero-byte file).</summary>
        Empty,
    }

    /// <summary>Reads (never writes) what the database is.</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="transaction">The transaction to read in, when one is open.</param>
    /// <param name="path">The file, for messages.</param>
    /// <returns>The kind of CryptoRun database it is.</returns>
    /// <exception cref="StoreException">It is not a CryptoRun store (<see cref="StoreProblem.NotAStore"/>): the message says why.</exception>
    /// <exception cref="SqliteException">The file cannot be read; SQLite's <c>SQLITE_NOTADB</c> when it is no database at all.</exception>
    internal static Kind Recognise(SqliteConnection connection, SqliteTransaction? transaction, string path)
    {
        var applicationId = Convert.ToInt64(Scalar(connection, transaction, "PRAGMA application_id"), CultureInfo.InvariantCulture);
        if (applicationId == ApplicationId)
        {
            return Kind.Store;
        }

        if (applicationId != 0)
        {
            throw Foreign(path, $"its SQLite application id is 0x{applicationId:X8}, another program's");
        }

        var tables = Strings(connection, transaction, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
        if (tables.Count == 0 && Convert.ToInt64(Scalar(connection, transaction, "SELECT COUNT(*) FROM sqlite_master"), CultureInfo.InvariantCulture) == 0)
        {
            return Kind.Empty;
        }

        if (!tables.Contains("schema_migrations"))
        {
            throw Foreign(path, $"it holds {Names(tables)} and no CryptoRun schema_migrations table");
        }

        var columns = Strings(connection, transaction, "SELECT name FROM pragma_table_info('schema_migrations') ORDER BY cid");
        if (!columns.SequenceEqual(["version", "name", "applied_at"]))
        {
            throw Foreign(path, $"its schema_migrations table has columns ({string.Join(", ", columns)}), not CryptoRun's (version, name, applied_at)");
        }

        var ours = SqliteMigrations.All.ToDictionary(m => (long)m.Version, m => m.Name);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT version, name FROM schema_migrations ORDER BY version";
        using var reader = command.ExecuteReader();
        var rows = 0;
        while (reader.Read())
        {
            rows++;
            if (reader.GetValue(0) is not long version || reader.GetValue(1) is not string name)
            {
                throw Foreign(path, "its schema_migrations table holds a row CryptoRun did not write");
            }

            // Versions this build does not know are a newer CryptoRun's: the migrations refuse them by name.
            if (ours.TryGetValue(version, out var expected) && name != expected)
            {
                throw Foreign(path, $"its migration {version} is '{name}', not CryptoRun's '{expected}'");
            }
        }

        return rows == 0 && tables.Count > 1
            ? throw Foreign(path, $"it holds {Names(tables)} with an empty schema_migrations table")
            : Kind.EarlierStore;
    }

    /// <summary>
    /// Makes an empty database or an earlier build's store a stamped store: in one write transaction, checks
    /// again what the file is (another process may have got there first), sets the application id and, for
    /// an empty database, creates the migration ledger. Only called once <see cref="Recognise"/> accepted the file.
    /// </summary>
    /// <param name="connection">An open read-write connection.</param>
    /// <param name="path">The file, for messages.</param>
    internal static void Claim(SqliteConnection connection, string path)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        if (Recognise(connection, transaction, path) != Kind.Store)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = string.Create(CultureInfo.InvariantCulture, $"""
                PRAGMA application_id = {ApplicationId};
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    INTEGER PRIMARY KEY,
                    name       TEXT NOT NULL,
                    applied_at INTEGER NOT NULL
                );
                """);
            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    /// <summary>The migrations recorded in the file, by version; empty for an empty database.</summary>
    internal static HashSet<long> AppliedVersions(SqliteConnection connection, Kind kind)
        => kind == Kind.Empty
            ? []
            : Strings(connection, null, "SELECT CAST(version AS TEXT) FROM schema_migrations").Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToHashSet();

    /// <summary>The error for a file that is not a CryptoRun store.</summary>
    internal static StoreException Foreign(string path, string why)
        => new(path, StoreProblem.NotAStore, $"{path} is not a CryptoRun store: {why}; it was left unchanged");

    private static string Names(List<string> tables)
        => tables.Count switch
        {
            0 => "no tables",
            1 => $"a table '{tables[0]}'",
            <= 5 => $"tables {string.Join(", ", tables.Select(t => $"'{t}'"))}",
            _ => $"{tables.Count} tables ({string.Join(", ", tables.Take(5).Select(t => $"'{t}'"))}, ...)",
        };

    private static object? Scalar(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static List<string> Strings(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}

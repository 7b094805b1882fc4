namespace CryptoRun.Storage;

/// <summary>Why a store could not be opened.</summary>
public enum StoreProblem
{
    /// <summary>The file or server could not be opened, created or written (a path, permission or disk problem).</summary>
    CannotOpen,

    /// <summary>The database is not a CryptoRun store (another program's database, or not a database at all); it was left untouched.</summary>
    NotAStore,

    /// <summary>The store was written by a newer CryptoRun (a schema version this build does not know).</summary>
    SchemaNewer,

    /// <summary>The store's schema is older than this build's and it was opened read-only, so it was not migrated.</summary>
    SchemaOlder,
}

/// <summary>
/// A store could not be opened: the message names its location (file path or server address) and says
/// what is wrong. Nothing was written to it.
/// </summary>
public sealed class StoreException : Exception
{
    /// <summary>Creates the error.</summary>
    /// <param name="location">The store's file path or server address (never a password).</param>
    /// <param name="problem">What kind of failure it is.</param>
    /// <param name="message">The whole message, naming <paramref name="location"/>.</param>
    /// <param name="innerException">The database driver's error, when there is one.</param>
    public StoreException(string location, StoreProblem problem, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Location = location;
        Problem = problem;
    }

    /// <summary>The store's file path or server address.</summary>
    public string Location { get; }

    /// <summary>What kind of failure it is.</summary>
    public StoreProblem Problem { get; }
}

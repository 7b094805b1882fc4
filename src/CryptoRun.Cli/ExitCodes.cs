namespace CryptoRun.Cli;

/// <summary>The process exit codes of <c>cryptorun</c> (documented in the README).</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>An unexpected internal error (a bug): the message and stack go to standard error.</summary>
    public const int Internal = 1;

    /// <summary>Bad usage: unknown option, venue, symbol, timeframe or time (or a time outside 1970-01-01 to 2100-01-01); a missing file; a directory or an empty path given as a file; a fetch range in which no candle has closed yet.</summary>
    public const int Usage = 2;

    /// <summary>A venue failed: unreachable, refused (4xx), rate-limited, banned, or 5xx.</summary>
    public const int VenueFailure = 3;

    /// <summary>Bad data: a malformed venue answer, a candle file in no known format (or without candles, binary, with a line too long, spaced at a multiple of the timeframe, or with a time out of range), a quality-gate rejection. Nothing of it was stored.</summary>
    public const int DataError = 4;

    /// <summary>The store or the disk failed: cannot open or write the database (the message names it), it is not a CryptoRun store (left unchanged), its schema is newer than this build (or older, and it cannot be migrated), or standard output (or error) cannot be written, for example on a full disk.</summary>
    public const int StoreError = 5;

    /// <summary>Incomplete: FAIL_FAST found windows the store has not fetched, or an SLA budget ran out. What was fetched stays stored.</summary>
    public const int Incomplete = 6;

    /// <summary>Cancelled by Ctrl-C; finished pages stay stored.</summary>
    public const int Cancelled = 130;
}

/// <summary>A command-line usage error: the message says what was wrong and where.</summary>
/// <param name="message">The message.</param>
public sealed class UsageException(string message) : Exception(message);

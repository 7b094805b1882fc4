using CryptoRun.CandleFiles;
using CryptoRun.Domain;
using Microsoft.Data.Sqlite;

namespace CryptoRun.Cli;

/// <summary>Maps a failure to its exit code and a message on standard error: the one place the CLI does so.</summary>
internal static class ErrorReport
{
    /// <summary>Writes the failure and returns its exit code.</summary>
    internal static int Write(Exception exception, TextWriter error)
    {
        var (code, message) = exception switch
        {
            OperationCanceledException => (ExitCodes.Cancelled, "cancelled; pages already fetched stay stored"),
            UsageException or InstrumentNotListedException => (ExitCodes.Usage, exception.Message),
            History.HistoryIncompleteException or History.SlaExceededException => (ExitCodes.Incomplete, exception.Message),
            VenueDataException => (ExitCodes.DataError, exception.Message),
            VenueBannedException banned => (ExitCodes.VenueFailure, $"{banned.Message} (banned; retry after {banned.RetryAfter?.TotalSeconds ?? 0:0} s)"),
            VenueRateLimitedException limited => (ExitCodes.VenueFailure, $"{limited.Message} (rate limited; retry after {limited.RetryAfter?.TotalSeconds ?? 0:0} s)"),
            VenueException => (ExitCodes.VenueFailure, exception.Message),
            CandleFileException => (ExitCodes.DataError, exception.Message),
            Snapshots.SnapshotIntegrityException => (ExitCodes.DataError, exception.Message),
            Storage.StoreException => (ExitCodes.StoreError, exception.Message),
            SqliteException sqlite => (ExitCodes.StoreError, $"store error: {sqlite.Message}"),
            Npgsql.NpgsqlException postgres => (ExitCodes.StoreError, $"store error (PostgreSQL): {postgres.Message}"),
            _ => (ExitCodes.Internal, $"internal error: {exception}"),
        };
        error.WriteLine($"error: {message}");
        return code;
    }
}

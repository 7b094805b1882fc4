using CryptoRun.CandleFiles;
using CryptoRun.Domain;
using Microsoft.Data.Sqlite;

namespace CryptoRun.Cli;

/// <summary>Maps a failure to its exit code and a message on standard error: the one place the CLI does so.</summary>
internal static class ErrorReport
{
    /// <summary>Writes the failure and returns its exit code.</summary>
    /// <remarks>When standard error itself cannot be written (a full disk), the exit code is all that is left to say it.</remarks>
    internal static int Write(Exception exception, TextWriter error)
    {
        var (code, message) = exception switch
        {
            _ when Output(exception) is { } output => (ExitCodes.StoreError, output.Message),
            OperationCanceledException => (ExitCodes.Cancelled, "cancelled; pages already fetched stay stored"),
            UsageException or InstrumentNotListedException => (ExitCodes.Usage, exception.Message),
            History.HistoryIncompleteException or History.SlaExceededException => (ExitCodes.Incomplete, exception.Message),
            VenueDataException => (ExitCodes.DataError, exception.Message),
            VenueBannedException banned => (ExitCodes.VenueFailure, $"{banned.Message} (banned; retry after {banned.RetryAfter?.TotalSeconds ?? 0:0} s)"),
            VenueRateLimitedException limited => (ExitCodes.VenueFailure, $"{limited.Message} (rate limited; retry after {limited.RetryAfter?.TotalSeconds ?? 0:0} s)"),
            VenueException => (ExitCodes.VenueFailure, exception.Message),
            CandleFileException => (ExitCodes.DataError, exception.Message),
            Snapshots.SnapshotIntegrityException => (ExitCodes.DataError, exception.Message),
            SqliteException sqlite => (ExitCodes.StoreError, $"store error: {sqlite.Message}"),
            Npgsql.NpgsqlException postgres => (ExitCodes.StoreError, $"store error (PostgreSQL): {postgres.Message}"),
            InvalidOperationException when exception.Message.Contains("schema version", StringComparison.Ordinal) => (ExitCodes.StoreError, exception.Message),
            _ => (ExitCodes.Internal, $"internal error: {exception}"),
        };
        try
        {
            error.WriteLine($"error: {message}");
            error.Flush();
        }
        catch (StandardStreamException)
        {
            // Standard error is full or closed too: nothing more can be said than the exit code.
        }

        return code;
    }

    /// <summary>A failed write of standard output or error, possibly wrapped (an aggregate of a progress display, an inner exception).</summary>
    private static StandardStreamException? Output(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is StandardStreamException output)
            {
                return output;
            }

            if (e is AggregateException { InnerExceptions.Count: > 0 } aggregate && aggregate.InnerExceptions.Select(Output).FirstOrDefault(o => o is not null) is { } inner)
            {
                return inner;
            }
        }

        return null;
    }
}

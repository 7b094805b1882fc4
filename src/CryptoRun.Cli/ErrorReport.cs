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
            VenueBannedException banned => (ExitCodes.VenueFailure, $"{banned.Message} (banned{RetryAfter(banned)})"),
            VenueRateLimitedException limited => (ExitCodes.VenueFailure, $"{limited.Message} (rate limited{RetryAfter(limited)})"),
            VenueException => (ExitCodes.VenueFailure, exception.Message),
            CandleFileException => (ExitCodes.DataError, exception.Message),
            Snapshots.SnapshotIntegrityException => (ExitCodes.DataError, exception.Message),
            Storage.StoreException => (ExitCodes.StoreError, exception.Message),
            SqliteException sqlite => (ExitCodes.StoreError, $"store error: {sqlite.Message}"),
            Npgsql.NpgsqlException postgres => (ExitCodes.StoreError, $"store error (PostgreSQL): {postgres.Message}"),
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

    /// <summary><c>; retry after 42 s</c> when the venue said how long to wait (Retry-After); nothing when it did not (Kraken and OKX say it in the body, without a time).</summary>
    private static string RetryAfter(VenueException exception)
        => exception.RetryAfter is { } wait ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"; retry after {wait.TotalSeconds:0} s") : "";

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

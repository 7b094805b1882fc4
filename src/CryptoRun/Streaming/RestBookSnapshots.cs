using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Resilience;
using Polly;
using Polly.Retry;

namespace CryptoRun.Streaming;

/// <summary>
/// Fetches the REST snapshots of one connection's books (an <see cref="IRestSnapshotProtocol"/>'s) through the venue's
/// gate, off the receive loop: at most one fetch in flight per book; a fetch that fails, or whose snapshot does not bring
/// the book in sync, is retried by a Polly retry after a backoff (<see cref="StreamClientOptions.SnapshotRetryDelay"/>
/// doubling to <see cref="StreamClientOptions.MaxSnapshotRetryDelay"/>, with jitter) that is never shorter than what the
/// venue or the gate said: the <c>Retry-After</c> of a 429, the end of a ban, the end of an open breaker. Every failed
/// fetch is reported on the book's status (<see cref="StreamState.Resyncing"/>, saying why and until when), and a ban
/// is noted in the client's health.
/// </summary>
/// <remarks>
/// The gate is asked not to retry (the loop here does, and reports each failure); a refusal by the gate (banned,
/// circuit open, budget spent) sends nothing to the venue, so waiting it out costs the venue nothing. Deltas keep being
/// buffered meanwhile, so the book syncs from the first snapshot that arrives.
/// </remarks>
internal sealed class RestBookSnapshots
{
    private static readonly ResiliencePropertyKey<BookKeeper> KeeperKey = new("cryptorun.book");
    private static readonly CallSettings NoGateRetries = new(MaxRetries: 0);

    private readonly IRestSnapshotProtocol _protocol;
    private readonly VenueConnection _rest;
    private readonly StreamClientOptions _options;
    private readonly TimeProvider _time;
    private readonly Func<BookKeeper, BookMessage, bool> _apply;
    private readonly Action<BookKeeper, string> _waiting;
    private readonly Action<DateTimeOffset> _banned;
    private readonly ResiliencePipeline _retry;

    /// <param name="protocol">The venue's protocol.</param>
    /// <param name="rest">The venue's REST connection (its gate).</param>
    /// <param name="options">Backoff settings and the clock.</param>
    /// <param name="apply">Applies a fetched snapshot and the deltas buffered meanwhile; called holding the keeper's lock; returns whether the book is in sync after it.</param>
    /// <param name="waiting">Reports that the book still waits for its snapshot, and why (a <see cref="StreamState.Resyncing"/> status).</param>
    /// <param name="banned">Notes that the venue banned us until the time given.</param>
    internal RestBookSnapshots(
        IRestSnapshotProtocol protocol,
        VenueConnection rest,
        StreamClientOptions options,
        Func<BookKeeper, BookMessage, bool> apply,
        Action<BookKeeper, string> waiting,
        Action<DateTimeOffset> banned)
    {
        _protocol = protocol;
        _rest = rest;
        _options = options;
        _time = options.TimeProvider;
        _apply = apply;
        _waiting = waiting;
        _banned = banned;
        _retry = new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not OperationCanceledException),
                MaxRetryAttempts = int.MaxValue,
                DelayGenerator = args => new ValueTask<TimeSpan?>(Delay(args.Outcome.Exception, args.AttemptNumber)),
                OnRetry = args =>
                {
                    Report(args.Context.Properties.GetValue(KeeperKey, null!), args.Outcome.Exception, args.RetryDelay);
                    return default;
                },
            })
            .Build();
    }

    /// <summary>Starts fetching the book's snapshot unless a fetch for it already runs; the caller holds the keeper's lock.</summary>
    /// <param name="keeper">The book.</param>
    /// <param name="stopping">Ends the fetch (the client stops).</param>
    internal void Request(BookKeeper keeper, CancellationToken stopping)
    {
        if (keeper.Fetching)
        {
            return;
        }

        keeper.Fetching = true;
        keeper.ResyncingSince ??= _time.GetUtcNow();
        _ = Task.Run(() => RunAsync(keeper, stopping), CancellationToken.None);
    }

    private async Task RunAsync(BookKeeper keeper, CancellationToken stopping)
    {
        var context = ResilienceContextPool.Shared.Get(stopping);
        context.Properties.Set(KeeperKey, keeper);
        var synced = false;
        try
        {
            await _retry.ExecuteAsync(
                async (ctx, state) =>
                {
                    lock (state)
                    {
                        if (state.Book.IsSynced)
                        {
                            // Brought in sync otherwise meanwhile (a snapshot injected by a benchmark): nothing to fetch.
                            state.Fetching = false;
                            synced = true;
                            return;
                        }
                    }

                    var snapshot = new BookMessage();
                    using (CallScope.Begin(NoGateRetries))
                    {
                        await _protocol.FetchBookSnapshotAsync(_rest, state.Subscription, snapshot, ctx.CancellationToken).ConfigureAwait(false);
                    }

                    snapshot.IsSnapshot = true;
                    lock (state)
                    {
                        // Fetching stays true while applying: a gap found among the buffered deltas leaves the refetch to this loop (with backoff).
                        if (_apply(state, snapshot))
                        {
                            state.Fetching = false;
                            synced = true;
                            return;
                        }
                    }

                    throw new BookSnapshotNotInSyncException(_protocol.Venue, $"{state.Subscription.Instrument} book: the REST snapshot (sequence {snapshot.Sequence}) did not bring the book in sync with the buffered deltas");
                },
                context,
                keeper).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The client stops.
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
            if (!synced)
            {
                lock (keeper)
                {
                    keeper.Fetching = false;
                }
            }
        }
    }

    /// <summary>The wait before the next fetch: exponential backoff with jitter, or longer when the venue or the gate said so.</summary>
    private TimeSpan Delay(Exception? error, int attempt)
    {
        var exponential = _options.SnapshotRetryDelay.Ticks * Math.Pow(2, Math.Min(attempt, 20));
        var capped = Math.Min(exponential, _options.MaxSnapshotRetryDelay.Ticks);
        var backoff = TimeSpan.FromTicks((long)(capped * (0.8 + (0.4 * Random.Shared.NextDouble()))));
        var said = Until(error) is { } until ? until - _time.GetUtcNow() : (error as VenueException)?.RetryAfter;
        return said is { } wait && wait > backoff ? wait : backoff;
    }

    /// <summary>When a ban ends, when <paramref name="error"/> is one (HTTP 418, or the gate refusing because of a ban); else null.</summary>
    internal static DateTimeOffset? BanEnd(Exception? error, TimeProvider time) => error switch
    {
        ProviderUnavailableException { Reason: UnavailableReason.Banned } refused => refused.Until,
        VenueBannedException ban => time.GetUtcNow() + (ban.RetryAfter ?? TimeSpan.FromMinutes(30)),
        _ => null,
    };

    /// <summary>When a refusal or ban ends, when the error says.</summary>
    private DateTimeOffset? Until(Exception? error) => error is ProviderUnavailableException refused ? refused.Until : BanEnd(error, _time);

    private void Report(BookKeeper keeper, Exception? error, TimeSpan delay)
    {
        lock (keeper)
        {
            keeper.FailedFetches++;
        }

        var retry = $"{delay.TotalSeconds:0.#} s";
        string detail;
        if (BanEnd(error, _time) is { } until)
        {
            _banned(until);
            detail = $"waiting for the REST snapshot: {_protocol.Venue} banned until {TimeRange.Format(until.ToUnixTimeMilliseconds())}; retrying in {retry}";
        }
        else if (error is ProviderUnavailableException refused)
        {
            detail = $"waiting for the REST snapshot: {refused.Message}; retrying in {retry}";
        }
        else if (error is VenueException { StatusCode: { } status } failed)
        {
            detail = $"waiting for the REST snapshot: retrying in {retry} after HTTP {status}: {failed.Message}";
        }
        else
        {
            detail = $"waiting for the REST snapshot: retrying in {retry} after {error?.Message}";
        }

        _waiting(keeper, detail);
    }
}

/// <summary>A fetched REST snapshot did not bring its book in sync (it was older than the deltas buffered meanwhile reach back); the fetch is retried.</summary>
/// <param name="venue">The venue.</param>
/// <param name="message">Which book, and the snapshot's sequence.</param>
internal sealed class BookSnapshotNotInSyncException(string venue, string message) : VenueException(venue, message, isTransient: true);

using CryptoRun.Domain;
using Polly;

namespace CryptoRun.Resilience;

/// <summary>A circuit breaker's state.</summary>
public enum BreakerState
{
    /// <summary>Requests flow.</summary>
    Closed,

    /// <summary>Requests are refused until the open timeout ends (or the ban ends, when banned).</summary>
    Open,

    /// <summary>Probes are let through one at a time; enough successes close the circuit, a failure opens it again.</summary>
    HalfOpen,
}

/// <summary>A snapshot of a breaker.</summary>
/// <param name="State">Closed, open or half-open.</param>
/// <param name="OpenUntil">When an open circuit lets a probe through (UTC); null unless open.</param>
/// <param name="Banned">Whether it is open because the venue banned this IP (no request at all before <paramref name="OpenUntil"/>).</param>
/// <param name="ConsecutiveFailures">Failures since the last success.</param>
/// <param name="HalfOpenSuccesses">Successes so far in half-open.</param>
/// <param name="LastError">The last failure's message, if any.</param>
public sealed record BreakerSnapshot(
    BreakerState State,
    DateTimeOffset? OpenUntil,
    bool Banned,
    int ConsecutiveFailures,
    int HalfOpenSuccesses,
    string? LastError);

/// <summary>
/// Seed 000's per-provider circuit breaker, as a Polly strategy: <see cref="CircuitBreakerOptions.FailureThreshold"/>
/// consecutive failures open it; after <see cref="CircuitBreakerOptions.OpenTimeout"/> it lets one probe
/// at a time through (half-open); <see cref="CircuitBreakerOptions.SuccessThreshold"/> consecutive
/// successes close it and a failure of the probe opens it again. A 403 opens it at once; a 418 (IP ban)
/// opens it until the ban ends, no request passes before then, and it closes when the ban ends.
/// </summary>
/// <remarks>
/// <para>
/// Why not Polly's own breaker: it opens on a failure ratio over a sampling window and closes after a
/// single half-open success; seed 000 specifies consecutive-failure and success thresholds, and bans.
/// Counted as failures: 5xx, unreachable, connection resets, timeouts (<see cref="VenueUnavailableException"/>;
/// the gate names Polly's timeout as one). Neither failures nor successes: 429 and other rate limits (the
/// retry backs off; they are the budget's business), request errors (4xx), malformed answers, refusals by
/// the gate itself.
/// </para>
/// <para>
/// "Consecutive" is judged in the order the requests were <em>sent</em>, not the order their answers came
/// back: every request takes a ticket as it leaves (<see cref="Sending"/>), and a run is the failures among
/// tickets in a row with no success and no request still in flight between them. A client that sends one
/// request after another sees exactly the consecutive-failure rule; several calls in flight together (a
/// backfill's parallel pages) are judged as that client would be, so a slow success sent between failures
/// still breaks their run although it answers after them, and parallelism alone never opens the breaker.
/// Answers to requests sent before the breaker last opened change nothing: only the probe decides half-open.
/// </para>
/// </remarks>
internal sealed class ProviderBreaker : ResilienceStrategy
{
    private static readonly ResiliencePropertyKey<long> TicketKey = new("cryptorun.breaker-ticket");
    private static readonly ResiliencePropertyKey<bool> ProbeKey = new("cryptorun.breaker-probe");

    private readonly string _provider;
    private readonly CircuitBreakerOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();

    /// <summary>Tickets after the last success (and after the last opening): in flight (false) or failed (true).</summary>
    private readonly SortedDictionary<long, bool> _tickets = [];
    private BreakerState _state = BreakerState.Closed;
    private DateTimeOffset? _openUntil;
    private bool _banned;
    private int _failures;
    private int _successes;
    private bool _probeInFlight;
    private string? _lastError;
    private long _sent;
    private long _lastSuccess;
    private long _openedAt;

    internal ProviderBreaker(string provider, CircuitBreakerOptions options, TimeProvider time)
    {
        _provider = provider;
        _options = options;
        _time = time;
        Sending = new SendingStrategy(this);
    }

    /// <summary>Raised after every state change, with the new snapshot and a reason.</summary>
    internal event Action<BreakerSnapshot, string>? Changed;

    /// <summary>
    /// The strategy that hands each request its ticket as it leaves: placed innermost, after the budget and
    /// concurrency waits, so tickets follow the order requests reach the venue.
    /// </summary>
    internal ResilienceStrategy Sending { get; }

    internal BreakerSnapshot Snapshot
    {
        get
        {
            lock (_lock)
            {
                return Current();
            }
        }
    }

    /// <summary>Opens the circuit until <paramref name="until"/> because the venue banned this IP.</summary>
    internal void Ban(DateTimeOffset until, string reason)
    {
        BreakerSnapshot snapshot;
        lock (_lock)
        {
            _state = BreakerState.Open;
            _banned = true;
            _openUntil = until > (_openUntil ?? DateTimeOffset.MinValue) ? until : _openUntil;
            _lastError = reason;
            _probeInFlight = false;
            snapshot = Current();
        }

        Changed?.Invoke(snapshot, reason);
    }

    protected override async ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback,
        ResilienceContext context,
        TState state)
    {
        var (admitted, probe, refusal, change) = Admit();
        if (change is not null)
        {
            Changed?.Invoke(Snapshot, change);
        }

        if (!admitted)
        {
            return Outcome.FromException<TResult>(refusal!);
        }

        // A retry runs in the same context: its ticket is its own, set only if it is sent.
        context.Properties.Set(TicketKey, 0L);
        context.Properties.Set(ProbeKey, probe);
        var outcome = await callback(context, state).ConfigureAwait(context.ContinueOnCapturedContext);
        Record(outcome.Exception, probe, context.Properties.GetValue(TicketKey, 0L));
        return outcome;
    }

    /// <summary>
    /// The request's ticket as it leaves; or, when the circuit opened (or a ban began) while it waited for its
    /// budget, the refusal it would have met at the door: nothing is sent then.
    /// </summary>
    private (long Ticket, ProviderUnavailableException? Refusal) Stamp(bool probe)
    {
        lock (_lock)
        {
            if (_state == BreakerState.Closed || (probe && _state == BreakerState.HalfOpen))
            {
                var ticket = ++_sent;
                _tickets[ticket] = false;
                return (ticket, null);
            }

            return (0, Refused(_time.GetUtcNow()));
        }
    }

    private (bool Admitted, bool Probe, ProviderUnavailableException? Refusal, string? Change) Admit()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            string? change = null;
            if (_state == BreakerState.Open && _openUntil is { } until && now >= until)
            {
                if (_banned)
                {
                    // The venue said when the ban ends; it says nothing of the venue's health: close.
                    _state = BreakerState.Closed;
                    _banned = false;
                    _openUntil = null;
                    _failures = 0;
                    _lastError = null;
                    change = "the ban ended; closed";
                }
                else
                {
                    _state = BreakerState.HalfOpen;
                    _successes = 0;
                    change = "open timeout ended; letting a probe through";
                }
            }

            switch (_state)
            {
                case BreakerState.Closed:
                    return (true, false, null, change);
                case BreakerState.HalfOpen when !_probeInFlight:
                    _probeInFlight = true;
                    return (true, true, null, change);
                default:
                    return (false, false, Refused(now), change);
            }
        }
    }

    /// <summary>The refusal of a request the state does not admit (called under the lock).</summary>
    private ProviderUnavailableException Refused(DateTimeOffset now) => _state switch
    {
        BreakerState.HalfOpen => Refusal(UnavailableReason.CircuitOpen, now, "circuit breaker half-open with its probe in flight"),
        _ when _banned => Refusal(UnavailableReason.Banned, _openUntil!.Value, $"banned (HTTP 418) until {Format(_openUntil!.Value)}; no request is sent before then"),
        _ => Refusal(UnavailableReason.CircuitOpen, _openUntil!.Value, $"circuit breaker open after {_failures} consecutive failures (the last: {_lastError}); nothing is sent before {Format(_openUntil!.Value)} (then one probe)"),
    };

    private void Record(Exception? error, bool probe, long ticket)
    {
        BreakerSnapshot? changed = null;
        var reason = "";
        lock (_lock)
        {
            if (probe)
            {
                _probeInFlight = false;
            }

            var now = _time.GetUtcNow();
            var kind = Classify(error);
            if (ticket == 0)
            {
                // Refused before it was sent (by the budget, or cancelled waiting): the venue said nothing.
                return;
            }

            var stale = ticket <= _openedAt;
            switch (kind)
            {
                case Kind.Success when stale:
                    break;
                case Kind.Success:
                    if (ticket > _lastSuccess)
                    {
                        _lastSuccess = ticket;
                        foreach (var older in _tickets.Keys.Where(t => t <= ticket).ToList())
                        {
                            _tickets.Remove(older);
                        }
                    }

                    _failures = LongestRun();
                    if (_state == BreakerState.HalfOpen && ++_successes >= _options.SuccessThreshold)
                    {
                        _state = BreakerState.Closed;
                        _openUntil = null;
                        _lastError = null;
                        changed = Current();
                        reason = $"{_options.SuccessThreshold} successes in half-open; closed";
                    }

                    break;
                case Kind.Ban:
                    _tickets.Remove(ticket);
                    var ban = (VenueBannedException)error!;
                    _state = BreakerState.Open;
                    _banned = true;
                    _openUntil = now + (ban.RetryAfter ?? TimeSpan.FromMinutes(30));
                    _lastError = ban.Message;
                    changed = Current();
                    reason = $"banned until {Format(_openUntil.Value)}";
                    break;
                case Kind.Trip:
                    _tickets.Remove(ticket);
                    _failures++;
                    _lastError = error!.Message;
                    Open(now);
                    changed = Current();
                    reason = $"403 forbidden trips the breaker: {error.Message}";
                    break;
                case Kind.Failure when stale || ticket < _lastSuccess:
                    // Sent before the circuit last opened, or before a request that has since succeeded: it says nothing new.
                    _tickets.Remove(ticket);
                    break;
                case Kind.Failure:
                    _tickets[ticket] = true;
                    _failures = LongestRun();
                    _lastError = error!.Message;
                    if (_state == BreakerState.HalfOpen || _failures >= _options.FailureThreshold)
                    {
                        var count = _failures;
                        Open(now);
                        _failures = count;
                        changed = Current();
                        reason = $"{count} consecutive failures; open until {Format(_openUntil!.Value)}: {error.Message}";
                    }

                    break;
                default:
                    // Neither failure nor success: it neither adds to a run nor breaks it.
                    _tickets.Remove(ticket);
                    break;
            }
        }

        if (changed is not null)
        {
            Changed?.Invoke(changed, reason);
        }
    }

    /// <summary>The most failures among tickets in a row with no request in flight between them (successes are pruned).</summary>
    private int LongestRun()
    {
        int longest = 0, run = 0;
        foreach (var failed in _tickets.Values)
        {
            run = failed ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        return longest;
    }

    private void Open(DateTimeOffset now)
    {
        _state = BreakerState.Open;
        _banned = false;
        _successes = 0;
        _openUntil = now + _options.OpenTimeout;
        _openedAt = _sent;
        _tickets.Clear();
    }

    private BreakerSnapshot Current()
        => new(_state, _state == BreakerState.Open ? _openUntil : null, _banned && _state == BreakerState.Open, _failures, _successes, _lastError);

    private ProviderUnavailableException Refusal(UnavailableReason reason, DateTimeOffset until, string what)
        => new(_provider, reason, until, $"{_provider}: {what}");

    private static string Format(DateTimeOffset time) => TimeRange.Format(time.ToUnixTimeMilliseconds());

    private static Kind Classify(Exception? error) => error switch
    {
        null => Kind.Success,
        VenueBannedException => Kind.Ban,
        VenueException { StatusCode: 403 } => Kind.Trip,
        VenueUnavailableException => Kind.Failure,
        _ => Kind.Neutral,
    };

    private enum Kind
    {
        Success,
        Failure,
        Trip,
        Ban,
        Neutral,
    }

    /// <summary>Hands the request its ticket as it leaves (see <see cref="Sending"/>).</summary>
    private sealed class SendingStrategy(ProviderBreaker breaker) : ResilienceStrategy
    {
        protected override ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
            Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback,
            ResilienceContext context,
            TState state)
        {
            var (ticket, refusal) = breaker.Stamp(context.Properties.GetValue(ProbeKey, false));
            if (refusal is not null)
            {
                return ValueTask.FromResult(Outcome.FromException<TResult>(refusal));
            }

            context.Properties.Set(TicketKey, ticket);
            return callback(context, state);
        }
    }
}

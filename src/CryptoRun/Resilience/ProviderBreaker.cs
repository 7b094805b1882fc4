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
/// successes close it and any failure opens it again. A 403 opens it at once; a 418 (IP ban) opens it
/// until the ban ends, and no request passes before then.
/// </summary>
/// <remarks>
/// Why not Polly's own breaker: it opens on a failure ratio over a sampling window and closes after a
/// single half-open success; seed 000 specifies consecutive-failure and success thresholds, and bans.
/// Counted as failures: 5xx, unreachable, timeouts (<see cref="VenueUnavailableException"/>; the gate
/// names Polly's timeout as one). Not counted: 429 (the retry backs off), request errors (4xx),
/// refusals by the gate itself.
/// </remarks>
internal sealed class ProviderBreaker : ResilienceStrategy
{
    private readonly string _provider;
    private readonly CircuitBreakerOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private BreakerState _state = BreakerState.Closed;
    private DateTimeOffset? _openUntil;
    private bool _banned;
    private int _failures;
    private int _successes;
    private bool _probeInFlight;
    private string? _lastError;

    internal ProviderBreaker(string provider, CircuitBreakerOptions options, TimeProvider time)
    {
        _provider = provider;
        _options = options;
        _time = time;
    }

    /// <summary>Raised after every state change, with the new snapshot and a reason.</summary>
    internal event Action<BreakerSnapshot, string>? Changed;

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
        var (admitted, probe, refusal, halfOpened) = Admit();
        if (halfOpened)
        {
            Changed?.Invoke(Snapshot, "open timeout ended; letting a probe through");
        }

        if (!admitted)
        {
            return Outcome.FromException<TResult>(refusal!);
        }

        var outcome = await callback(context, state).ConfigureAwait(context.ContinueOnCapturedContext);
        Record(outcome.Exception, probe);
        return outcome;
    }

    private (bool Admitted, bool Probe, ProviderUnavailableException? Refusal, bool HalfOpened) Admit()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var halfOpened = false;
            if (_state == BreakerState.Open && _openUntil is { } until && now >= until)
            {
                _state = BreakerState.HalfOpen;
                _banned = false;
                _successes = 0;
                halfOpened = true;
            }

            switch (_state)
            {
                case BreakerState.Closed:
                    return (true, false, null, halfOpened);
                case BreakerState.HalfOpen when !_probeInFlight:
                    _probeInFlight = true;
                    return (true, true, null, halfOpened);
                case BreakerState.HalfOpen:
                    return (false, false, Refusal(UnavailableReason.CircuitOpen, now, "circuit half-open with its probe in flight"), halfOpened);
                default:
                    return _banned
                        ? (false, false, Refusal(UnavailableReason.Banned, _openUntil!.Value, $"banned (HTTP 418) until {Format(_openUntil!.Value)}; no request is sent before then"), halfOpened)
                        : (false, false, Refusal(UnavailableReason.CircuitOpen, _openUntil!.Value, $"circuit open until {Format(_openUntil!.Value)} after {_failures} consecutive failures ({_lastError})"), halfOpened);
            }
        }
    }

    private void Record(Exception? error, bool probe)
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
            switch (Classify(error))
            {
                case Kind.Success:
                    _failures = 0;
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
                    var ban = (VenueBannedException)error!;
                    _state = BreakerState.Open;
                    _banned = true;
                    _openUntil = now + (ban.RetryAfter ?? TimeSpan.FromMinutes(30));
                    _lastError = ban.Message;
                    changed = Current();
                    reason = $"banned until {Format(_openUntil.Value)}";
                    break;
                case Kind.Trip:
                    _failures++;
                    _lastError = error!.Message;
                    Open(now);
                    changed = Current();
                    reason = $"403 forbidden trips the breaker: {error.Message}";
                    break;
                case Kind.Failure:
                    _failures++;
                    _lastError = error!.Message;
                    if (_state == BreakerState.HalfOpen || _failures >= _options.FailureThreshold)
                    {
                        Open(now);
                        changed = Current();
                        reason = $"{_failures} consecutive failures; open until {Format(_openUntil!.Value)}: {error.Message}";
                    }

                    break;
                default:
                    break;
            }
        }

        if (changed is not null)
        {
            Changed?.Invoke(changed, reason);
        }
    }

    private void Open(DateTimeOffset now)
    {
        _state = BreakerState.Open;
        _banned = false;
        _successes = 0;
        _openUntil = now + _options.OpenTimeout;
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
}

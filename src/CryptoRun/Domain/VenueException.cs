namespace CryptoRun.Domain;

/// <summary>A venue call failed. Subclasses say how; <see cref="IsTransient"/> says whether a retry may help.</summary>
public class VenueException : Exception
{
    /// <summary>Creates a venue failure.</summary>
    /// <param name="venue">The venue name.</param>
    /// <param name="message">What failed, naming the venue and endpoint.</param>
    /// <param name="isTransient">Whether retrying later may succeed.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public VenueException(string venue, string message, bool isTransient, Exception? innerException = null)
        : base(message, innerException)
    {
        Venue = venue;
        IsTransient = isTransient;
    }

    /// <summary>The venue name.</summary>
    public string Venue { get; }

    /// <summary>Whether retrying later may succeed.</summary>
    public bool IsTransient { get; }

    /// <summary>How long the venue asked us to wait (from <c>Retry-After</c>), when it said.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>The HTTP status code, when the failure was an HTTP answer.</summary>
    public int? StatusCode { get; init; }

    /// <summary>The venue's own error code (Binance <c>code</c>, OKX <c>code</c>, Kraken error string), when given.</summary>
    public string? VenueCode { get; init; }
}

/// <summary>The venue refused for rate reasons (HTTP 429); wait <see cref="VenueException.RetryAfter"/>.</summary>
/// <param name="venue">The venue name.</param>
/// <param name="message">What the venue said.</param>
public sealed class VenueRateLimitedException(string venue, string message)
    : VenueException(venue, message, isTransient: true);

/// <summary>The venue banned this IP (Binance HTTP 418); no request may be sent before the ban ends.</summary>
/// <param name="venue">The venue name.</param>
/// <param name="message">What the venue said.</param>
public sealed class VenueBannedException(string venue, string message)
    : VenueException(venue, message, isTransient: false);

/// <summary>The venue rejected the request itself (bad symbol, interval or parameter; HTTP 4xx).</summary>
/// <param name="venue">The venue name.</param>
/// <param name="message">What the venue said, with the request.</param>
public class VenueRequestException(string venue, string message)
    : VenueException(venue, message, isTransient: false);

/// <summary>The instrument is not listed on the venue (from its market metadata).</summary>
public sealed class InstrumentNotListedException : VenueRequestException
{
    /// <summary>Creates the failure.</summary>
    /// <param name="venue">The venue name.</param>
    /// <param name="instrument">The instrument asked for.</param>
    /// <param name="message">The message, with close matches when there are some.</param>
    public InstrumentNotListedException(string venue, Instrument instrument, string message)
        : base(venue, message) => Instrument = instrument;

    /// <summary>The instrument asked for.</summary>
    public Instrument Instrument { get; }
}

/// <summary>The venue could not be reached or failed on its side (network error, timeout, HTTP 5xx).</summary>
/// <param name="venue">The venue name.</param>
/// <param name="message">What failed.</param>
/// <param name="innerException">The underlying error, if any.</param>
public sealed class VenueUnavailableException(string venue, string message, Exception? innerException = null)
    : VenueException(venue, message, isTransient: true, innerException);

/// <summary>The venue answered with data CryptoRun cannot accept (malformed JSON, missing fields, bad values).</summary>
/// <param name="venue">The venue name.</param>
/// <param name="message">What was wrong and where in the payload.</param>
/// <param name="innerException">The underlying parse error, if any.</param>
public sealed class VenueDataException(string venue, string message, Exception? innerException = null)
    : VenueException(venue, message, isTransient: false, innerException);

/// <summary>Why a provider is not taking requests now.</summary>
public enum UnavailableReason
{
    /// <summary>Its circuit breaker is open (or half-open with its probe in flight).</summary>
    CircuitOpen,

    /// <summary>The venue banned this IP (HTTP 418); no request is sent before the ban ends.</summary>
    Banned,

    /// <summary>An hourly, daily or monthly request budget is spent until its window resets.</summary>
    BudgetDepleted,

    /// <summary>The per-second or per-minute window is spent and resets only after the caller's deadline.</summary>
    RateWindowPastDeadline,
}

/// <summary>
/// The provider refused a request before sending it: its breaker is open, it is banned, or its budget
/// is spent. Nothing reached the venue. <see cref="Until"/> says when that ends.
/// </summary>
public sealed class ProviderUnavailableException : VenueException
{
    /// <summary>Creates the refusal.</summary>
    /// <param name="venue">The provider name.</param>
    /// <param name="reason">Why.</param>
    /// <param name="until">When the state ends (UTC).</param>
    /// <param name="message">The message, naming the venue, the state and its end.</param>
    public ProviderUnavailableException(string venue, UnavailableReason reason, DateTimeOffset until, string message)
        : base(venue, message, isTransient: false)
    {
        Reason = reason;
        Until = until;
    }

    /// <summary>Why the provider refused.</summary>
    public UnavailableReason Reason { get; }

    /// <summary>When the refusing state ends (UTC).</summary>
    public DateTimeOffset Until { get; }
}

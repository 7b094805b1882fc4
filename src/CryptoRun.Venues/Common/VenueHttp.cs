using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Resilience;

namespace CryptoRun.Venues.Common;

/// <summary>A venue's answer: the body bytes, the headers, and the provenance of the call.</summary>
/// <param name="Body">The response body, UTF-8 JSON.</param>
/// <param name="Headers">Response headers (rate-limit headers such as <c>X-MBX-USED-WEIGHT-1M</c>).</param>
/// <param name="Provenance">Provider, endpoint, window, latency and fetched-at of the call.</param>
internal sealed record VenueReply(byte[] Body, HttpResponseHeaders Headers, Provenance Provenance);

/// <summary>
/// Sends requests to a venue through its gate, one attempt at a time, and maps every failure once to
/// a typed <see cref="VenueException"/>: transport errors and 5xx to <see cref="VenueUnavailableException"/>,
/// 429 to <see cref="VenueRateLimitedException"/>, 418 to <see cref="VenueBannedException"/>, other
/// 4xx to the venue's own error reading (<see cref="VenueRequestException"/> by default).
/// </summary>
internal sealed class VenueHttp
{
    private readonly VenueConnection _connection;
    private readonly Func<int, byte[], string, VenueException?> _readError;
    private readonly Action<HttpResponseHeaders>? _onHeaders;
    private readonly Func<string, string> _redact;
    private readonly Action<HttpRequestMessage>? _prepare;

    /// <param name="venue">The venue name, for messages and provenance.</param>
    /// <param name="connection">Client, clock and gate.</param>
    /// <param name="readError">Reads a failed call's body: (status, body, endpoint) to the venue's typed error, or null for the default mapping.</param>
    /// <param name="onHeaders">Sees the headers of every answer, failed or not (Binance reads its used weight there).</param>
    /// <param name="redact">Rewrites an endpoint for provenance and messages (hides an API key in a URL); identity by default.</param>
    /// <param name="prepare">Adds to every request before it is sent (an API-key header); headers never reach provenance.</param>
    internal VenueHttp(
        string venue,
        VenueConnection connection,
        Func<int, byte[], string, VenueException?> readError,
        Action<HttpResponseHeaders>? onHeaders = null,
        Func<string, string>? redact = null,
        Action<HttpRequestMessage>? prepare = null)
    {
        Venue = venue;
        _connection = connection;
        _readError = readError;
        _onHeaders = onHeaders;
        _redact = redact ?? (endpoint => endpoint);
        _prepare = prepare;
    }

    /// <summary>The venue name.</summary>
    internal string Venue { get; }

    /// <summary>The clock the venue code reads.</summary>
    internal TimeProvider Time => _connection.TimeProvider;

    /// <summary>The provider's gate (for limits the venue publishes).</summary>
    internal IRequestGate Gate => _connection.Gate;

    /// <summary>GETs <paramref name="pathAndQuery"/> and parses the answer, with the call's provenance.</summary>
    /// <param name="pathAndQuery">For example <c>/api/v3/klines?symbol=BTCUSDT&amp;interval=1m</c>.</param>
    /// <param name="window">The request's time window, for provenance.</param>
    /// <param name="parse">The venue parser for the body.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <param name="weight">The request's weight against the provider's budget.</param>
    /// <returns>The parsed value and the provenance of the call.</returns>
    /// <exception cref="VenueDataException">The body is malformed.</exception>
    /// <exception cref="VenueException">The call failed.</exception>
    internal Task<Sourced<T>> GetAsync<T>(string pathAndQuery, TimeRange? window, Func<byte[], T> parse, CancellationToken cancellationToken, int weight = 1)
        => SendAsync(HttpMethod.Get, pathAndQuery, null, window, weight, parse, cancellationToken);

    /// <summary>POSTs a JSON body to <paramref name="path"/> and parses the answer, with the call's provenance.</summary>
    /// <param name="path">For example <c>/info</c>.</param>
    /// <param name="json">The request body, JSON.</param>
    /// <param name="window">The request's time window, for provenance.</param>
    /// <param name="parse">The venue parser for the body.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <param name="weight">The request's weight against the provider's budget.</param>
    /// <returns>The parsed value and the provenance of the call (the endpoint names the body).</returns>
    /// <exception cref="VenueDataException">The body is malformed.</exception>
    /// <exception cref="VenueException">The call failed.</exception>
    internal Task<Sourced<T>> PostJsonAsync<T>(string path, string json, TimeRange? window, Func<byte[], T> parse, CancellationToken cancellationToken, int weight = 1)
        => SendAsync(HttpMethod.Post, path, json, window, weight, parse, cancellationToken);

    /// <summary>Cuts a body to a readable length for error messages.</summary>
    internal static string Snippet(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300)).ReplaceLineEndings(" ");
        return body.Length > 300 ? text + "..." : text;
    }

    /// <summary>
    /// Sends through the gate and parses inside each attempt: an error a venue states inside a 2xx body (Kraken's
    /// <c>EAPI:Rate limit exceeded</c>, OKX's code 50011) is thrown by its parser as the typed failure it is, so the
    /// gate retries a rate limit or an outage there as it does one stated by the HTTP status.
    /// </summary>
    private async Task<Sourced<T>> SendAsync<T>(HttpMethod method, string pathAndQuery, string? json, TimeRange? window, int weight, Func<byte[], T> parse, CancellationToken cancellationToken)
        => await _connection.Gate.ExecuteAsync(
            new RequestCost(weight),
            async ct =>
            {
                var reply = await SendOnceAsync(method, pathAndQuery, json, window, ct).ConfigureAwait(false);
                return new Sourced<T>(Payload.Parse(reply, parse), reply.Provenance);
            },
            cancellationToken).ConfigureAwait(false);

    private async ValueTask<VenueReply> SendOnceAsync(HttpMethod method, string pathAndQuery, string? json, TimeRange? window, CancellationToken cancellationToken)
    {
        var endpoint = _redact(json is null ? $"{method.Method} {pathAndQuery}" : $"{method.Method} {pathAndQuery} {json}");
        var time = _connection.TimeProvider;
        var fetchedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        HttpResponseMessage response;
        byte[] body;
        try
        {
            using var request = new HttpRequestMessage(method, new Uri(pathAndQuery.TrimStart('/'), UriKind.Relative));
            if (json is not null)
            {
                request.Content = new StringContent(json, Encoding.UTF8, "application/json");
            }

            _prepare?.Invoke(request);

            response = await _connection.Http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new VenueUnavailableException(Venue, $"{Venue} {endpoint}: {Describe(ex)}", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new VenueUnavailableException(Venue, $"{Venue} {endpoint}: timed out", ex);
        }

        using (response)
        {
            _onHeaders?.Invoke(response.Headers);
            var latencyMs = (long)time.GetElapsedTime(started).TotalMilliseconds;
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                // Envelope errors inside a 2xx (Kraken's error array, OKX's code) are read by the venue's parser.
                return new VenueReply(body, response.Headers, new Provenance(Venue, endpoint, window, latencyMs, fetchedAt));
            }

            throw MapFailure(response, status, body, endpoint, fetchedAt);
        }
    }

    /// <summary>What went wrong on the wire, in the venue's terms rather than .NET's generic "An error occurred while sending the request."</summary>
    private static string Describe(HttpRequestException error)
    {
        var socket = FindInner<System.Net.Sockets.SocketException>(error);
        return (error.HttpRequestError, socket?.SocketErrorCode) switch
        {
            (_, System.Net.Sockets.SocketError.ConnectionRefused) => "connection refused: nothing listens at the venue's address",
            (_, System.Net.Sockets.SocketError.ConnectionReset or System.Net.Sockets.SocketError.ConnectionAborted) => "connection reset by the venue (no answer)",
            (HttpRequestError.ResponseEnded, _) => "connection reset by the venue (no answer)",
            (HttpRequestError.NameResolutionError, _) => $"the venue's host name could not be resolved ({Innermost(error).Message})",
            (HttpRequestError.ConnectionError, _) => $"could not connect to the venue ({Innermost(error).Message})",
            (HttpRequestError.SecureConnectionError, _) => $"the TLS handshake with the venue failed ({Innermost(error).Message})",
            _ => Innermost(error).Message,
        };
    }

    private static TException? FindInner<TException>(Exception error)
        where TException : Exception
    {
        for (var inner = error.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is TException found)
            {
                return found;
            }
        }

        return null;
    }

    private static Exception Innermost(Exception error)
    {
        var inner = error;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return inner;
    }

    private VenueException MapFailure(HttpResponseMessage response, int status, byte[] body, string endpoint, DateTimeOffset now)
    {
        var retryAfter = ReadRetryAfter(response.Headers, now);
        var said = _readError(status, body, endpoint);
        var detail = said?.Message ?? $"{Venue} {endpoint}: HTTP {status} {Snippet(body)}";
        return status switch
        {
            429 => new VenueRateLimitedException(Venue, detail) { RetryAfter = retryAfter, StatusCode = status, VenueCode = said?.VenueCode },
            418 => new VenueBannedException(Venue, detail)
            {
                // A ban without Retry-After is treated as 30 minutes (seed 000).
                RetryAfter = retryAfter ?? TimeSpan.FromMinutes(30),
                StatusCode = status,
                VenueCode = said?.VenueCode,
            },
            >= 500 => new VenueUnavailableException(Venue, detail) { RetryAfter = retryAfter, StatusCode = status, VenueCode = said?.VenueCode },
            _ when said is not null => said,
            _ => new VenueRequestException(Venue, detail) { StatusCode = status },
        };
    }

    private static TimeSpan? ReadRetryAfter(HttpResponseHeaders headers, DateTimeOffset now)
    {
        if (headers.RetryAfter is { } value)
        {
            if (value.Delta is { } delta)
            {
                return delta;
            }

            if (value.Date is { } date)
            {
                var wait = date - now;
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
        }

        // Some gateways send a bare number the typed parser rejects.
        if (headers.TryGetValues("Retry-After", out var raw)
            && double.TryParse(raw.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return null;
    }
}

/// <summary>Builds query strings with invariant formatting and escaping.</summary>
internal static class Query
{
    /// <summary>Joins a path and parameters; null values are left out.</summary>
    internal static string Build(string path, params (string Name, object? Value)[] parameters)
    {
        var parts = parameters
            .Where(p => p.Value is not null)
            .Select(p => $"{p.Name}={Uri.EscapeDataString(Convert.ToString(p.Value, CultureInfo.InvariantCulture)!)}");
        var query = string.Join('&', parts);
        return query.Length == 0 ? path : $"{path}?{query}";
    }
}

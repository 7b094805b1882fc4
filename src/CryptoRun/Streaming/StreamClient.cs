using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Threading.RateLimiting;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Resilience;

namespace CryptoRun.Streaming;

/// <summary>
/// The hot tier of one venue: WebSocket connections carrying subscriptions, books kept in sync by sequence and
/// checksum, and consumers reading bounded buffers as <see cref="IAsyncEnumerable{T}"/>.
/// </summary>
/// <remarks>
/// Subscribe first, then <see cref="StartAsync"/>: the subscriptions are spread over connections of at most the
/// venue's <see cref="StreamLimits.MaxSubscriptionsPerConnection"/>. A subscription made after start opens its own
/// connection (up to <see cref="StreamLimits.MaxConnections"/>). Every connection attempt of the client takes a permit of
/// the venue's connect budget (<see cref="StreamLimits.MaxConnectsPerWindow"/>), so an outage never becomes a
/// reconnect storm. Consumers are never called from the receive loop: they read their own buffers.
/// Unsubscribing a consumer (disposing it) stops its buffer; the venue subscription stays until <see cref="StopAsync"/>.
/// </remarks>
public sealed class StreamClient : IAsyncDisposable
{
    private readonly Func<CancellationToken, Task<MarketCatalog>> _markets;
    private readonly ConcurrentDictionary<Instrument, InstrumentRoutes> _routes = new();
    private readonly List<StreamConnection> _connections = [];
    private readonly List<Task> _running = [];
    private readonly HashSet<StreamSubscription> _subscribed = [];
    private readonly List<StreamSubscription> _pending = [];
    private readonly List<StreamSubscriber> _subscribers = [];
    private readonly Lock _gate = new();
    private readonly SlidingWindowRateLimiter _connects;
    private readonly ITimer _replenish;
    private readonly CancellationTokenSource _stop = new();
    private Task<MarketCatalog>? _catalog;
    private bool _started;
    private int _connectionCount;
    private long _connectAttempts;
    private long _reconnects;
    private long _frames;
    private long _parseErrors;
    private long _gaps;
    private long _lastFrameTicks;
    private string? _lastError;
    private long _connectFailures;
    private string? _lastConnectError;
    private long _bannedUntilTicks;

    /// <summary>Creates a client for one venue; nothing connects before <see cref="StartAsync"/>.</summary>
    /// <param name="protocol">The venue's WebSocket protocol.</param>
    /// <param name="markets">The venue's market metadata (its REST connector's cached catalog), used to name instruments on the stream.</param>
    /// <param name="options">Options; null for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public StreamClient(IStreamProtocol protocol, Func<CancellationToken, Task<MarketCatalog>> markets, StreamClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        ArgumentNullException.ThrowIfNull(markets);
        Protocol = protocol;
        _markets = markets;
        Options = options ?? new StreamClientOptions();
        Options.Validate();
        var limits = protocol.Limits;
        const int segments = 4;
        _connects = new SlidingWindowRateLimiter(new SlidingWindowRateLimiterOptions
        {
            PermitLimit = Math.Max(1, limits.MaxConnectsPerWindow),

            // Replenished by hand on the stream's clock, a segment of the venue's window at a time: the limiter itself
            // measures real time, so its own window is a few ticks long and every TryReplenish moves one segment on.
            Window = TimeSpan.FromTicks(segments),
            SegmentsPerWindow = segments,
            AutoReplenishment = false,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        var segment = limits.ConnectWindow / segments;
        _replenish = Options.TimeProvider.CreateTimer(_ => _connects.TryReplenish(), null, segment, segment);
    }

    /// <summary>The venue's protocol.</summary>
    public IStreamProtocol Protocol { get; }

    /// <summary>The venue name.</summary>
    public string Venue => Protocol.Venue;

    /// <summary>The options.</summary>
    public StreamClientOptions Options { get; }

    /// <summary>Book counters over all books of the client: messages, checksum passes and failures, gaps, resyncs.</summary>
    public BookStats BookStats { get; } = new();

    /// <summary>
    /// Adds a consumer of one channel of one instrument. Before <see cref="StartAsync"/> the subscription joins the
    /// start's connections; after it, a new subscription opens a connection of its own at once, and one already
    /// streaming just gains this consumer.
    /// </summary>
    /// <param name="channel">The channel.</param>
    /// <param name="instrument">The instrument (unified symbol).</param>
    /// <param name="bufferSize">This consumer's buffer, in events; null for <see cref="StreamClientOptions.ConsumerBufferSize"/>.</param>
    /// <returns>The consumer; enumerate it to read, dispose it to leave.</returns>
    /// <exception cref="NotSupportedException">The venue does not stream <paramref name="channel"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bufferSize"/> is below 1.</exception>
    /// <exception cref="InvalidOperationException">The client has stopped, or a new connection would exceed the venue's connection limit.</exception>
    public StreamSubscriber Subscribe(StreamChannel channel, Instrument instrument, int? bufferSize = null)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize ?? 1, 1, nameof(bufferSize));
        if (!Protocol.Supports(channel))
        {
            throw new NotSupportedException($"{Venue} does not stream {channel}");
        }

        var subscription = new StreamSubscription(channel, instrument);
        var subscriber = new StreamSubscriber(subscription, bufferSize ?? Options.ConsumerBufferSize, Unsubscribe);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
            RoutesFor(instrument).Add(subscriber);
            _subscribers.Add(subscriber);
            if (_subscribed.Add(subscription))
            {
                if (_started)
                {
                    StartConnection([subscription]);
                }
                else
                {
                    _pending.Add(subscription);
                }
            }
        }

        return subscriber;
    }

    /// <summary>Opens the connections of the subscriptions made so far (they connect in the background; a failed attempt backs off and retries until <see cref="StopAsync"/>).</summary>
    /// <param name="cancellationToken">Cancels the market-metadata fetch.</param>
    /// <returns>A task that completes once the venue's market metadata is loaded and every subscription is known to it.</returns>
    /// <exception cref="ArgumentException">An instrument is not among the venue's markets; the message names it.</exception>
    /// <exception cref="InvalidOperationException">Already started, or more connections would be needed than the venue allows.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var catalog = await MarketsAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            if (_started)
            {
                throw new InvalidOperationException($"the {Venue} stream client has already started");
            }

            foreach (var subscription in _pending)
            {
                if (!catalog.TryGet(subscription.Instrument, out _))
                {
                    throw new ArgumentException($"{Venue} lists no market {subscription.Instrument} in its market metadata", nameof(cancellationToken));
                }
            }

            _started = true;
            var perConnection = Math.Max(1, Protocol.Limits.MaxSubscriptionsPerConnection);
            foreach (var chunk in _pending.Chunk(perConnection))
            {
                StartConnection(chunk);
            }

            _pending.Clear();
        }
    }

    /// <summary>Closes every connection and ends every consumer's enumeration.</summary>
    /// <returns>A task that completes when the receive loops have ended.</returns>
    public async Task StopAsync()
    {
        Task[] running;
        lock (_gate)
        {
            if (!_stop.IsCancellationRequested)
            {
                _stop.Cancel();
            }

            running = [.. _running];
        }

        try
        {
            await Task.WhenAll(running).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ArgumentException or InvalidOperationException)
        {
            // A connection that failed to resolve its subscriptions has already reported it through its task.
        }

        StreamSubscriber[] subscribers;
        lock (_gate)
        {
            subscribers = [.. _subscribers];
        }

        foreach (var subscriber in subscribers)
        {
            subscriber.Complete();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _replenish.Dispose();
        _connects.Dispose();
        _stop.Dispose();
    }

    /// <summary>The client's health and counters now.</summary>
    /// <returns>A snapshot of the counters.</returns>
    public StreamHealth Health()
    {
        StreamConnection[] connections;
        long dropped;
        lock (_gate)
        {
            connections = [.. _connections];
            dropped = _subscribers.Sum(s => s.Dropped);
        }

        var last = Interlocked.Read(ref _lastFrameTicks);
        var bannedUntil = Interlocked.Read(ref _bannedUntilTicks);
        return new StreamHealth(
            Venue,
            connections.Length,
            connections.Count(c => c.IsOpen),
            Interlocked.Read(ref _connectAttempts),
            Interlocked.Read(ref _reconnects),
            Interlocked.Read(ref _frames),
            Interlocked.Read(ref _parseErrors),
            Volatile.Read(ref _lastError),
            Interlocked.Read(ref _gaps),
            last == 0 ? null : new DateTimeOffset(last, TimeSpan.Zero),
            BookStats.ChecksumPasses,
            BookStats.ChecksumFailures,
            BookStats.Resyncs,
            dropped,
            Interlocked.Read(ref _connectFailures),
            Volatile.Read(ref _lastConnectError),
            bannedUntil == 0 ? null : new DateTimeOffset(bannedUntil, TimeSpan.Zero));
    }

    /// <summary>The instrument's streamed book now, when it is subscribed and in sync.</summary>
    /// <param name="instrument">The instrument.</param>
    /// <param name="depth">Levels per side (0 = all).</param>
    /// <param name="snapshot">The book, best levels first, with its sequence and venue time.</param>
    /// <returns>False when the book is not subscribed or is resyncing.</returns>
    public bool TryGetBook(Instrument instrument, int depth, [NotNullWhen(true)] out L2BookSnapshot? snapshot)
    {
        StreamConnection[] connections;
        lock (_gate)
        {
            connections = [.. _connections];
        }

        foreach (var connection in connections)
        {
            if (connection.TryGetBook(instrument, depth, out snapshot))
            {
                return true;
            }
        }

        snapshot = null;
        return false;
    }

    /// <summary>Drops a connection carrying the subscription at once, as a network failure would (the connection then reconnects with a gap). For fault drills and tests.</summary>
    /// <param name="subscription">A subscription the connection carries.</param>
    /// <returns>False when no connection carries it.</returns>
    public bool DropConnection(StreamSubscription subscription)
    {
        lock (_gate)
        {
            var connection = _connections.FirstOrDefault(c => c.Carries(subscription));
            connection?.Abort("dropped on request");
            return connection is not null;
        }
    }

    /// <summary>A connection of the subscriptions made so far that never connects: benchmarks and tests feed it frames through <see cref="StreamConnection.Process"/>.</summary>
    internal async Task<StreamConnection> OpenOfflineAsync(CancellationToken cancellationToken = default)
    {
        StreamSubscription[] subscriptions;
        lock (_gate)
        {
            subscriptions = [.. _pending];
            _pending.Clear();
        }

        var connection = new StreamConnection(this, $"{Venue}#offline", subscriptions);
        await connection.PrepareAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    internal Task<MarketCatalog> MarketsAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_catalog is null || _catalog.IsFaulted || _catalog.IsCanceled)
            {
                _catalog = _markets(cancellationToken);
            }

            return _catalog;
        }
    }

    internal InstrumentRoutes RoutesFor(Instrument instrument) => _routes.GetOrAdd(instrument, i => new InstrumentRoutes(i));

    internal async ValueTask AcquireConnectPermitAsync(CancellationToken cancellationToken)
    {
        using var lease = await _connects.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        if (!lease.IsAcquired)
        {
            throw new InvalidOperationException($"{Venue}: no connect permit");
        }
    }

    internal void CountConnectAttempt() => Interlocked.Increment(ref _connectAttempts);

    internal void CountReconnect() => Interlocked.Increment(ref _reconnects);

    internal void CountGap() => Interlocked.Increment(ref _gaps);

    internal void CountFrame(DateTimeOffset receivedAt)
    {
        Interlocked.Increment(ref _frames);
        Interlocked.Exchange(ref _lastFrameTicks, receivedAt.UtcTicks);
    }

    internal void CountParseError(string error)
    {
        Interlocked.Increment(ref _parseErrors);
        NoteError(error);
    }

    internal void NoteError(string error) => Volatile.Write(ref _lastError, error);

    internal void CountConnectFailure(string error)
    {
        Interlocked.Increment(ref _connectFailures);
        Volatile.Write(ref _lastConnectError, error);
        NoteError(error);
    }

    /// <summary>Keeps the latest end of a ban the client's REST calls learned of.</summary>
    internal void NoteBan(DateTimeOffset until)
    {
        LatestTime.Raise(ref _bannedUntilTicks, until.UtcTicks);
    }

    private void StartConnection(IEnumerable<StreamSubscription> subscriptions)
    {
        if (_connections.Count >= Protocol.Limits.MaxConnections)
        {
            throw new InvalidOperationException($"{Venue} allows {Protocol.Limits.MaxConnections} connections per client; subscribe before StartAsync to share connections");
        }

        var connection = new StreamConnection(this, $"{Venue}#{++_connectionCount}", subscriptions);
        _connections.Add(connection);
        _running.Add(Task.Run(() => RunConnectionAsync(connection), CancellationToken.None));
    }

    private async Task RunConnectionAsync(StreamConnection connection)
    {
        try
        {
            await connection.RunAsync(_stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            NoteError($"{connection.Name}: {ex.Message}");
            foreach (var subscription in connection.Wanted)
            {
                var provenance = new StreamProvenance(Venue, connection.Name, 0, Options.TimeProvider.GetUtcNow(), null, null);
                RoutesFor(subscription.Instrument).Publish(subscription.Channel, new StreamStatusEvent(subscription.Instrument, subscription.Channel, StreamState.Closed, ex.Message, provenance));
            }
        }
        finally
        {
            connection.Dispose();
        }
    }

    private void Unsubscribe(StreamSubscriber subscriber)
    {
        lock (_gate)
        {
            _subscribers.Remove(subscriber);
        }

        RoutesFor(subscriber.Subscription.Instrument).Remove(subscriber);
    }
}

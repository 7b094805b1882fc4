using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Net.WebSockets;
using System.Text;
using CryptoRun.Books;
using CryptoRun.Domain;
using Polly;
using Polly.Retry;

namespace CryptoRun.Streaming;

/// <summary>
/// One WebSocket connection of a <see cref="StreamClient"/> and its subscriptions: opens it (Polly retry with
/// exponential backoff and jitter, each attempt taking a permit of the venue's connect budget), subscribes, runs the
/// receive loop (parse, keep books, write to consumers' bounded buffers; never user code), detects stale streams,
/// sends the venue's pings, resyncs a book that lost sync on its own (REST snapshots through the venue's gate, by
/// <see cref="RestBookSnapshots"/>), and after a loss reconnects and publishes a <see cref="GapEvent"/> for every
/// subscription (with a REST trade backfill where configured). Failed attempts and losses are counted in the client's health.
/// </summary>
internal sealed class StreamConnection : IStreamSink, IDisposable
{
    private const int MaxBufferedDeltas = 10_000;

    private readonly StreamClient _client;
    private readonly IStreamProtocol _protocol;
    private readonly StreamClientOptions _options;
    private readonly TimeProvider _time;
    private readonly List<StreamSubscription> _wanted;
    private readonly Dictionary<string, InstrumentRoutes> _bySymbol = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<Instrument, InstrumentRoutes> _routes = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Instrument, BookKeeper> _books = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentDictionary<Instrument, long> _lastTradeMs = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentQueue<BookKeeper> _toResync = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ResiliencePipeline _reconnect;
    private readonly RestBookSnapshots? _snapshots;
    private List<VenueSubscription> _subscriptions = [];
    private IStreamParser _parser;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
    private WebSocket? _socket;
    private long _frame;
    private DateTimeOffset _receivedAt;
    private long _lastFrameTicks;
    private volatile bool _stale;
    private volatile string? _abortReason;
    private CancellationToken _stopping;

    public StreamConnection(StreamClient client, string name, IEnumerable<StreamSubscription> subscriptions)
    {
        _client = client;
        _protocol = client.Protocol;
        _options = client.Options;
        _time = _options.TimeProvider;
        Name = name;
        _wanted = subscriptions.ToList();
        _parser = _protocol.CreateParser();
        _reconnect = new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not OperationCanceledException || !_stopping.IsCancellationRequested),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.ReconnectDelay,
                MaxDelay = _options.MaxReconnectDelay,
                OnRetry = args =>
                {
                    var message = args.Outcome.Exception?.Message.TrimEnd('.') ?? "failed";
                    _client.CountConnectFailure($"{Name}: {message}");
                    PublishStatus(StreamState.Reconnecting, $"connect attempt failed: {message}; next attempt in {args.RetryDelay.TotalSeconds:0.#} s");
                    return default;
                },
            })
            .Build();
        if (_protocol is IRestSnapshotProtocol restSnapshots && _options.Rest is { } rest)
        {
            _snapshots = new RestBookSnapshots(restSnapshots, rest, _options, ApplyFetchedSnapshot, PublishWaiting, _client.NoteBan);
        }
    }

    /// <summary><c>venue#n</c>.</summary>
    public string Name { get; }

    public bool IsOpen { get; private set; }

    public IReadOnlyList<StreamSubscription> Wanted => _wanted;

    public BookMessage Book { get; } = new();

    /// <summary>Resolves the subscriptions against the venue's markets, then connects and reads until <paramref name="stopping"/> fires.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        _stopping = stopping;
        try
        {
            await ResolveAsync(stopping).ConfigureAwait(false);
            DateTimeOffset? gapFrom = null;
            var gapReason = GapReason.Disconnected;
            while (!stopping.IsCancellationRequested)
            {
                WebSocket socket;
                int firstLength;
                try
                {
                    (socket, firstLength) = await _reconnect.ExecuteAsync(OpenAsync, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    break;
                }

                _socket = socket;
                IsOpen = true;
                if (gapFrom is { } from)
                {
                    PublishReconnected(from, gapReason);
                }
                else
                {
                    PublishStatus(StreamState.Live, "connected");
                }

                var reason = await ReceiveAsync(socket, firstLength, stopping).ConfigureAwait(false);
                IsOpen = false;
                _socket = null;
                socket.Dispose();
                if (stopping.IsCancellationRequested)
                {
                    break;
                }

                // Counted at the loss: a venue that drops connections shows in the count even while reopening keeps failing.
                gapFrom = _frame > 0 ? _receivedAt : _time.GetUtcNow();
                gapReason = _stale ? GapReason.Stale : GapReason.Disconnected;
                _client.CountReconnect();
                _client.NoteError($"{Name}: {reason}");
                PublishStatus(StreamState.Reconnecting, reason);
                foreach (var keeper in _books.Values)
                {
                    keeper.ResetForReconnect();
                }

                _parser = _protocol.CreateParser();
            }
        }
        finally
        {
            IsOpen = false;
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    public void Dispose() => _sendLock.Dispose();

    /// <summary>The instrument's book now, cut to <paramref name="depth"/>; false when it is not subscribed here or not in sync.</summary>
    public bool TryGetBook(Instrument instrument, int depth, [NotNullWhen(true)] out L2BookSnapshot? snapshot)
    {
        snapshot = null;
        foreach (var keeper in _books.Values)
        {
            if (keeper.Subscription.Instrument == instrument)
            {
                lock (keeper)
                {
                    if (keeper.Book.IsSynced)
                    {
                        snapshot = keeper.Book.ToSnapshot(depth);
                        return true;
                    }
                }
            }
        }

        return false;
    }

    /// <summary>True when this connection carries the subscription.</summary>
    public bool Carries(StreamSubscription subscription) => _wanted.Contains(subscription);

    /// <summary>Ends the connection at once (for tests of reconnects and for stale detection).</summary>
    public void Abort(string reason)
    {
        _abortReason = reason;
        _socket?.Abort();
    }

    bool IStreamSink.TryResolve(string streamSymbol, [NotNullWhen(true)] out Instrument? instrument)
    {
        if (_bySymbol.TryGetValue(streamSymbol, out var routes))
        {
            instrument = routes.Instrument;
            return true;
        }

        instrument = null;
        return false;
    }

    StreamProvenance IStreamSink.Provenance(long? exchangeTimeMs, long? sequence)
        => new(_protocol.Venue, Name, _frame, _receivedAt, exchangeTimeMs, sequence);

    void IStreamSink.Publish(StreamEvent streamEvent)
    {
        if (streamEvent is TradeEvent trade)
        {
            _lastTradeMs[trade.Instrument] = trade.Trade.TimeMs;
        }

        var channel = streamEvent switch
        {
            TradeEvent => StreamChannel.Trades,
            TickerEvent => StreamChannel.Ticker,
            CandleEvent => StreamChannel.Candles,
            FundingUpdateEvent => StreamChannel.Funding,
            _ => StreamChannel.Book,
        };
        Route(streamEvent.Instrument)?.Publish(channel, streamEvent);
    }

    void IStreamSink.ApplyBook(Instrument instrument)
    {
        if (!_books.TryGetValue(instrument, out var keeper))
        {
            return;
        }

        var message = Book;
        lock (keeper)
        {
            if (_snapshots is not null && !message.IsSnapshot && !keeper.Book.IsSynced)
            {
                // Until the REST snapshot is in, deltas wait; the fetch applies them after it (Binance's procedure).
                keeper.Buffer(message, MaxBufferedDeltas);
                _snapshots.Request(keeper, _stopping);
                return;
            }

            Apply(keeper, message);
        }
    }

    private async ValueTask<(WebSocket Socket, int FirstLength)> OpenAsync(CancellationToken cancellationToken)
    {
        await _client.AcquireConnectPermitAsync(cancellationToken).ConfigureAwait(false);
        _client.CountConnectAttempt();
        var endpoint = _options.Endpoint ?? _protocol.DefaultEndpoint;
        var uri = _protocol.ConnectUri(endpoint, _subscriptions);
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        WebSocket? socket = null;
        try
        {
            socket = _options.Connect is { } connect
                ? await connect(uri, linked.Token).ConfigureAwait(false)
                : await ConnectDefaultAsync(uri, linked.Token).ConfigureAwait(false);
            foreach (var message in _protocol.SubscribeMessages(_subscriptions))
            {
                await SendAsync(socket, message, linked.Token).ConfigureAwait(false);
            }

            // An attempt succeeds with its first frame: a venue that accepts and then drops at once keeps backing off.
            var length = await ReadMessageAsync(socket, linked.Token).ConfigureAwait(false);
            if (length < 0)
            {
                throw new WebSocketException($"{uri} closed before its first frame ({socket.CloseStatus} {socket.CloseStatusDescription})");
            }

            return (socket, length);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            socket?.Dispose();
            throw new TimeoutException($"{uri}: no frame within {_options.ConnectTimeout.TotalSeconds:0.#} s of connecting");
        }
        catch
        {
            socket?.Dispose();
            throw;
        }
    }

    private static async Task<WebSocket> ConnectDefaultAsync(Uri uri, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(15);
        socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(15);
        try
        {
            await socket.ConnectAsync(uri, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task<string> ReceiveAsync(WebSocket socket, int firstLength, CancellationToken stopping)
    {
        _stale = false;
        _abortReason = null;
        var staleTicks = _options.StaleAfter.Ticks;
        using var watchdog = _time.CreateTimer(_ => Watch(staleTicks), null, WatchPeriod(), WatchPeriod());
        using var ping = _protocol.PingMessage is { } pingText && _protocol.PingInterval > TimeSpan.Zero
            ? _time.CreateTimer(_ => _ = PingAsync(socket, pingText, stopping), null, _protocol.PingInterval, _protocol.PingInterval)
            : null;
        await StartResyncsAsync(socket, initial: true, stopping).ConfigureAwait(false);
        var length = firstLength;
        try
        {
            while (true)
            {
                OnFrame(length);
                if (!_toResync.IsEmpty)
                {
                    await StartResyncsAsync(socket, initial: false, stopping).ConfigureAwait(false);
                }

                length = await ReadMessageAsync(socket, stopping).ConfigureAwait(false);
                if (length < 0)
                {
                    return $"closed by the venue ({socket.CloseStatus} {socket.CloseStatusDescription})".TrimEnd();
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            await CloseQuietlyAsync(socket).ConfigureAwait(false);
            return "stopped";
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            return _abortReason ?? ex.Message;
        }
    }

    private TimeSpan WatchPeriod()
    {
        var quarter = _options.StaleAfter / 4;
        return quarter < TimeSpan.FromMilliseconds(50) ? TimeSpan.FromMilliseconds(50) : quarter;
    }

    private void Watch(long staleTicks)
    {
        var now = _time.GetUtcNow().UtcTicks;
        if (now - Interlocked.Read(ref _lastFrameTicks) > staleTicks)
        {
            _stale = true;
            Abort($"stale: no frame for {_options.StaleAfter.TotalSeconds:0.#} s");
            return;
        }

        // A REST snapshot is retried by its own fetch loop, with backoff through the gate: reopening the socket would not end
        // a ban or an open breaker, only storm the venue.
        if (_snapshots is not null)
        {
            return;
        }

        foreach (var keeper in _books.Values)
        {
            if (keeper.ResyncingSince is { } since && now - since.UtcTicks > _options.ResyncTimeout.Ticks)
            {
                Abort($"{keeper.Subscription.Instrument} book: no snapshot within {_options.ResyncTimeout.TotalSeconds:0.#} s of resyncing");
                return;
            }
        }
    }

    private void OnFrame(int length) => Process(_buffer.AsSpan(0, length));

    /// <summary>Resolves the subscriptions without connecting (benchmarks drive <see cref="Process"/> themselves).</summary>
    internal Task PrepareAsync(CancellationToken cancellationToken) => ResolveAsync(cancellationToken);

    /// <summary>Applies a book snapshot obtained elsewhere (a benchmark's recorded REST snapshot), with any deltas buffered before it.</summary>
    internal void InjectSnapshot(Instrument instrument, BookMessage snapshot)
    {
        var keeper = _books[instrument];
        lock (keeper)
        {
            ApplyFetchedSnapshot(keeper, snapshot);
        }
    }

    /// <summary>What the receive loop does with one frame: stamp it, count it, parse it into events, keep books, fill buffers.</summary>
    internal void Process(ReadOnlySpan<byte> frame)
    {
        _frame++;
        _receivedAt = _time.GetUtcNow();
        Interlocked.Exchange(ref _lastFrameTicks, _receivedAt.UtcTicks);
        _client.CountFrame(_receivedAt);

        try
        {
            _parser.Parse(frame, this);
        }
        catch (FormatException ex)
        {
            _client.CountParseError($"{Name} frame {_frame}: {ex.Message}");
        }
    }

    /// <summary>Reads one whole message into <see cref="_buffer"/>; returns its length, or -1 when the venue closed.</summary>
    private async ValueTask<int> ReadMessageAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var length = 0;
        while (true)
        {
            if (length == _buffer.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
                _buffer.AsSpan().CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = bigger;
            }

            var result = await socket.ReceiveAsync(_buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return -1;
            }

            length += result.Count;
            if (result.EndOfMessage)
            {
                return length;
            }
        }
    }

    private async Task PingAsync(WebSocket socket, string text, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(socket, text, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // The receive loop sees the broken socket and reconnects.
        }
    }

    private async Task SendAsync(WebSocket socket, string text, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private static async Task CloseQuietlyAsync(WebSocket socket)
    {
        if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "stopped", timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // Stopping: a socket that cannot close politely is simply dropped.
        }
    }

    private async Task ResolveAsync(CancellationToken cancellationToken)
    {
        var catalog = await _client.MarketsAsync(cancellationToken).ConfigureAwait(false);
        var subscriptions = new List<VenueSubscription>();
        foreach (var wanted in _wanted)
        {
            if (!_protocol.Supports(wanted.Channel))
            {
                throw new ArgumentException($"{_protocol.Venue} does not stream {wanted.Channel}");
            }

            if (!catalog.TryGet(wanted.Instrument, out var market))
            {
                throw new ArgumentException($"{_protocol.Venue} lists no market {wanted.Instrument} in its market metadata");
            }

            var symbol = _protocol.StreamSymbol(market);
            var routes = _client.RoutesFor(wanted.Instrument);
            _bySymbol.TryAdd(symbol, routes);
            _routes.TryAdd(routes.Instrument, routes);
            var subscription = new VenueSubscription(wanted.Channel, routes.Instrument, symbol);
            subscriptions.Add(subscription);
            if (wanted.Channel == StreamChannel.Book)
            {
                if (_protocol is IRestSnapshotProtocol && _options.Rest is null)
                {
                    throw new InvalidOperationException($"{_protocol.Venue} books start from a REST snapshot: set StreamClientOptions.Rest to the venue's REST connection (its base, clock and gate)");
                }

                _books[routes.Instrument] = new BookKeeper(subscription, new L2Book(routes.Instrument, _protocol.BookDepth), _protocol.CreateBookSync());
            }
        }

        _subscriptions = subscriptions;
    }

    private InstrumentRoutes? Route(Instrument instrument)
        => _routes.TryGetValue(instrument, out var routes) ? routes : null;

    /// <summary>Applies one message to a book and publishes what follows; the caller holds the keeper's lock, so a book's events keep their order whichever thread applies.</summary>
    private void Apply(BookKeeper keeper, BookMessage message)
    {
        var result = keeper.Sync.Apply(keeper.Book, message);

        _client.BookStats.Count(result, message.Checksum is not null);
        if (result == BookApplyResult.Applied)
        {
            keeper.LastGoodAt = _receivedAt;
        }

        switch (result)
        {
            case BookApplyResult.Applied when message.IsSnapshot:
                PublishSnapshot(keeper, message);
                break;
            case BookApplyResult.Applied:
                PublishDelta(keeper, message);
                break;
            case BookApplyResult.Gap or BookApplyResult.ChecksumFailed:
                LoseSync(keeper, message, result == BookApplyResult.Gap ? GapReason.SequenceGap : GapReason.ChecksumFailed);
                break;
        }
    }

    private void PublishSnapshot(BookKeeper keeper, BookMessage message)
    {
        var book = keeper.Book;
        var instrument = book.Instrument;
        var provenance = new StreamProvenance(_protocol.Venue, Name, _frame, _receivedAt, message.TimeMs, book.Sequence);
        var snapshot = book.ToSnapshot();
        var routes = Route(instrument);
        routes?.Publish(StreamChannel.Book, new BookSnapshotEvent(instrument, snapshot.Bids, snapshot.Asks, provenance));
        keeper.ResyncingSince = null;
        var failedFetches = keeper.FailedFetches;
        keeper.FailedFetches = 0;
        if (keeper.LostSync)
        {
            // A resync is a recovery from a gap or checksum failure; a first snapshot (on connecting or reconnecting) is not.
            keeper.LostSync = false;
            _client.BookStats.CountResync();
            routes?.Publish(StreamChannel.Book, new StreamStatusEvent(instrument, StreamChannel.Book, StreamState.Live, "book resynced from a fresh snapshot", provenance));
        }
        else if (failedFetches > 0)
        {
            routes?.Publish(StreamChannel.Book, new StreamStatusEvent(instrument, StreamChannel.Book, StreamState.Live, $"book in sync from the REST snapshot after {failedFetches} failed fetches", provenance));
        }
    }

    private void PublishDelta(BookKeeper keeper, BookMessage message)
    {
        var book = keeper.Book;
        var routes = Route(book.Instrument);
        if (routes is null || routes.For(StreamChannel.Book).Length == 0)
        {
            return;
        }

        var provenance = new StreamProvenance(_protocol.Venue, Name, _frame, _receivedAt, message.TimeMs, book.Sequence);
        var bestBid = book.Bids.Count > 0 ? new BookLevel(book.Bids[0].Price, book.Bids[0].Size) : (BookLevel?)null;
        var bestAsk = book.Asks.Count > 0 ? new BookLevel(book.Asks[0].Price, book.Asks[0].Size) : (BookLevel?)null;
        routes.Publish(StreamChannel.Book, new BookDeltaEvent(
            book.Instrument, Levels(message.Bids), Levels(message.Asks), bestBid, bestAsk, message.Checksum is not null, provenance));
    }

    private static BookLevel[] Levels(List<LevelChange> changes)
    {
        if (changes.Count == 0)
        {
            return [];
        }

        var levels = new BookLevel[changes.Count];
        for (var i = 0; i < levels.Length; i++)
        {
            levels[i] = new BookLevel(changes[i].Price, changes[i].Size);
        }

        return levels;
    }

    private void LoseSync(BookKeeper keeper, BookMessage message, GapReason reason)
    {
        var instrument = keeper.Book.Instrument;
        keeper.Book.Reset();
        keeper.ResyncingSince ??= _receivedAt;
        keeper.LostSync = true;
        _client.CountGap();
        var provenance = new StreamProvenance(_protocol.Venue, Name, _frame, _receivedAt, message.TimeMs, message.Sequence);
        var routes = Route(instrument);
        routes?.Publish(StreamChannel.Book, new GapEvent(instrument, StreamChannel.Book, reason, keeper.LastGoodAt ?? _receivedAt, null, 0, null, provenance));
        routes?.Publish(StreamChannel.Book, new StreamStatusEvent(instrument, StreamChannel.Book, StreamState.Resyncing, $"{reason}: waiting for a fresh snapshot", provenance));
        if (_snapshots is not null)
        {
            _snapshots.Request(keeper, _stopping);
        }
        else
        {
            _toResync.Enqueue(keeper);
        }
    }

    /// <summary>Sends the resubscribe requests of books that lost sync (venues whose snapshot comes on the stream); on a (re)connect, starts the REST snapshots of diff-only venues.</summary>
    private async Task StartResyncsAsync(WebSocket socket, bool initial, CancellationToken stopping)
    {
        if (initial && _snapshots is not null)
        {
            foreach (var keeper in _books.Values)
            {
                lock (keeper)
                {
                    _snapshots.Request(keeper, stopping);
                }
            }
        }

        var pending = new HashSet<BookKeeper>();
        while (_toResync.TryDequeue(out var keeper))
        {
            pending.Add(keeper);
        }

        foreach (var keeper in pending)
        {
            foreach (var message in _protocol.ResubscribeBookMessages(keeper.Subscription))
            {
                await SendAsync(socket, message, stopping).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Applies a REST snapshot and the deltas buffered while it was fetched; the caller holds the keeper's lock. Returns whether the book is in sync after it.</summary>
    private bool ApplyFetchedSnapshot(BookKeeper keeper, BookMessage snapshot)
    {
        Apply(keeper, snapshot);
        foreach (var buffered in keeper.TakeBuffered())
        {
            if (!keeper.Book.IsSynced)
            {
                // The snapshot was older than the buffered deltas reach back: the fetch is retried.
                break;
            }

            Apply(keeper, buffered);
        }

        return keeper.Book.IsSynced;
    }

    /// <summary>A book still waits for its REST snapshot: says why on its status.</summary>
    private void PublishWaiting(BookKeeper keeper, string detail)
    {
        _client.NoteError($"{Name}: {keeper.Subscription.Instrument} book: {detail}");
        var instrument = keeper.Subscription.Instrument;
        var provenance = new StreamProvenance(_protocol.Venue, Name, 0, _time.GetUtcNow(), null, null);
        Route(instrument)?.Publish(StreamChannel.Book, new StreamStatusEvent(instrument, StreamChannel.Book, StreamState.Resyncing, detail, provenance));
    }

    private void PublishReconnected(DateTimeOffset from, GapReason reason)
    {
        var now = _time.GetUtcNow();
        var provenance = new StreamProvenance(_protocol.Venue, Name, 0, now, null, null);
        foreach (var subscription in _subscriptions)
        {
            var routes = Route(subscription.Instrument);
            if (routes is null)
            {
                continue;
            }

            _client.CountGap();
            routes.Publish(subscription.Channel, new StreamStatusEvent(subscription.Instrument, subscription.Channel, StreamState.Live, "reconnected", provenance));
            if (subscription.Channel == StreamChannel.Trades && _options.TradeBackfill is { } backfill)
            {
                _ = BackfillTradesAsync(backfill, subscription, routes, from, now, reason);
            }
            else
            {
                routes.Publish(subscription.Channel, new GapEvent(subscription.Instrument, subscription.Channel, reason, from, now, 0, null, provenance));
            }
        }
    }

    private async Task BackfillTradesAsync(
        Providers.ITradeProvider backfill,
        VenueSubscription subscription,
        InstrumentRoutes routes,
        DateTimeOffset from,
        DateTimeOffset to,
        GapReason reason)
    {
        var restConnection = $"{_protocol.Venue}:rest";
        var provenance = new StreamProvenance(_protocol.Venue, restConnection, 0, to, null, null);
        int? count = null;

        // The window runs from the last trade received (by the venue's time: nothing before it was lost) to the reconnect.
        var afterMs = _lastTradeMs.TryGetValue(subscription.Instrument, out var lastMs) ? lastMs : from.ToUnixTimeMilliseconds();
        try
        {
            var recent = await backfill.GetRecentTradesAsync(subscription.Instrument, 1000, _stopping).ConfigureAwait(false);
            var fetchedAt = _time.GetUtcNow();
            count = 0;
            foreach (var trade in recent.Value)
            {
                if (trade.TimeMs > afterMs && trade.TimeMs <= to.ToUnixTimeMilliseconds())
                {
                    routes.Publish(StreamChannel.Trades, new TradeEvent(subscription.Instrument, trade, provenance with { ReceivedAt = fetchedAt, ExchangeTimeMs = trade.TimeMs }));
                    count++;
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            _client.NoteError($"{Name}: trade backfill of {subscription.Instrument}: {ex.Message}");
            if (RestBookSnapshots.BanEnd(ex, _time) is { } bannedUntil)
            {
                _client.NoteBan(bannedUntil);
            }
        }

        routes.Publish(StreamChannel.Trades, new GapEvent(subscription.Instrument, StreamChannel.Trades, reason, from, to, 0, count, provenance));
    }

    private void PublishStatus(StreamState state, string detail)
    {
        var provenance = new StreamProvenance(_protocol.Venue, Name, 0, _time.GetUtcNow(), null, null);
        foreach (var subscription in _subscriptions)
        {
            Route(subscription.Instrument)?.Publish(subscription.Channel, new StreamStatusEvent(subscription.Instrument, subscription.Channel, state, detail, provenance));
        }
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using CryptoRun.Analytics;
using CryptoRun.Caching;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Snapshots;
using CryptoRun.Streaming;

namespace CryptoRun.Facade;

/// <summary>One venue of a <see cref="DataFacade"/>: its WebSocket protocol (hot tier) and its REST connector (warm tier).</summary>
/// <param name="Name">The venue name (<c>kraken</c>, <c>binance</c>...).</param>
/// <param name="Rest">The venue's REST connector: market metadata, and the warm tier's candles, trades and books by its capabilities.</param>
/// <param name="Stream">The venue's WebSocket protocol; null when the venue has no hot tier here.</param>
/// <param name="StreamOptions">The stream client's options (endpoint, clock, REST connection for book snapshots through the venue's gate, buffers); null for the defaults.</param>
public sealed record FacadeVenue(string Name, IExchangeNativeProvider Rest, IStreamProtocol? Stream = null, StreamClientOptions? StreamOptions = null);

/// <summary>Options of a <see cref="DataFacade"/>.</summary>
public sealed record DataFacadeOptions
{
    /// <summary>The clock: cache expiry, latency, freshness.</summary>
    /// <value><see cref="TimeProvider.System"/> by default.</value>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The warm tier's cache tiers (TTLs and capacities).</summary>
    /// <value>Seed 001's defaults: PricesHot 5 s, PricesWarm 30 s, VolumesVADR 120 s, TokenMeta 24 h, 10,000 entries in all.</value>
    public CacheTiersOptions Cache { get; init; } = new();

    /// <summary>The cold tier: where <see cref="DataFacade.SnapshotAsync"/> keeps point-in-time snapshots.</summary>
    /// <value>Null (default): no cold tier; <see cref="DataFacade.SnapshotAsync"/> then throws.</value>
    public PointInTimeStore? PointInTime { get; init; }
}

/// <summary>A venue's health as the facade sees it (seed 001's <c>VenueHealth</c>).</summary>
/// <param name="Venue">The venue.</param>
/// <param name="WsConnected">True when the venue's streams are all connected.</param>
/// <param name="RestHealthy">True when the last REST call succeeded (or none was made yet).</param>
/// <param name="Stream">The stream client's counters; null when nothing is streamed from the venue.</param>
/// <param name="RestP99LatencyMs">The 99th percentile latency of the facade's REST calls to the venue, ms; null before the first.</param>
/// <param name="LastRestError">The last REST error, if any.</param>
/// <param name="Recommendation">What a caller should do: <c>use stream</c>, <c>REST fallback</c>, <c>switch venue</c>.</param>
public sealed record VenueHealth(
    string Venue,
    bool WsConnected,
    bool RestHealthy,
    StreamHealth? Stream,
    long? RestP99LatencyMs,
    string? LastRestError,
    string Recommendation);

/// <summary>Where a venue's answers came from (seed 001's <c>SourceAttribution</c>).</summary>
/// <param name="Venue">The venue.</param>
/// <param name="Sources">Answers per source: <c>stream</c> (hot book), <c>rest</c> (warm, fetched), <c>cache</c> (warm, cached).</param>
/// <param name="CacheHits">Warm answers served from the cache.</param>
/// <param name="CacheMisses">Warm answers that had to be fetched.</param>
/// <param name="LastUpdate">When the venue last answered (stream frame or REST response).</param>
/// <param name="LastLatencyMs">The last REST call's latency, ms; null before the first.</param>
public sealed record SourceAttribution(
    string Venue,
    IReadOnlyDictionary<string, long> Sources,
    long CacheHits,
    long CacheMisses,
    DateTimeOffset? LastUpdate,
    long? LastLatencyMs);

/// <summary>
/// Seed 001's data facade: one API over the HOT tier (WebSocket streams with books kept in sync, through
/// <see cref="StreamClient"/>s) and the WARM tier (REST through the venues' connectors, cached by TTL tier), with REST
/// as the fallback while a venue's WebSocket is down.
/// </summary>
public sealed class DataFacade : IAsyncDisposable
{
    private readonly Dictionary<string, FacadeVenue> _venues = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, StreamClient> _streams = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, VenueCounters> _counters = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeProvider _time;
    private readonly CacheTiers _cache;
    private readonly PointInTimeStore? _pointInTime;
    private bool _started;

    /// <summary>Creates the facade over the venues given; nothing connects before <see cref="StartAsync"/>.</summary>
    /// <param name="venues">The venues, one entry per name.</param>
    /// <param name="options">Clock, cache tiers and cold tier; null for the defaults.</param>
    /// <exception cref="ArgumentException">Two venues have the same name.</exception>
    public DataFacade(IEnumerable<FacadeVenue> venues, DataFacadeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(venues);
        options ??= new DataFacadeOptions();
        _time = options.TimeProvider;
        _cache = new CacheTiers(_time, options.Cache);
        _pointInTime = options.PointInTime;
        foreach (var venue in venues)
        {
            if (!_venues.TryAdd(venue.Name, venue))
            {
                throw new ArgumentException($"venue '{venue.Name}' is given twice", nameof(venues));
            }
        }
    }

    /// <summary>The venue names.</summary>
    public IReadOnlyCollection<string> Venues => _venues.Keys;

    /// <summary>Starts the streams subscribed so far; later subscriptions start at once.</summary>
    /// <param name="cancellationToken">Cancels loading the venues' market metadata.</param>
    /// <returns>A task that completes when every stream client has started.</returns>
    /// <exception cref="ArgumentException">A subscribed instrument is not among its venue's markets.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        _started = true;
        foreach (var client in _streams.Values)
        {
            await client.StartAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops every stream; consumers' enumerations end.</summary>
    /// <returns>A task that completes when every connection has closed.</returns>
    public async Task StopAsync()
    {
        foreach (var client in _streams.Values)
        {
            await client.StopAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var client in _streams.Values)
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Streams a venue's public trades of one instrument (hot tier), with gaps and REST backfill of disconnect windows where configured.</summary>
    /// <param name="venue">The venue name.</param>
    /// <param name="instrument">The instrument.</param>
    /// <param name="bufferSize">The consumer's buffer in events; null for the stream options' default.</param>
    /// <returns>The consumer (<see cref="TradeEvent"/>s, <see cref="GapEvent"/>s, <see cref="StreamStatusEvent"/>s).</returns>
    /// <exception cref="ArgumentException">The venue is unknown.</exception>
    /// <exception cref="NotSupportedException">The venue has no stream here.</exception>
    public StreamSubscriber SubscribeTrades(string venue, Instrument instrument, int? bufferSize = null)
        => Subscribe(venue, StreamChannel.Trades, instrument, bufferSize);

    /// <summary>Streams a venue's L2 book of one instrument (hot tier): a snapshot, deltas, and a gap and fresh snapshot after any loss of sync.</summary>
    /// <param name="venue">The venue name.</param>
    /// <param name="instrument">The instrument.</param>
    /// <param name="bufferSize">The consumer's buffer in events; null for the stream options' default.</param>
    /// <returns>The consumer (<see cref="BookSnapshotEvent"/>s, <see cref="BookDeltaEvent"/>s, gaps and status).</returns>
    /// <exception cref="ArgumentException">The venue is unknown.</exception>
    /// <exception cref="NotSupportedException">The venue has no stream here.</exception>
    public StreamSubscriber SubscribeL2Book(string venue, Instrument instrument, int? bufferSize = null)
        => Subscribe(venue, StreamChannel.Book, instrument, bufferSize);

    /// <summary>Streams any channel of one instrument (tickers, candles, funding as well as trades and books).</summary>
    /// <param name="venue">The venue name.</param>
    /// <param name="channel">The channel.</param>
    /// <param name="instrument">The instrument.</param>
    /// <param name="bufferSize">The consumer's buffer in events; null for the default.</param>
    /// <returns>The consumer.</returns>
    /// <exception cref="ArgumentException">The venue is unknown.</exception>
    /// <exception cref="NotSupportedException">The venue has no stream here, or does not stream the channel.</exception>
    public StreamSubscriber Subscribe(string venue, StreamChannel channel, Instrument instrument, int? bufferSize = null)
    {
        var client = StreamFor(venue);
        var subscriber = client.Subscribe(channel, instrument, bufferSize);
        if (_started)
        {
            _ = StartLateAsync(client);
        }

        return subscriber;
    }

    /// <summary>The venue's stream client, when something is streamed from it.</summary>
    /// <param name="venue">The venue name.</param>
    /// <returns>The client, or null.</returns>
    public StreamClient? Stream(string venue) => _streams.GetValueOrDefault(venue);

    /// <summary>The most recent closed candles (warm tier: the venue's REST candles).</summary>
    /// <param name="venue">The venue name.</param>
    /// <param name="instrument">The instrument.</param>
    /// <param name="timeframe">The candle timeframe.</param>
    /// <param name="limit">How many candles, newest last (1 or more).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>Up to <paramref name="limit"/> closed candles, oldest first, with the provenance of the last page fetched.</returns>
    /// <exception cref="ArgumentException">The venue is unknown.</exception>
    /// <exception cref="NotSupportedException">The venue's connector serves no candles.</exception>
    /// <exception cref="VenueDataException">A page failed the conformance check (a candle outside the window asked, out of order, or failing the quality gate).</exception>
    /// <exception cref="VenueException">The venue failed.</exception>
    public async Task<Sourced<IReadOnlyList<Candle>>> GetCandlesAsync(string venue, Instrument instrument, Timeframe timeframe, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var rest = Venue(venue).Rest as ICandleProvider ?? throw new NotSupportedException($"{venue} serves no candles");
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var step = timeframe.Milliseconds;
        var to = now - (now % step);
        var range = new TimeRange(to - (step * limit), to);
        var key = string.Create(CultureInfo.InvariantCulture, $"candles|{venue}|{instrument}|{timeframe.Name}|{limit}|{to}");
        return await CachedAsync(venue, TtlTier.PricesWarm, key, () => MeasureAsync(venue, async () =>
        {
            var candles = new List<Candle>();
            Provenance? provenance = null;
            await foreach (var page in rest.FetchCandlesAsync(instrument, timeframe, range, cancellationToken).ConfigureAwait(false))
            {
                candles.AddRange(History.PageConformance.Candles(page, timeframe, range));
                provenance = page.Provenance;
            }

            IReadOnlyList<Candle> last = candles.TakeLast(limit).ToList();
            return new Sourced<IReadOnlyList<Candle>>(last, provenance ?? new Provenance(venue, "candles", range, 0, _time.GetUtcNow()));
        }), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>VADR (see <see cref="VadrCalculator"/>) of the last <paramref name="window"/> against the windows before it, from the venue's REST candles; cached in the VolumesVADR tier.</summary>
    /// <param name="venue">The venue name.</param>
    /// <param name="instrument">The instrument.</param>
    /// <param name="window">The VADR window (24 h in seed 001).</param>
    /// <param name="timeframe">The candles it is computed from (1 h by default in <c>probe data</c>).</param>
    /// <param name="cancellationToken">Cancels the candles request.</param>
    /// <returns>The VADR, or frozen with the reason when the venue has too little data.</returns>
    /// <exception cref="ArgumentException">The venue is unknown, or the window is not a whole number of candles.</exception>
    /// <exception cref="VenueException">The venue failed.</exception>
    public Task<VadrResult> GetVadrAsync(string venue, Instrument instrument, TimeSpan window, Timeframe timeframe, CancellationToken cancellationToken = default)
    {
        var calculator = new VadrCalculator(_time);
        var bars = (int)Math.Ceiling(window.TotalMilliseconds / timeframe.Milliseconds) * (calculator.Options.BaselineWindows + 1);
        var key = string.Create(CultureInfo.InvariantCulture, $"vadr|{venue}|{instrument}|{window.Ticks}|{timeframe.Name}");
        return _cache.GetOrAddAsync(TtlTier.VolumesVadr, key, async token =>
        {
            IReadOnlyList<Candle> candles;
            try
            {
                candles = (await GetCandlesAsync(venue, instrument, timeframe, bars, token).ConfigureAwait(false)).Value;
            }
            catch (NotSupportedException)
            {
                candles = [];
            }

            return calculator.Calculate(candles, window, timeframe);
        }, cancellationToken);
    }

    /// <summary>The most recent public trades (warm tier: the venue's REST recent trades).</summary>
    /// <param name="venue">The venue name.</param>
    /// <param name="instrument">The instrument.</param>
    /// <param name="limit">How many trades.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The trades, oldest first, with provenance.</returns>
    /// <exception cref="ArgumentException">The venue is unknown.</exception>
    /// <exception cref="NotSupportedException">The venue's connector serves no trades.</exception>
    /// <exception cref="VenueException">The venue failed.</exception>
    public Task<Sourced<IReadOnlyList<Trade>>> GetTradesAsync(string venue, Instrument instrument, int limit, CancellationToken cancellationToken = default)
    {
        var rest = Venue(venue).Rest as ITradeProvider ?? throw new NotSupportedException($"{venue} serves no trades");
        var key = string.Create(CultureInfo.InvariantCulture, $"trades|{venue}|{instrument}|{limit}");
        return CachedAsync(venue, TtlTier.PricesWarm, key, () => MeasureAsync(venue, () => rest.GetRecentTradesAsync(instrument, limit, cancellationToken)), cancellationToken);
    }

    /// <summary>
    /// The L2 book: the hot tier's streamed book when it is subscribed and in sync (provenance endpoint <c>ws</c>),
    /// else the venue's REST snapshot (the fallback while its WebSocket is down or resyncing).
    /// </summary>
    /// <param name="venue">The venue name.</param>
    /// <param name="instrument">The instrument.</param>
    /// <param name="depth">Levels per side.</param>
    /// <param name="cancellationToken">Cancels the REST request.</param>
    /// <returns>The book with provenance saying which tier answered.</returns>
    /// <exception cref="ArgumentException">The venue is unknown.</exception>
    /// <exception cref="NotSupportedException">Neither a synced stream nor a REST book is available.</exception>
    /// <exception cref="VenueException">The venue failed.</exception>
    public Task<Sourced<L2BookSnapshot>> GetL2BookAsync(string venue, Instrument instrument, int depth, CancellationToken cancellationToken = default)
    {
        var entry = Venue(venue);
        if (_streams.TryGetValue(venue, out var client) && client.TryGetBook(instrument, depth, out var streamed))
        {
            Counters(venue).Count("stream");
            var now = _time.GetUtcNow();
            return Task.FromResult(new Sourced<L2BookSnapshot>(streamed, new Provenance(venue, "ws", null, 0, now)));
        }

        var rest = entry.Rest as IL2BookProvider ?? throw new NotSupportedException($"{venue} has no synced streamed book of {instrument} and serves no REST book");
        var key = string.Create(CultureInfo.InvariantCulture, $"book|{venue}|{instrument}|{depth}");
        return CachedAsync(venue, TtlTier.PricesHot, key, () => MeasureAsync(venue, () => rest.GetL2BookAsync(instrument, depth, cancellationToken)), cancellationToken);
    }

    /// <summary>The warm tier's cache statistics per tier (hits, misses, ratio, entries, evictions, expirations).</summary>
    /// <returns>The statistics now.</returns>
    public CacheStats CacheStats() => _cache.Stats();

    /// <summary>
    /// Takes a point-in-time snapshot of the venue's L2 book (from the hot tier when synced, else REST) and the ticker at its
    /// top, and keeps both in the cold tier (gzip, sha256, metadata, atomic).
    /// </summary>
    /// <param name="venue">The venue name.</param>
    /// <param name="instrument">The instrument.</param>
    /// <param name="depth">Levels per side kept.</param>
    /// <param name="cancellationToken">Cancels the fetch and the write.</param>
    /// <returns>The book's and the ticker's metadata as written.</returns>
    /// <exception cref="InvalidOperationException">The facade has no cold tier (<see cref="DataFacadeOptions.PointInTime"/>).</exception>
    /// <exception cref="VenueException">The venue failed.</exception>
    public async Task<(SnapshotMetadata Book, SnapshotMetadata Ticker)> SnapshotAsync(string venue, Instrument instrument, int depth, CancellationToken cancellationToken = default)
    {
        var store = _pointInTime ?? throw new InvalidOperationException("the facade has no cold tier: set DataFacadeOptions.PointInTime");
        var book = await GetL2BookAsync(venue, instrument, depth, cancellationToken).ConfigureAwait(false);
        var takenAt = _time.GetUtcNow();
        var connection = book.Provenance.Endpoint == "ws" ? $"{venue} stream" : null;
        var bookMeta = await store.WriteBookAsync(venue, book.Value, book.Provenance, connection, takenAt, cancellationToken: cancellationToken).ConfigureAwait(false);
        var ticker = new TickerSnapshot(instrument, book.Value.BestBid?.Price, book.Value.BestBid?.Size, book.Value.BestAsk?.Price, book.Value.BestAsk?.Size, null, null, book.Value.TimeMs, book.Value.Sequence);
        var tickerMeta = await store.WriteTickerAsync(venue, ticker, book.Provenance, connection, takenAt, cancellationToken: cancellationToken).ConfigureAwait(false);
        return (bookMeta, tickerMeta);
    }

    /// <summary>The venue's health: stream connectivity and counters, REST state and latency, and a recommendation.</summary>
    /// <param name="venue">The venue name.</param>
    /// <returns>The health now.</returns>
    /// <exception cref="ArgumentException">The venue is unknown.</exception>
    public VenueHealth VenueHealth(string venue)
    {
        Venue(venue);
        var stream = _streams.TryGetValue(venue, out var client) ? client.Health() : null;
        var counters = Counters(venue);
        var restHealthy = counters.LastError is null;
        var wsConnected = stream?.IsConnected ?? false;
        var recommendation = (stream, wsConnected, restHealthy) switch
        {
            (not null, true, _) => "use stream",
            (not null, false, true) => "REST fallback",
            (null, _, true) => "REST",
            _ => "switch venue",
        };
        return new VenueHealth(venue, wsConnected, restHealthy, stream, counters.P99(), counters.LastError, recommendation);
    }

    /// <summary>Where the venue's answers came from.</summary>
    /// <param name="venue">The venue name.</param>
    /// <returns>Counts per source, cache hits and misses, last update and latency.</returns>
    /// <exception cref="ArgumentException">The venue is unknown.</exception>
    public SourceAttribution SourceAttribution(string venue)
    {
        Venue(venue);
        var counters = Counters(venue);
        var stream = _streams.TryGetValue(venue, out var client) ? client.Health() : null;
        var last = new[] { stream?.LastFrameAt, counters.LastAt }.Where(t => t is not null).DefaultIfEmpty(null).Max();
        return new SourceAttribution(venue, counters.Sources(), counters.Get("cache"), counters.Get("rest"), last, counters.LastLatencyMs);
    }

    private FacadeVenue Venue(string name)
        => _venues.TryGetValue(name, out var venue)
            ? venue
            : throw new ArgumentException($"unknown venue '{name}': the facade has {string.Join(", ", _venues.Keys)}", nameof(name));

    private StreamClient StreamFor(string venue)
    {
        var entry = Venue(venue);
        if (entry.Stream is null)
        {
            throw new NotSupportedException($"{venue} has no stream configured");
        }

        return _streams.GetOrAdd(entry.Name, _ => new StreamClient(
            entry.Stream,
            token => _cache.GetOrAddAsync(TtlTier.TokenMeta, $"markets|{entry.Name}", entry.Rest.GetMarketsAsync, token),
            entry.StreamOptions));
    }

    private static async Task StartLateAsync(StreamClient client)
    {
        try
        {
            await client.StartAsync().ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Already started: the client opened the new subscription's connection itself.
        }
    }

    /// <summary>Answers from the tier's cache, or runs <paramref name="fetch"/> once for concurrent callers; counts the source.</summary>
    private async Task<T> CachedAsync<T>(string venue, TtlTier tier, string key, Func<Task<T>> fetch, CancellationToken cancellationToken)
        where T : notnull
    {
        var fetched = false;
        var value = await _cache.GetOrAddAsync(tier, key, _ =>
        {
            fetched = true;
            return fetch();
        }, cancellationToken).ConfigureAwait(false);
        if (!fetched)
        {
            Counters(venue).Count("cache");
        }

        return value;
    }

    private VenueCounters Counters(string venue) => _counters.GetOrAdd(venue, _ => new VenueCounters());

    private async Task<T> MeasureAsync<T>(string venue, Func<Task<T>> call)
    {
        var counters = Counters(venue);
        var started = _time.GetTimestamp();
        try
        {
            var result = await call().ConfigureAwait(false);
            counters.Succeeded((long)_time.GetElapsedTime(started).TotalMilliseconds, _time.GetUtcNow());
            counters.Count("rest");
            return result;
        }
        catch (Exception ex) when (ex is VenueException or HttpRequestException)
        {
            counters.Failed(ex.Message);
            throw;
        }
    }

    /// <summary>Per-venue answer counters and REST latencies (the last 1,000).</summary>
    private sealed class VenueCounters
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, long> _sources = new(StringComparer.Ordinal);
        private readonly Queue<long> _latencies = new();

        public string? LastError { get; private set; }

        public DateTimeOffset? LastAt { get; private set; }

        public long? LastLatencyMs { get; private set; }

        public void Count(string source)
        {
            lock (_gate)
            {
                _sources[source] = _sources.GetValueOrDefault(source) + 1;
            }
        }

        public long Get(string source)
        {
            lock (_gate)
            {
                return _sources.GetValueOrDefault(source);
            }
        }

        public Dictionary<string, long> Sources()
        {
            lock (_gate)
            {
                return new Dictionary<string, long>(_sources, StringComparer.Ordinal);
            }
        }

        public void Succeeded(long latencyMs, DateTimeOffset at)
        {
            lock (_gate)
            {
                LastError = null;
                LastAt = at;
                LastLatencyMs = latencyMs;
                _latencies.Enqueue(latencyMs);
                if (_latencies.Count > 1000)
                {
                    _latencies.Dequeue();
                }
            }
        }

        public void Failed(string error)
        {
            lock (_gate)
            {
                LastError = error;
            }
        }

        public long? P99()
        {
            lock (_gate)
            {
                if (_latencies.Count == 0)
                {
                    return null;
                }

                var sorted = _latencies.Order().ToArray();
                return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(sorted.Length * 0.99) - 1)];
            }
        }
    }
}

using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using CryptoRun.Analytics;
using CryptoRun.Domain;
using CryptoRun.Facade;
using CryptoRun.Providers;
using CryptoRun.Snapshots;
using CryptoRun.Streaming;
using CryptoRun.Venues;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace CryptoRun.Cli.Commands;

/// <summary>
/// <c>cryptorun probe data --venue V --pair P [--mins N] [--stream] [--format table|jsonl] [--max-events N] [--ws URL] [--endpoint V=URL]</c>
/// (seed 001): without <c>--stream</c>, a static snapshot through the warm tier (REST book, spread, the last N minutes of
/// trades with volume, VWAP, taker buy/sell and the largest trade, freshness); with <c>--stream</c>, the hot tier for N
/// minutes: trades, top of book, spread, freshness, message rate, reconnects, gaps and checksum status, as a live view
/// (Spectre.Console Live) on a terminal, a summary table otherwise, or one JSON line per event with <c>--format jsonl</c>.
/// The stream's REST calls go through the venue's provider gate; the stream exits 3 when it never opened or the venue
/// banned us during it, 0 when it streamed (failures it recovered from are counted and shown).
/// </summary>
internal static class ProbeDataCommand
{
    internal static Command Create(CliEnvironment environment)
    {
        var venue = new Option<string>("--venue") { Description = "The venue (binance, binance-usdm, kraken, okx, coinbase, ...)", Required = true };
        var pair = new Option<string>("--pair") { Description = "The instrument: unified BTC/USD or the venue's own symbol (BTCUSDT, XBT/USD, BTC-USDT)", Required = true };
        var mins = new Option<double>("--mins") { Description = "Minutes of trades to analyse (static) or to stream (--stream), at most 10080 (1 week)", DefaultValueFactory = _ => 5 };
        var stream = new Option<bool>("--stream") { Description = "Stream live over the venue's WebSocket instead of a REST snapshot" };
        var format = new Option<string>("--format") { Description = "table or jsonl", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "jsonl");
        var maxEvents = new Option<int?>("--max-events") { Description = "Stop streaming after this many events, 1 or more (for automation)" };
        var ws = new Option<string?>("--ws") { Description = "The WebSocket URL (default: the venue's, or ws://HOST:PORT/ws/VENUE when --endpoint points the venue at a replay venue)" };
        var pit = new Option<string?>("--pit") { Description = "Also keep the snapshot's book and ticker in the point-in-time store in this folder (the cold tier; see `pit show`)" };
        var endpoint = CliOptions.Endpoint();
        var config = CliOptions.Config();
        var probe = new Command("data", "Probe one instrument's data: a REST snapshot, or a live WebSocket view (--stream)")
        {
            venue, pair, mins, stream, format, maxEvents, ws, pit, endpoint, config,
        };
        probe.SetAction((parse, cancellationToken) => RunAsync(
            environment,
            new Request(
                parse.GetRequiredValue(venue),
                parse.GetRequiredValue(pair),
                parse.GetValue(mins),
                parse.GetValue(stream),
                parse.GetRequiredValue(format),
                parse.GetValue(maxEvents),
                parse.GetValue(ws),
                parse.GetValue(pit),
                parse.GetValue(endpoint) ?? [],
                parse.GetValue(config)),
            cancellationToken));
        return new Command("probe", "Probe data: one instrument's snapshot or live stream") { probe };
    }

    /// <summary>The longest <c>--mins</c>: one week.</summary>
    private const double MaxMinutes = 10_080;

    private sealed record Request(string Venue, string Pair, double Minutes, bool Stream, string Format, int? MaxEvents, string? Ws, string? Pit, IReadOnlyList<string> Endpoints, string? Config);

    private static async Task<int> RunAsync(CliEnvironment environment, Request request, CancellationToken cancellationToken)
    {
        // At most a week: the minutes become a TimeSpan, a stream's timer and a "since" time, none of which takes 1e308.
        if (!(request.Minutes > 0 && request.Minutes <= MaxMinutes))
        {
            throw new UsageException($"--mins {request.Minutes.ToString(CultureInfo.InvariantCulture)}: give minutes from more than 0 to {MaxMinutes} (1 week)");
        }

        if (request.MaxEvents is < 1)
        {
            throw new UsageException($"--max-events {request.MaxEvents.Value.ToString(CultureInfo.InvariantCulture)}: give 1 or more");
        }

        var streamOnly = VenueStreams.All.FirstOrDefault(v => v.RestVenue is null && string.Equals(v.Name, request.Venue, StringComparison.OrdinalIgnoreCase));
        if (streamOnly is not null && !request.Stream)
        {
            throw new UsageException($"--venue {streamOnly.Name}: a stream-only venue (no REST connector for books and trades here); add --stream");
        }

        // --endpoint NAME=URL of a stream-only venue is its REST base here (the provider host knows only connectors).
        var endpoints = streamOnly is null
            ? request.Endpoints
            : request.Endpoints.Where(e => !e.StartsWith(streamOnly.Name + "=", StringComparison.OrdinalIgnoreCase)).ToList();
        using var host = ProviderHost.Create(environment, endpoints, request.Config);
        var streamVenue = request.Stream ? StreamVenue(request.Venue) : null;
        using var streamOnlyServices = streamOnly is null ? null : StreamOnlyServices(streamOnly, request.Endpoints);
        using var streamOnlyHttp = streamOnlyServices?.GetRequiredService<IHttpClientFactory>().CreateClient(streamOnly!.Name);
        var restName = streamVenue?.RestVenue ?? streamOnly?.Name ?? request.Venue.ToLowerInvariant();
        var rest = streamOnly is not null
            ? new StreamOnlyMarkets(streamOnly, new VenueConnection(streamOnlyHttp!, environment.TimeProvider, host.StreamOnlyGate(streamOnly)))
            : host.Connect(restName) as IExchangeNativeProvider ?? throw new UsageException($"--venue {request.Venue}: not an exchange (probe data reads books and trades)");
        var markets = await rest.GetMarketsAsync(cancellationToken);
        var instrument = ResolvePair(markets, request.Pair);

        // The stream's REST calls (book snapshots) go through the same gate as the venue's connector (or, for a stream-only
        // venue, as its market metadata): one set of weights, one Retry-After, one ban, one breaker in the process.
        var restConnection = streamOnly is not null
            ? new VenueConnection(streamOnlyHttp!, environment.TimeProvider, host.StreamOnlyGate(streamOnly))
            : host.RestConnection(restName);
        var options = new StreamClientOptions
        {
            Endpoint = WebSocketEndpoint(request, host, restName, streamVenue, streamOnlyHttp?.BaseAddress),
            TimeProvider = environment.TimeProvider,
            Rest = restConnection,
            TradeBackfill = rest as ITradeProvider,
        };
        var venueName = streamVenue?.Name ?? restName; // coinbase-advanced streams with coinbase's catalog
        var pointInTime = request.Pit is { } folder ? new PointInTimeStore(new PointInTimeStoreOptions { Root = environment.FullPath(folder), TimeProvider = environment.TimeProvider }) : null;
        await using var facade = new DataFacade(
            [new FacadeVenue(venueName, rest, streamVenue?.Create(), options)],
            new DataFacadeOptions { TimeProvider = environment.TimeProvider, PointInTime = pointInTime });
        return request.Stream
            ? await StreamAsync(environment, facade, venueName, instrument, request, cancellationToken)
            : await SnapshotAsync(environment, facade, venueName, instrument, request, cancellationToken);
    }

    /// <summary>The REST client factory of a stream-only venue: its real base, or the URL of <c>--endpoint NAME=URL</c> / <c>all=URL</c>.</summary>
    private static ServiceProvider StreamOnlyServices(StreamVenueDescriptor stream, IReadOnlyList<string> endpoints)
    {
        var baseAddress = stream.RestBase!;
        foreach (var item in endpoints)
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? item[..equals] : "";
            if (string.Equals(name, stream.Name, StringComparison.OrdinalIgnoreCase) || string.Equals(name, ProviderHost.AllProviders, StringComparison.OrdinalIgnoreCase))
            {
                baseAddress = Uri.TryCreate(item[(equals + 1)..], UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
                    ? url
                    : throw new UsageException($"--endpoint {Configuration.InputText.Quote(item)}: expected an http:// or https:// URL");
            }
        }

        var services = new ServiceCollection();
        services.AddHttpClient(stream.Name, client =>
        {
            client.BaseAddress = baseAddress;
            client.Timeout = TimeSpan.FromMinutes(5);
            client.DefaultRequestHeaders.UserAgent.ParseAdd("cryptorun/0.1");
        });
        return services.BuildServiceProvider();
    }

    private static StreamVenueDescriptor StreamVenue(string name)
    {
        try
        {
            return VenueStreams.Get(name);
        }
        catch (ArgumentException)
        {
            throw new UsageException($"--venue {Configuration.InputText.Cut(name)} --stream: no WebSocket stream for {Configuration.InputText.Quote(name)}: use one of {string.Join(", ", VenueStreams.All.Select(v => v.Name))}");
        }
    }

    private static Uri? WebSocketEndpoint(Request request, ProviderHost host, string restName, StreamVenueDescriptor? stream, Uri? streamOnlyBase)
    {
        if (request.Ws is { } given)
        {
            return Uri.TryCreate(given, UriKind.Absolute, out var uri) && uri.Scheme is "ws" or "wss"
                ? uri
                : throw new UsageException($"--ws {Configuration.InputText.Quote(given)}: expected a ws:// or wss:// URL");
        }

        // A REST endpoint moved by --endpoint is a replay venue (or a proxy of one): its streams are at /ws/NAME.
        var overridden = request.Endpoints.Any(e => e.StartsWith(restName + "=", StringComparison.OrdinalIgnoreCase) || e.StartsWith(ProviderHost.AllProviders + "=", StringComparison.OrdinalIgnoreCase));
        if (stream is null || !overridden)
        {
            return null;
        }

        return stream.ReplayEndpoint(streamOnlyBase ?? host.Endpoints[restName]);
    }

    private static Instrument ResolvePair(MarketCatalog markets, string pair)
    {
        if (Instrument.TryParse(pair, out var unified) && markets.TryGet(unified, out var byUnified))
        {
            return byUnified.Instrument;
        }

        if (markets.TryGetByVenueSymbol(pair, out var byVenue))
        {
            return byVenue.Instrument;
        }

        var close = markets.Markets.Where(m => m.Instrument.Symbol.Replace("/", "", StringComparison.Ordinal).StartsWith(pair.Replace("/", "", StringComparison.Ordinal).ToUpperInvariant(), StringComparison.Ordinal))
            .Take(5).Select(m => m.Instrument.Symbol).ToList();
        throw new UsageException($"--pair {Configuration.InputText.Quote(pair)}: {markets.Venue} lists no such market{(close.Count > 0 ? $" (did you mean {string.Join(", ", close)}?)" : "")}");
    }

    private static async Task<int> SnapshotAsync(CliEnvironment environment, DataFacade facade, string venue, Instrument instrument, Request request, CancellationToken cancellationToken)
    {
        var now = environment.TimeProvider.GetUtcNow();
        var book = await facade.GetL2BookAsync(venue, instrument, 10, cancellationToken);
        var trades = await facade.GetTradesAsync(venue, instrument, 1000, cancellationToken);
        var since = now.AddMinutes(-request.Minutes).ToUnixTimeMilliseconds();
        var window = trades.Value.Where(t => t.TimeMs >= since).ToList();
        var stats = TradeStats.Of(window);
        var cvd = Cvd.Compute(window, TimeSpan.FromMinutes(1));
        var whales = WhaleDetector.Detect(trades.Value).Where(w => w.Trade.TimeMs >= since).ToList();
        var newest = trades.Value.Count > 0 ? trades.Value.Max(t => t.TimeMs) : (long?)null;
        var freshness = newest is { } ms ? FreshnessPolicy.WarmRest.Classify(now - DateTimeOffset.FromUnixTimeMilliseconds(ms)) : null;
        var spread = Spread(book.Value.BestBid?.Price, book.Value.BestAsk?.Price);
        var vadr = await facade.GetVadrAsync(venue, instrument, TimeSpan.FromHours(24), Timeframe.H1, cancellationToken);
        var kept = request.Pit is null ? ((SnapshotMetadata Book, SnapshotMetadata Ticker)?)null : await facade.SnapshotAsync(venue, instrument, 100, cancellationToken);
        if (request.Format == "jsonl")
        {
            environment.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["type"] = "snapshot",
                ["venue"] = venue,
                ["symbol"] = instrument.Symbol,
                ["best_bid"] = book.Value.BestBid?.Price,
                ["best_ask"] = book.Value.BestAsk?.Price,
                ["spread"] = spread?.Absolute,
                ["spread_bps"] = spread?.Bps,
                ["book_source"] = book.Provenance.Endpoint,
                ["trades"] = window.Count,
                ["recent_trades_fetched"] = trades.Value.Count,
                ["volume"] = stats.Volume,
                ["vwap"] = stats.Vwap,
                ["taker_buy_volume"] = stats.BuyVolume,
                ["taker_sell_volume"] = stats.SellVolume,
                ["largest_trade"] = stats.Largest?.Size,
                ["cvd"] = cvd.TotalDelta,
                ["whales"] = whales.Count,
                ["newest_trade_age_s"] = freshness?.Age.TotalSeconds,
                ["freshness"] = (freshness?.Status ?? FreshnessStatus.Stale).ToString().ToLowerInvariant(),
                ["freshness_penalty"] = freshness?.Penalty ?? 0,
                ["vadr_24h"] = vadr.Value,
                ["vadr_frozen"] = vadr.IsFrozen ? vadr.FreezeReason.ToString() : null,
                ["pit_book_id"] = kept?.Book.Id,
                ["pit_book_sha256"] = kept?.Book.Sha256,
            }));
            return ExitCodes.Ok;
        }

        environment.Out.WriteLine($"{venue} {instrument.Symbol}: REST snapshot at {TimeRange.Format(now.ToUnixTimeMilliseconds())}, trades of the last {request.Minutes:0.##} min");
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumn("Bid size");
        table.AddColumn("Bid");
        table.AddColumn("Ask");
        table.AddColumn("Ask size");
        for (var i = 0; i < Math.Max(book.Value.Bids.Count, book.Value.Asks.Count) && i < 10; i++)
        {
            table.AddRow(
                i < book.Value.Bids.Count ? Text(book.Value.Bids[i].Size) : "",
                i < book.Value.Bids.Count ? Text(book.Value.Bids[i].Price) : "",
                i < book.Value.Asks.Count ? Text(book.Value.Asks[i].Price) : "",
                i < book.Value.Asks.Count ? Text(book.Value.Asks[i].Size) : "");
        }

        environment.Console.Write(table);
        environment.Out.WriteLine($"spread: {(spread is { } s ? $"{Text(s.Absolute)} ({s.Bps:0.00} bps)" : "-")}; book from {book.Provenance.Endpoint} in {book.Provenance.LatencyMs} ms");
        environment.Out.WriteLine($"trades: {window.Count} in the window ({trades.Value.Count} recent fetched); volume {Text(stats.Volume)}, VWAP {(stats.Vwap is { } v ? Text(v) : "-")}, taker buy {Text(stats.BuyVolume)} / sell {Text(stats.SellVolume)}, largest {(stats.Largest is { } l ? $"{Text(l.Size)} @ {Text(l.Price)}" : "-")}");
        environment.Out.WriteLine($"CVD (taker buy - sell): {Text(cvd.TotalDelta)}{(cvd.UnknownTrades > 0 ? $", {cvd.UnknownTrades} trades of unknown side left out" : "")}; whales: {whales.Count}{(whales.Count > 0 ? $", largest {Text(whales.MaxBy(w => w.Notional)!.Notional)} notional" : "")}");
        environment.Out.WriteLine(freshness is { } f
            ? $"freshness: {f.Indicator} newest trade {f.Age.TotalSeconds:0} s old ({f.Status.ToString().ToLowerInvariant()}, penalty x{f.Penalty:0.00})"
            : "freshness: 🔴 no trades (stale)");
        environment.Out.WriteLine(vadr.Value is { } value
            ? $"VADR 24h (1h candles): {value:0.000}{(vadr.PassesGate() ? " (passes the 1.8 gate)" : "")}"
            : $"VADR 24h (1h candles): frozen ({vadr.FreezeReason}: {vadr.Detail})");
        if (kept is { } snapshot)
        {
            environment.Out.WriteLine($"kept in the point-in-time store: book {snapshot.Book.Id} ({snapshot.Book.RecordCount} levels, sha256 {snapshot.Book.Sha256[..12]}...), ticker {snapshot.Ticker.Id}, taken at {TimeRange.Format(snapshot.Book.TakenAt.ToUnixTimeMilliseconds())}");
        }

        return ExitCodes.Ok;
    }

    private static async Task<int> StreamAsync(CliEnvironment environment, DataFacade facade, string venue, Instrument instrument, Request request, CancellationToken cancellationToken)
    {
        var stream = facade.Stream(venue);
        var trades = facade.SubscribeTrades(venue, instrument);
        var book = facade.SubscribeL2Book(venue, instrument);
        await facade.StartAsync(cancellationToken);
        stream = facade.Stream(venue)!;
        var view = new LiveView(instrument, environment.TimeProvider);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var timer = new CancellationTokenSource(TimeSpan.FromMinutes(request.Minutes), environment.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, timer.Token);
        var jsonl = request.Format == "jsonl";
        var events = 0;
        var sink = System.Threading.Channels.Channel.CreateUnbounded<StreamEvent>();

        async Task PumpAsync(StreamSubscriber subscriber)
        {
            try
            {
                await foreach (var item in subscriber.WithCancellation(linked.Token))
                {
                    await sink.Writer.WriteAsync(item, linked.Token);
                }
            }
            catch (OperationCanceledException)
            {
                // The probe's time is up or it was stopped.
            }
        }

        var pumps = Task.WhenAll(PumpAsync(trades), PumpAsync(book)).ContinueWith(_ => sink.Writer.TryComplete(), TaskScheduler.Default);

        async Task ConsumeAsync(Action refresh)
        {
            try
            {
                await foreach (var item in sink.Reader.ReadAllAsync(linked.Token))
                {
                    view.Add(item);
                    if (jsonl)
                    {
                        environment.Out.WriteLine(Jsonl(item));
                    }

                    refresh();
                    if (request.MaxEvents is { } max && ++events >= max)
                    {
                        await stop.CancelAsync();
                        break;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // The probe's time is up or it was stopped.
            }
        }

        if (!jsonl && environment.Interactive)
        {
            await environment.Console.Live(view.Render(stream.Health(), stream.BookStats))
                .StartAsync(async context =>
                {
                    var last = environment.TimeProvider.GetTimestamp();
                    await ConsumeAsync(() =>
                    {
                        if (environment.TimeProvider.GetElapsedTime(last) >= TimeSpan.FromMilliseconds(250))
                        {
                            last = environment.TimeProvider.GetTimestamp();
                            context.UpdateTarget(view.Render(stream.Health(), stream.BookStats));
                        }
                    });
                    context.UpdateTarget(view.Render(stream.Health(), stream.BookStats));
                });
        }
        else
        {
            await ConsumeAsync(() => { });
        }

        await stop.CancelAsync();
        await pumps;
        var health = stream.Health();
        if (jsonl)
        {
            environment.Out.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["type"] = "summary",
                ["venue"] = venue,
                ["symbol"] = instrument.Symbol,
                ["events"] = view.Events,
                ["trades"] = view.Trades,
                ["frames"] = health.Frames,
                ["connect_attempts"] = health.ConnectAttempts,
                ["connect_failures"] = health.ConnectFailures,
                ["last_connect_error"] = health.LastConnectError,
                ["reconnects"] = health.Reconnects,
                ["gaps"] = view.Gaps,
                ["checksum_passes"] = stream.BookStats.ChecksumPasses,
                ["checksum_failures"] = stream.BookStats.ChecksumFailures,
                ["resyncs"] = stream.BookStats.Resyncs,
                ["parse_errors"] = health.ParseErrors,
                ["banned_until"] = health.BannedUntil?.ToString("O", CultureInfo.InvariantCulture),
                ["last_error"] = health.LastError,
            }));
        }
        else if (!environment.Interactive)
        {
            environment.Console.Write(view.Render(health, stream.BookStats));
        }

        await facade.StopAsync();
        ThrowUnlessStreamed(venue, health, environment.TimeProvider.GetUtcNow());
        return ExitCodes.Ok;
    }

    /// <summary>
    /// The probe's verdict, through the CLI's one error edge (exit 3): a stream that never opened fails with its last
    /// connect error; a venue that banned us during the stream fails with the ban's end. Intermittent failures that
    /// recovered (failed attempts, reconnects, failed snapshot fetches) are counted and shown, and the probe exits 0.
    /// </summary>
    private static void ThrowUnlessStreamed(string venue, StreamHealth health, DateTimeOffset now)
    {
        if (health.BannedUntil is { } until)
        {
            throw new VenueBannedException(venue, $"{venue}: the venue banned this IP during the stream (HTTP 418) until {TimeRange.Format(until.ToUnixTimeMilliseconds())}")
            {
                RetryAfter = until > now ? until - now : TimeSpan.Zero,
            };
        }

        if (!health.EverOpened)
        {
            var why = health.LastConnectError ?? "no connection opened before the probe ended";
            throw new VenueUnavailableException(venue, $"{venue}: the stream never opened ({health.ConnectAttempts} connect attempts, {health.ConnectFailures} failed); last connect error: {why}");
        }
    }

    private static string Jsonl(StreamEvent item)
    {
        var p = item.Provenance;
        var fields = new Dictionary<string, object?>
        {
            ["venue"] = p.Venue,
            ["symbol"] = item.Instrument.Symbol,
            ["connection"] = p.Connection,
            ["frame"] = p.Frame,
            ["received_at"] = p.ReceivedAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
            ["exchange_time_ms"] = p.ExchangeTimeMs,
            ["sequence"] = p.Sequence,
        };
        switch (item)
        {
            case TradeEvent t:
                fields["type"] = "trade";
                fields["id"] = t.Trade.Id;
                fields["price"] = t.Trade.Price;
                fields["size"] = t.Trade.Size;
                fields["side"] = t.Trade.Side.ToString().ToLowerInvariant();
                fields["time_ms"] = t.Trade.TimeMs;
                break;
            case BookSnapshotEvent s:
                fields["type"] = "book_snapshot";
                fields["bids"] = s.Bids.Count;
                fields["asks"] = s.Asks.Count;
                fields["best_bid"] = s.BestBid?.Price;
                fields["best_ask"] = s.BestAsk?.Price;
                break;
            case BookDeltaEvent d:
                fields["type"] = "book_delta";
                fields["changes"] = d.Bids.Count + d.Asks.Count;
                fields["best_bid"] = d.BestBid?.Price;
                fields["best_ask"] = d.BestAsk?.Price;
                fields["checksum_verified"] = d.ChecksumVerified;
                break;
            case GapEvent g:
                fields["type"] = "gap";
                fields["channel"] = g.Channel.ToString().ToLowerInvariant();
                fields["reason"] = g.Reason.ToString();
                fields["from"] = g.From.ToString("O", CultureInfo.InvariantCulture);
                fields["to"] = g.To?.ToString("O", CultureInfo.InvariantCulture);
                fields["dropped"] = g.Dropped;
                fields["backfilled"] = g.Backfilled;
                break;
            case StreamStatusEvent s:
                fields["type"] = "status";
                fields["channel"] = s.Channel.ToString().ToLowerInvariant();
                fields["state"] = s.State.ToString().ToLowerInvariant();
                fields["detail"] = s.Detail;
                break;
            default:
                fields["type"] = item.GetType().Name;
                break;
        }

        return JsonSerializer.Serialize(fields);
    }

    private static (decimal Absolute, decimal Bps)? Spread(decimal? bid, decimal? ask)
        => bid is { } b && ask is { } a && a + b > 0 ? (a - b, (a - b) / ((a + b) / 2) * 10_000m) : null;

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed record TradeStats(decimal Volume, decimal? Vwap, decimal BuyVolume, decimal SellVolume, Trade? Largest)
    {
        public static TradeStats Of(IReadOnlyList<Trade> trades)
        {
            var volume = trades.Sum(t => t.Size);
            var notional = trades.Sum(t => t.Size * t.Price);
            return new TradeStats(
                volume,
                volume > 0 ? Math.Round(notional / volume, 8) : null,
                trades.Where(t => t.Side == TradeSide.Buy).Sum(t => t.Size),
                trades.Where(t => t.Side == TradeSide.Sell).Sum(t => t.Size),
                trades.MaxBy(t => t.Size));
        }
    }

    /// <summary>What the live view shows, updated by the consumer (never by the receive loop).</summary>
    private sealed class LiveView(Instrument instrument, TimeProvider time)
    {
        private readonly Queue<TradeEvent> _lastTrades = new();
        private readonly CvdTracker _cvd = new(TimeSpan.FromMinutes(1));
        private readonly WhaleDetector _whales = new();
        private WhaleTrade? _lastWhale;
        private long _whaleCount;
        private readonly long _started = time.GetTimestamp();
        private BookLevel? _bid;
        private BookLevel? _ask;
        private DateTimeOffset? _lastEventAt;
        private string _state = "connecting";

        public long Events { get; private set; }

        public long Trades { get; private set; }

        public long Gaps { get; private set; }

        public void Add(StreamEvent item)
        {
            Events++;
            _lastEventAt = item.Provenance.ReceivedAt;
            switch (item)
            {
                case TradeEvent trade:
                    Trades++;
                    _cvd.Add(trade.Trade);
                    if (_whales.Observe(trade.Trade) is { } whale)
                    {
                        _whaleCount++;
                        _lastWhale = whale;
                    }

                    _lastTrades.Enqueue(trade);
                    if (_lastTrades.Count > 8)
                    {
                        _lastTrades.Dequeue();
                    }

                    break;
                case BookSnapshotEvent snapshot:
                    (_bid, _ask) = (snapshot.BestBid, snapshot.BestAsk);
                    break;
                case BookDeltaEvent delta:
                    (_bid, _ask) = (delta.BestBid, delta.BestAsk);
                    break;
                case GapEvent:
                    Gaps++;
                    break;
                case StreamStatusEvent status:
                    _state = $"{status.State.ToString().ToLowerInvariant()} ({status.Detail})";
                    break;
            }
        }

        public Rows Render(StreamHealth health, Books.BookStats books)
        {
            var elapsed = time.GetElapsedTime(_started).TotalSeconds;
            var age = _lastEventAt is { } at ? time.GetUtcNow() - at : (TimeSpan?)null;
            var freshness = age is { } quiet ? FreshnessPolicy.HotStream.Classify(quiet) : null;
            var light = freshness?.Indicator ?? FreshnessStatus.Stale.Indicator();
            var spread = Spread(_bid?.Price, _ask?.Price);
            var status = new Table().Border(TableBorder.Simple).Title(Markup.Escape($"{health.Venue} {instrument.Symbol} (live)"));
            status.AddColumn("Measure");
            status.AddColumn("Value");
            status.AddRow("state", Markup.Escape(_state));
            status.AddRow("top of book", Markup.Escape(_bid is { } b && _ask is { } a ? $"{Text(b.Size)} @ {Text(b.Price)}  |  {Text(a.Price)} @ {Text(a.Size)}" : "-"));
            status.AddRow("spread", Markup.Escape(spread is { } s ? $"{Text(s.Absolute)} ({s.Bps:0.00} bps)" : "-"));
            status.AddRow("freshness", Markup.Escape($"{light} last event {(age is { } x ? $"{x.TotalSeconds:0.0} s ago" : "none yet")}"));
            status.AddRow("messages", Markup.Escape($"{health.Frames} frames, {Events} events ({(elapsed > 0 ? health.Frames / elapsed : 0):0} frames/s)"));
            status.AddRow("connects", Markup.Escape($"{health.ConnectAttempts} attempts, {health.ConnectFailures} failed{(health.LastConnectError is { } connectError ? $" (last: {connectError})" : "")}"));
            status.AddRow("reconnects / gaps", $"{health.Reconnects} / {Gaps}");
            if (health.BannedUntil is { } bannedUntil)
            {
                status.AddRow("banned", Markup.Escape($"by the venue until {TimeRange.Format(bannedUntil.ToUnixTimeMilliseconds())}"));
            }
            status.AddRow("CVD (taker buy - sell)", Markup.Escape(Text(_cvd.Cumulative)));
            status.AddRow("whale trades", Markup.Escape(_lastWhale is { } w ? $"{_whaleCount}, last {Text(w.Trade.Size)} @ {Text(w.Trade.Price)} ({w.Rules})" : _whaleCount.ToString(CultureInfo.InvariantCulture)));
            status.AddRow("checksums", Markup.Escape($"{books.ChecksumPasses} passed, {books.ChecksumFailures} failed, {books.Resyncs} resyncs"));
            status.AddRow("parse errors", health.ParseErrors.ToString(CultureInfo.InvariantCulture));
            var tape = new Table().Border(TableBorder.Simple).Title("last trades");
            tape.AddColumn("time (UTC)");
            tape.AddColumn("side");
            tape.AddColumn("price");
            tape.AddColumn("size");
            foreach (var trade in _lastTrades.Reverse())
            {
                tape.AddRow(
                    TimeRange.Format(trade.Trade.TimeMs),
                    trade.Trade.Side.ToString().ToLowerInvariant(),
                    Text(trade.Trade.Price),
                    Text(trade.Trade.Size));
            }

            return new Rows(status, tape);
        }
    }
}

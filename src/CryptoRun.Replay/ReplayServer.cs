using System.Net;
using CryptoRun.CandleFiles;
using CryptoRun.Domain;
using CryptoRun.Replay.Recordings;
using CryptoRun.Replay.Venues;
using CryptoRun.Replay.WebSockets;
using CryptoRun.Venues.Binance;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CryptoRun.Replay;

/// <summary>A candle series the replay venue serves.</summary>
/// <param name="Venue">The venue whose API serves it.</param>
/// <param name="Instrument">The unified instrument.</param>
/// <param name="Timeframe">The timeframe.</param>
/// <param name="Path">The file it was read from.</param>
/// <param name="Format">The file's detected format.</param>
/// <param name="Count">Number of candles.</param>
/// <param name="Span">Half-open range from the first open time to the last candle's close.</param>
public sealed record ReplaySeriesInfo(
    string Venue,
    Instrument Instrument,
    Timeframe Timeframe,
    string Path,
    CandleFileFormat Format,
    int Count,
    TimeRange Span);

/// <summary>A WebSocket stream the replay venue serves.</summary>
/// <param name="Name">The stream name (<c>binance</c>, <c>kraken</c>, <c>coinbase-advanced</c>, ...).</param>
/// <param name="Address">Its URL, <c>ws://127.0.0.1:PORT/ws/{Name}</c>; query parameters <c>speed</c>, <c>loop</c> and the faults are added to it.</param>
/// <param name="Feed">What the recording is: the venue's feed, its channels and the recording date.</param>
/// <param name="Files">The capture files it is read from.</param>
public sealed record ReplayStreamInfo(string Name, Uri Address, string Feed, IReadOnlyList<string> Files);

/// <summary>
/// The replay venue: an HTTP server on 127.0.0.1 that serves recorded real data through the REST
/// endpoints of Binance spot (<c>/api/v3</c>), Binance USD-M (<c>/fapi/v1</c>), Kraken
/// (<c>/0/public</c>), Coinbase Exchange (<c>/products</c>) and OKX (<c>/api/v5</c>), all on one
/// port, in each venue's own formats, page limits, ordering and error bodies; and WebSocket streams
/// of recorded frames at <c>ws://127.0.0.1:PORT/ws/{stream}</c> on the same port (<see cref="Streams"/>).
/// </summary>
/// <remarks>
/// Market metadata, REST book snapshots, trades and tickers come from <c>ws-captures/v1</c> in the
/// recorded data folder; candles from the files given in <see cref="ReplayOptions.Candles"/> (which
/// also answer the ticker endpoints for instruments without a recorded ticker). Each request
/// goes through the fault rules (<see cref="ReplayOptions.Faults"/>), then the venue's rate limits
/// (<see cref="ReplayOptions.EnforceLimits"/>), then the venue, and is logged in
/// <see cref="Requests"/> (and <see cref="ReplayOptions.RequestLogPath"/>).
/// <para>
/// A WebSocket stream sends its recorded frames (<c>ws-captures/v1</c> text captures or
/// <c>ws-captures/v2</c> zstd JSON lines) byte-exact and in order, paced by the recorded gaps over
/// <see cref="ReplayOptions.WebSocketSpeed"/>, looping when <see cref="ReplayOptions.WebSocketLoop"/>;
/// a connection sets its own pace, looping and deterministic faults in its query (<c>speed</c>,
/// <c>loop</c>, <c>drop_after</c>, <c>silent_after</c>, <c>duplicate_every</c>, <c>reorder_every</c>,
/// <c>corrupt_every</c>). Each connection is logged with status 101; the fault rules and rate
/// limits apply to REST only.
/// </para>
/// </remarks>
public sealed class ReplayServer : IAsyncDisposable
{
    /// <summary>Which capture files hold each venue's traffic (file-name prefixes in <c>ws-captures/v1</c>).</summary>
    private static readonly Dictionary<string, string> CapturePrefixes = new(StringComparer.Ordinal)
    {
        ["binance"] = "BINANCE.",
        ["binance-usdm"] = "BINANCE_FUTURES.",
        ["kraken"] = "KRAKEN.",
        ["coinbase"] = "COINBASE.",
        ["okx"] = "OKX.",
        ["hyperliquid"] = "HYPERLIQUID.",
        ["coingecko"] = "COINGECKO.",
        ["coinpaprika"] = "COINPAPRIKA.",
        ["bybit"] = "BYBIT.",
        ["kraken-futures"] = "KRAKEN_FUTURES.",
        ["bitstamp"] = "BITSTAMP.",
    };

    /// <summary>v2 captures whose HTTP records a venue also serves (Bybit v5's instruments-info exists only there).</summary>
    private static readonly Dictionary<string, string> V2Captures = new(StringComparer.Ordinal)
    {
        ["bybit"] = "BYBIT.jsonl.zst",
    };

    private readonly WebApplication _app;
    private readonly ReplayRequestLog _log;

    private ReplayServer(WebApplication app, ReplayRequestLog log, Uri baseAddress, IReadOnlyList<IReplayVenue> venues, IReadOnlyList<ReplaySeriesInfo> series, ReplayStreams streams)
    {
        _app = app;
        _log = log;
        BaseAddress = baseAddress;
        Series = series;
        Streams = streams.Available
            .Select(s => new ReplayStreamInfo(s.Name, new Uri($"ws://{baseAddress.Authority}{ReplayWebSocketEndpoint.PathPrefix}{s.Name}"), s.Feed, streams.Files(s)))
            .ToList();
        Notices = venues.SelectMany(v => v.Notices).ToList();
        Instruments = venues.ToDictionary(v => v.Name, v => v.Instruments, StringComparer.Ordinal);
    }

    /// <summary>The venue names the replay serves.</summary>
    public static IReadOnlyCollection<string> Venues => CapturePrefixes.Keys;

    /// <summary>The WebSocket stream names the replay serves when their recordings are present (<see cref="Streams"/> lists those that are).</summary>
    public static IReadOnlyCollection<string> StreamNames { get; } = ReplayStreams.Sources.Select(s => s.Name).ToList();

    /// <summary>The server's address, <c>http://127.0.0.1:PORT/</c>: every venue's base URL.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The WebSocket streams served (those whose recordings are in the data folder), in <see cref="StreamNames"/> order.</summary>
    public IReadOnlyList<ReplayStreamInfo> Streams { get; }

    /// <summary>The candle series served.</summary>
    public IReadOnlyList<ReplaySeriesInfo> Series { get; }

    /// <summary>Start-up notices (fields a file lacks that a venue format needs, served as zero).</summary>
    public IReadOnlyList<string> Notices { get; }

    /// <summary>The instruments each venue holds data for.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<Instrument>> Instruments { get; }

    /// <summary>
    /// Every request received so far, in the order their answers started (an entry is there before
    /// the client sees any of its answer; a timeout or reset fault is logged when it is applied): a
    /// snapshot copy, the same entries the request log file holds.
    /// </summary>
    public IReadOnlyList<ReplayRequest> Requests => _log.Snapshot();

    /// <summary>The request log (tests wait on it instead of polling).</summary>
    internal ReplayRequestLog RequestLog => _log;

    /// <summary>Loads the recordings and starts listening.</summary>
    /// <param name="options">What to serve and where.</param>
    /// <param name="cancellationToken">Cancels start-up.</param>
    /// <returns>The running server; dispose it to stop.</returns>
    /// <exception cref="ArgumentException">A candle source names a venue the replay does not serve, or a timeframe the venue has no interval for.</exception>
    /// <exception cref="CandleFileException">A candle file is unreadable or not aligned to its timeframe.</exception>
    /// <exception cref="ArgumentException">A fault rule built in code is inconsistent (a rule read by <see cref="ReplayFaults.Load"/> has been checked already), or the request log cannot be created.</exception>
    /// <exception cref="ArgumentException"><see cref="ReplayOptions.WebSocketSpeed"/> is not 0 and not a finite number from 0.001.</exception>
    /// <exception cref="IOException">The port is taken.</exception>
    public static async Task<ReplayServer> StartAsync(ReplayOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!ReplayStreamSettings.ValidSpeed(options.WebSocketSpeed))
        {
            throw new ArgumentException($"the WebSocket speed must be 0 (no delays) or a number from {ReplayStreamSettings.MinSpeed.ToString(System.Globalization.CultureInfo.InvariantCulture)} (1 = recorded pace); not {options.WebSocketSpeed.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }

        var faults = options.Faults is { Rules.Count: > 0 } rules ? new FaultInjector(rules) : null;
        var loaded = new List<ReplaySeries>();
        foreach (var source in options.Candles)
        {
            if (!CapturePrefixes.ContainsKey(source.Venue))
            {
                throw new ArgumentException($"the replay venue serves {string.Join(", ", Venues)}; not {Configuration.InputText.Quote(source.Venue)}");
            }

            var file = CandleFileReader.Read(source.Path, source.Instrument).CheckTimeframe(source.Timeframe);
            loaded.Add(new ReplaySeries(source, file));
        }

        var duplicate = loaded.GroupBy(s => (s.Source.Venue, s.Source.Instrument, s.Timeframe)).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"{duplicate.Key.Venue}:{duplicate.Key.Instrument}:{duplicate.Key.Timeframe} is given twice");
        }

        var captures = CaptureFolder(options.DataRoot);
        var venues = new List<IReplayVenue>();
        var liveBooks = new ReplayLiveBooks();
        foreach (var (venue, prefix) in CapturePrefixes)
        {
            var responses = new List<RecordedResponse>();
            var frames = new List<RecordedFrame>();
            if (captures is not null)
            {
                foreach (var path in Directory.GetFiles(captures, prefix + "*").Order(StringComparer.Ordinal))
                {
                    var (r, f) = CaptureReader.Read(path);
                    responses.AddRange(r);
                    frames.AddRange(f);
                }

                if (V2Captures.TryGetValue(venue, out var v2) && Path.Combine(captures, "..", "v2", v2) is var v2Path && File.Exists(v2Path))
                {
                    responses.AddRange(CaptureV2Reader.Read(v2Path).Responses);
                }
            }

            var context = new ReplayVenueContext(venue, options.TimeProvider, loaded.Where(s => s.Source.Venue == venue).ToList(), responses, frames, options.EnforceLimits);
            venues.Add(venue switch
            {
                "binance" => new BinanceReplay(BinanceApi.Spot, context, liveBooks),
                "binance-usdm" => new BinanceReplay(BinanceApi.UsdM, context, liveBooks),
                "kraken" => new KrakenReplay(context),
                "coinbase" => new CoinbaseReplay(context, captures is not null && Path.Combine(captures, "..", "v2", "COINBASE.jsonl.zst") is var advanced && File.Exists(advanced)
                    ? CoinbaseReplay.ProductsOf(CaptureV2Reader.Read(advanced).Frames)
                    : null),
                "hyperliquid" => new HyperliquidReplay(context, RestSamples.Folder(options.DataRoot, "hyperliquid")),
                "coingecko" => new CoinGeckoReplay(context, RestSamples.Folder(options.DataRoot, "coingecko")),
                "coinpaprika" => new CoinPaprikaReplay(context, RestSamples.Folder(options.DataRoot, "coinpaprika")),
                "bybit" => new BybitReplay(context),
                "kraken-futures" => new KrakenFuturesReplay(context),
                "bitstamp" => new BitstampReplay(context, liveBooks),
                _ => new OkxReplay(context),
            });
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, options.Port);
        });
        var app = builder.Build();
        ReplayRequestLog log;
        try
        {
            log = new ReplayRequestLog(options.RequestLogPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new ArgumentException($"cannot create the request log {Configuration.InputText.Quote(options.RequestLogPath)}: {ex.Message}", ex);
        }

        var pipeline = new ReplayPipeline(
            venues.ToDictionary(v => v.Name, StringComparer.Ordinal),
            faults,
            log,
            options.TimeProvider,
            app.Lifetime.ApplicationStopping);

        // WebSocket streams first: they are not REST endpoints, so routing, fault rules and rate
        // limits never see them. No server pings: the streams carry exactly the recorded frames.
        var streams = new ReplayStreams(CapturesRoot(options.DataRoot));
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        app.Use(new ReplayWebSocketEndpoint(
            streams,
            liveBooks,
            log,
            options.TimeProvider,
            options.WebSocketSpeed,
            options.WebSocketLoop,
            app.Lifetime.ApplicationStopping).InvokeAsync);

        // After routing has matched (so the pipeline knows a venue's own endpoint from the 404
        // fallback) and before any endpoint runs.
        app.UseRouting();
        app.Use(pipeline.InvokeAsync);
        foreach (var venue in venues)
        {
            venue.Map(app);
        }

        app.MapFallback(context => ReplayHttp.Send(context, 404, ReplayHttp.Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("message", $"the replay venue has no endpoint {context.Request.Method} {context.Request.Path}");
            w.WriteEndObject();
        }))).WithMetadata(ReplayFallbackEndpoint.Instance);

        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            log.Dispose();
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address).Port;
        var series = loaded.Select(s => new ReplaySeriesInfo(
            s.Source.Venue,
            s.Source.Instrument,
            s.Timeframe,
            s.Source.Path,
            s.File.Format,
            s.Rows.Count,
            s.File.Span(s.Timeframe))).ToList();
        return new ReplayServer(app, log, new Uri($"http://127.0.0.1:{port}/"), venues, series, streams);
    }

    /// <summary>Waits until the server stops (Ctrl-C in <c>replay serve</c>) or <paramref name="cancellationToken"/> fires.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the server stops.</returns>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    /// <summary>Stops the server and releases the port.</summary>
    /// <returns>A task that completes when stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _log.Dispose();
    }

    private static string? CaptureFolder(string? dataRoot)
        => CapturesRoot(dataRoot) is { } root && Path.Combine(root, "v1") is var folder && Directory.Exists(folder) ? folder : null;

    /// <summary>The <c>ws-captures</c> folder of the data root, or null when there is none.</summary>
    private static string? CapturesRoot(string? dataRoot)
    {
        string root;
        if (dataRoot is not null)
        {
            root = dataRoot;
        }
        else
        {
            try
            {
                root = RecordedData.Root();
            }
            catch (DirectoryNotFoundException)
            {
                return null;
            }
        }

        var folder = Path.Combine(root, "ws-captures");
        return Directory.Exists(folder) ? folder : null;
    }
}

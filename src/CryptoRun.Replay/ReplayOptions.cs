using System.Diagnostics.CodeAnalysis;
using CryptoRun.Domain;

namespace CryptoRun.Replay;

/// <summary>A candle file the replay venue serves as one venue's series: <c>VENUE:BASE/QUOTE[:SETTLE]:TIMEFRAME=PATH</c>.</summary>
/// <param name="Venue">The venue whose API serves it (<c>binance</c>, <c>binance-usdm</c>, <c>kraken</c>, <c>coinbase</c>, <c>okx</c>).</param>
/// <param name="Instrument">The unified instrument.</param>
/// <param name="Timeframe">The candles' timeframe.</param>
/// <param name="Path">The candle file (any format <c>history import</c> reads).</param>
public sealed record ReplayCandleSource(string Venue, Instrument Instrument, Timeframe Timeframe, string Path)
{
    /// <summary>Parses <c>VENUE:BASE/QUOTE[:SETTLE]:TIMEFRAME=PATH</c>, for example <c>coinbase:BTC/USD:1m=data/btc.csv</c>.</summary>
    /// <param name="text">The specification.</param>
    /// <returns>The source.</returns>
    /// <exception cref="FormatException">The text is not of that form; the message quotes it and says which part is wrong.</exception>
    public static ReplayCandleSource Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        const string Expected = "expected VENUE:BASE/QUOTE:TIMEFRAME=PATH, for example coinbase:BTC/USD:1m=Coinbase_BTCUSD_minute.csv";
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || equals == text.Length - 1)
        {
            throw new FormatException($"{Configuration.InputText.Quote(text)}: {Expected}");
        }

        var spec = text[..equals];
        var firstColon = spec.IndexOf(':', StringComparison.Ordinal);
        var lastColon = spec.LastIndexOf(':');
        if (firstColon <= 0 || lastColon == firstColon)
        {
            throw new FormatException($"{Configuration.InputText.Quote(text)}: {Expected}");
        }

        var symbol = spec[(firstColon + 1)..lastColon];
        if (!Instrument.TryParse(symbol, out var instrument))
        {
            throw new FormatException($"{Configuration.InputText.Quote(text)}: {Configuration.InputText.Quote(symbol)} is not a unified symbol (BASE/QUOTE or BASE/QUOTE:SETTLE)");
        }

        return new ReplayCandleSource(spec[..firstColon].ToLowerInvariant(), instrument, Timeframe.Parse(spec[(lastColon + 1)..]), text[(equals + 1)..]);
    }

    /// <summary>Tries <see cref="Parse(string)"/>.</summary>
    /// <param name="text">The specification.</param>
    /// <param name="source">The source when valid.</param>
    /// <returns><see langword="true"/> when valid.</returns>
    public static bool TryParse(string text, [NotNullWhen(true)] out ReplayCandleSource? source)
    {
        try
        {
            source = Parse(text);
            return true;
        }
        catch (FormatException)
        {
            source = null;
            return false;
        }
    }
}

/// <summary>Options of the replay venue.</summary>
public sealed class ReplayOptions
{
    /// <summary>The candle files to serve.</summary>
    public IList<ReplayCandleSource> Candles { get; } = [];

    /// <summary>The loopback port to listen on; 0 picks a free one.</summary>
    /// <value>Default 0.</value>
    public int Port { get; init; }

    /// <summary>
    /// The recorded-data folder whose <c>ws-captures/v1</c> supplies market metadata, REST book snapshots
    /// and recorded trades, and whose <c>ws-captures/v1</c> and <c>ws-captures/v2</c> supply the
    /// WebSocket streams; null to use <see cref="RecordedData.Root"/> when it exists.
    /// </summary>
    /// <value>Default null.</value>
    public string? DataRoot { get; init; }

    /// <summary>The venue's clock: which candles are closed, the time in responses, rate-limit windows, fault windows and latencies, the request log's times.</summary>
    /// <value>Default <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Whether each venue refuses requests over its real rate limits (Binance request weight per
    /// minute with 429 and 418 bans, Coinbase 10/s burst 15, Kraken's decaying call counter, OKX
    /// per-endpoint limits per 2 s). False serves everything (for benchmarks and bulk fetches);
    /// Binance still reports its used weight in the headers.
    /// </summary>
    /// <value>Default true.</value>
    public bool EnforceLimits { get; init; } = true;

    /// <summary>Fault rules applied before rate limits and venue handlers (<c>--faults PATH</c>, read with <see cref="ReplayFaults.Load"/>); null for none.</summary>
    /// <value>Default null.</value>
    public ReplayFaults? Faults { get; init; }

    /// <summary>
    /// The default pace of the WebSocket streams (<c>ws://127.0.0.1:PORT/ws/{stream}</c>): each recorded
    /// gap between two received frames is divided by it, so 1 is the recorded pace, 10 ten times
    /// faster, and 0 sends every frame without a delay. Delays run on <see cref="TimeProvider"/>.
    /// A connection overrides it with <c>?speed=X</c>.
    /// </summary>
    /// <value>Default 1. Must be finite and at least 0; <see cref="ReplayServer.StartAsync"/> throws <see cref="ArgumentException"/> otherwise.</value>
    public double WebSocketSpeed { get; init; } = 1;

    /// <summary>
    /// Whether a WebSocket stream starts again from its first frame after its last (the recordings
    /// open with subscription acks and book snapshots, so each cycle is a consistent new session)
    /// instead of closing with NormalClosure. A connection overrides it with <c>?loop=true|false</c>.
    /// </summary>
    /// <value>Default false.</value>
    public bool WebSocketLoop { get; init; }

    /// <summary>A file to write one JSON line per request to (created or truncated at start-up); null for none. Entries are kept in <see cref="ReplayServer.Requests"/> either way.</summary>
    /// <value>Default null.</value>
    public string? RequestLogPath { get; init; }
}

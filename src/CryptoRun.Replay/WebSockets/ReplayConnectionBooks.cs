using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Streaming;
using CryptoRun.Venues.Binance;
using CryptoRun.Venues.Bitstamp;
using CryptoRun.Venues.Kraken;
using CryptoRun.Venues.Okx;

namespace CryptoRun.Replay.WebSockets;

/// <summary>
/// The L2 books of one replay WebSocket connection, kept from the book frames the server has sent on it,
/// so that a client resyncing one book gets that book as the connection's frames left it: Kraken, OKX,
/// Bybit v5 and Kraken Futures by sending unsubscribe+subscribe on the connection (answered with the venue's ack and a
/// snapshot frame, see <see cref="Answer"/>), Binance by fetching REST <c>depth</c> (see <see cref="TryDepth"/>).
/// </summary>
/// <remarks>
/// Kraken (<c>book-N</c> frames), OKX (<c>books*</c> frames), Bybit v5 (<c>orderbook.*</c> frames) and Kraken Futures
/// (<c>book_snapshot</c>, <c>book</c>) books follow the
/// recorded frames in the recording's order (a reordered pair is applied as recorded), with no checksum or sequence check (the server is the venue: it never drops its own book). Binance books start
/// from the recorded REST snapshots and apply each sent <c>depthUpdate</c> whose <c>u</c> is above the
/// book's <c>lastUpdateId</c> (older ones are already in it). Sent frames are queued and applied when a
/// book is asked for, so the replay's send loop is not slowed. A corrupted frame (the corrupt fault) is
/// applied as recorded: corruption is a fault of the transport, not of the venue's book. Thread-safe:
/// the send loop applies, the receive loop and REST handlers read, under one lock.
/// </remarks>
internal sealed class ReplayConnectionBooks
{
    private static readonly Instrument Unnamed = Instrument.Parse("X/Y");
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly ConditionalWeakTable<ReplayStreamRecording, HashSet<string>> RecordedSymbols = [];

    /// <summary>Queued frames applied at once when no one has asked for a book sooner (bounds the queue of a looping stream).</summary>
    private const int FlushEvery = 16_384;

    private readonly Lock _lock = new();
    private readonly Kind _kind;
    private readonly ReplayStreamRecording? _recording;
    private readonly Dictionary<string, Book> _books = new(StringComparer.Ordinal);
    private readonly BookMessage _message = new();
    private readonly List<string?> _bidExtras = [];
    private readonly List<string?> _askExtras = [];
    private readonly List<byte[]> _pending = [];
    private readonly IReadOnlyDictionary<string, string>? _seed;
    private IReadOnlyDictionary<string, string>? _recordedDepth;

    /// <summary>The books of a new connection of <paramref name="stream"/>.</summary>
    /// <param name="stream">The stream name (<c>kraken</c>, <c>okx</c>, <c>binance</c>, <c>binance-usdm</c>; others keep no books).</param>
    /// <param name="recording">The stream's recording (to tell a symbol it never has from one not reached yet), or null.</param>
    /// <param name="recordedDepth">Binance: the recorded REST depth bodies by symbol the books start from; else null.</param>
    internal ReplayConnectionBooks(string stream, ReplayStreamRecording? recording, IReadOnlyDictionary<string, string>? recordedDepth)
    {
        Stream = stream;
        _recording = recording;
        _kind = stream switch
        {
            "kraken" => Kind.Kraken,
            "okx" => Kind.Okx,
            "binance" => Kind.BinanceSpot,
            "binance-usdm" => Kind.BinanceUsdM,
            "bitstamp" => Kind.Bitstamp,
            "bybit" => Kind.Bybit,
            "kraken-futures" => Kind.KrakenFutures,
            _ => Kind.None,
        };
        _seed = _recordedDepth = _kind is Kind.BinanceSpot or Kind.BinanceUsdM or Kind.Bitstamp ? recordedDepth : null;
    }

    private enum Kind
    {
        None,
        Kraken,
        Okx,
        BinanceSpot,
        BinanceUsdM,
        Bitstamp,
        Bybit,
        KrakenFutures,
    }

    /// <summary>The stream name.</summary>
    internal string Stream { get; }

    /// <summary>Whether client messages can get an answer (<see cref="Answer"/>): Kraken, OKX, Bybit v5 and Kraken Futures.</summary>
    internal bool Answers => _kind is Kind.Kraken or Kind.Okx or Kind.Bybit or Kind.KrakenFutures;

    /// <summary>
    /// Takes a frame the server sends on the connection (the recorded payload, before any corruption).
    /// It is only queued: the books are brought up to date when asked (<see cref="Answer"/>,
    /// <see cref="TryDepth"/>) or every <see cref="FlushEvery"/> frames, so the send loop pays a list append.
    /// </summary>
    internal void Apply(byte[] payload)
    {
        if (_kind == Kind.None)
        {
            return;
        }

        lock (_lock)
        {
            _pending.Add(payload);
            if (_pending.Count >= FlushEvery)
            {
                Flush();
            }
        }
    }

    /// <summary>
    /// The stream starts the recording again (looping): Binance's books go back to the recorded REST
    /// snapshots, as the update ids start again below them. Kraken's and OKX's recordings open with
    /// their snapshots, which replace the books by themselves.
    /// </summary>
    internal void Restart()
    {
        if (_seed is null)
        {
            return;
        }

        lock (_lock)
        {
            _pending.Clear();
            _books.Clear();
            _recordedDepth = _seed;
        }
    }

    /// <summary>Applies the queued frames in order (under the lock), Binance's books first started from the recorded snapshots.</summary>
    private void Flush()
    {
        if (_recordedDepth is { } recordedDepth)
        {
            // Parsed on first use, not on connect: a connection nobody asks a book of costs nothing.
            _recordedDepth = null;
            foreach (var (symbol, body) in recordedDepth)
            {
                try
                {
                    var bytes = System.Text.Encoding.UTF8.GetBytes(body);
                    if (_kind == Kind.Bitstamp)
                    {
                        BitstampBookSync.ParseSnapshot(bytes, symbol, _message);
                    }
                    else
                    {
                        BinanceBookSync.ParseSnapshot(bytes, symbol, _message);
                    }
                }
                catch (FormatException)
                {
                    continue; // a recorded body that is no snapshot: REST serves it as recorded
                }

                var book = new Book(new L2Book(Unnamed));
                book.Levels.ApplySnapshot(_message.Bids, _message.Asks);
                book.Levels.Sequence = _message.Sequence;
                book.Levels.TimeMs = _message.TimeMs;
                _books[symbol] = book;
            }
        }

        foreach (var payload in _pending)
        {
            var frame = payload.AsSpan();
            switch (_kind)
            {
                case Kind.Kraken when frame.Length > 0 && frame[0] == (byte)'[' && frame.IndexOf("\"book-"u8) >= 0:
                    ApplyKraken(frame);
                    break;
                case Kind.Okx when frame.IndexOf("\"books"u8) >= 0:
                    ApplyOkx(frame);
                    break;
                case Kind.BinanceSpot or Kind.BinanceUsdM when frame.IndexOf("depthUpdate"u8) >= 0:
                    ApplyBinance(frame);
                    break;
                case Kind.Bitstamp when frame.IndexOf("diff_order_book_"u8) >= 0:
                    ApplyBitstamp(frame);
                    break;
                case Kind.Bybit when frame.IndexOf("\"orderbook."u8) >= 0:
                    ApplyBybit(payload);
                    break;
                case Kind.KrakenFutures when frame.IndexOf("\"feed\":\"book"u8) >= 0:
                    ApplyKrakenFutures(payload);
                    break;
            }
        }

        _pending.Clear();
    }

    /// <summary>
    /// The frames that answer a client message, in order, built from the books as the frames sent so far
    /// left them; empty when the message is not a book subscribe/unsubscribe of the stream's venue (or not JSON).
    /// </summary>
    /// <remarks>
    /// Kraken <c>{"event":"subscribe","pair":["XMR/USD"],"subscription":{"name":"book","depth":N}}</c>: per pair,
    /// the <c>subscriptionStatus</c> ack (the recorded channel id and <c>book-DEPTH</c> name: the snapshot is
    /// at the recorded depth, whatever N, since the recorded deltas that follow are) and a snapshot frame
    /// <c>[channelID,{"as":[[price,volume,timestamp]..],"bs":[..]},"book-DEPTH","PAIR"]</c> with the venue's
    /// text. OKX <c>{"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"}]}</c>: per arg, the
    /// <c>{"event":"subscribe","arg":{..}}</c> ack and a <c>"action":"snapshot"</c> frame with OKX's checksum
    /// (and <c>seqId</c> when the recording has sequences). A symbol the recording has but whose book the
    /// connection has not reached yet gets the ack only (its recorded snapshot is still to come); one the
    /// recording never has gets the venue's error. Unsubscribes get the venue's ack; the recorded frames keep coming.
    /// Bybit v5 <c>{"op":"subscribe","args":["orderbook.200.BTCUSDT"]}</c>: the <c>{"success":true,..,"op":"subscribe"}</c>
    /// ack, then per <c>orderbook</c> topic whose book the connection has, a <c>"type":"snapshot"</c> frame of it at
    /// the recorded depth with the last applied <c>u</c> and <c>seq</c> (so the recorded deltas that follow go on from it).
    /// Kraken Futures <c>{"event":"subscribe","feed":"book","product_ids":["PI_ETHUSD"]}</c>: per product, the
    /// <c>{"event":"subscribed","feed":"book","product_ids":[P]}</c> ack and, when the connection has its book, a
    /// <c>book_snapshot</c> with the last applied <c>seq</c> and the recorded number text.
    /// </remarks>
    internal IReadOnlyList<byte[]> Answer(ReadOnlySpan<byte> request)
    {
        if (_kind is not (Kind.Kraken or Kind.Okx or Kind.Bybit or Kind.KrakenFutures))
        {
            return [];
        }

        JsonDocument document;
        try
        {
            var copy = request.ToArray();
            document = JsonDocument.Parse(copy);
        }
        catch (JsonException)
        {
            return [];
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return [];
            }

            lock (_lock)
            {
                Flush();
                return _kind switch
                {
                    Kind.Kraken => AnswerKraken(root),
                    Kind.Okx => AnswerOkx(root),
                    Kind.Bybit => AnswerBybit(root),
                    _ => AnswerKrakenFutures(root),
                };
            }
        }
    }

    /// <summary>
    /// Binance: the connection's current book of <paramref name="symbol"/> as a REST depth body
    /// <c>{"lastUpdateId":u,("E":ms,"T":ms,)"bids":[["price","qty"]..],"asks":[..]}</c> (E and T on USD-M, both the
    /// last applied event's time), <paramref name="limit"/> levels per side with the recorded text; false while the
    /// stream has not applied an update past the recorded snapshot (or the symbol has no book).
    /// </summary>
    internal bool TryDepth(string symbol, int limit, out byte[] body)
    {
        body = [];
        lock (_lock)
        {
            Flush();
            if (_kind is not (Kind.BinanceSpot or Kind.BinanceUsdM) || !_books.TryGetValue(symbol, out var book) || !book.Advanced)
            {
                return false;
            }

            var levels = book.Levels;
            body = Write(w =>
            {
                w.WriteStartObject();
                w.WriteNumber("lastUpdateId", levels.Sequence ?? 0);
                if (_kind == Kind.BinanceUsdM && levels.TimeMs is { } time)
                {
                    w.WriteNumber("E", time);
                    w.WriteNumber("T", time);
                }

                w.WriteStartArray("bids");
                WritePairs(w, levels.Bids, limit);
                w.WriteEndArray();
                w.WriteStartArray("asks");
                WritePairs(w, levels.Asks, limit);
                w.WriteEndArray();
                w.WriteEndObject();
            });
            return true;
        }
    }

    /// <summary>
    /// Bitstamp: the connection's current book of <paramref name="pair"/> as a REST <c>order_book</c> body
    /// <c>{"timestamp":"s","microtimestamp":"µs","bids":[["price","amount"]..],"asks":[..]}</c> (the last applied diff's
    /// <c>microtimestamp</c>), all levels with the recorded text; false while the stream has not applied a diff past the
    /// recorded snapshot (or the pair has no book).
    /// </summary>
    internal bool TryOrderBook(string pair, out byte[] body)
    {
        body = [];
        lock (_lock)
        {
            Flush();
            if (_kind != Kind.Bitstamp || !_books.TryGetValue(pair, out var book) || !book.Advanced || book.Levels.Sequence is not { } micro)
            {
                return false;
            }

            var levels = book.Levels;
            body = Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("timestamp", (micro / 1_000_000).ToString(CultureInfo.InvariantCulture));
                w.WriteString("microtimestamp", micro.ToString(CultureInfo.InvariantCulture));
                w.WriteStartArray("bids");
                WritePairs(w, levels.Bids, int.MaxValue);
                w.WriteEndArray();
                w.WriteStartArray("asks");
                WritePairs(w, levels.Asks, int.MaxValue);
                w.WriteEndArray();
                w.WriteEndObject();
            });
            return true;
        }
    }

    private void ApplyBitstamp(ReadOnlySpan<byte> payload)
    {
        var sink = new BitstampDiffSink(_message);
        try
        {
            new BitstampStreamProtocol().CreateParser().Parse(payload, sink);
        }
        catch (FormatException)
        {
            return; // a malformed recorded frame must not end the stream
        }

        if (!sink.Applied || !_books.TryGetValue(_message.Symbol, out var book) || _message.Sequence is not { } micro)
        {
            return;
        }

        // Bitstamp's rule for a snapshot's book: a diff at or before its microtimestamp is already in it.
        if (book.Levels.Sequence is { } last && micro <= last)
        {
            return;
        }

        book.Levels.ApplyDelta(_message.Bids, _message.Asks);
        book.Levels.Sequence = micro;
        book.Levels.TimeMs = micro / 1000;
        book.Advanced = true;
    }

    /// <summary>
    /// Bybit v5 <c>{"topic":"orderbook.200.BTCUSDT","type":"snapshot"|"delta","ts":ms,"data":{"s","b":[[p,s]..],"a","u","seq"},"cts"}</c>:
    /// a snapshot (or <c>u</c> = 1) replaces the book, a delta sets its levels (size 0 removes); the book keeps <c>u</c>,
    /// <c>seq</c> and <c>ts</c> for the snapshot it answers with.
    /// </summary>
    private void ApplyBybit(byte[] payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement;
            if (!root.TryGetProperty("topic", out var topic) || topic.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object
                || !data.TryGetProperty("s", out var symbolElement) || symbolElement.ValueKind != JsonValueKind.String)
            {
                return;
            }

            var topicText = topic.GetString()!;
            var parts = topicText.Split('.');
            var depth = parts.Length == 3 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var d) ? d : 0;
            var update = data.TryGetProperty("u", out var u) && u.TryGetInt64(out var uValue) ? uValue : (long?)null;
            var snapshot = (root.TryGetProperty("type", out var type) && type.ValueEquals("snapshot")) || update == 1;
            var symbol = symbolElement.GetString()!;
            if (!_books.TryGetValue(symbol, out var book))
            {
                if (!snapshot)
                {
                    return;
                }

                _books[symbol] = book = new Book(new L2Book(Unnamed, depth));
            }

            _message.Clear();
            BybitLevels(data, "b", _message.Bids);
            BybitLevels(data, "a", _message.Asks);
            if (snapshot)
            {
                book.Levels.ApplySnapshot(_message.Bids, _message.Asks);
            }
            else if (book.Levels.IsSynced)
            {
                book.Levels.ApplyDelta(_message.Bids, _message.Asks);
            }

            book.Channel = topicText;
            book.Levels.Sequence = update;
            book.ChannelId = data.TryGetProperty("seq", out var seq) && seq.TryGetInt64(out var seqValue) ? seqValue : book.ChannelId;
            book.Levels.TimeMs = root.TryGetProperty("ts", out var ts) && ts.TryGetInt64(out var tsValue) ? tsValue : book.Levels.TimeMs;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            // a malformed recorded frame must not end the stream
        }
    }

    private static void BybitLevels(JsonElement data, string side, List<LevelChange> into)
    {
        if (!data.TryGetProperty(side, out var levels) || levels.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var level in levels.EnumerateArray())
        {
            var price = level[0].GetString()!;
            var size = level[1].GetString()!;
            into.Add(new LevelChange(decimal.Parse(price, NumberStyles.Float, CultureInfo.InvariantCulture), decimal.Parse(size, NumberStyles.Float, CultureInfo.InvariantCulture), price, size));
        }
    }

    /// <summary>OKX's and Bybit's <c>{"op":"subscribe"|"unsubscribe","args":[..]}</c>: false for any other message.</summary>
    private static bool TrySubscription(JsonElement root, out bool subscribe, out JsonElement args)
    {
        subscribe = false;
        if (!root.TryGetProperty("op", out var op) || !root.TryGetProperty("args", out args) || args.ValueKind != JsonValueKind.Array)
        {
            args = default;
            return false;
        }

        subscribe = op.ValueEquals("subscribe");
        return subscribe || op.ValueEquals("unsubscribe");
    }

    private List<byte[]> AnswerBybit(JsonElement root)
    {
        var answers = new List<byte[]>();
        if (!TrySubscription(root, out var subscribe, out var args))
        {
            return answers;
        }

        var topics = args.EnumerateArray().Where(a => a.ValueKind == JsonValueKind.String).Select(a => a.GetString()!).Where(t => t.StartsWith("orderbook.", StringComparison.Ordinal)).ToList();
        if (topics.Count == 0)
        {
            return answers; // not a book: ignored as before
        }

        var reqId = root.TryGetProperty("req_id", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : "";
        answers.Add(Write(w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("success", true);
            w.WriteString("ret_msg", "");
            w.WriteString("conn_id", "replay");
            w.WriteString("req_id", reqId);
            w.WriteString("op", subscribe ? "subscribe" : "unsubscribe");
            w.WriteEndObject();
        }));
        if (!subscribe)
        {
            return answers;
        }

        foreach (var topic in topics)
        {
            var symbol = topic[(topic.LastIndexOf('.') + 1)..];
            if (!_books.TryGetValue(symbol, out var book) || !book.Levels.IsSynced)
            {
                continue; // its recorded snapshot is still to come
            }

            answers.Add(Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("topic", book.Channel ?? topic);
                w.WriteString("type", "snapshot");
                w.WriteNumber("ts", book.Levels.TimeMs ?? 0);
                w.WriteStartObject("data");
                w.WriteString("s", symbol);
                w.WriteStartArray("b");
                WritePairs(w, book.Levels.Bids, int.MaxValue);
                w.WriteEndArray();
                w.WriteStartArray("a");
                WritePairs(w, book.Levels.Asks, int.MaxValue);
                w.WriteEndArray();
                w.WriteNumber("u", book.Levels.Sequence ?? 0);
                w.WriteNumber("seq", book.ChannelId ?? 0);
                w.WriteEndObject();
                w.WriteNumber("cts", book.Levels.TimeMs ?? 0);
                w.WriteEndObject();
            }));
        }

        return answers;
    }

    /// <summary>
    /// Kraken Futures <c>{"feed":"book_snapshot","product_id","timestamp","seq","bids":[{"price","qty"}..],"asks"}</c>
    /// replaces the book; <c>{"feed":"book","product_id","side":"buy"|"sell","seq","price","qty","timestamp"}</c> sets one
    /// level (qty 0 removes it). The book keeps <c>seq</c> and the time for the snapshot it answers with; the acks
    /// (<c>"event"</c>) are not book frames.
    /// </summary>
    private void ApplyKrakenFutures(byte[] payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement;
            if (root.TryGetProperty("event", out _) || !root.TryGetProperty("feed", out var feed)
                || !root.TryGetProperty("product_id", out var productElement) || productElement.ValueKind != JsonValueKind.String)
            {
                return;
            }

            var product = productElement.GetString()!;
            _message.Clear();
            if (feed.ValueEquals("book_snapshot"))
            {
                FuturesLevels(root.GetProperty("bids"), _message.Bids);
                FuturesLevels(root.GetProperty("asks"), _message.Asks);
                if (!_books.TryGetValue(product, out var fresh))
                {
                    _books[product] = fresh = new Book(new L2Book(Unnamed));
                }

                fresh.Levels.ApplySnapshot(_message.Bids, _message.Asks);
            }
            else if (feed.ValueEquals("book") && _books.TryGetValue(product, out var known) && known.Levels.IsSynced)
            {
                var level = Number(root.GetProperty("price"), root.GetProperty("qty"));
                (root.GetProperty("side").ValueEquals("buy") ? _message.Bids : _message.Asks).Add(level);
                known.Levels.ApplyDelta(_message.Bids, _message.Asks);
            }
            else
            {
                return;
            }

            var book = _books[product];
            book.Levels.Sequence = root.TryGetProperty("seq", out var seq) && seq.TryGetInt64(out var seqValue) ? seqValue : book.Levels.Sequence;
            book.Levels.TimeMs = root.TryGetProperty("timestamp", out var ts) && ts.TryGetInt64(out var tsValue) ? tsValue : book.Levels.TimeMs;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            // a malformed recorded frame must not end the stream
        }

        static void FuturesLevels(JsonElement side, List<LevelChange> into)
        {
            foreach (var level in side.EnumerateArray())
            {
                into.Add(Number(level.GetProperty("price"), level.GetProperty("qty")));
            }
        }

        static LevelChange Number(JsonElement price, JsonElement qty)
        {
            var priceText = price.GetRawText();
            var qtyText = qty.GetRawText();
            return new LevelChange(decimal.Parse(priceText, NumberStyles.Float, CultureInfo.InvariantCulture), decimal.Parse(qtyText, NumberStyles.Float, CultureInfo.InvariantCulture), priceText, qtyText);
        }
    }

    private List<byte[]> AnswerKrakenFutures(JsonElement root)
    {
        var answers = new List<byte[]>();
        if (!root.TryGetProperty("event", out var kind) || !root.TryGetProperty("feed", out var feed) || !feed.ValueEquals("book")
            || !root.TryGetProperty("product_ids", out var products) || products.ValueKind != JsonValueKind.Array)
        {
            return answers;
        }

        var subscribe = kind.ValueEquals("subscribe");
        if (!subscribe && !kind.ValueEquals("unsubscribe"))
        {
            return answers;
        }

        foreach (var product in products.EnumerateArray().Where(p => p.ValueKind == JsonValueKind.String).Select(p => p.GetString()!))
        {
            answers.Add(Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("event", subscribe ? "subscribed" : "unsubscribed");
                w.WriteString("feed", "book");
                w.WriteStartArray("product_ids");
                w.WriteStringValue(product);
                w.WriteEndArray();
                w.WriteEndObject();
            }));
            if (!subscribe || !_books.TryGetValue(product, out var book) || !book.Levels.IsSynced)
            {
                continue; // its recorded snapshot is still to come
            }

            answers.Add(Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("feed", "book_snapshot");
                w.WriteString("product_id", product);
                w.WriteNumber("timestamp", book.Levels.TimeMs ?? 0);
                w.WriteNumber("seq", book.Levels.Sequence ?? 0);
                w.WriteNull("tickSize");
                WriteFuturesLevels(w, "bids", book.Levels.Bids);
                WriteFuturesLevels(w, "asks", book.Levels.Asks);
                w.WriteEndObject();
            }));
        }

        return answers;

        static void WriteFuturesLevels(Utf8JsonWriter w, string name, IReadOnlyList<BookEntry> side)
        {
            w.WriteStartArray(name);
            foreach (var level in side)
            {
                w.WriteStartObject();
                w.WritePropertyName("price");
                w.WriteRawValue(level.PriceText);
                w.WritePropertyName("qty");
                w.WriteRawValue(level.SizeText);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }
    }

    private void ApplyKraken(ReadOnlySpan<byte> payload)
    {
        try
        {
            if (!KrakenBookSync.TryParse(payload, _message, out _))
            {
                return;
            }
        }
        catch (FormatException)
        {
            return; // a malformed recorded frame must not end the stream
        }

        ReadExtras(payload, extraIndex: 2, kraken: true, out var channelId, out var channelName);
        if (!_books.TryGetValue(_message.Symbol, out var book))
        {
            if (!_message.IsSnapshot)
            {
                return;
            }

            var dash = channelName?.IndexOf('-', StringComparison.Ordinal) ?? -1;
            var depth = dash > 0 && int.TryParse(channelName.AsSpan(dash + 1), CultureInfo.InvariantCulture, out var d) ? d : 10;
            _books[_message.Symbol] = book = new Book(new L2Book(Unnamed, depth));
        }

        book.ChannelId = channelId ?? book.ChannelId;
        book.Channel = channelName ?? book.Channel;
        ApplyLevels(book);
    }

    private void ApplyOkx(ReadOnlySpan<byte> payload)
    {
        try
        {
            if (!OkxBookSync.TryParse(payload, _message))
            {
                return;
            }
        }
        catch (FormatException)
        {
            return; // a malformed recorded frame must not end the stream
        }

        ReadExtras(payload, extraIndex: 3, kraken: false, out _, out var channelName);
        if (!_books.TryGetValue(_message.Symbol, out var book))
        {
            if (!_message.IsSnapshot)
            {
                return;
            }

            _books[_message.Symbol] = book = new Book(new L2Book(Unnamed));
        }

        book.Channel = channelName ?? book.Channel;
        ApplyLevels(book);
        book.Levels.Sequence = _message.Sequence ?? book.Levels.Sequence;
        book.Levels.TimeMs = _message.TimeMs ?? book.Levels.TimeMs;
    }

    private void ApplyBinance(ReadOnlySpan<byte> payload)
    {
        try
        {
            if (!BinanceBookSync.TryParseUpdate(payload, _message))
            {
                return;
            }
        }
        catch (FormatException)
        {
            return; // a malformed recorded frame must not end the stream
        }

        if (!_books.TryGetValue(_message.Symbol, out var book) || _message.Sequence is not { } last)
        {
            return;
        }

        // Binance's rule for a snapshot's book: an event with u <= lastUpdateId is already in it.
        if (book.Levels.Sequence is { } id && last <= id)
        {
            return;
        }

        book.Levels.ApplyDelta(_message.Bids, _message.Asks);
        book.Levels.Sequence = last;
        book.Levels.TimeMs = _message.TimeMs ?? book.Levels.TimeMs;
        book.Advanced = true;
    }

    private void ApplyLevels(Book book)
    {
        var levels = book.Levels;
        if (_message.IsSnapshot)
        {
            levels.ApplySnapshot(_message.Bids, _message.Asks);
            book.BidExtras.Clear();
            book.AskExtras.Clear();
        }
        else
        {
            levels.ApplyDelta(_message.Bids, _message.Asks);
        }

        KeepExtras(book.BidExtras, _message.Bids, _bidExtras, levels.Bids);
        KeepExtras(book.AskExtras, _message.Asks, _askExtras, levels.Asks);
    }

    // The level's text after price and size (Kraken's timestamp, OKX's order count), by price; pruned to
    // the book's levels when levels beyond the kept depth have left too many behind.
    private static void KeepExtras(Dictionary<decimal, string> extras, List<LevelChange> changes, List<string?> texts, IReadOnlyList<BookEntry> side)
    {
        for (var i = 0; i < changes.Count; i++)
        {
            if (changes[i].Size == 0)
            {
                extras.Remove(changes[i].Price);
            }
            else if (i < texts.Count && texts[i] is { } text)
            {
                extras[changes[i].Price] = text;
            }
        }

        if (extras.Count > (2 * side.Count) + 64)
        {
            var kept = new Dictionary<decimal, string>(side.Count);
            foreach (var level in side)
            {
                if (extras.TryGetValue(level.Price, out var text))
                {
                    kept[level.Price] = text;
                }
            }

            extras.Clear();
            foreach (var (price, text) in kept)
            {
                extras[price] = text;
            }
        }
    }

    /// <summary>
    /// Reads, in frame order, each level's item at <paramref name="extraIndex"/> (as text) into the extras lists,
    /// and for Kraken the channel id (the frame's first item) and name (<c>book-N</c>); for OKX the <c>arg.channel</c>.
    /// </summary>
    private void ReadExtras(ReadOnlySpan<byte> payload, int extraIndex, bool kraken, out long? channelId, out string? channelName)
    {
        _bidExtras.Clear();
        _askExtras.Clear();
        channelId = null;
        channelName = null;
        var reader = new Utf8JsonReader(payload);
        var depth = 0;
        List<string?>? side = null;
        var sideDepth = -1;
        var item = -1;
        string? lastProperty = null;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartArray:
                    depth++;
                    if (side is not null && depth == sideDepth + 1)
                    {
                        item = 0;
                    }
                    else if (side is null && lastProperty is not null)
                    {
                        side = lastProperty switch
                        {
                            "as" or "a" or "asks" => _askExtras,
                            "bs" or "b" or "bids" => _bidExtras,
                            _ => null,
                        };
                        sideDepth = depth;
                    }

                    lastProperty = null;
                    continue;
                case JsonTokenType.EndArray:
                    if (side is not null && depth == sideDepth + 1)
                    {
                        if (item <= extraIndex)
                        {
                            side.Add(null);
                        }

                        item = -1;
                    }
                    else if (side is not null && depth == sideDepth)
                    {
                        side = null;
                    }

                    depth--;
                    continue;
                case JsonTokenType.StartObject:
                    depth++;
                    lastProperty = null;
                    continue;
                case JsonTokenType.EndObject:
                    depth--;
                    continue;
                case JsonTokenType.PropertyName:
                    lastProperty = reader.GetString();
                    continue;
            }

            // A value.
            if (side is not null && depth == sideDepth + 1 && item >= 0)
            {
                if (item == extraIndex)
                {
                    side.Add(reader.TokenType == JsonTokenType.String ? reader.GetString() : System.Text.Encoding.UTF8.GetString(reader.ValueSpan));
                }

                item++;
            }
            else if (kraken && depth == 1 && reader.TokenType == JsonTokenType.Number && channelId is null && reader.TryGetInt64(out var id))
            {
                channelId = id;
            }
            else if (kraken && depth == 1 && reader.TokenType == JsonTokenType.String && channelName is null)
            {
                channelName = reader.GetString();
            }
            else if (!kraken && lastProperty == "channel" && channelName is null)
            {
                channelName = reader.GetString();
            }

            lastProperty = null;
        }
    }

    private List<byte[]> AnswerKraken(JsonElement root)
    {
        var answers = new List<byte[]>();
        if (!root.TryGetProperty("event", out var kind) || kind.ValueKind != JsonValueKind.String
            || !root.TryGetProperty("subscription", out var subscription) || subscription.ValueKind != JsonValueKind.Object
            || !subscription.TryGetProperty("name", out var name) || !name.ValueEquals("book")
            || !root.TryGetProperty("pair", out var pairs) || pairs.ValueKind != JsonValueKind.Array)
        {
            return answers;
        }

        var subscribe = kind.ValueEquals("subscribe");
        if (!subscribe && !kind.ValueEquals("unsubscribe"))
        {
            return answers;
        }

        long? reqid = root.TryGetProperty("reqid", out var r) && r.TryGetInt64(out var id) ? id : null;
        var requestedDepth = subscription.TryGetProperty("depth", out var d) && d.TryGetInt32(out var depthValue) ? depthValue : 10;
        foreach (var pairElement in pairs.EnumerateArray())
        {
            if (pairElement.ValueKind != JsonValueKind.String)
            {
                continue;
            }

            var pair = pairElement.GetString()!;
            _books.TryGetValue(pair, out var book);
            if (book is null && !Recorded(pair))
            {
                answers.Add(Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("errorMessage", $"Currency pair not supported {pair}");
                    w.WriteString("event", "subscriptionStatus");
                    WriteReqid(w, reqid);
                    w.WriteString("pair", pair);
                    w.WriteString("status", "error");
                    w.WriteStartObject("subscription");
                    w.WriteNumber("depth", requestedDepth);
                    w.WriteString("name", "book");
                    w.WriteEndObject();
                    w.WriteEndObject();
                }));
                continue;
            }

            var channel = book?.Channel ?? $"book-{requestedDepth}";
            var depth = book?.Levels.Depth ?? requestedDepth;
            answers.Add(Write(w =>
            {
                w.WriteStartObject();
                if (book?.ChannelId is { } channelId)
                {
                    w.WriteNumber("channelID", channelId);
                }

                w.WriteString("channelName", channel);
                w.WriteString("event", "subscriptionStatus");
                WriteReqid(w, reqid);
                w.WriteString("pair", pair);
                w.WriteString("status", subscribe ? "subscribed" : "unsubscribed");
                w.WriteStartObject("subscription");
                w.WriteNumber("depth", depth);
                w.WriteString("name", "book");
                w.WriteEndObject();
                w.WriteEndObject();
            }));
            if (subscribe && book is not null && book.Levels.IsSynced)
            {
                answers.Add(Write(w =>
                {
                    w.WriteStartArray();
                    w.WriteNumberValue(book.ChannelId ?? 0);
                    w.WriteStartObject();
                    w.WriteStartArray("as");
                    WriteLevels(w, book.Levels.Asks, book.AskExtras, book.Levels.TimeMs);
                    w.WriteEndArray();
                    w.WriteStartArray("bs");
                    WriteLevels(w, book.Levels.Bids, book.BidExtras, book.Levels.TimeMs);
                    w.WriteEndArray();
                    w.WriteEndObject();
                    w.WriteStringValue(channel);
                    w.WriteStringValue(pair);
                    w.WriteEndArray();
                }));
            }
        }

        return answers;
    }

    private List<byte[]> AnswerOkx(JsonElement root)
    {
        var answers = new List<byte[]>();
        if (!TrySubscription(root, out var subscribe, out var args))
        {
            return answers;
        }

        foreach (var arg in args.EnumerateArray())
        {
            if (arg.ValueKind != JsonValueKind.Object
                || !arg.TryGetProperty("channel", out var channelElement) || channelElement.ValueKind != JsonValueKind.String
                || !arg.TryGetProperty("instId", out var instElement) || instElement.ValueKind != JsonValueKind.String)
            {
                continue;
            }

            var channel = channelElement.GetString()!;
            var instId = instElement.GetString()!;
            if (!channel.StartsWith("books", StringComparison.Ordinal))
            {
                continue; // not a book: ignored as before
            }

            _books.TryGetValue(instId, out var book);
            if ((book is not null && book.Channel is { } recordedChannel && recordedChannel != channel) || (book is null && !Recorded(instId)))
            {
                answers.Add(Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("event", "error");
                    w.WriteString("code", "60018");
                    w.WriteString("msg", $"Wrong URL or channel:{channel},instId:{instId} doesn't exist.");
                    w.WriteEndObject();
                }));
                continue;
            }

            answers.Add(Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("event", subscribe ? "subscribe" : "unsubscribe");
                w.WriteStartObject("arg");
                w.WriteString("channel", channel);
                w.WriteString("instId", instId);
                w.WriteEndObject();
                w.WriteEndObject();
            }));
            if (subscribe && book is not null && book.Levels.IsSynced)
            {
                var levels = book.Levels;
                answers.Add(Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteStartObject("arg");
                    w.WriteString("channel", channel);
                    w.WriteString("instId", instId);
                    w.WriteEndObject();
                    w.WriteString("action", "snapshot");
                    w.WriteStartArray("data");
                    w.WriteStartObject();
                    w.WriteStartArray("asks");
                    WriteOkxLevels(w, levels.Asks, book.AskExtras);
                    w.WriteEndArray();
                    w.WriteStartArray("bids");
                    WriteOkxLevels(w, levels.Bids, book.BidExtras);
                    w.WriteEndArray();
                    if (levels.TimeMs is { } time)
                    {
                        w.WriteString("ts", time.ToString(CultureInfo.InvariantCulture));
                    }

                    w.WriteNumber("checksum", OkxBookSync.Checksum(levels));
                    if (levels.Sequence is { } sequence)
                    {
                        w.WriteNumber("prevSeqId", -1);
                        w.WriteNumber("seqId", sequence);
                    }

                    w.WriteEndObject();
                    w.WriteEndArray();
                    w.WriteEndObject();
                }));
            }
        }

        return answers;
    }

    /// <summary>Whether the stream's recording has a book of <paramref name="symbol"/> (read once per recording).</summary>
    private bool Recorded(string symbol)
    {
        if (_recording is null)
        {
            return false;
        }

        var kind = _kind;
        var symbols = RecordedSymbols.GetValue(_recording, recording =>
        {
            var found = new HashSet<string>(StringComparer.Ordinal);
            var message = new BookMessage();
            foreach (var payload in recording.Payloads)
            {
                var isBook = false;
                try
                {
                    isBook = kind == Kind.Kraken
                        ? payload.AsSpan().IndexOf("\"book-"u8) >= 0 && KrakenBookSync.TryParse(payload, message, out _)
                        : payload.AsSpan().IndexOf("\"books"u8) >= 0 && OkxBookSync.TryParse(payload, message);
                }
                catch (FormatException)
                {
                    // A malformed recorded frame names no book.
                }

                if (isBook)
                {
                    found.Add(message.Symbol);
                }
            }

            return found;
        });
        return symbols.Contains(symbol);
    }

    private static void WriteReqid(Utf8JsonWriter w, long? reqid)
    {
        if (reqid is { } value)
        {
            w.WriteNumber("reqid", value);
        }
    }

    private static void WriteLevels(Utf8JsonWriter w, IReadOnlyList<BookEntry> side, Dictionary<decimal, string> extras, long? fallbackTime)
    {
        foreach (var level in side)
        {
            w.WriteStartArray();
            w.WriteStringValue(level.PriceText);
            w.WriteStringValue(level.SizeText);
            w.WriteStringValue(extras.TryGetValue(level.Price, out var time) ? time : (fallbackTime ?? 0).ToString(CultureInfo.InvariantCulture));
            w.WriteEndArray();
        }
    }

    private static void WriteOkxLevels(Utf8JsonWriter w, IReadOnlyList<BookEntry> side, Dictionary<decimal, string> extras)
    {
        foreach (var level in side)
        {
            w.WriteStartArray();
            w.WriteStringValue(level.PriceText);
            w.WriteStringValue(level.SizeText);
            w.WriteStringValue("0");
            w.WriteStringValue(extras.TryGetValue(level.Price, out var orders) ? orders : "1");
            w.WriteEndArray();
        }
    }

    private static void WritePairs(Utf8JsonWriter w, IReadOnlyList<BookEntry> side, int limit)
    {
        for (var i = 0; i < Math.Min(limit, side.Count); i++)
        {
            w.WriteStartArray();
            w.WriteStringValue(side[i].PriceText);
            w.WriteStringValue(side[i].SizeText);
            w.WriteEndArray();
        }
    }

    private static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>One book and what the venue's frames carry beyond price and size.</summary>
    private sealed class Book(L2Book levels)
    {
        public L2Book Levels { get; } = levels;

        /// <summary>Kraken: the channel id of the book's frames.</summary>
        public long? ChannelId { get; set; }

        /// <summary>Kraken <c>book-N</c>; OKX <c>books</c>, <c>books5</c>...</summary>
        public string? Channel { get; set; }

        /// <summary>Binance: an update past the recorded snapshot has been applied.</summary>
        public bool Advanced { get; set; }

        public Dictionary<decimal, string> BidExtras { get; } = [];

        public Dictionary<decimal, string> AskExtras { get; } = [];
    }

    /// <summary>Reads one Bitstamp diff frame through the venue's own parser into the reusable message (trades are ignored).</summary>
    private sealed class BitstampDiffSink(BookMessage message) : IStreamSink
    {
        public BookMessage Book => message;

        public bool Applied { get; private set; }

        public bool TryResolve(string streamSymbol, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Instrument? instrument)
        {
            instrument = Unnamed;
            return true;
        }

        public StreamProvenance Provenance(long? exchangeTimeMs, long? sequence) => new("bitstamp", "replay", 0, DateTimeOffset.UnixEpoch, exchangeTimeMs, sequence);

        public void Publish(StreamEvent streamEvent)
        {
        }

        public void ApplyBook(Instrument instrument) => Applied = true;
    }
}

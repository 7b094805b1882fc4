using System.Globalization;
using System.Text.Json;
using CryptoRun.Domain;

namespace CryptoRun.Snapshots;

/// <summary>
/// The JSON of snapshot data and metadata files (format version 1). Decimals are written as JSON strings in their
/// invariant text, which keeps their scale ("0.35210000" stays eight places); readers ignore fields they do not know.
/// </summary>
internal static class SnapshotJson
{
    internal const int FormatVersion = 1;

    internal static string KindText(SnapshotKind kind) => kind == SnapshotKind.Book ? "book" : "ticker";

    internal static bool TryParseKind(string? text, out SnapshotKind kind)
    {
        kind = text == "ticker" ? SnapshotKind.Ticker : SnapshotKind.Book;
        return text is "book" or "ticker";
    }

    internal static byte[] Data(SnapshotMetadata meta, L2BookSnapshot? book, TickerSnapshot? ticker)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            WriteHeader(w, meta);
            if (book is not null)
            {
                w.WriteStartObject("book");
                WriteNumber(w, "sequence", book.Sequence);
                WriteNumber(w, "timeMs", book.TimeMs);
                WriteLevels(w, "bids", book.Bids);
                WriteLevels(w, "asks", book.Asks);
                w.WriteEndObject();
            }

            if (ticker is not null)
            {
                w.WriteStartObject("ticker");
                WriteDecimal(w, "bidPrice", ticker.BidPrice);
                WriteDecimal(w, "bidSize", ticker.BidSize);
                WriteDecimal(w, "askPrice", ticker.AskPrice);
                WriteDecimal(w, "askSize", ticker.AskSize);
                WriteDecimal(w, "lastPrice", ticker.LastPrice);
                WriteDecimal(w, "volume24h", ticker.Volume24h);
                WriteNumber(w, "timeMs", ticker.TimeMs);
                WriteNumber(w, "sequence", ticker.Sequence);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    internal static byte[] Metadata(SnapshotMetadata meta)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            WriteHeader(w, meta);
            w.WriteNumber("recordCount", meta.RecordCount);
            w.WriteNumber("compressedBytes", meta.CompressedBytes);
            w.WriteNumber("uncompressedBytes", meta.UncompressedBytes);
            w.WriteString("sha256", meta.Sha256);
            w.WriteString("dataFile", meta.DataFile);
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Reads a metadata file's JSON.</summary>
    /// <exception cref="FormatException">A required field is missing or malformed; the message names it.</exception>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    internal static SnapshotMetadata ReadMetadata(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        using var doc = JsonDocument.ParseValue(ref reader);
        var root = doc.RootElement;
        var (id, kind, venue, instrument, takenAt) = ReadHeader(root);
        var provenance = Required(root, "provenance");
        return new SnapshotMetadata(
            id,
            kind,
            venue,
            instrument,
            takenAt,
            Required(root, "recordCount").GetInt32(),
            Required(root, "compressedBytes").GetInt64(),
            Required(root, "uncompressedBytes").GetInt64(),
            RequiredString(root, "sha256"),
            ReadProvenance(provenance),
            OptionalString(provenance, "connection"),
            OptionalLong(provenance, "sequence"),
            Required(root, "formatVersion").GetInt32(),
            RequiredString(root, "dataFile"));
    }

    /// <summary>Reads a data file's JSON and checks it is the snapshot its metadata describes.</summary>
    /// <exception cref="FormatException">A field is missing or malformed, or the header differs from the metadata; the message names it.</exception>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    internal static PitSnapshot ReadData(ReadOnlySpan<byte> json, SnapshotMetadata meta)
    {
        var reader = new Utf8JsonReader(json);
        using var doc = JsonDocument.ParseValue(ref reader);
        var root = doc.RootElement;
        var (id, kind, venue, instrument, takenAt) = ReadHeader(root);
        if (id != meta.Id || kind != meta.Kind || venue != meta.Venue || instrument != meta.Instrument || takenAt != meta.TakenAt)
        {
            throw new FormatException(
                $"data header ({id}, {KindText(kind)}, {venue}, {instrument}, {takenAt:O}) differs from its metadata " +
                $"({meta.Id}, {KindText(meta.Kind)}, {meta.Venue}, {meta.Instrument}, {meta.TakenAt:O})");
        }

        if (kind == SnapshotKind.Book)
        {
            var book = Required(root, "book");
            return new BookPitSnapshot(meta, new L2BookSnapshot(
                instrument,
                OptionalLong(book, "sequence"),
                OptionalLong(book, "timeMs"),
                ReadLevels(book, "bids"),
                ReadLevels(book, "asks")));
        }

        var t = Required(root, "ticker");
        return new TickerPitSnapshot(meta, new TickerSnapshot(
            instrument,
            OptionalDecimal(t, "bidPrice"),
            OptionalDecimal(t, "bidSize"),
            OptionalDecimal(t, "askPrice"),
            OptionalDecimal(t, "askSize"),
            OptionalDecimal(t, "lastPrice"),
            OptionalDecimal(t, "volume24h"),
            OptionalLong(t, "timeMs"),
            OptionalLong(t, "sequence")));
    }

    private static void WriteHeader(Utf8JsonWriter w, SnapshotMetadata meta)
    {
        w.WriteNumber("formatVersion", meta.FormatVersion);
        w.WriteString("id", meta.Id);
        w.WriteString("kind", KindText(meta.Kind));
        w.WriteString("venue", meta.Venue);
        w.WriteString("instrument", meta.Instrument.Symbol);
        w.WriteNumber("takenAtMs", meta.TakenAt.ToUnixTimeMilliseconds());
        w.WriteString("takenAt", meta.TakenAt.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        var p = meta.Provenance;
        w.WriteStartObject("provenance");
        w.WriteString("provider", p.Provider);
        w.WriteString("endpoint", p.Endpoint);
        if (p.Window is { } window)
        {
            w.WriteNumber("windowFromMs", window.FromMs);
            w.WriteNumber("windowToMs", window.ToMs);
        }

        w.WriteNumber("latencyMs", p.LatencyMs);
        w.WriteNumber("fetchedAtMs", p.FetchedAt.ToUnixTimeMilliseconds());
        w.WriteString("fetchedAt", p.FetchedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        w.WriteString("status", p.Status.ToText());
        if (p.Error is not null)
        {
            w.WriteString("error", p.Error);
        }

        if (meta.Connection is not null)
        {
            w.WriteString("connection", meta.Connection);
        }

        WriteNumber(w, "sequence", meta.Sequence);
        w.WriteEndObject();
    }

    private static (string Id, SnapshotKind Kind, string Venue, Instrument Instrument, DateTimeOffset TakenAt) ReadHeader(JsonElement root)
    {
        var kindText = RequiredString(root, "kind");
        if (!TryParseKind(kindText, out var kind))
        {
            throw new FormatException($"kind '{kindText}' is neither book nor ticker");
        }

        return (
            RequiredString(root, "id"),
            kind,
            RequiredString(root, "venue"),
            Instrument.Parse(RequiredString(root, "instrument")),
            DateTimeOffset.FromUnixTimeMilliseconds(Required(root, "takenAtMs").GetInt64()));
    }

    private static Provenance ReadProvenance(JsonElement p)
    {
        var from = OptionalLong(p, "windowFromMs");
        var to = OptionalLong(p, "windowToMs");
        return new Provenance(
            RequiredString(p, "provider"),
            RequiredString(p, "endpoint"),
            from is not null && to is not null ? new TimeRange(from.Value, to.Value) : null,
            OptionalLong(p, "latencyMs") ?? 0,
            DateTimeOffset.FromUnixTimeMilliseconds(Required(p, "fetchedAtMs").GetInt64()),
            FetchStatusText.Parse(RequiredString(p, "status")),
            OptionalString(p, "error"));
    }

    private static void WriteLevels(Utf8JsonWriter w, string name, IReadOnlyList<BookLevel> levels)
    {
        w.WriteStartArray(name);
        foreach (var level in levels)
        {
            w.WriteStartArray();
            w.WriteStringValue(level.Price.ToString(CultureInfo.InvariantCulture));
            w.WriteStringValue(level.Size.ToString(CultureInfo.InvariantCulture));
            if (level.OrderCount is { } count)
            {
                w.WriteNumberValue(count);
            }

            w.WriteEndArray();
        }

        w.WriteEndArray();
    }

    private static List<BookLevel> ReadLevels(JsonElement book, string name)
    {
        var array = Required(book, name);
        var levels = new List<BookLevel>(array.GetArrayLength());
        var i = 0;
        foreach (var level in array.EnumerateArray())
        {
            if (level.ValueKind != JsonValueKind.Array || level.GetArrayLength() < 2)
            {
                throw new FormatException($"{name}[{i}] is not [price, size]");
            }

            int? count = level.GetArrayLength() > 2 && level[2].ValueKind == JsonValueKind.Number ? level[2].GetInt32() : null;
            levels.Add(new BookLevel(ParseDecimal(level[0], $"{name}[{i}] price"), ParseDecimal(level[1], $"{name}[{i}] size"), count));
            i++;
        }

        return levels;
    }

    private static void WriteDecimal(Utf8JsonWriter w, string name, decimal? value)
    {
        if (value is { } v)
        {
            w.WriteString(name, v.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static void WriteNumber(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
    }

    private static decimal? OptionalDecimal(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? ParseDecimal(v, name) : null;

    private static decimal ParseDecimal(JsonElement e, string what) =>
        e.ValueKind == JsonValueKind.String
            ? DecimalText.Parse(System.Text.Encoding.UTF8.GetBytes(e.GetString()!), what)
            : throw new FormatException($"{what}: expected a decimal string, found {e.ValueKind}");

    private static long? OptionalLong(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;

    private static string? OptionalString(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static JsonElement Required(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
            ? v
            : throw new FormatException($"field '{name}' is missing");

    private static string RequiredString(JsonElement e, string name)
    {
        var v = Required(e, name);
        return v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new FormatException($"field '{name}' is not a string");
    }
}

using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using CryptoRun.Domain;

namespace CryptoRun.Snapshots;

/// <summary>
/// The cold tier's point-in-time store (seed 001 section 4): immutable, gzip-compressed JSON snapshots of L2 books and
/// tickers on the file system, one file per snapshot, each with a metadata file carrying its SHA-256, sizes, record
/// count and provenance, so a reader can ask "what did we know at time T" and never get a damaged answer.
/// </summary>
/// <remarks>
/// <para>Layout, per series (venue and instrument): data files at
/// <c>{root}/{venue}/{symbol-slug}/{yyyy-MM-dd}/{yyyyMMdd_HHmmss_fff}_{kind}_{id}.json.gz</c> (UTC taken-at, kind
/// <c>book</c> or <c>ticker</c>, slug <c>btc-usdt</c>, perpetuals <c>btc-usdt-usdt</c>) and metadata at
/// <c>{root}/{venue}/{symbol-slug}/metadata/{id}.meta.json</c>.</para>
/// <para>Writes are atomic: each file is written to a <c>.tmp</c> file in its own folder, flushed to disk, then renamed;
/// the data file first, its metadata second. Readers never see a partial file, and ignore <c>.tmp</c> files a crash left
/// behind (<see cref="CleanupAsync"/> removes them once older than the retention). A crash between the two renames leaves a
/// data file without metadata: reading it throws <see cref="SnapshotIntegrityException"/> rather than trusting it.
/// An existing id is never overwritten. The folder itself is not fsynced after a rename (no portable .NET API).</para>
/// <para>Thread-safe: any number of writers and readers, in one process or several, as long as ids are unique per series.</para>
/// </remarks>
public sealed class PointInTimeStore
{
    private const string StampFormat = "yyyyMMdd_HHmmss_fff";
    private const string DateFormat = "yyyy-MM-dd";
    private const string MetadataFolder = "metadata";
    private readonly string _root;
    private readonly TimeSpan _retention;
    private readonly TimeProvider _clock;

    /// <summary>Creates a store over a folder (created when missing).</summary>
    /// <param name="options">Root, retention and clock.</param>
    /// <exception cref="ArgumentException">The root is empty or the retention is not positive.</exception>
    public PointInTimeStore(PointInTimeStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.Root))
        {
            throw new ArgumentException("PointInTimeStoreOptions.Root is empty", nameof(options));
        }

        if (options.Retention <= TimeSpan.Zero)
        {
            throw new ArgumentException($"PointInTimeStoreOptions.Retention {options.Retention} is not positive", nameof(options));
        }

        _root = Path.GetFullPath(options.Root);
        _retention = options.Retention;
        _clock = options.TimeProvider ?? TimeProvider.System;
        Directory.CreateDirectory(_root);
    }

    /// <summary>The root folder (full path).</summary>
    public string Root => _root;

    /// <summary>The folder name of an instrument: the unified symbol lower-cased with '/' and ':' as '-' (<c>BTC/USDT</c> → <c>btc-usdt</c>, <c>BTC/USDT:USDT</c> → <c>btc-usdt-usdt</c>).</summary>
    /// <param name="instrument">The instrument.</param>
    /// <returns>The slug; unambiguous, since asset codes hold only letters and digits.</returns>
    public static string SymbolSlug(Instrument instrument)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        return instrument.Symbol.Replace('/', '-').Replace(':', '-').ToLowerInvariant();
    }

    /// <summary>Stores an L2 book snapshot.</summary>
    /// <param name="venue">The venue name (<c>binance</c>); letters, digits, '-' and '_', stored lower-case.</param>
    /// <param name="book">The book (sequence, venue time, bids and asks best first).</param>
    /// <param name="provenance">Where it came from, for example Binance <c>GET /api/v3/depth</c>.</param>
    /// <param name="connection">The stream connection that delivered it, when it came from a stream.</param>
    /// <param name="takenAt">When it was taken (UTC; kept to the millisecond); <see langword="null"/> means <paramref name="provenance"/>'s fetched-at.</param>
    /// <param name="id">The id to store it under, unique within the series; <see langword="null"/> generates 16 random hex digits.</param>
    /// <param name="cancellationToken">Cancels the write; a cancelled write leaves at most a <c>.tmp</c> file.</param>
    /// <returns>The metadata as written.</returns>
    /// <exception cref="ArgumentException">The venue or id has characters outside the allowed set.</exception>
    /// <exception cref="InvalidOperationException">A snapshot with this id already exists in the series; nothing is overwritten.</exception>
    public Task<SnapshotMetadata> WriteBookAsync(
        string venue,
        L2BookSnapshot book,
        Provenance provenance,
        string? connection = null,
        DateTimeOffset? takenAt = null,
        string? id = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(book);
        return WriteAsync(SnapshotKind.Book, venue, book.Instrument, book, null, provenance, connection, book.Sequence, book.Bids.Count + book.Asks.Count, takenAt, id, cancellationToken);
    }

    /// <summary>Stores a ticker snapshot.</summary>
    /// <param name="venue">The venue name (<c>binance</c>); letters, digits, '-' and '_', stored lower-case.</param>
    /// <param name="ticker">The ticker.</param>
    /// <param name="provenance">Where it came from, for example Binance <c>bookTicker</c> stream or <c>GET /api/v3/ticker/24hr</c>.</param>
    /// <param name="connection">The stream connection that delivered it, when it came from a stream.</param>
    /// <param name="takenAt">When it was taken (UTC; kept to the millisecond); <see langword="null"/> means <paramref name="provenance"/>'s fetched-at.</param>
    /// <param name="id">The id to store it under, unique within the series; <see langword="null"/> generates 16 random hex digits.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The metadata as written.</returns>
    /// <exception cref="ArgumentException">The venue or id has characters outside the allowed set.</exception>
    /// <exception cref="InvalidOperationException">A snapshot with this id already exists in the series; nothing is overwritten.</exception>
    public Task<SnapshotMetadata> WriteTickerAsync(
        string venue,
        TickerSnapshot ticker,
        Provenance provenance,
        string? connection = null,
        DateTimeOffset? takenAt = null,
        string? id = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ticker);
        return WriteAsync(SnapshotKind.Ticker, venue, ticker.Instrument, null, ticker, provenance, connection, ticker.Sequence, 1, takenAt, id, cancellationToken);
    }

    /// <summary>
    /// The latest snapshot of a kind taken at or before <paramref name="asOf"/>, verified. Looks at date folders newest
    /// first, starting at <paramref name="asOf"/>'s date, and stops at the first that has one: no scan of the whole series.
    /// </summary>
    /// <param name="kind">Book or ticker.</param>
    /// <param name="venue">The venue name.</param>
    /// <param name="instrument">The instrument.</param>
    /// <param name="asOf">The point in time (compared to the millisecond, inclusive).</param>
    /// <param name="snapshot">The snapshot, when one exists: a <see cref="BookPitSnapshot"/> or <see cref="TickerPitSnapshot"/>.</param>
    /// <returns><see langword="false"/> when no snapshot of the series was taken at or before <paramref name="asOf"/>.</returns>
    /// <exception cref="SnapshotIntegrityException">The chosen snapshot's metadata is missing or unreadable, or its data file's size, SHA-256, gzip or JSON is wrong; the message names the file.</exception>
    public bool TryReadAsOf(SnapshotKind kind, string venue, Instrument instrument, DateTimeOffset asOf, [NotNullWhen(true)] out PitSnapshot? snapshot)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        snapshot = null;
        var series = SeriesFolder(venue, instrument);
        if (!Directory.Exists(series))
        {
            return false;
        }

        var asOfMs = asOf.ToUnixTimeMilliseconds();
        var asOfDate = DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(asOfMs).UtcDateTime);
        foreach (var (date, folder) in DateFolders(series).Where(d => d.Date <= asOfDate).OrderByDescending(d => d.Date))
        {
            DataName? best = null;
            foreach (var name in DataFiles(folder))
            {
                if (name.Kind == kind && name.TakenMs <= asOfMs && (best is null || Later(name, best.Value)))
                {
                    best = name;
                }
            }

            if (best is not null)
            {
                snapshot = ReadVerified(series, best.Value);
                return true;
            }
        }

        return false;
    }

    /// <summary>Typed form of <see cref="TryReadAsOf"/> for books.</summary>
    /// <param name="venue">The venue name.</param>
    /// <param name="instrument">The instrument.</param>
    /// <param name="asOf">The point in time (inclusive).</param>
    /// <param name="snapshot">The book snapshot, when one exists.</param>
    /// <returns><see langword="false"/> when none was taken at or before <paramref name="asOf"/>.</returns>
    /// <exception cref="SnapshotIntegrityException">The chosen snapshot failed its checks.</exception>
    public bool TryReadBookAsOf(string venue, Instrument instrument, DateTimeOffset asOf, [NotNullWhen(true)] out BookPitSnapshot? snapshot)
    {
        snapshot = TryReadAsOf(SnapshotKind.Book, venue, instrument, asOf, out var any) ? (BookPitSnapshot)any : null;
        return snapshot is not null;
    }

    /// <summary>Typed form of <see cref="TryReadAsOf"/> for tickers.</summary>
    /// <param name="venue">The venue name.</param>
    /// <param name="instrument">The instrument.</param>
    /// <param name="asOf">The point in time (inclusive).</param>
    /// <param name="snapshot">The ticker snapshot, when one exists.</param>
    /// <returns><see langword="false"/> when none was taken at or before <paramref name="asOf"/>.</returns>
    /// <exception cref="SnapshotIntegrityException">The chosen snapshot failed its checks.</exception>
    public bool TryReadTickerAsOf(string venue, Instrument instrument, DateTimeOffset asOf, [NotNullWhen(true)] out TickerPitSnapshot? snapshot)
    {
        snapshot = TryReadAsOf(SnapshotKind.Ticker, venue, instrument, asOf, out var any) ? (TickerPitSnapshot)any : null;
        return snapshot is not null;
    }

    /// <summary>The metadata of a series' snapshots of one kind taken in <paramref name="range"/>, oldest first. Data files are not opened; use <see cref="Read"/> for each to get verified content.</summary>
    /// <param name="kind">Book or ticker.</param>
    /// <param name="venue">The venue name.</param>
    /// <param name="instrument">The instrument.</param>
    /// <param name="range">Half-open UTC range <c>[From, To)</c> of taken-at times.</param>
    /// <returns>The metadata records; empty when the series has none in range.</returns>
    /// <exception cref="SnapshotIntegrityException">A data file in range has no (readable) metadata file.</exception>
    public IReadOnlyList<SnapshotMetadata> List(SnapshotKind kind, string venue, Instrument instrument, TimeRange range)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        var series = SeriesFolder(venue, instrument);
        if (!Directory.Exists(series) || range.ToMs <= range.FromMs)
        {
            return [];
        }

        var first = DateOnly.FromDateTime(range.From.UtcDateTime);
        var last = DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(range.ToMs - 1).UtcDateTime);
        var names = DateFolders(series)
            .Where(d => d.Date >= first && d.Date <= last)
            .SelectMany(d => DataFiles(d.Folder))
            .Where(n => n.Kind == kind && n.TakenMs >= range.FromMs && n.TakenMs < range.ToMs)
            .OrderBy(n => n.TakenMs)
            .ThenBy(n => n.FileName, StringComparer.Ordinal);
        return names.Select(n => ReadMetadataFor(series, n)).ToList();
    }

    /// <summary>Reads and verifies the snapshot a metadata record describes (for example one from <see cref="List"/>).</summary>
    /// <param name="metadata">The metadata.</param>
    /// <returns>The verified snapshot.</returns>
    /// <exception cref="SnapshotIntegrityException">The data file is missing or fails its checks against the metadata file on disk.</exception>
    public PitSnapshot Read(SnapshotMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var series = SeriesFolder(metadata.Venue, metadata.Instrument);
        var path = Path.Combine(series, metadata.DataFile.Replace('/', Path.DirectorySeparatorChar));
        if (!TryParseDataName(Path.GetFileName(path), Path.GetDirectoryName(path)!, out var name))
        {
            throw new SnapshotIntegrityException(path, "is not a snapshot data file name");
        }

        return ReadVerified(series, name);
    }

    /// <summary>
    /// Deletes snapshots (data and metadata) taken before now minus the retention, leftover <c>.tmp</c> files of
    /// interrupted writes older than that, and date folders left empty. The newest snapshot of each series and kind is
    /// always kept, however old, so an as-of read at "now" still finds the last thing known about an instrument that
    /// stopped updating (it is counted in <see cref="PointInTimeCleanupResult.NewestKept"/>).
    /// </summary>
    /// <param name="cancellationToken">Stops between files; what was deleted stays deleted.</param>
    /// <returns>Counts of what was deleted.</returns>
    /// <remarks>Runs synchronously on the caller's thread (file deletes). A concurrent write of a snapshot already older than the retention may race the removal of its empty date folder.</remarks>
    public Task<PointInTimeCleanupResult> CleanupAsync(CancellationToken cancellationToken = default)
    {
        var cutoffMs = (_clock.GetUtcNow() - _retention).ToUnixTimeMilliseconds();
        int snapshots = 0, metadata = 0, temps = 0, folders = 0, kept = 0;
        foreach (var venueFolder in Directory.EnumerateDirectories(_root))
        {
            foreach (var series in Directory.EnumerateDirectories(venueFolder))
            {
                var dates = DateFolders(series).ToList();
                var all = dates.SelectMany(d => DataFiles(d.Folder)).ToList();
                var newest = all.GroupBy(n => n.Kind).Select(g => g.Aggregate((a, b) => Later(a, b) ? a : b)).ToHashSet();
                foreach (var name in all.Where(n => n.TakenMs < cutoffMs))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (newest.Contains(name))
                    {
                        kept++;
                        continue;
                    }

                    File.Delete(name.Path);
                    snapshots++;
                    var meta = MetadataPath(series, name.Id);
                    if (File.Exists(meta))
                    {
                        File.Delete(meta);
                        metadata++;
                    }
                }

                foreach (var folder in dates.Select(d => d.Folder).Append(Path.Combine(series, MetadataFolder)).Where(Directory.Exists))
                {
                    foreach (var temp in Directory.EnumerateFiles(folder, "*.tmp"))
                    {
                        var file = Path.GetFileName(temp);
                        if (file.Length >= StampFormat.Length && TryParseStamp(file[..StampFormat.Length], out var ms) && ms < cutoffMs)
                        {
                            File.Delete(temp);
                            temps++;
                        }
                    }
                }

                foreach (var (_, folder) in dates)
                {
                    if (!Directory.EnumerateFileSystemEntries(folder).Any())
                    {
                        Directory.Delete(folder);
                        folders++;
                    }
                }
            }
        }

        return Task.FromResult(new PointInTimeCleanupResult(snapshots, metadata, temps, folders, kept));
    }

    private async Task<SnapshotMetadata> WriteAsync(
        SnapshotKind kind,
        string venue,
        Instrument instrument,
        L2BookSnapshot? book,
        TickerSnapshot? ticker,
        Provenance provenance,
        string? connection,
        long? sequence,
        int recordCount,
        DateTimeOffset? takenAt,
        string? id,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(provenance);
        var venueName = VenueName(venue);
        id ??= Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        CheckId(id);
        var at = DateTimeOffset.FromUnixTimeMilliseconds((takenAt ?? provenance.FetchedAt).ToUnixTimeMilliseconds());
        var stamp = at.UtcDateTime.ToString(StampFormat, CultureInfo.InvariantCulture);
        var dateFolder = at.UtcDateTime.ToString(DateFormat, CultureInfo.InvariantCulture);
        var fileName = $"{stamp}_{SnapshotJson.KindText(kind)}_{id}.json.gz";
        var series = Path.Combine(_root, venueName, SymbolSlug(instrument));
        var metaPath = MetadataPath(series, id);
        if (File.Exists(metaPath))
        {
            throw new InvalidOperationException($"snapshot id '{id}' already exists in {series} ({metaPath}); snapshots are never overwritten");
        }

        var header = new SnapshotMetadata(
            id, kind, venueName, instrument, at, recordCount, 0, 0, "", provenance, connection, sequence,
            SnapshotJson.FormatVersion, $"{dateFolder}/{fileName}");
        var json = SnapshotJson.Data(header, book, ticker);
        var gz = Compress(json);
        var meta = header with
        {
            CompressedBytes = gz.Length,
            UncompressedBytes = json.Length,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(gz)),
        };

        var dataFolder = Path.Combine(series, dateFolder);
        Directory.CreateDirectory(dataFolder);
        Directory.CreateDirectory(Path.GetDirectoryName(metaPath)!);
        var dataPath = Path.Combine(dataFolder, fileName);
        await WriteAtomicAsync(dataPath, $"{fileName}.{Salt()}.tmp", gz, id, cancellationToken).ConfigureAwait(false);
        try
        {
            await WriteAtomicAsync(metaPath, $"{stamp}_{id}.{Salt()}.meta.tmp", SnapshotJson.Metadata(meta), id, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Without its metadata the data file would make every as-of read of its time throw: take it back.
            TryDelete(dataPath);
            throw;
        }

        return meta;
    }

    private static async Task WriteAtomicAsync(string path, string tempName, byte[] bytes, string id, CancellationToken cancellationToken)
    {
        var temp = Path.Combine(Path.GetDirectoryName(path)!, tempName);
        try
        {
            var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                await file.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: false);
        }
        catch (IOException e) when (File.Exists(path))
        {
            TryDelete(temp);
            throw new InvalidOperationException($"snapshot id '{id}' already exists ({path}); snapshots are never overwritten", e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The original failure matters more; a leftover .tmp is ignored by reads and removed by cleanup.
        }
    }

    private static PitSnapshot ReadVerified(string series, DataName name)
    {
        var meta = ReadMetadataFor(series, name);
        byte[] gz;
        try
        {
            gz = File.ReadAllBytes(name.Path);
        }
        catch (FileNotFoundException e)
        {
            throw new SnapshotIntegrityException(name.Path, "data file is missing", e);
        }

        if (gz.LongLength != meta.CompressedBytes)
        {
            throw new SnapshotIntegrityException(name.Path, $"size {gz.LongLength} bytes differs from its metadata's {meta.CompressedBytes} (truncated or altered)");
        }

        var sha = Convert.ToHexStringLower(SHA256.HashData(gz));
        if (!string.Equals(sha, meta.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new SnapshotIntegrityException(name.Path, $"SHA-256 {sha} differs from its metadata's {meta.Sha256} (corrupted or altered)");
        }

        byte[] json;
        try
        {
            json = Decompress(gz);
        }
        catch (InvalidDataException e)
        {
            throw new SnapshotIntegrityException(name.Path, $"gzip data is broken: {e.Message}", e);
        }

        if (json.LongLength != meta.UncompressedBytes)
        {
            throw new SnapshotIntegrityException(name.Path, $"uncompressed size {json.LongLength} bytes differs from its metadata's {meta.UncompressedBytes}");
        }

        try
        {
            return SnapshotJson.ReadData(json, meta);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw new SnapshotIntegrityException(name.Path, $"snapshot JSON is not readable: {e.Message}", e);
        }
    }

    private static SnapshotMetadata ReadMetadataFor(string series, DataName name)
    {
        var path = MetadataPath(series, name.Id);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new SnapshotIntegrityException(path, $"metadata file is missing for snapshot {name.Path}", e);
        }

        SnapshotMetadata meta;
        try
        {
            meta = SnapshotJson.ReadMetadata(bytes);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw new SnapshotIntegrityException(path, $"metadata is not readable: {e.Message}", e);
        }

        if (meta.Kind != name.Kind || meta.TakenAt.ToUnixTimeMilliseconds() != name.TakenMs || meta.Id != name.Id)
        {
            throw new SnapshotIntegrityException(path, $"metadata ({meta.Id}, {meta.TakenAt:O}) does not describe {name.Path}");
        }

        return meta;
    }

    private string SeriesFolder(string venue, Instrument instrument) => Path.Combine(_root, VenueName(venue), SymbolSlug(instrument));

    private static string MetadataPath(string series, string id) => Path.Combine(series, MetadataFolder, $"{id}.meta.json");

    private static string VenueName(string venue)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(venue);
        if (!venue.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ArgumentException($"venue '{venue}' has characters other than ASCII letters, digits, '-' and '_'", nameof(venue));
        }

        return venue.ToLowerInvariant();
    }

    private static void CheckId(string id)
    {
        if (id.Length is 0 or > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            throw new ArgumentException($"snapshot id '{id}' is not 1-64 ASCII letters, digits and '-'", nameof(id));
        }
    }

    private static string Salt() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    private static bool Later(DataName a, DataName b) =>
        a.TakenMs != b.TakenMs ? a.TakenMs > b.TakenMs : string.CompareOrdinal(a.FileName, b.FileName) > 0;

    private static IEnumerable<(DateOnly Date, string Folder)> DateFolders(string series)
    {
        foreach (var folder in Directory.EnumerateDirectories(series))
        {
            if (DateOnly.TryParseExact(Path.GetFileName(folder), DateFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                yield return (date, folder);
            }
        }
    }

    private static IEnumerable<DataName> DataFiles(string folder)
    {
        foreach (var path in Directory.EnumerateFiles(folder, "*.json.gz"))
        {
            if (TryParseDataName(Path.GetFileName(path), folder, out var name))
            {
                yield return name;
            }
        }
    }

    private static bool TryParseDataName(string file, string folder, out DataName name)
    {
        name = default;
        const string Suffix = ".json.gz";
        if (!file.EndsWith(Suffix, StringComparison.Ordinal) || file.Length <= StampFormat.Length + 1 ||
            !TryParseStamp(file[..StampFormat.Length], out var ms) || file[StampFormat.Length] != '_')
        {
            return false;
        }

        var rest = file[(StampFormat.Length + 1)..^Suffix.Length];
        var split = rest.IndexOf('_', StringComparison.Ordinal);
        if (split <= 0 || !SnapshotJson.TryParseKind(rest[..split], out var kind) || split == rest.Length - 1)
        {
            return false;
        }

        name = new DataName(Path.Combine(folder, file), file, ms, kind, rest[(split + 1)..]);
        return true;
    }

    private static bool TryParseStamp(string text, out long ms)
    {
        var ok = DateTime.TryParseExact(text, StampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at);
        ms = ok ? new DateTimeOffset(at, TimeSpan.Zero).ToUnixTimeMilliseconds() : 0;
        return ok;
    }

    private static byte[] Compress(byte[] json)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(json);
        }

        return buffer.ToArray();
    }

    private static byte[] Decompress(byte[] gz)
    {
        using var input = new MemoryStream(gz);
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }

    private readonly record struct DataName(string Path, string FileName, long TakenMs, SnapshotKind Kind, string Id);
}

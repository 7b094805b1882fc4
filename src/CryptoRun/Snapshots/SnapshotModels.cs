using CryptoRun.Domain;

namespace CryptoRun.Snapshots;

/// <summary>What a point-in-time snapshot holds; its text form (<c>book</c>, <c>ticker</c>) is part of the file name.</summary>
public enum SnapshotKind
{
    /// <summary>A full L2 order book (<see cref="L2BookSnapshot"/>), for example Binance <c>GET /api/v3/depth</c>.</summary>
    Book = 0,

    /// <summary>A ticker (<see cref="TickerSnapshot"/>): best bid/ask, last price, 24 h volume.</summary>
    Ticker = 1,
}

/// <summary>A ticker as the warm or hot tier saw it at one time; the fields of <c>CryptoRun.Streaming.TickerEvent</c> without the stream provenance.</summary>
/// <param name="Instrument">The instrument.</param>
/// <param name="BidPrice">Best bid price in quote units, venue-exact, when the source gives it.</param>
/// <param name="BidSize">Size at the best bid in base units (contracts on derivatives venues), when given.</param>
/// <param name="AskPrice">Best ask price in quote units, when given.</param>
/// <param name="AskSize">Size at the best ask, when given.</param>
/// <param name="LastPrice">Last trade price in quote units, when given.</param>
/// <param name="Volume24h">Traded amount over the last 24 h in base units, when given.</param>
/// <param name="TimeMs">The venue's time of the ticker, Unix epoch milliseconds, when given.</param>
/// <param name="Sequence">The venue's update id (Binance <c>bookTicker</c> <c>u</c>, OKX <c>seqId</c>), when given.</param>
public sealed record TickerSnapshot(
    Instrument Instrument,
    decimal? BidPrice,
    decimal? BidSize,
    decimal? AskPrice,
    decimal? AskSize,
    decimal? LastPrice,
    decimal? Volume24h,
    long? TimeMs = null,
    long? Sequence = null);

/// <summary>
/// The metadata file of one stored snapshot (<c>{root}/{venue}/{symbol-slug}/metadata/{id}.meta.json</c>): what the
/// data file holds and how to check it.
/// </summary>
/// <param name="Id">The snapshot id, unique within its series (venue and instrument): letters, digits and '-', 1-64 characters.</param>
/// <param name="Kind">Book or ticker.</param>
/// <param name="Venue">The venue folder name, lower case (<c>binance</c>).</param>
/// <param name="Instrument">The instrument.</param>
/// <param name="TakenAt">When the snapshot was taken (UTC, millisecond precision): the time as-of reads compare.</param>
/// <param name="RecordCount">Book: bid plus ask levels; ticker: 1.</param>
/// <param name="CompressedBytes">Size of the <c>.json.gz</c> data file in bytes.</param>
/// <param name="UncompressedBytes">Size of the JSON inside it in bytes.</param>
/// <param name="Sha256">SHA-256 of the <c>.json.gz</c> bytes, 64 lower-case hex digits.</param>
/// <param name="Provenance">Where the data came from: provider, endpoint, window, latency, fetched-at, status, error.</param>
/// <param name="Connection">The connection that delivered it (stream connection id), when any.</param>
/// <param name="Sequence">The venue's book or update sequence, when any.</param>
/// <param name="FormatVersion">The file format version (1).</param>
/// <param name="DataFile">The data file's path relative to the series folder, <c>{yyyy-MM-dd}/{yyyyMMdd_HHmmss_fff}_{kind}_{id}.json.gz</c>, '/' separated.</param>
public sealed record SnapshotMetadata(
    string Id,
    SnapshotKind Kind,
    string Venue,
    Instrument Instrument,
    DateTimeOffset TakenAt,
    int RecordCount,
    long CompressedBytes,
    long UncompressedBytes,
    string Sha256,
    Provenance Provenance,
    string? Connection,
    long? Sequence,
    int FormatVersion,
    string DataFile);

/// <summary>A stored snapshot read back and verified (size and SHA-256 against its metadata). Switch on the concrete type.</summary>
/// <param name="Metadata">Its metadata.</param>
public abstract record PitSnapshot(SnapshotMetadata Metadata);

/// <summary>A stored L2 book snapshot.</summary>
/// <param name="Metadata">Its metadata.</param>
/// <param name="Book">The book, prices and sizes with the scale they were written with.</param>
public sealed record BookPitSnapshot(SnapshotMetadata Metadata, L2BookSnapshot Book) : PitSnapshot(Metadata);

/// <summary>A stored ticker snapshot.</summary>
/// <param name="Metadata">Its metadata.</param>
/// <param name="Ticker">The ticker, decimals with the scale they were written with.</param>
public sealed record TickerPitSnapshot(SnapshotMetadata Metadata, TickerSnapshot Ticker) : PitSnapshot(Metadata);

/// <summary>What one <see cref="PointInTimeStore.CleanupAsync"/> run removed.</summary>
/// <param name="SnapshotsDeleted">Data files (<c>.json.gz</c>) deleted.</param>
/// <param name="MetadataDeleted">Metadata files deleted with them.</param>
/// <param name="TempFilesDeleted">Leftover <c>.tmp</c> files of interrupted writes older than the retention, deleted.</param>
/// <param name="FoldersDeleted">Date folders left empty and deleted.</param>
/// <param name="NewestKept">Snapshots older than the retention kept because each is the newest of its series and kind.</param>
public sealed record PointInTimeCleanupResult(int SnapshotsDeleted, int MetadataDeleted, int TempFilesDeleted, int FoldersDeleted, int NewestKept);

/// <summary>
/// A stored snapshot failed its checks: the data file's size or SHA-256 differs from its metadata, the gzip or JSON
/// inside is broken (truncated file), or the metadata file is missing or unreadable. Nothing of the file is returned.
/// </summary>
public sealed class SnapshotIntegrityException : IOException
{
    /// <summary>Creates the error.</summary>
    /// <param name="filePath">The file that failed (data or metadata file).</param>
    /// <param name="message">What is wrong (the path is prefixed).</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public SnapshotIntegrityException(string filePath, string message, Exception? innerException = null)
        : base($"{filePath}: {message}", innerException)
    {
        FilePath = filePath;
    }

    /// <summary>The file that failed its checks.</summary>
    public string FilePath { get; }
}

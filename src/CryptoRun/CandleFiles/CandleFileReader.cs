using System.Buffers;
using System.Globalization;
using System.Text;
using CryptoRun.Domain;

namespace CryptoRun.CandleFiles;

/// <summary>
/// Reads candle files in the formats of <see cref="CandleFileFormat"/>, detected from the first
/// lines. Values keep the file's decimal digits. Anything else fails with a
/// <see cref="CandleFileException"/> naming the file, the line and what was expected.
/// </summary>
public static class CandleFileReader
{
    private static readonly string[] BinanceHeader =
        ["open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume", "count", "taker_buy_volume", "taker_buy_quote_volume", "ignore"];

    private static readonly string[] TimeColumns = ["open_time", "timestamp", "time", "date", "datetime"];
    private static readonly string[] TradeColumns = ["trades", "count", "trade_count", "tradecount", "number_of_trades"];
    private static readonly string[] QuoteVolumeColumns = ["quote_volume", "quote_asset_volume", "volume_quote"];

    /// <summary>
    /// The longest line a candle file may have, in characters: far more than any format needs (a Binance
    /// row is about 120, a wide header a few hundred). A longer line is a data error naming the file and
    /// line, so an endless or binary input stops after reading at most this much of one line.
    /// </summary>
    public const int MaxLineLength = 16_384;

    /// <summary>How much of a value or line an error message quotes; longer text is cut and the message says so.</summary>
    private const int EchoLength = 64;

    /// <summary>Reads a whole candle file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="instrument">The instrument the file holds, when known: picks the base-asset volume column of CryptoDataDownload files (<c>Volume BTC</c>).</param>
    /// <returns>The file's format and its rows, oldest first; at least one row.</returns>
    /// <exception cref="CandleFileException">
    /// The file is missing or unreadable; holds no candles (empty, or a header without rows); is of an unknown
    /// format; has a line longer than <see cref="MaxLineLength"/> or a NUL character (a binary file); or a row is
    /// malformed, has an open time outside <see cref="TimeRange.Supported"/> (1970-01-01 to 2100-01-01) or
    /// repeats an open time. Values the message quotes are cut to 64 characters, saying so.
    /// </exception>
    public static CandleFile Read(string path, Instrument? instrument = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1 << 16);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CandleFileException(path, 0, $"cannot be read: {ex.Message}");
        }

        using (stream)
        {
            return Read(stream, path, instrument);
        }
    }

    /// <summary>Reads a candle file from a stream, line by line: memory grows with the rows read, never with one line.</summary>
    /// <param name="stream">The file's bytes (UTF-8 unless a byte order mark says otherwise); left open.</param>
    /// <param name="path">The name errors give.</param>
    /// <param name="instrument">As for <see cref="Read(string, Instrument?)"/>.</param>
    /// <returns>As for <see cref="Read(string, Instrument?)"/>.</returns>
    /// <exception cref="CandleFileException">As for <see cref="Read(string, Instrument?)"/>.</exception>
    internal static CandleFile Read(Stream stream, string path, Instrument? instrument)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: true);
        var lines = new LineReader(reader, path);
        try
        {
            return Read(lines, path, instrument);
        }
        catch (IOException ex)
        {
            throw new CandleFileException(path, lines.Number, $"cannot be read: {ex.Message}");
        }
    }

    private static CandleFile Read(LineReader lines, string path, Instrument? instrument)
    {
        if (lines.NextNonBlank() is not { } first)
        {
            throw new CandleFileException(path, 0, "no candles: the file is empty; expected a candle CSV");
        }

        var firstLine = lines.Number;
        var head = first.Trim();
        List<CandleFileRow> rows;
        CandleFileFormat format;
        var headerLine = 0;
        if (head.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || head.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            if (lines.NextNonBlank() is not { } header)
            {
                throw new CandleFileException(path, firstLine, "has a URL line but no header after it");
            }

            headerLine = lines.Number;
            format = CandleFileFormat.CryptoDataDownload;
            rows = ReadCryptoDataDownload(path, lines, header, headerLine, instrument);
        }
        else
        {
            var fields = Split(head);
            if (IsNumber(fields[0]))
            {
                (format, rows) = fields.Length switch
                {
                    12 => (CandleFileFormat.BinanceDump, ReadBinance(path, lines, (firstLine, first))),
                    7 => (CandleFileFormat.KrakenOhlcvt, ReadKraken(path, lines, (firstLine, first))),
                    _ => throw new CandleFileException(path, firstLine,
                        $"has no header and {fields.Length} columns; expected a Binance kline dump (12 columns) or a Kraken OHLCVT file (7 columns)"),
                };
            }
            else
            {
                headerLine = firstLine;
                var header = fields.Select(Normalize).ToArray();
                if (header.Length == 12 && header.Take(8).SequenceEqual(BinanceHeader.Take(8)))
                {
                    format = CandleFileFormat.BinanceDump;
                    rows = ReadBinance(path, lines, null);
                }
                else if (header.Contains("unix") && header.Contains("symbol"))
                {
                    format = CandleFileFormat.CryptoDataDownload;
                    rows = ReadCryptoDataDownload(path, lines, first, headerLine, instrument);
                }
                else
                {
                    format = CandleFileFormat.HeaderCsv;
                    rows = ReadHeaderCsv(path, lines, first, headerLine, header);
                }
            }
        }

        if (rows.Count == 0)
        {
            throw new CandleFileException(path, 0, $"no candles: the header (line {headerLine}) is followed by no rows");
        }

        return new CandleFile(path, format, SortUnique(path, rows));
    }

    private static List<CandleFileRow> ReadBinance(string path, LineReader lines, (int Line, string Text)? first)
    {
        var rows = new List<CandleFileRow>();
        foreach (var (line, text) in lines.Rows(first))
        {
            var f = Fields(path, line, text, 12, "a Binance kline dump row");
            var openTime = Epoch(path, line, f[0], "open_time", EpochUnit.MillisecondsOrMicroseconds);
            var candle = new Candle(
                openTime,
                Dec(path, line, f[1], "open"),
                Dec(path, line, f[2], "high"),
                Dec(path, line, f[3], "low"),
                Dec(path, line, f[4], "close"),
                Dec(path, line, f[5], "volume"),
                Dec(path, line, f[7], "quote_volume"),
                Long(path, line, f[8], "count"));
            rows.Add(new CandleFileRow(candle, line, Dec(path, line, f[9], "taker_buy_volume"), Dec(path, line, f[10], "taker_buy_quote_volume")));
        }

        return rows;
    }

    private static List<CandleFileRow> ReadKraken(string path, LineReader lines, (int Line, string Text)? first)
    {
        var rows = new List<CandleFileRow>();
        foreach (var (line, text) in lines.Rows(first))
        {
            var f = Fields(path, line, text, 7, "a Kraken OHLCVT row (time, open, high, low, close, volume, trades)");
            var candle = new Candle(
                Epoch(path, line, f[0], "time", EpochUnit.Seconds),
                Dec(path, line, f[1], "open"),
                Dec(path, line, f[2], "high"),
                Dec(path, line, f[3], "low"),
                Dec(path, line, f[4], "close"),
                Dec(path, line, f[5], "volume"),
                TradeCount: Long(path, line, f[6], "trades"));
            rows.Add(new CandleFileRow(candle, line));
        }

        return rows;
    }

    private static List<CandleFileRow> ReadCryptoDataDownload(string path, LineReader lines, string headerText, int headerLine, Instrument? instrument)
    {
        var header = Split(headerText).Select(Normalize).ToArray();
        int Column(string name) => Array.IndexOf(header, name);
        var unix = Column("unix");
        var open = Column("open");
        var high = Column("high");
        var low = Column("low");
        var close = Column("close");
        var trades = Array.FindIndex(header, h => TradeColumns.Contains(h));
        if (unix < 0 || open < 0 || high < 0 || low < 0 || close < 0)
        {
            throw new CandleFileException(path, headerLine,
                $"CryptoDataDownload header {Quote(headerText.Trim())} lacks one of unix, open, high, low, close");
        }

        var volTo = Column("volto");
        var volFrom = Column("volfrom");
        var volumeColumns = header.Select((h, i) => (h, i)).Where(x => x.h.StartsWith("volume_", StringComparison.Ordinal)).ToList();
        int baseColumn = -1, quoteColumn = -1;
        var guessPerRow = false;
        if (volTo >= 0 && volFrom >= 0)
        {
            // CryptoCompare's names (volumefrom = base, volumeto = quote) are not kept to in these exports:
            // their meaning swaps inside some files, so each row is read by which volume times close is the other.
            guessPerRow = true;
        }
        else if (volumeColumns.Count == 2)
        {
            var baseName = instrument is null ? null : $"volume_{instrument.Base.ToLowerInvariant()}";
            var byName = volumeColumns.FindIndex(v => v.h == baseName);
            var b = byName >= 0 ? byName : 0;
            baseColumn = volumeColumns[b].i;
            quoteColumn = volumeColumns[1 - b].i;
        }
        else
        {
            throw new CandleFileException(path, headerLine,
                $"CryptoDataDownload header {Quote(headerText.Trim())} has no base and quote volume columns (Volume BASE, Volume QUOTE or volto, volfrom)");
        }

        var rows = new List<CandleFileRow>();
        foreach (var (line, text) in lines.Rows(null))
        {
            var f = Fields(path, line, text, header.Length, "a row as wide as the header");
            var closePrice = Dec(path, line, f[close], "close");
            decimal volume, quoteVolume;
            if (guessPerRow)
            {
                (volume, quoteVolume) = SplitVolumes(Dec(path, line, f[volTo], "volto"), Dec(path, line, f[volFrom], "volfrom"), closePrice);
            }
            else
            {
                volume = Dec(path, line, f[baseColumn], header[baseColumn]);
                quoteVolume = Dec(path, line, f[quoteColumn], header[quoteColumn]);
            }

            var candle = new Candle(
                Epoch(path, line, f[unix], "unix", EpochUnit.SecondsOrMilliseconds),
                Dec(path, line, f[open], "open"),
                Dec(path, line, f[high], "high"),
                Dec(path, line, f[low], "low"),
                closePrice,
                volume,
                quoteVolume,
                trades >= 0 && f[trades].Length > 0 ? Long(path, line, f[trades], header[trades]) : null);
            rows.Add(new CandleFileRow(candle, line));
        }

        return rows;
    }

    /// <summary>Of two volumes, the base one is the one whose ratio to the other is nearest the close price.</summary>
    private static (decimal Base, decimal Quote) SplitVolumes(decimal volTo, decimal volFrom, decimal close)
    {
        if (volTo > 0 && volFrom > 0 && close > 0)
        {
            var toIsBase = Math.Abs((volFrom / volTo) - close);
            var fromIsBase = Math.Abs((volTo / volFrom) - close);
            return toIsBase <= fromIsBase ? (volTo, volFrom) : (volFrom, volTo);
        }

        return (volFrom, volTo);
    }

    private static List<CandleFileRow> ReadHeaderCsv(string path, LineReader lines, string headerText, int headerLine, string[] header)
    {
        int Find(params string[] names) => Array.FindIndex(header, names.Contains);
        var time = Find(TimeColumns);
        var open = Find("open");
        var high = Find("high");
        var low = Find("low");
        var close = Find("close");
        var volume = Find("volume");
        var quote = Find(QuoteVolumeColumns);
        var trades = Find(TradeColumns);
        if (time < 0 || open < 0 || high < 0 || low < 0 || close < 0 || volume < 0)
        {
            throw new CandleFileException(path, headerLine,
                $"header {Quote(headerText.Trim())} is not a candle file: expected columns open_time (or timestamp/time/date), open, high, low, close, volume; "
                + "or a Binance kline dump, a CryptoDataDownload export or a Kraken OHLCVT file");
        }

        var rows = new List<CandleFileRow>();
        foreach (var (line, text) in lines.Rows(null))
        {
            var f = Fields(path, line, text, header.Length, "a row as wide as the header");
            var candle = new Candle(
                Time(path, line, f[time], header[time]),
                Dec(path, line, f[open], "open"),
                Dec(path, line, f[high], "high"),
                Dec(path, line, f[low], "low"),
                Dec(path, line, f[close], "close"),
                Dec(path, line, f[volume], "volume"),
                quote >= 0 && f[quote].Length > 0 ? Dec(path, line, f[quote], header[quote]) : null,
                trades >= 0 && f[trades].Length > 0 ? Long(path, line, f[trades], header[trades]) : null);
            rows.Add(new CandleFileRow(candle, line));
        }

        return rows;
    }

    private static List<CandleFileRow> SortUnique(string path, List<CandleFileRow> rows)
    {
        rows.Sort((a, b) => a.Candle.OpenTimeMs.CompareTo(b.Candle.OpenTimeMs));
        for (var i = 1; i < rows.Count; i++)
        {
            if (rows[i].Candle.OpenTimeMs == rows[i - 1].Candle.OpenTimeMs)
            {
                var (early, late) = rows[i].Line < rows[i - 1].Line ? (rows[i], rows[i - 1]) : (rows[i - 1], rows[i]);
                throw new CandleFileException(path, late.Line,
                    $"open time {TimeRange.Format(late.Candle.OpenTimeMs)} appears again (first at line {early.Line})");
            }
        }

        return rows;
    }

    private enum EpochUnit
    {
        Seconds,
        SecondsOrMilliseconds,
        MillisecondsOrMicroseconds,
    }

    private static long Epoch(string path, int line, string text, string column, EpochUnit unit)
    {
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            throw new CandleFileException(path, line, $"{column} {Quote(text)} is not an epoch time");
        }

        return Accepted(path, line, text, column, unit switch
        {
            EpochUnit.Seconds => Scale(value, 1000),
            EpochUnit.SecondsOrMilliseconds => value < 100_000_000_000 ? Scale(value, 1000) : value,
            _ => value >= 100_000_000_000_000 ? value / 1000 : value,
        });
    }

    private static long Time(string path, int line, string text, string column)
    {
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch))
        {
            // Epoch seconds until the year 5138; milliseconds until 5138; then micro- and nanoseconds.
            return Accepted(path, line, text, column, epoch switch
            {
                < 100_000_000_000 => Scale(epoch, 1000),
                < 100_000_000_000_000 => epoch,
                < 100_000_000_000_000_000 => epoch / 1000,
                _ => epoch / 1_000_000,
            });
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return Accepted(path, line, text, column, time.ToUnixTimeMilliseconds());
        }

        throw new CandleFileException(path, line, $"{column} {Quote(text)} is neither ISO-8601 nor epoch seconds/milliseconds");
    }

    /// <summary>Seconds to milliseconds; null when the product overflows (which no accepted time does).</summary>
    private static long? Scale(long value, long factor)
        => value > long.MaxValue / factor || value < long.MinValue / factor ? null : value * factor;

    /// <summary>The open time, when CryptoRun accepts it (<see cref="TimeRange.Supported"/>); otherwise a data error naming the text and the range.</summary>
    private static long Accepted(string path, int line, string text, string column, long? epochMs)
        => epochMs is { } ms && TimeRange.IsSupported(ms)
            ? ms
            : throw new CandleFileException(path, line,
                $"{column} {Quote(text)}{(epochMs is { } shown && TimeRange.Format(shown) != text ? $" ({TimeRange.Format(shown)})" : "")} is out of range: {TimeRange.SupportedText}");

    private static decimal Dec(string path, int line, string text, string column)
        => decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new CandleFileException(path, line, $"{column} {Quote(text)} is not a decimal number");

    private static long Long(string path, int line, string text, string column)
    {
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        // Some exports write counts as "365.0".
        return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == decimal.Truncate(d) && d >= long.MinValue && d <= long.MaxValue
            ? (long)d
            : throw new CandleFileException(path, line, $"{column} {Quote(text)} is not a whole number");
    }

    /// <summary>
    /// Text from the file as an error message shows it: in quotes, control characters replaced, and cut to
    /// 64 characters with the full length given, so a huge value never floods the terminal.
    /// </summary>
    private static string Quote(string text)
    {
        var shown = new string(text.AsSpan(0, Math.Min(text.Length, EchoLength)).ToArray().Select(c => char.IsControl(c) ? '\uFFFD' : c).ToArray());
        return text.Length <= EchoLength
            ? $"'{shown}'"
            : string.Create(CultureInfo.InvariantCulture, $"'{shown}...' ({text.Length:N0} characters, truncated)");
    }

    private static string[] Fields(string path, int line, string text, int count, string what)
    {
        var fields = Split(text);
        return fields.Length == count
            ? fields
            : throw new CandleFileException(path, line, $"has {fields.Length} columns; expected {count} ({what})");
    }

    private static string[] Split(string line)
    {
        var fields = line.Split(',');
        for (var i = 0; i < fields.Length; i++)
        {
            var f = fields[i].Trim();
            fields[i] = f.Length >= 2 && f[0] == '"' && f[^1] == '"' ? f[1..^1] : f;
        }

        return fields;
    }

    private static string Normalize(string name) => name.Trim().ToLowerInvariant().Replace(' ', '_');

    private static bool IsNumber(string text)
        => decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    /// <summary>
    /// Reads lines one at a time, numbering them from 1 (line ends <c>\n</c>, <c>\r\n</c> or <c>\r</c>), and
    /// refuses a line longer than <see cref="MaxLineLength"/> or holding a NUL character as soon as it sees it:
    /// an endless or binary input (<c>/dev/zero</c>) stops after at most one line's worth of reading.
    /// </summary>
    private sealed class LineReader(TextReader reader, string path)
    {
        private static readonly SearchValues<char> Stops = SearchValues.Create("\r\n\0");
        private readonly char[] _buffer = new char[1 << 16];
        private readonly StringBuilder _line = new();
        private int _position;
        private int _length;
        private bool _skipLineFeed;

        /// <summary>The 1-based number of the line read last.</summary>
        public int Number { get; private set; }

        /// <summary>The next line that is not blank, or null at the end.</summary>
        public string? NextNonBlank()
        {
            while (Next() is { } line)
            {
                if (!string.IsNullOrWhiteSpace(line))
                {
                    return line;
                }
            }

            return null;
        }

        /// <summary><paramref name="first"/> when given, then every further line that is not blank, with its number.</summary>
        public IEnumerable<(int Line, string Text)> Rows((int Line, string Text)? first)
        {
            if (first is { } row)
            {
                yield return row;
            }

            while (NextNonBlank() is { } line)
            {
                yield return (Number, line);
            }
        }

        private string? Next()
        {
            _line.Clear();
            var started = false;
            while (true)
            {
                if (_position == _length)
                {
                    _length = reader.Read(_buffer, 0, _buffer.Length);
                    _position = 0;
                    if (_length == 0)
                    {
                        return started ? _line.ToString() : null;
                    }
                }

                if (_skipLineFeed)
                {
                    _skipLineFeed = false;
                    if (_buffer[_position] == '\n')
                    {
                        _position++;
                        continue;
                    }
                }

                if (!started)
                {
                    started = true;
                    Number = Number < int.MaxValue
                        ? Number + 1
                        : throw new CandleFileException(path, 0, $"has more than {int.MaxValue:N0} lines; no candle file is that long");
                }

                var span = _buffer.AsSpan(_position, _length - _position);
                var stop = span.IndexOfAny(Stops);
                var take = stop < 0 ? span.Length : stop;
                if (_line.Length + take > MaxLineLength)
                {
                    _line.Append(span[..Math.Min(take, EchoLength)]);
                    throw new CandleFileException(path, Number, string.Create(CultureInfo.InvariantCulture,
                        $"the line is longer than {MaxLineLength:N0} characters, more than any candle format needs: not a candle CSV (it starts {Quote(_line.ToString(0, Math.Min(_line.Length, EchoLength)))}...)"));
                }

                _line.Append(span[..take]);
                _position += take;
                if (stop < 0)
                {
                    continue;
                }

                var end = _buffer[_position++];
                if (end == '\0')
                {
                    throw new CandleFileException(path, Number,
                        string.Create(CultureInfo.InvariantCulture, $"holds a NUL character at column {_line.Length + 1}: a binary file, not a candle CSV"));
                }

                _skipLineFeed = end == '\r';
                return _line.ToString();
            }
        }
    }
}

using System.Globalization;
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

    /// <summary>Reads a whole candle file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="instrument">The instrument the file holds, when known: picks the base-asset volume column of CryptoDataDownload files (<c>Volume BTC</c>).</param>
    /// <returns>The file's format and its rows, oldest first.</returns>
    /// <exception cref="CandleFileException">The file is missing, empty, of an unknown format, or a row is malformed or repeats an open time.</exception>
    public static CandleFile Read(string path, Instrument? instrument = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CandleFileException(path, 0, $"cannot be read: {ex.Message}");
        }

        var first = Array.FindIndex(lines, l => !string.IsNullOrWhiteSpace(l));
        if (first < 0)
        {
            throw new CandleFileException(path, 0, "is empty; expected a candle CSV");
        }

        var head = lines[first].Trim();
        List<CandleFileRow> rows;
        CandleFileFormat format;
        if (head.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || head.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            var headerIndex = Array.FindIndex(lines, first + 1, l => !string.IsNullOrWhiteSpace(l));
            if (headerIndex < 0)
            {
                throw new CandleFileException(path, first + 1, "has a URL line but no header after it");
            }

            format = CandleFileFormat.CryptoDataDownload;
            rows = ReadCryptoDataDownload(path, lines, headerIndex, instrument);
        }
        else
        {
            var fields = Split(head);
            if (IsNumber(fields[0]))
            {
                (format, rows) = fields.Length switch
                {
                    12 => (CandleFileFormat.BinanceDump, ReadBinance(path, lines, first)),
                    7 => (CandleFileFormat.KrakenOhlcvt, ReadKraken(path, lines, first)),
                    _ => throw new CandleFileException(path, first + 1,
                        $"has no header and {fields.Length} columns; expected a Binance kline dump (12 columns) or a Kraken OHLCVT file (7 columns)"),
                };
            }
            else
            {
                var header = fields.Select(Normalize).ToArray();
                if (header.Length == 12 && header.Take(8).SequenceEqual(BinanceHeader.Take(8)))
                {
                    format = CandleFileFormat.BinanceDump;
                    rows = ReadBinance(path, lines, first + 1);
                }
                else if (header.Contains("unix") && header.Contains("symbol"))
                {
                    format = CandleFileFormat.CryptoDataDownload;
                    rows = ReadCryptoDataDownload(path, lines, first, instrument);
                }
                else
                {
                    format = CandleFileFormat.HeaderCsv;
                    rows = ReadHeaderCsv(path, lines, first, header);
                }
            }
        }

        return new CandleFile(path, format, SortUnique(path, rows));
    }

    private static List<CandleFileRow> ReadBinance(string path, string[] lines, int start)
    {
        var rows = new List<CandleFileRow>(lines.Length - start);
        for (var i = start; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            var line = i + 1;
            var f = Fields(path, line, lines[i], 12, "a Binance kline dump row");
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

    private static List<CandleFileRow> ReadKraken(string path, string[] lines, int start)
    {
        var rows = new List<CandleFileRow>(lines.Length - start);
        for (var i = start; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            var line = i + 1;
            var f = Fields(path, line, lines[i], 7, "a Kraken OHLCVT row (time, open, high, low, close, volume, trades)");
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

    private static List<CandleFileRow> ReadCryptoDataDownload(string path, string[] lines, int headerIndex, Instrument? instrument)
    {
        var header = Split(lines[headerIndex]).Select(Normalize).ToArray();
        int Column(string name) => Array.IndexOf(header, name);
        var unix = Column("unix");
        var open = Column("open");
        var high = Column("high");
        var low = Column("low");
        var close = Column("close");
        var trades = Array.FindIndex(header, h => TradeColumns.Contains(h));
        if (unix < 0 || open < 0 || high < 0 || low < 0 || close < 0)
        {
            throw new CandleFileException(path, headerIndex + 1,
                $"CryptoDataDownload header '{lines[headerIndex].Trim()}' lacks one of unix, open, high, low, close");
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
            throw new CandleFileException(path, headerIndex + 1,
                $"CryptoDataDownload header '{lines[headerIndex].Trim()}' has no base and quote volume columns (Volume BASE, Volume QUOTE or volto, volfrom)");
        }

        var rows = new List<CandleFileRow>(lines.Length - headerIndex);
        for (var i = headerIndex + 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            var line = i + 1;
            var f = Fields(path, line, lines[i], header.Length, "a row as wide as the header");
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

    private static List<CandleFileRow> ReadHeaderCsv(string path, string[] lines, int headerIndex, string[] header)
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
            throw new CandleFileException(path, headerIndex + 1,
                $"header '{lines[headerIndex].Trim()}' is not a candle file: expected columns open_time (or timestamp/time/date), open, high, low, close, volume; "
                + "or a Binance kline dump, a CryptoDataDownload export or a Kraken OHLCVT file");
        }

        var rows = new List<CandleFileRow>(lines.Length - headerIndex);
        for (var i = headerIndex + 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            var line = i + 1;
            var f = Fields(path, line, lines[i], header.Length, "a row as wide as the header");
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
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < 0)
        {
            throw new CandleFileException(path, line, $"{column} '{text}' is not an epoch time");
        }

        return unit switch
        {
            EpochUnit.Seconds => value * 1000,
            EpochUnit.SecondsOrMilliseconds => value < 100_000_000_000 ? value * 1000 : value,
            _ => value >= 100_000_000_000_000 ? value / 1000 : value,
        };
    }

    private static long Time(string path, int line, string text, string column)
    {
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch))
        {
            // Epoch seconds until the year 5138; milliseconds until 5138; then micro- and nanoseconds.
            return epoch switch
            {
                < 0 => throw new CandleFileException(path, line, $"{column} '{text}' is negative"),
                < 100_000_000_000 => epoch * 1000,
                < 100_000_000_000_000 => epoch,
                < 100_000_000_000_000_000 => epoch / 1000,
                _ => epoch / 1_000_000,
            };
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time.ToUnixTimeMilliseconds();
        }

        throw new CandleFileException(path, line, $"{column} '{text}' is neither ISO-8601 nor epoch seconds/milliseconds");
    }

    private static decimal Dec(string path, int line, string text, string column)
        => decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new CandleFileException(path, line, $"{column} '{text}' is not a decimal number");

    private static long Long(string path, int line, string text, string column)
    {
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        // Some exports write counts as "365.0".
        return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == decimal.Truncate(d)
            ? (long)d
            : throw new CandleFileException(path, line, $"{column} '{text}' is not a whole number");
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
}

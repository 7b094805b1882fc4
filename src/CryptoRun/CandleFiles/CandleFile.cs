using System.Globalization;
using CryptoRun.Domain;

namespace CryptoRun.CandleFiles;

/// <summary>The candle file formats CryptoRun reads, detected from the file's first lines.</summary>
public enum CandleFileFormat
{
    /// <summary>
    /// Binance public-data kline dump (data.binance.vision): 12 columns
    /// <c>open_time, open, high, low, close, volume, close_time, quote_volume, count, taker_buy_volume, taker_buy_quote_volume, ignore</c>,
    /// with or without that header; times in milliseconds or microseconds.
    /// </summary>
    BinanceDump,

    /// <summary>
    /// CryptoDataDownload export: a URL line, a header (<c>unix, date, symbol, open, high, low, close</c>
    /// and two volume columns, <c>Volume BASE</c>/<c>Volume QUOTE</c> or the older <c>volto</c>/<c>volfrom</c>,
    /// optional <c>tradecount</c>), rows newest first; <c>unix</c> in seconds or milliseconds.
    /// </summary>
    CryptoDataDownload,

    /// <summary>Kraken OHLCVT download: 7 columns <c>time (s), open, high, low, close, volume, trades</c>, no header.</summary>
    KrakenOhlcvt,

    /// <summary>
    /// Any CSV whose header names an open-time column (<c>open_time</c>, <c>timestamp</c>, <c>time</c> or
    /// <c>date</c>), <c>open</c>, <c>high</c>, <c>low</c>, <c>close</c>, <c>volume</c>, and optionally
    /// <c>quote_volume</c> and <c>trades</c>/<c>count</c>; times ISO-8601 (any offset) or epoch s/ms.
    /// </summary>
    HeaderCsv,
}

/// <summary>One candle read from a file, with the line it came from and the extra Binance columns when present.</summary>
/// <param name="Candle">The candle; decimals exactly as written in the file.</param>
/// <param name="Line">The 1-based line number.</param>
/// <param name="TakerBuyVolume">Binance dumps: taker buy volume in base units.</param>
/// <param name="TakerBuyQuoteVolume">Binance dumps: taker buy volume in quote units.</param>
public sealed record CandleFileRow(Candle Candle, int Line, decimal? TakerBuyVolume = null, decimal? TakerBuyQuoteVolume = null);

/// <summary>A candle file read whole: its format and its rows, oldest first, one per open time.</summary>
/// <param name="Path">The file path.</param>
/// <param name="Format">The detected format.</param>
/// <param name="Rows">Rows sorted by open time, no duplicates.</param>
public sealed record CandleFile(string Path, CandleFileFormat Format, IReadOnlyList<CandleFileRow> Rows)
{
    /// <summary>The half-open range <c>[first open, last open + timeframe)</c> the file spans.</summary>
    /// <param name="timeframe">The candles' timeframe.</param>
    /// <returns>The range; empty when the file has no rows.</returns>
    public TimeRange Span(Timeframe timeframe)
        => Rows.Count == 0 ? default : new TimeRange(Rows[0].Candle.OpenTimeMs, Rows[^1].Candle.OpenTimeMs + timeframe.Milliseconds);

    /// <summary>
    /// Checks that the rows are candles of <paramref name="timeframe"/>: every open time is one of its boundaries,
    /// and the rows are not spaced at a larger multiple of it throughout (an hourly file said to hold
    /// minutes would store every minute between the hours as one without a candle).
    /// </summary>
    /// <param name="timeframe">The timeframe the file is said to hold.</param>
    /// <returns>This file.</returns>
    /// <exception cref="CandleFileException">
    /// A row's open time is not aligned (the message names its line), or every row is a whole multiple of a
    /// longer spacing after the one before (the message names the spacing found and the timeframe it matches).
    /// </exception>
    public CandleFile CheckTimeframe(Timeframe timeframe)
    {
        foreach (var row in Rows)
        {
            if (!timeframe.IsAligned(row.Candle.OpenTimeMs))
            {
                throw new CandleFileException(Path, row.Line,
                    $"open time {TimeRange.Format(row.Candle.OpenTimeMs)} is not a {timeframe} candle boundary; is the timeframe right?");
            }
        }

        // The greatest common divisor of the steps between rows: the timeframe itself as soon as two rows are one slot apart.
        var spacing = 0L;
        for (var i = 1; i < Rows.Count && spacing != timeframe.Milliseconds; i++)
        {
            spacing = Gcd(spacing, Rows[i].Candle.OpenTimeMs - Rows[i - 1].Candle.OpenTimeMs);
        }

        if (spacing > timeframe.Milliseconds)
        {
            var name = Describe(spacing);
            var match = Timeframe.All.Where(t => t.Milliseconds == spacing).Select(t => $" (--timeframe {t})").FirstOrDefault() ?? "";
            throw new CandleFileException(Path, 0,
                $"its {Rows.Count} rows are {name} apart (or a multiple of {name}) throughout, never one {timeframe} apart: they look like {name} candles, "
                + $"and storing them as {timeframe} would record every {timeframe} slot between them as having no candle; is the timeframe right?{match}");
        }

        return this;
    }

    private static long Gcd(long a, long b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }

    /// <summary>A spacing as a timeframe name when it is one (<c>1h</c>, <c>1w</c>), else in the largest whole unit (<c>2m</c>, <c>90s</c>).</summary>
    private static string Describe(long ms)
    {
        if (Timeframe.All.FirstOrDefault(t => t.Milliseconds == ms) is { Name: { } name })
        {
            return name;
        }

        (long Size, string Unit)[] units = [(86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1000, "s"), (1, "ms")];
        var (size, unit) = units.First(u => ms % u.Size == 0);
        return string.Create(CultureInfo.InvariantCulture, $"{ms / size}{unit}");
    }
}

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

    /// <summary>Checks that every open time is a <paramref name="timeframe"/> boundary.</summary>
    /// <param name="timeframe">The timeframe the file is said to hold.</param>
    /// <returns>This file.</returns>
    /// <exception cref="CandleFileException">A row's open time is not aligned; the message names its line.</exception>
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

        return this;
    }
}

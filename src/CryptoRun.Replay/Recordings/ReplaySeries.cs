using CryptoRun.CandleFiles;
using CryptoRun.Domain;

namespace CryptoRun.Replay.Recordings;

/// <summary>A candle file loaded for serving: rows oldest first, searchable by open time.</summary>
internal sealed class ReplaySeries
{
    private readonly long[] _openTimes;

    internal ReplaySeries(ReplayCandleSource source, CandleFile file)
    {
        Source = source;
        File = file;
        Rows = file.Rows;
        _openTimes = file.Rows.Select(r => r.Candle.OpenTimeMs).ToArray();
    }

    internal ReplayCandleSource Source { get; }

    internal CandleFile File { get; }

    internal IReadOnlyList<CandleFileRow> Rows { get; }

    internal Timeframe Timeframe => Source.Timeframe;

    /// <summary>Fields a venue format needs that the file lacks (served as zero; said at start-up).</summary>
    internal bool HasQuoteVolume => Rows.Count > 0 && Rows[0].Candle.QuoteVolume is not null;

    internal bool HasTradeCount => Rows.Count > 0 && Rows[0].Candle.TradeCount is not null;

    internal bool HasTakerVolumes => Rows.Count > 0 && Rows[0].TakerBuyVolume is not null;

    /// <summary>The index of the first row opening at or after <paramref name="openTimeMs"/>.</summary>
    internal int LowerBound(long openTimeMs)
    {
        var index = Array.BinarySearch(_openTimes, openTimeMs);
        return index >= 0 ? index : ~index;
    }

    /// <summary>Rows with open time in <c>[fromMs, toMs)</c>, oldest first.</summary>
    internal IEnumerable<CandleFileRow> Between(long fromMs, long toMs)
    {
        for (var i = LowerBound(fromMs); i < Rows.Count && Rows[i].Candle.OpenTimeMs < toMs; i++)
        {
            yield return Rows[i];
        }
    }
}

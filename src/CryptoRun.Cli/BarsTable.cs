using System.Globalization;
using CryptoRun.Bars;
using CryptoRun.Domain;
using CryptoRun.Storage;
using Spectre.Console;

namespace CryptoRun.Cli;

/// <summary>Materialized bar series for people: count, completeness, span, and the last bar's close and returns.</summary>
internal static class BarsTable
{
    /// <summary>One row per bar series.</summary>
    internal static Table Of(IEnumerable<(SeriesKey Key, IReadOnlyList<MaterializedBar> Bars)> rows)
    {
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("venue");
        table.AddColumn("instrument");
        table.AddColumn("tf");
        table.AddColumn(new TableColumn("bars").RightAligned());
        table.AddColumn(new TableColumn("complete").RightAligned());
        table.AddColumn("first (UTC)");
        table.AddColumn("last (UTC)");
        table.AddColumn(new TableColumn("last close").RightAligned());
        table.AddColumn(new TableColumn("cum_return").RightAligned());
        table.AddColumn(new TableColumn("roll_vol").RightAligned());
        foreach (var (key, bars) in rows)
        {
            var last = bars.Count > 0 ? bars[^1] : null;
            table.AddRow(
                Markup.Escape(key.Venue),
                Markup.Escape(key.Instrument.Symbol),
                key.Timeframe.Name,
                bars.Count.ToString("N0", CultureInfo.InvariantCulture),
                bars.Count(b => b.IsComplete).ToString("N0", CultureInfo.InvariantCulture),
                bars.Count > 0 ? TimeRange.Format(bars[0].Candle.OpenTimeMs) : "-",
                last is null ? "-" : TimeRange.Format(last.Candle.OpenTimeMs),
                last?.Candle.Close.ToString(CultureInfo.InvariantCulture) ?? "-",
                last?.CumReturn?.ToString("+0.00%;-0.00%", CultureInfo.InvariantCulture) ?? "-",
                last?.RollingVolatility?.ToString("0.0000", CultureInfo.InvariantCulture) ?? "-");
        }

        return table;
    }
}

using CryptoRun.Domain;
using CryptoRun.Storage;
using Spectre.Console;

namespace CryptoRun.Cli;

/// <summary>What the store holds for a series, for people: first, last, count, and the missing intervals.</summary>
/// <param name="Summary">Count, first and last open time.</param>
/// <param name="Gaps">Runs of missing candle slots between first and last.</param>
internal sealed record Coverage(SeriesSummary Summary, IReadOnlyList<TimeRange> Gaps)
{
    /// <summary>Number of missing candle slots.</summary>
    internal long MissingSlots => Gaps.Sum(g => Summary.Key.Timeframe.CountSlots(g.FromMs, g.ToMs));

    /// <summary>Reads a series' coverage from the store.</summary>
    internal static async Task<Coverage> ReadAsync(ICandleStore store, SeriesKey key, CancellationToken cancellationToken)
        => new(
            await store.GetSummaryAsync(key, cancellationToken).ConfigureAwait(false),
            await store.GetGapsAsync(key, cancellationToken).ConfigureAwait(false));

    /// <summary>The missing intervals as text: each slot's open time, or <c>first .. last (n)</c> for runs.</summary>
    internal string DescribeGaps(int most = 5)
    {
        if (Gaps.Count == 0)
        {
            return "none";
        }

        var step = Summary.Key.Timeframe.Milliseconds;
        var parts = Gaps.Take(most).Select(g =>
        {
            var slots = Summary.Key.Timeframe.CountSlots(g.FromMs, g.ToMs);
            return slots == 1 ? TimeRange.Format(g.FromMs) : $"{TimeRange.Format(g.FromMs)} .. {TimeRange.Format(g.ToMs - step)} ({slots})";
        }).ToList();
        if (Gaps.Count > most)
        {
            parts.Add($"and {Gaps.Count - most} more runs");
        }

        return string.Join("; ", parts);
    }

    /// <summary>Renders coverage rows as a table.</summary>
    internal static Table Table(IEnumerable<Coverage> rows)
    {
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("venue");
        table.AddColumn("instrument");
        table.AddColumn("tf");
        table.AddColumn("first (UTC)");
        table.AddColumn("last (UTC)");
        table.AddColumn(new TableColumn("candles").RightAligned());
        table.AddColumn(new TableColumn("missing").RightAligned());
        table.AddColumn("missing intervals (open times)");
        foreach (var row in rows)
        {
            var s = row.Summary;
            table.AddRow(
                Markup.Escape(s.Key.Venue),
                Markup.Escape(s.Key.Instrument.Symbol),
                s.Key.Timeframe.Name,
                s.FirstOpenMs is { } first ? TimeRange.Format(first) : "-",
                s.LastOpenMs is { } last ? TimeRange.Format(last) : "-",
                s.Count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
                row.MissingSlots.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Markup.Escape(row.DescribeGaps()));
        }

        return table;
    }
}

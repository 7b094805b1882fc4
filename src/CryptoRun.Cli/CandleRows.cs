using System.Globalization;
using System.Text.Json;
using CryptoRun.Domain;

namespace CryptoRun.Cli;

/// <summary>
/// How exports write a candle: CSV fields <c>open_time,open,high,low,close,volume,quote_volume,trades</c>
/// and the same JSON properties. Times ISO-8601 UTC ending in <c>Z</c>; values exactly as stored (the
/// venue's digits); an absent quote volume or trade count is empty in CSV and <c>null</c> in JSON.
/// </summary>
internal static class CandleRows
{
    /// <summary>The CSV header of the candle fields.</summary>
    internal const string CsvHeader = "open_time,open,high,low,close,volume,quote_volume,trades";

    /// <summary>The candle's CSV fields, comma-separated, in <see cref="CsvHeader"/> order.</summary>
    internal static string Csv(Candle c) => string.Join(',',
        TimeRange.Format(c.OpenTimeMs),
        Text(c.Open),
        Text(c.High),
        Text(c.Low),
        Text(c.Close),
        Text(c.Volume),
        c.QuoteVolume is { } quote ? Text(quote) : "",
        c.TradeCount?.ToString(CultureInfo.InvariantCulture) ?? "");

    /// <summary>One JSON object: the candle's properties, then whatever <paramref name="more"/> writes.</summary>
    internal static string Json(Candle c, Action<Utf8JsonWriter> more)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("open_time", TimeRange.Format(c.OpenTimeMs));
            json.WriteString("open", Text(c.Open));
            json.WriteString("high", Text(c.High));
            json.WriteString("low", Text(c.Low));
            json.WriteString("close", Text(c.Close));
            json.WriteString("volume", Text(c.Volume));
            if (c.QuoteVolume is { } quote)
            {
                json.WriteString("quote_volume", Text(quote));
            }
            else
            {
                json.WriteNull("quote_volume");
            }

            if (c.TradeCount is { } trades)
            {
                json.WriteNumber("trades", trades);
            }
            else
            {
                json.WriteNull("trades");
            }

            more(json);
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>A decimal exactly as stored.</summary>
    internal static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}

using System.Globalization;
using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Replay.Recordings;
using CryptoRun.Snapshots;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Snapshots;

/// <summary>A recorded book or ticker with the venue's own text of every price and size, to check scale survives.</summary>
internal sealed record RecordedBook(L2BookSnapshot Book, Provenance Provenance, List<(string Price, string Size)> BidText, List<(string Price, string Size)> AskText);

internal sealed record RecordedTicker(TickerSnapshot Ticker, Provenance Provenance, DateTimeOffset ReceivedAt, string[] Text);

/// <summary>Book and ticker snapshots built from the real Binance capture (REST depth responses, bookTicker frames).</summary>
internal static class RecordedSnapshots
{
    /// <summary>Binance's symbols mapped from the recorded <c>GET /api/v3/exchangeInfo</c> (BINANCE.0).</summary>
    private static Dictionary<string, Instrument> Instruments()
    {
        var (responses, _) = CaptureReader.Read(TestData.Capture("BINANCE.0"));
        var info = responses.Single(r => r.Url.EndsWith("/api/v3/exchangeInfo", StringComparison.Ordinal));
        using var doc = JsonDocument.Parse(info.Body);
        var map = new Dictionary<string, Instrument>(StringComparer.Ordinal);
        foreach (var s in doc.RootElement.GetProperty("symbols").EnumerateArray())
        {
            if (Instrument.TryParse($"{s.GetProperty("baseAsset").GetString()}/{s.GetProperty("quoteAsset").GetString()}", out var instrument))
            {
                map[s.GetProperty("symbol").GetString()!] = instrument;
            }
        }

        return map;
    }

    /// <summary>Binance <c>GET /api/v3/depth</c> responses from BINANCE.http.0.0 (4 books, 1000 levels a side at most).</summary>
    internal static List<RecordedBook> BinanceBooks()
    {
        var (responses, _) = CaptureReader.Read(TestData.Capture("BINANCE.http.0.0"));
        var instruments = Instruments();
        var books = new List<RecordedBook>();
        foreach (var r in responses.Where(r => r.Url.Contains("/api/v3/depth", StringComparison.Ordinal)))
        {
            var symbol = r.Url[(r.Url.IndexOf("symbol=", StringComparison.Ordinal) + 7)..].Split('&')[0];
            using var doc = JsonDocument.Parse(r.Body);
            var bidText = Levels(doc.RootElement.GetProperty("bids"));
            var askText = Levels(doc.RootElement.GetProperty("asks"));
            var fetchedAt = FromSeconds(r.ReceivedAt);
            var book = new L2BookSnapshot(
                instruments[symbol],
                doc.RootElement.GetProperty("lastUpdateId").GetInt64(),
                null,
                bidText.Select(Level).ToList(),
                askText.Select(Level).ToList());
            books.Add(new RecordedBook(book, new Provenance("binance", "GET /api/v3/depth", null, 0, fetchedAt), bidText, askText));
        }

        return books;
    }

    /// <summary>Binance <c>bookTicker</c> frames from BINANCE.ws.1.0 (84 frames over three symbols).</summary>
    internal static List<RecordedTicker> BinanceTickers()
    {
        var instruments = Instruments();
        var (_, frames) = CaptureReader.Read(TestData.Capture("BINANCE.ws.1.0"));
        var tickers = new List<RecordedTicker>();
        foreach (var f in frames.Where(f => f.Payload.Contains("@bookTicker", StringComparison.Ordinal)))
        {
            using var doc = JsonDocument.Parse(f.Payload);
            var d = doc.RootElement.GetProperty("data");
            string[] text = [d.GetProperty("b").GetString()!, d.GetProperty("B").GetString()!, d.GetProperty("a").GetString()!, d.GetProperty("A").GetString()!];
            var at = FromSeconds(f.ReceivedAt);
            var ticker = new TickerSnapshot(
                instruments[d.GetProperty("s").GetString()!],
                Parse(text[0]),
                Parse(text[1]),
                Parse(text[2]),
                Parse(text[3]),
                null,
                null,
                null,
                d.GetProperty("u").GetInt64());
            tickers.Add(new RecordedTicker(ticker, new Provenance("binance", "wss bookTicker", null, 0, at), at, text));
        }

        return tickers;
    }

    internal static DateTimeOffset FromSeconds(double seconds) => DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000));

    private static List<(string, string)> Levels(JsonElement side) =>
        side.EnumerateArray().Select(l => (l[0].GetString()!, l[1].GetString()!)).ToList();

    private static BookLevel Level((string Price, string Size) text) => new(Parse(text.Price), Parse(text.Size));

    private static decimal Parse(string text) => decimal.Parse(text, NumberStyles.Number, CultureInfo.InvariantCulture);
}

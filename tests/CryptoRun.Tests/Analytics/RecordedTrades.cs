using System.Globalization;
using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Replay.Recordings;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Analytics;

/// <summary>A trade read from a recorded frame, with the venue's symbol and the raw side field kept for independent checks.</summary>
internal sealed record RecordedTrade(string Symbol, Trade Trade, bool? BuyerIsMaker, string? MakerSide);

/// <summary>
/// Trades from the real ws-captures, built here with JsonDocument (the analytics code knows no wire format):
/// Binance USD-M <c>aggTrade</c> (<c>m</c>=true: the buyer was the maker, so the taker sold) and Coinbase Pro
/// <c>match</c> (<c>side</c> is the maker order's side, so the taker is the other side).
/// </summary>
internal static class RecordedTrades
{
    private static readonly Lazy<IReadOnlyList<RecordedTrade>> BinanceLazy = new(ReadBinance);
    private static readonly Lazy<IReadOnlyList<RecordedTrade>> CoinbaseLazy = new(ReadCoinbase);

    /// <summary>The 91 aggTrades of BINANCE_FUTURES.ws.1.0 (CTKUSDT, AKROUSDT, SUSHIUSDT, KEEPUSDT), in frame order.</summary>
    internal static IReadOnlyList<RecordedTrade> Binance => BinanceLazy.Value;

    /// <summary>The 97 <c>match</c> trades of COINBASE.ws.28.0, in frame order (<c>last_match</c> frames left out).</summary>
    internal static IReadOnlyList<RecordedTrade> Coinbase => CoinbaseLazy.Value;

    internal static List<Trade> Of(IReadOnlyList<RecordedTrade> trades, string symbol)
        => trades.Where(t => t.Symbol == symbol).Select(t => t.Trade).ToList();

    private static List<RecordedTrade> ReadBinance()
    {
        var trades = new List<RecordedTrade>();
        foreach (var frame in CaptureReader.Read(TestData.Capture("BINANCE_FUTURES.ws.1.0")).Frames)
        {
            using var doc = JsonDocument.Parse(frame.Payload);
            if (!doc.RootElement.TryGetProperty("data", out var data) || data.GetProperty("e").GetString() != "aggTrade")
            {
                continue;
            }

            var buyerIsMaker = data.GetProperty("m").GetBoolean();
            var trade = new Trade(
                data.GetProperty("a").GetInt64().ToString(CultureInfo.InvariantCulture),
                data.GetProperty("T").GetInt64(),
                Dec(data.GetProperty("p")),
                Dec(data.GetProperty("q")),
                buyerIsMaker ? TradeSide.Sell : TradeSide.Buy,
                buyerIsMaker ? "m=true" : "m=false");
            trades.Add(new RecordedTrade(data.GetProperty("s").GetString()!, trade, buyerIsMaker, null));
        }

        return trades;
    }

    private static List<RecordedTrade> ReadCoinbase()
    {
        var trades = new List<RecordedTrade>();
        foreach (var frame in CaptureReader.Read(TestData.Capture("COINBASE.ws.28.0")).Frames)
        {
            if (!frame.Payload.Contains("\"type\":\"match\"", StringComparison.Ordinal))
            {
                continue;
            }

            using var doc = JsonDocument.Parse(frame.Payload);
            var root = doc.RootElement;
            var makerSide = root.GetProperty("side").GetString();
            var time = DateTimeOffset.Parse(root.GetProperty("time").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            var trade = new Trade(
                root.GetProperty("trade_id").GetInt64().ToString(CultureInfo.InvariantCulture),
                time.ToUnixTimeMilliseconds(),
                Dec(root.GetProperty("price")),
                Dec(root.GetProperty("size")),
                makerSide switch { "sell" => TradeSide.Buy, "buy" => TradeSide.Sell, _ => TradeSide.Unknown },
                makerSide);
            trades.Add(new RecordedTrade(root.GetProperty("product_id").GetString()!, trade, null, makerSide));
        }

        return trades;
    }

    private static decimal Dec(JsonElement text) => decimal.Parse(text.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture);
}

using System.Globalization;
using System.Text.Json;
using CryptoRun.Books;
using CryptoRun.Domain;
using CryptoRun.Replay.Recordings;
using CryptoRun.Streaming;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues.Bybit;

namespace CryptoRun.Tests.Venues.Streams;

/// <summary>
/// Bybit's retired v2 stream read through <see cref="BybitLegacyStreamProtocol"/> from the real 2021 recordings
/// (<c>ws-captures/v1/BYBIT.ws.25.0</c> USDT perpetuals on <c>/realtime_public</c>, <c>BYBIT.ws.26.0</c> inverse on
/// <c>/realtime</c>): counts against the capture read independently, books equal to the recording applied naively,
/// known trade values, stale repeats skipped, request JSON.
/// </summary>
public sealed class BybitLegacyStreamProtocolTests
{
    private static readonly Dictionary<string, Instrument> Symbols = new[] { "BCH", "XTZ", "UNI", "LTC", "DOT", "LINK", "ADA", "ETH" }
        .ToDictionary(b => b + "USDT", b => new Instrument(b, "USDT", "USDT"))
        .Concat(new Dictionary<string, Instrument> { ["EOSUSD"] = Instrument.Parse("EOS/USD:EOS"), ["BTCUSD"] = Instrument.Parse("BTC/USD:BTC") })
        .ToDictionary(p => p.Key, p => p.Value);

    private static List<string> Frames(string file) => CaptureReader.Read(TestData.Capture(file)).Frames.Select(f => f.Payload).ToList();

    private static ProtocolSink Replay(string file, IEnumerable<string>? frames = null)
    {
        var sink = new ProtocolSink(new BybitLegacyStreamProtocol(inverse: file == "BYBIT.ws.26.0"), Symbols);
        sink.FeedAll(frames ?? Frames(file));
        return sink;
    }

    [Theory]
    [InlineData("BYBIT.ws.25.0", 8, 3252)]
    [InlineData("BYBIT.ws.26.0", 2, 1016)]
    public void RecordedConnection_CountsMatchAndBooksEqualTheRecordingAppliedNaively(string file, int snapshots, int deltas)
    {
        var frames = Frames(file);
        var trades = 0;
        var naive = new Dictionary<string, (SortedDictionary<decimal, decimal> Bids, SortedDictionary<decimal, decimal> Asks)>();
        foreach (var frame in frames)
        {
            using var doc = JsonDocument.Parse(frame);
            var root = doc.RootElement;
            if (!root.TryGetProperty("topic", out var topicElement))
            {
                continue;
            }

            var topic = topicElement.GetString()!;
            var data = root.GetProperty("data");
            if (topic.StartsWith("trade.", StringComparison.Ordinal))
            {
                trades += data.GetArrayLength();
                continue;
            }

            var symbol = topic[(topic.IndexOf('.', StringComparison.Ordinal) + 1)..];
            if (root.GetProperty("type").GetString() == "snapshot")
            {
                var book = (new SortedDictionary<decimal, decimal>(), new SortedDictionary<decimal, decimal>());
                naive[symbol] = book;
                foreach (var level in (data.ValueKind == JsonValueKind.Array ? data : data.GetProperty("order_book")).EnumerateArray())
                {
                    Side(book, level)[Number(level.GetProperty("price"))] = Number(level.GetProperty("size"));
                }

                continue;
            }

            var current = naive[symbol];
            foreach (var level in data.GetProperty("delete").EnumerateArray())
            {
                Side(current, level).Remove(Number(level.GetProperty("price")));
            }

            foreach (var level in data.GetProperty("update").EnumerateArray().Concat(data.GetProperty("insert").EnumerateArray()))
            {
                Side(current, level)[Number(level.GetProperty("price"))] = Number(level.GetProperty("size"));
            }
        }

        var sink = Replay(file, frames);

        Assert.Equal(trades, sink.Of<TradeEvent>().Count());
        Assert.Equal(snapshots, sink.Results.Count(r => r.Snapshot));
        Assert.Equal(deltas, sink.Results.Count(r => !r.Snapshot));
        Assert.All(sink.Results, r => Assert.Equal(BookApplyResult.Applied, r.Result));
        Assert.Equal(snapshots, naive.Count);
        foreach (var (symbol, (bids, asks)) in naive)
        {
            var book = sink.Books[Symbols[symbol]];
            Assert.Equal(bids.Reverse().Take(25).ToList(), book.Bids.Select(l => new KeyValuePair<decimal, decimal>(l.Price, l.Size)).ToList());
            Assert.Equal(asks.Take(25).ToList(), book.Asks.Select(l => new KeyValuePair<decimal, decimal>(l.Price, l.Size)).ToList());
            Assert.True(book.Bids[0].Price < book.Asks[0].Price, $"{symbol} crossed");
        }

        static SortedDictionary<decimal, decimal> Side((SortedDictionary<decimal, decimal> Bids, SortedDictionary<decimal, decimal> Asks) book, JsonElement level)
            => level.GetProperty("side").GetString() == "Buy" ? book.Bids : book.Asks;

        static decimal Number(JsonElement value)
            => decimal.Parse(value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText(), CultureInfo.InvariantCulture);
    }

    [Fact]
    public void RecordedTrades_CarryTheirValuesFromStringAndNumberFields()
    {
        var usdt = Replay("BYBIT.ws.25.0");
        var inverse = Replay("BYBIT.ws.26.0");

        // {"symbol":"LTCUSDT",...,"price":"313.45","size":1,...,"trade_time_ms":"1618677799740","side":"Buy","trade_id":"44e339b4-..."}
        var ltc = Assert.Single(usdt.Of<TradeEvent>(), t => t.Trade.Id == "44e339b4-6bac-519d-a8f8-fd5185fc2a46");
        Assert.Equal(new Trade("44e339b4-6bac-519d-a8f8-fd5185fc2a46", 1618677799740, 313.45m, 1m, TradeSide.Buy, "Buy"), ltc.Trade);
        Assert.Equal(Symbols["LTCUSDT"], ltc.Instrument);

        // {"trade_time_ms":1618677786614,...,"symbol":"BTCUSD","side":"Sell","size":4,"price":60621.5,...,"trade_id":"5ffb8b77-...","cross_seq":5938955347}
        var btc = Assert.Single(inverse.Of<TradeEvent>(), t => t.Trade.Id == "5ffb8b77-900c-507d-97a2-0922557ffe54");
        Assert.Equal(new Trade("5ffb8b77-900c-507d-97a2-0922557ffe54", 1618677786614, 60621.5m, 4m, TradeSide.Sell, "Sell"), btc.Trade);
        Assert.Equal(5938955347, btc.Provenance.Sequence);

        // orderBookL2_25: the inverse EOSUSD book holds 25 levels per side after the whole recording.
        var eos = inverse.Books[Symbols["EOSUSD"]];
        Assert.Equal(25, eos.Bids.Count);
        Assert.Equal(25, eos.Asks.Count);
    }

    [Fact]
    public void RepeatedDelta_IsStale()
    {
        var frames = Frames("BYBIT.ws.26.0");
        var delta = frames.FindIndex(f => f.Contains("\"type\":\"delta\"", StringComparison.Ordinal));
        frames.Insert(delta + 1, frames[delta]);

        var sink = Replay("BYBIT.ws.26.0", frames);

        Assert.Equal(BookApplyResult.Stale, Assert.Single(sink.Results, r => r.Result != BookApplyResult.Applied).Result);
    }

    [Theory]
    [InlineData("""{"topic":"orderBookL2_25.BTCUSD","type":"delta","data":{"delete":[{"price":"1","side":"Up"}],"update":[],"insert":[]},"cross_seq":1}""", "bybit-v2 book delete 0: missing side")]
    [InlineData("""{"topic":"orderBookL2_25.BTCUSD","type":"delta","data":{"delete":[],"update":[{"price":"1","side":"Buy"}],"insert":[]},"cross_seq":1}""", "bybit-v2 book update 0: missing size")]
    [InlineData("""{"topic":"orderBookL2_25.BTCUSD","type":"snapshot","data":"none","cross_seq":1}""", "bybit-v2 book data")]
    [InlineData("""{"topic":"trade.BTCUSD","data":[{"trade_time_ms":1,"side":"Buy","size":1,"price":"x","trade_id":"t"}]}""", "bybit-v2 trade 0 price")]
    [InlineData("""{"topic":"trade.BTCUSD","data":[{"trade_time_ms":1,"side":"Buy","size":1,"price":1}]}""", "missing trade_id")]
    public void MalformedFrame_ThrowsFormatExceptionNamingThePart(string frame, string part)
    {
        var sink = new ProtocolSink(new BybitLegacyStreamProtocol(inverse: true), Symbols);

        var error = Assert.Throws<FormatException>(() => sink.Feed(frame));

        Assert.Contains(part, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SubscribeMessages_AreV2sJson()
    {
        var protocol = new BybitLegacyStreamProtocol();
        var eth = new Instrument("ETH", "USDT", "USDT");

        Assert.Equal(
            ["""{"op":"subscribe","args":["trade.ETHUSDT","orderBookL2_25.ETHUSDT"]}"""],
            protocol.SubscribeMessages([new(StreamChannel.Trades, eth, "ETHUSDT"), new(StreamChannel.Book, eth, "ETHUSDT")]));
        Assert.Equal(
            ["""{"op":"unsubscribe","args":["orderBookL2_25.ETHUSDT"]}""", """{"op":"subscribe","args":["orderBookL2_25.ETHUSDT"]}"""],
            protocol.ResubscribeBookMessages(new(StreamChannel.Book, eth, "ETHUSDT")));
        Assert.Equal(new Uri("wss://stream.bybit.com/realtime_public"), protocol.DefaultEndpoint);
        Assert.Equal(new Uri("wss://stream.bybit.com/realtime"), new BybitLegacyStreamProtocol(inverse: true).DefaultEndpoint);
        Assert.False(protocol.Supports(StreamChannel.Ticker));
    }
}

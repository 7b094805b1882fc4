using System.Text;
using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Venues.Common;

namespace CryptoRun.Venues.Bybit;

/// <summary>
/// Reads a Bybit trade list, v5's <c>publicTrade</c> (<c>[{"i","T","p","v","S","seq"},...]</c>) and v2's <c>trade</c>
/// (<c>[{"trade_id","trade_time_ms","price","size","side","cross_seq"},...]</c>) alike: the two differ only in their
/// field names. Sides <c>Buy</c>/<c>Sell</c> are the taker's; another side is kept raw as unknown.
/// </summary>
/// <param name="What">How errors name a trade (<c>bybit trade</c>, <c>bybit-v2 trade</c>).</param>
/// <param name="Id">The trade id's field.</param>
/// <param name="Time">The trade time's field (ms since the epoch).</param>
/// <param name="Price">The price's field.</param>
/// <param name="Size">The size's field (base units).</param>
/// <param name="Side">The taker side's field.</param>
/// <param name="Sequence">The sequence's field (v5 <c>seq</c>, v2 <c>cross_seq</c>).</param>
internal sealed record BybitTradeList(string What, string Id, string Time, string Price, string Size, string Side, string Sequence)
{
    private readonly byte[] _id = Encoding.UTF8.GetBytes(Id);
    private readonly byte[] _time = Encoding.UTF8.GetBytes(Time);
    private readonly byte[] _price = Encoding.UTF8.GetBytes(Price);
    private readonly byte[] _size = Encoding.UTF8.GetBytes(Size);
    private readonly byte[] _side = Encoding.UTF8.GetBytes(Side);
    private readonly byte[] _sequence = Encoding.UTF8.GetBytes(Sequence);

    /// <summary>v5's <c>publicTrade</c> fields.</summary>
    internal static readonly BybitTradeList V5 = new("bybit trade", "i", "T", "p", "v", "S", "seq");

    /// <summary>v2's <c>trade</c> fields.</summary>
    internal static readonly BybitTradeList V2 = new("bybit-v2 trade", "trade_id", "trade_time_ms", "price", "size", "side", "cross_seq");

    /// <summary>Reads the array at the reader's next token into <paramref name="into"/> (cleared first).</summary>
    /// <exception cref="FormatException">Not a list of trades, or a trade without id, time, price or size; the message names the trade's index and field.</exception>
    internal void Read(ref Utf8JsonReader reader, List<(Trade Trade, long? Sequence)> into)
    {
        into.Clear();
        JsonRead.Next(ref reader);
        JsonRead.Expect(ref reader, JsonTokenType.StartArray, $"{What}s data");
        var index = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            string? id = null;
            long? time = null;
            long? sequence = null;
            decimal? price = null;
            decimal? size = null;
            var side = TradeSide.Unknown;
            string? rawSide = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals(_id))
                {
                    id = JsonRead.NextString(ref reader, new Field(What, index, Id));
                }
                else if (reader.ValueTextEquals(_time))
                {
                    time = JsonRead.NextInt64(ref reader, new Field(What, index, Time));
                }
                else if (reader.ValueTextEquals(_price))
                {
                    price = JsonRead.NextDecimal(ref reader, new Field(What, index, Price));
                }
                else if (reader.ValueTextEquals(_size))
                {
                    size = JsonRead.NextDecimal(ref reader, new Field(What, index, Size));
                }
                else if (reader.ValueTextEquals(_side))
                {
                    JsonRead.Next(ref reader);
                    (side, rawSide) = reader.ValueTextEquals("Buy"u8) ? (TradeSide.Buy, "Buy")
                        : reader.ValueTextEquals("Sell"u8) ? (TradeSide.Sell, "Sell")
                        : (TradeSide.Unknown, JsonRead.String(ref reader, new Field(What, index, Side)));
                }
                else if (reader.ValueTextEquals(_sequence))
                {
                    sequence = JsonRead.NextInt64(ref reader, new Field(What, index, Sequence));
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (id is null || time is null || price is null || size is null)
            {
                throw new FormatException($"{What} {index}: missing {(id is null ? Id : time is null ? Time : price is null ? Price : Size)}");
            }

            into.Add((new Trade(id, time.Value, price.Value, size.Value, side, rawSide), sequence));
            index++;
        }

        JsonRead.Expect(ref reader, JsonTokenType.EndArray, $"{What}s data");
    }
}

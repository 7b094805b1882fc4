using CryptoRun.Domain;
using CryptoRun.History;

namespace CryptoRun.Tests.History;

public sealed class TradeBarsTests
{
    private static readonly long T0 = new DateTimeOffset(2021, 4, 17, 16, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    [Fact]
    public void Build_OnlySlotsWhollyCovered_TiesKeepTheirOrder()
    {
        Trade[] trades =
        [
            new("3", T0 + 61_000, 10m, 1m, TradeSide.Buy),
            new("1", T0 + 1_000, 5m, 2m, TradeSide.Sell),
            new("2", T0 + 1_000, 6m, 1m, TradeSide.Buy),
            new("4", T0 + 125_000, 7m, 1m, TradeSide.Buy),
        ];

        // Covered to 02:30: the minute 02 slot is only half covered, so it gets no candle.
        var candles = TradeBars.Build(trades, Timeframe.M1, [new TimeRange(T0, T0 + 150_000)]);

        Assert.Equal(
            [new Candle(T0, 5m, 6m, 5m, 6m, 3m, 16m, 2), new Candle(T0 + 60_000, 10m, 10m, 10m, 10m, 1m, 10m, 1)],
            candles);
    }
}

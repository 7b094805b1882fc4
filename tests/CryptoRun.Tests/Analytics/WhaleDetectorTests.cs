using System.Globalization;
using CryptoRun.Analytics;
using CryptoRun.Domain;

namespace CryptoRun.Tests.Analytics;

/// <summary>Whale detection on the recorded Binance USD-M aggTrades and Coinbase matches, against a naive reference model.</summary>
public sealed class WhaleDetectorTests
{
    private static readonly WhaleOptions NotionalOnly = new() { MedianMultiple = null };

    private static decimal Dec(string text) => decimal.Parse(text, CultureInfo.InvariantCulture);

    [Fact]
    public void Detect_NotionalThresholdAtTheLargestCtkTrade_FlagsExactlyThatTrade()
    {
        var trades = RecordedTrades.Of(RecordedTrades.Binance, "CTKUSDT");
        var largest = trades.MaxBy(t => t.Price * t.Size)!;

        var whales = WhaleDetector.Detect(trades, NotionalOnly with { NotionalThreshold = Dec("5628.23700") });

        var whale = Assert.Single(whales);
        Assert.Equal("16599324", whale.Trade.Id);
        Assert.Same(largest, whale.Trade);
        Assert.Equal(Dec("5628.23700"), whale.Notional);
        Assert.Equal(WhaleRules.Notional, whale.Rules);
    }

    [Fact]
    public void Detect_NotionalThresholdOneTickAboveTheLargest_FlagsNothing()
    {
        var trades = RecordedTrades.Of(RecordedTrades.Binance, "CTKUSDT");

        Assert.Empty(WhaleDetector.Detect(trades, NotionalOnly with { NotionalThreshold = Dec("5628.23701") }));
    }

    [Fact]
    public void Detect_CoinbaseSklUsd5000Quote_FlagsTheTwoLargestByNotional()
    {
        var trades = RecordedTrades.Of(RecordedTrades.Coinbase, "SKL-USD");
        var topTwo = trades.OrderByDescending(t => t.Price * t.Size).Take(2).Select(t => t.Id).ToHashSet();

        var whales = WhaleDetector.Detect(trades, NotionalOnly with { NotionalThreshold = 5000m });

        Assert.Equal(topTwo, whales.Select(w => w.Trade.Id).ToHashSet());
        Assert.Contains(whales, w => w.Trade.Id == "1568271" && w.Trade.Size == Dec("23011.6"));
        Assert.All(whales, w => Assert.Equal(w.Trade.Price * w.Trade.Size, w.Notional));
    }

    [Fact]
    public void Detect_CoinbaseSklUsdDefaults_FlagsThe1691Point5AsThirteenTimesTheMedian()
    {
        var trades = RecordedTrades.Of(RecordedTrades.Coinbase, "SKL-USD");

        var whales = WhaleDetector.Detect(trades);

        var whale = Assert.Single(whales);
        Assert.Equal("1568297", whale.Trade.Id);
        Assert.Equal(WhaleRules.MedianMultiple, whale.Rules);
        Assert.Equal(126m, whale.MedianSize);
        Assert.Equal(Dec("1691.5") / 126m, whale.MultipleOfMedian);
    }

    [Theory]
    [InlineData("CTKUSDT", 10, 5, "3")]
    [InlineData("SUSHIUSDT", 10, 5, "3")]
    [InlineData("SUSHIUSDT", 25, 20, "2.5")]
    [InlineData("SKL-USD", 8, 4, "4")]
    public void Observe_MedianRule_MatchesANaiveRollingMedian(string symbol, int window, int minHistory, string k)
    {
        var trades = RecordedTrades.Of(symbol.Contains('-', StringComparison.Ordinal) ? RecordedTrades.Coinbase : RecordedTrades.Binance, symbol);
        var multiple = Dec(k);
        var detector = new WhaleDetector(new WhaleOptions { NotionalThreshold = null, MedianMultiple = multiple, Window = window, MinHistory = minHistory });
        var flagged = 0;

        for (var i = 0; i < trades.Count; i++)
        {
            var prior = trades.Take(i).TakeLast(window).Select(t => t.Size).Order().ToList();
            decimal? median = prior.Count < minHistory ? null
                : prior.Count % 2 == 1 ? prior[prior.Count / 2] : (prior[(prior.Count / 2) - 1] + prior[prior.Count / 2]) / 2;
            var expected = median is { } m && trades[i].Size >= multiple * m;

            var whale = detector.Observe(trades[i]);

            Assert.Equal(expected, whale is not null);
            if (whale is not null)
            {
                flagged++;
                Assert.Equal(median, whale.MedianSize);
                Assert.Equal(trades[i].Size / median!.Value, whale.MultipleOfMedian);
            }
        }

        Assert.True(flagged > 0, $"no {symbol} trade reached {k} x the median: the case checks nothing");
    }

    [Fact]
    public void Observe_SizeExactlyKTimesTheMedian_IsFlaggedAndOneUnitLessIsNot()
    {
        var trades = RecordedTrades.Of(RecordedTrades.Binance, "SUSHIUSDT");
        var options = new WhaleOptions { NotionalThreshold = null, MedianMultiple = 4m, Window = 10, MinHistory = 5 };
        var history = trades.Take(10).ToList();
        var median = history.Select(t => t.Size).Order().Skip(4).Take(2).Sum() / 2;
        var next = trades[10];

        var atBoundary = Feed(history, options).Observe(next with { Size = 4m * median });
        var below = Feed(history, options).Observe(next with { Size = (4m * median) - 0.0001m });

        Assert.NotNull(atBoundary);
        Assert.Equal(4m, atBoundary.MultipleOfMedian);
        Assert.Null(below);
    }

    [Fact]
    public void Observe_PercentileRule_IsStrictlyAboveTheNearestRankQuantile()
    {
        var trades = RecordedTrades.Of(RecordedTrades.Binance, "CTKUSDT");
        var options = new WhaleOptions { NotionalThreshold = null, MedianMultiple = null, Percentile = 0.9, Window = 20, MinHistory = 10 };
        var history = trades.Take(20).ToList();
        var sorted = history.Select(t => t.Size).Order().ToList();
        var p90 = sorted[17]; // nearest rank: ceil(0.9 * 20) = 18th smallest
        var next = trades[20];

        var equal = Feed(history, options).Observe(next with { Size = p90 });
        var above = Feed(history, options).Observe(next with { Size = p90 + 1 });

        Assert.Null(equal);
        Assert.NotNull(above);
        Assert.Equal(WhaleRules.Percentile, above.Rules);
        Assert.Equal(p90, above.PercentileSize);
    }

    [Fact]
    public void Observe_BeforeMinHistory_RelativeRulesStaySilentButNotionalStillFires()
    {
        var trades = RecordedTrades.Of(RecordedTrades.Binance, "AKROUSDT"); // 8 trades, the default MinHistory is 20
        var largest = trades.MaxBy(t => t.Price * t.Size)!;

        var whales = WhaleDetector.Detect(trades, new WhaleOptions { NotionalThreshold = largest.Price * largest.Size });

        var whale = Assert.Single(whales);
        Assert.Same(largest, whale.Trade);
        Assert.Equal("14888308", whale.Trade.Id); // 45340 AKRO at 0.01735: 786.649 USDT
        Assert.Equal(WhaleRules.Notional, whale.Rules);
        Assert.Null(whale.MedianSize);
        Assert.Null(whale.MultipleOfMedian);
    }

    [Fact]
    public void Detect_UnsortedBatch_EqualsTheStreamInTimeOrder()
    {
        var trades = RecordedTrades.Of(RecordedTrades.Binance, "SUSHIUSDT");
        var options = new WhaleOptions { NotionalThreshold = 1000m, MedianMultiple = 3m, Window = 10, MinHistory = 5 };
        var detector = new WhaleDetector(options);
        var streamed = trades.Select(detector.Observe).OfType<WhaleTrade>().ToList();

        // Newest first, but trades of the same millisecond keep their recorded order (the batch sort is stable).
        var shuffled = trades.Select((t, i) => (t, i)).OrderByDescending(x => x.t.TimeMs).ThenBy(x => x.i).Select(x => x.t);
        var batch = WhaleDetector.Detect(shuffled, options);

        Assert.NotEmpty(streamed);
        Assert.Equal(streamed, batch);
    }

    [Fact]
    public void Options_Invalid_AreRejectedByName()
    {
        Assert.Contains("Percentile", Assert.Throws<ArgumentOutOfRangeException>(() => new WhaleDetector(new WhaleOptions { Percentile = 1.0 })).Message, StringComparison.Ordinal);
        Assert.Contains("MinHistory", Assert.Throws<ArgumentOutOfRangeException>(() => new WhaleDetector(new WhaleOptions { Window = 5, MinHistory = 6 })).Message, StringComparison.Ordinal);
        Assert.Contains("NotionalThreshold", Assert.Throws<ArgumentOutOfRangeException>(() => new WhaleDetector(new WhaleOptions { NotionalThreshold = 0 })).Message, StringComparison.Ordinal);
    }

    private static WhaleDetector Feed(IEnumerable<Trade> history, WhaleOptions options)
    {
        var detector = new WhaleDetector(options);
        foreach (var trade in history)
        {
            detector.Observe(trade);
        }

        return detector;
    }
}

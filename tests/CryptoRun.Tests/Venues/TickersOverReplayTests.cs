using System.Globalization;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Replay;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Venues;

/// <summary>
/// Each connector's <see cref="ITickerProvider.GetSpotQuoteAsync"/> over loopback from the replay venue:
/// recorded WebSocket tickers served in the REST shapes, and tickers derived from candle series at a
/// replay time inside them.
/// </summary>
public sealed class TickersOverReplayTests(ReplayFixture replay) : IClassFixture<ReplayFixture>
{
    [Fact]
    public async Task CoinbaseQuote_RecordedTicker_IsTheLastRecordedFrameExactly()
    {
        // COINBASE.ws.28.0, the SKL-USD ticker frame with the latest time:
        // {"type":"ticker",...,"product_id":"SKL-USD","price":"0.7902",...,"volume_24h":"34168548.50000000",...,
        //  "best_bid":"0.7901","best_ask":"0.7905",...,"time":"2021-04-17T16:44:06.669388Z","trade_id":1568319,"last_size":"18"}
        var quote = await replay.Http.Connect<ITickerProvider>("coinbase", replay.Clock).GetSpotQuoteAsync(Instrument.Parse("SKL/USD"));

        Assert.Equal("0.7902", Text(quote.Value.Price));
        Assert.Equal("0.7901", Text(quote.Value.Bid));
        Assert.Equal("0.7905", Text(quote.Value.Ask));
        Assert.Equal("34168548.50000000", Text(quote.Value.Volume24h));
        Assert.Equal(At("2021-04-17T16:44:06.669Z"), quote.Value.TimeMs);
        Assert.Equal("coinbase", quote.Provenance.Provider);
        Assert.Contains("/products/SKL-USD/ticker", quote.Provenance.Endpoint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KrakenQuote_RecordedTicker_IsTheLastRecordedFrameExactly()
    {
        // KRAKEN.ws.49.0, the last XMR/USD frame (received 1618678150.857781):
        // [996,{"a":["354.38000000",4,"4.95600000"],"b":["353.81000000",5,"5.14412712"],"c":["353.81000000","1.71754604"],
        //  "v":["17863.00545423","33467.47183168"],...},"ticker","XMR/USD"]
        var quote = await replay.Http.Connect<ITickerProvider>("kraken", replay.Clock).GetSpotQuoteAsync(Instrument.Parse("XMR/USD"));

        Assert.Equal("353.81000000", Text(quote.Value.Price));
        Assert.Equal("353.81000000", Text(quote.Value.Bid));
        Assert.Equal("354.38000000", Text(quote.Value.Ask));
        Assert.Equal("33467.47183168", Text(quote.Value.Volume24h));
        Assert.Contains("/0/public/Ticker?pair=XXMRZUSD", quote.Provenance.Endpoint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OkxQuote_RecordedTicker_IsTheLastRecordedFrameExactly()
    {
        // OKX.ws.1.0, the BTC-USDT tickers frame with the latest ts:
        // {"instType":"SPOT","instId":"BTC-USDT","last":"30227.6",...,"askPx":"30230.3",...,"bidPx":"30230.2",...,
        //  "vol24h":"17605.61722866","ts":"1652459235637"}
        var quote = await replay.Http.Connect<ITickerProvider>("okx", replay.Clock).GetSpotQuoteAsync(Instrument.Parse("BTC/USDT"));

        Assert.Equal("30227.6", Text(quote.Value.Price));
        Assert.Equal("30230.2", Text(quote.Value.Bid));
        Assert.Equal("30230.3", Text(quote.Value.Ask));
        Assert.Equal("17605.61722866", Text(quote.Value.Volume24h));
        Assert.Equal(1652459235637, quote.Value.TimeMs);
    }

    [Fact]
    public async Task Quotes_ClockInsideTheRecording_AreTheLatestFramesAtOrBeforeIt()
    {
        // Coinbase by the frame's "time"; Kraken by the capture's receive time; OKX by "ts".
        await using var coinbase = await ReplayHarness.StartAsync(DateTimeOffset.Parse("2021-04-17T16:43:37.100Z", CultureInfo.InvariantCulture));
        await using var kraken = await ReplayHarness.StartAsync(DateTimeOffset.FromUnixTimeMilliseconds(1618678146000));
        await using var okx = await ReplayHarness.StartAsync(DateTimeOffset.FromUnixTimeMilliseconds(1652459229267));

        var skl = await coinbase.Connect<ITickerProvider>("coinbase").GetSpotQuoteAsync(Instrument.Parse("SKL/USD"));
        var xmr = await kraken.Connect<ITickerProvider>("kraken").GetSpotQuoteAsync(Instrument.Parse("XMR/USD"));
        var btc = await okx.Connect<ITickerProvider>("okx").GetSpotQuoteAsync(Instrument.Parse("BTC/USDT"));
        okx.Clock.Advance(TimeSpan.FromMilliseconds(142)); // 1652459229409: still before the next frame (229410)
        var btcLater = await okx.Connect<ITickerProvider>("okx").GetSpotQuoteAsync(Instrument.Parse("BTC/USDT"));
        okx.Clock.Advance(TimeSpan.FromMilliseconds(1)); // exactly the next frame's ts
        var btcNext = await okx.Connect<ITickerProvider>("okx").GetSpotQuoteAsync(Instrument.Parse("BTC/USDT"));

        // "time":"2021-04-17T16:43:37.056746Z","price":"0.7904","best_ask":"0.7911","volume_24h":"34220028.50000000"
        Assert.Equal(("0.7904", "0.7911", "34220028.50000000"), (Text(skl.Value.Price), Text(skl.Value.Ask), Text(skl.Value.Volume24h)));
        // received 1618678145.75646: "c":["354.55000000",...],"b":["354.10000000",...]
        Assert.Equal(("354.55000000", "354.10000000"), (Text(xmr.Value.Price), Text(xmr.Value.Bid)));
        // "last":"30248",...,"vol24h":"17602.16580512","ts":"1652459229267"
        Assert.Equal(("30248", "17602.16580512", 1652459229267), (Text(btc.Value.Price), Text(btc.Value.Volume24h), btc.Value.TimeMs));
        Assert.Equal(1652459229267, btcLater.Value.TimeMs);
        Assert.Equal(("30250.7", 1652459229410), (Text(btcNext.Value.Price), btcNext.Value.TimeMs));
    }

    [Fact]
    public async Task CoinbaseQuote_NoRecordedTicker_IsTheLatestClosedCandleWith24hVolumeFromTheFile()
    {
        // 12:34:30: the 12:33 candle closed at 12:34, the 12:34 one is still open; the 1h series'
        // latest closed candle (11:00) closes earlier, so the 1m series answers.
        var now = DateTimeOffset.Parse("2020-12-01T12:34:30Z", CultureInfo.InvariantCulture);
        await using var venue = await ReplayHarness.StartAsync(now, candles:
        [
            new ReplayCandleSource("coinbase", Instrument.Parse("BTC/USD"), Timeframe.M1, TestData.CoinbaseMinute),
            new ReplayCandleSource("coinbase", Instrument.Parse("BTC/USD"), Timeframe.H1, TestData.CoinbaseHour),
        ]);
        var rows = CoinbaseMinuteRows();
        var close = At("2020-12-01T12:34:00Z");
        var expectedVolume = rows.Where(r => r.OpenMs >= close - 86_400_000 && r.OpenMs < close).Sum(r => r.Volume);

        var quote = await venue.Connect<ITickerProvider>("coinbase").GetSpotQuoteAsync(Instrument.Parse("BTC/USD"));

        Assert.Equal(rows.Single(r => r.OpenMs == At("2020-12-01T12:33:00Z")).Close, quote.Value.Price);
        Assert.Equal(close, quote.Value.TimeMs);
        Assert.Equal(expectedVolume, quote.Value.Volume24h);
        Assert.Null(quote.Value.Bid);
        Assert.Null(quote.Value.Ask);
    }

    [Theory]
    [InlineData("kraken")]
    [InlineData("okx")]
    public async Task KrakenAndOkxQuotes_NoRecordedTicker_AreTheLatestClosedCandleWith24hVolume(string venueName)
    {
        var now = DateTimeOffset.Parse("2020-12-05T08:00:00Z", CultureInfo.InvariantCulture);
        await using var venue = await ReplayHarness.StartAsync(now, candles:
            [new ReplayCandleSource(venueName, Instrument.Parse("BTC/USD"), Timeframe.M1, TestData.CoinbaseMinute)]);
        var rows = CoinbaseMinuteRows();
        var close = now.ToUnixTimeMilliseconds(); // the 07:59 candle closes exactly now: closed
        var expectedVolume = rows.Where(r => r.OpenMs >= close - 86_400_000 && r.OpenMs < close).Sum(r => r.Volume);

        var quote = await venue.Connect<ITickerProvider>(venueName).GetSpotQuoteAsync(Instrument.Parse("BTC/USD"));

        Assert.Equal(rows.Single(r => r.OpenMs == close - 60_000).Close, quote.Value.Price);
        Assert.Equal(expectedVolume, quote.Value.Volume24h);
        Assert.Null(quote.Value.Bid);
        Assert.Null(quote.Value.Ask);
    }

    [Theory]
    [InlineData("binance", "AVAX/USDT")]
    [InlineData("binance-usdm", "AVAX/USDT:USDT")]
    public async Task BinanceQuote_Is24hTickerFromTheCandles(string venueName, string symbol)
    {
        var now = DateTimeOffset.Parse("2026-07-15T10:20:30Z", CultureInfo.InvariantCulture);
        await using var venue = await ReplayHarness.StartAsync(now, candles:
            [new ReplayCandleSource(venueName, Instrument.Parse(symbol), Timeframe.M1, TestData.AvaxMonth)]);
        var last = AvaxRows().Single(r => r.OpenMs == At("2026-07-15T10:19:00Z"));
        var window = AvaxRows().Where(r => r.OpenMs >= At("2026-07-14T10:20:00Z") && r.OpenMs < At("2026-07-15T10:20:00Z")).ToList();

        var quote = await venue.Connect<ITickerProvider>(venueName).GetSpotQuoteAsync(Instrument.Parse(symbol));

        Assert.Equal(last.Close, quote.Value.Price);
        Assert.Equal(window.Sum(r => r.Volume), quote.Value.Volume24h);
        Assert.Equal(At("2026-07-15T10:20:00Z") - 1, quote.Value.TimeMs); // closeTime as klines give it
        Assert.Null(quote.Value.Bid);
        Assert.Null(quote.Value.Ask);
        Assert.Contains("/ticker/24hr?symbol=AVAXUSDT", quote.Provenance.Endpoint, StringComparison.Ordinal);
    }

    private static string? Text(decimal? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static long At(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    /// <summary>The Coinbase BTC/USD minute file read directly: the base volume is the smaller of volto and volfrom (BTC is above 1 USD throughout).</summary>
    internal static List<(long OpenMs, decimal Close, decimal Volume)> CoinbaseMinuteRows()
        => File.ReadLines(TestData.CoinbaseMinute)
            .Skip(2)
            .Select(line => line.Split(','))
            .Select(f =>
            {
                var (to, from) = (Dec(f[8]), Dec(f[9]));
                return (long.Parse(f[1], CultureInfo.InvariantCulture) * 1000, Dec(f[7]), to > 0 && from > 0 ? Math.Min(to, from) : from);
            })
            .ToList();

    /// <summary>The AVAX/USDT perpetual July 2026 Binance dump read directly.</summary>
    internal static List<AvaxRow> AvaxRows()
        => File.ReadLines(TestData.AvaxMonth)
            .Skip(1)
            .Select(line => line.Split(','))
            .Select(f => new AvaxRow(long.Parse(f[0], CultureInfo.InvariantCulture), Dec(f[1]), Dec(f[2]), Dec(f[3]), Dec(f[4]), Dec(f[5]), Dec(f[7]), long.Parse(f[8], CultureInfo.InvariantCulture)))
            .ToList();

    private static decimal Dec(string text) => decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    internal sealed record AvaxRow(long OpenMs, decimal Open, decimal High, decimal Low, decimal Close, decimal Volume, decimal QuoteVolume, long Count);
}

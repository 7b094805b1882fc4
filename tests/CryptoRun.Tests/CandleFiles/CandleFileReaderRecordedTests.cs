using System.Globalization;
using CryptoRun.CandleFiles;
using CryptoRun.Domain;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.CandleFiles;

/// <summary>CandleFileReader on the three real OHLCV files in shared/data/ohlcv (see SOURCES.md).</summary>
public sealed class CandleFileReaderRecordedTests
{
    private static readonly Lazy<CandleFile> Avax = new(() => CandleFileReader.Read(TestData.AvaxMonth));
    private static readonly Lazy<CandleFile> CoinbaseMinute = new(() => CandleFileReader.Read(TestData.CoinbaseMinute));
    private static readonly Lazy<CandleFile> CoinbaseHour = new(() => CandleFileReader.Read(TestData.CoinbaseHour));

    private static long At(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static CandleFileRow RowAt(CandleFile file, string iso) => Assert.Single(file.Rows, r => r.Candle.OpenTimeMs == At(iso));

    [Fact]
    public void Read_AvaxUsdMMonth_IsBinanceDumpWith44640RowsOneMinuteApart()
    {
        var file = Avax.Value;

        Assert.Equal(CandleFileFormat.BinanceDump, file.Format);
        Assert.Equal(44640, file.Rows.Count);
        Assert.Equal(At("2026-07-01T00:00:00Z"), file.Rows[0].Candle.OpenTimeMs);
        Assert.Equal(At("2026-07-31T23:59:00Z"), file.Rows[^1].Candle.OpenTimeMs);
        for (var i = 1; i < file.Rows.Count; i++)
        {
            Assert.Equal(60_000, file.Rows[i].Candle.OpenTimeMs - file.Rows[i - 1].Candle.OpenTimeMs);
        }
    }

    [Fact]
    public void Read_AvaxUsdMMonth_FirstRowKeepsFileDigits()
    {
        var row = Avax.Value.Rows[0];
        var candle = row.Candle;

        Assert.Equal(2, row.Line);
        Assert.Equal("6.5340", Text(candle.Open));
        Assert.Equal("6.5430", Text(candle.High));
        Assert.Equal("6.5340", Text(candle.Low));
        Assert.Equal("6.5400", Text(candle.Close));
        Assert.Equal("33013", Text(candle.Volume));
        Assert.Equal("215829.8910", Text(candle.QuoteVolume!.Value));
        Assert.Equal(365, candle.TradeCount);
        Assert.Equal("30518", Text(row.TakerBuyVolume!.Value));
        Assert.Equal("199515.0150", Text(row.TakerBuyQuoteVolume!.Value));
    }

    [Fact]
    public void Read_AvaxUsdMMonth_LastRowIsLastLine()
    {
        var row = Avax.Value.Rows[^1];

        Assert.Equal(44641, row.Line);
        Assert.Equal("6.3820", Text(row.Candle.Open));
        Assert.Equal("6.3830", Text(row.Candle.Close));
        Assert.Equal(69, row.Candle.TradeCount);
    }

    [Fact]
    public void Read_AvaxUsdMMonth_SpanIsTheWholeMonthAndPassesOneMinuteCheck()
    {
        var file = Avax.Value;

        Assert.Equal(new TimeRange(At("2026-07-01T00:00:00Z"), At("2026-08-01T00:00:00Z")), file.Span(Timeframe.M1));
        Assert.Same(file, file.CheckTimeframe(Timeframe.M1));
        Assert.All(file.Rows, r => Assert.Null(CandleChecks.Problem(r.Candle, Timeframe.M1)));
    }

    [Fact]
    public void CheckTimeframe_AvaxMinutesAsHours_NamesTheFirstMisalignedLine()
    {
        var error = Assert.Throws<CandleFileException>(() => Avax.Value.CheckTimeframe(Timeframe.H1));

        Assert.Equal(3, error.Line);
        Assert.Contains(":3: open time 2026-07-01T00:01:00Z is not a 1h candle boundary", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_CoinbaseMinute_IsCryptoDataDownloadSortedAscending()
    {
        var file = CoinbaseMinute.Value;

        Assert.Equal(CandleFileFormat.CryptoDataDownload, file.Format);
        Assert.Equal(27950, file.Rows.Count);
        Assert.Equal(At("2020-11-22T18:46:00Z"), file.Rows[0].Candle.OpenTimeMs);
        Assert.Equal(27952, file.Rows[0].Line);
        Assert.Equal(At("2020-12-12T04:36:00Z"), file.Rows[^1].Candle.OpenTimeMs);
        Assert.Equal(3, file.Rows[^1].Line);
    }

    [Fact]
    public void Read_CoinbaseMinute_OnlyGapIsTheMissing2109Minute()
    {
        var rows = CoinbaseMinute.Value.Rows;

        var gaps = Enumerable.Range(1, rows.Count - 1)
            .Where(i => rows[i].Candle.OpenTimeMs - rows[i - 1].Candle.OpenTimeMs != 60_000)
            .Select(i => (rows[i - 1].Candle.OpenTimeMs, rows[i].Candle.OpenTimeMs))
            .ToList();

        Assert.Equal((At("2020-11-24T21:08:00Z"), At("2020-11-24T21:10:00Z")), Assert.Single(gaps));
    }

    [Fact]
    public void Read_CoinbaseMinute_NewestRowHasBaseVolumeInBtc()
    {
        var candle = CoinbaseMinute.Value.Rows[^1].Candle;

        Assert.Equal("18299.03", Text(candle.Open));
        Assert.Equal("18302.74", Text(candle.High));
        Assert.Equal("18299.03", Text(candle.Low));
        Assert.Equal("18302.43", Text(candle.Close));
        Assert.Equal("0.13180145", Text(candle.Volume));
        Assert.Equal("2412.2868125235", Text(candle.QuoteVolume!.Value));
        Assert.Null(candle.TradeCount);
    }

    [Fact]
    public void Read_CoinbaseMinute_OldestRowKeepsFileDigits()
    {
        var candle = CoinbaseMinute.Value.Rows[0].Candle;

        Assert.Equal("18568.85", Text(candle.Open));
        Assert.Equal("18558.86", Text(candle.Close));
        Assert.Equal("8.7218477", Text(candle.Volume));
        Assert.Equal("161867.550405622", Text(candle.QuoteVolume!.Value));
    }

    [Fact]
    public void Read_CoinbaseHour_IsCryptoDataDownloadWith22601RowsAscending()
    {
        var file = CoinbaseHour.Value;

        Assert.Equal(CandleFileFormat.CryptoDataDownload, file.Format);
        Assert.Equal(22601, file.Rows.Count);
        Assert.Equal(At("2018-05-15T06:00:00Z"), file.Rows[0].Candle.OpenTimeMs);
        Assert.Equal(At("2020-12-11T23:00:00Z"), file.Rows[^1].Candle.OpenTimeMs);
        Assert.Same(file, file.CheckTimeframe(Timeframe.H1));
        Assert.All(Enumerable.Range(1, file.Rows.Count - 1), i => Assert.True(file.Rows[i].Candle.OpenTimeMs > file.Rows[i - 1].Candle.OpenTimeMs));
    }

    [Fact]
    public void Read_CoinbaseHour_RowBeforeVolumeSwap_BaseVolumeIsBtc()
    {
        // 2020-11-10 11:00: volto = 12051959.56 (USD), volfrom = 788.9 (BTC).
        var row = RowAt(CoinbaseHour.Value, "2020-11-10T11:00:00Z");

        Assert.Equal(759, row.Line);
        Assert.Equal("788.9", Text(row.Candle.Volume));
        Assert.Equal("12051959.56", Text(row.Candle.QuoteVolume!.Value));
    }

    [Fact]
    public void Read_CoinbaseHour_RowAfterVolumeSwap_BaseVolumeIsBtc()
    {
        // 2020-11-10 12:00: volto = 624.52927882 (BTC), volfrom = 9562192.769184172 (USD).
        var row = RowAt(CoinbaseHour.Value, "2020-11-10T12:00:00Z");

        Assert.Equal(758, row.Line);
        Assert.Equal("624.52927882", Text(row.Candle.Volume));
        Assert.Equal("9562192.769184172", Text(row.Candle.QuoteVolume!.Value));
    }

    [Fact]
    public void Read_CoinbaseHour_EveryTradedRowHasQuoteOverBaseNearClose()
    {
        var traded = CoinbaseHour.Value.Rows.Select(r => r.Candle).Where(c => c.Volume > 0).ToList();

        // 22601 rows, 26 of them without volume.
        Assert.Equal(22575, traded.Count);
        Assert.All(traded, c =>
        {
            var price = c.QuoteVolume!.Value / c.Volume;
            Assert.InRange(price, c.Close / 2, c.Close * 2);
        });
    }
}

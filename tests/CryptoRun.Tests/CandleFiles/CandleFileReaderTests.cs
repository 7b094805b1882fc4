using System.Globalization;
using CryptoRun.CandleFiles;
using CryptoRun.Domain;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.CandleFiles;

/// <summary>CandleFileReader on small files written to a temp folder: each format and each error.</summary>
public sealed class CandleFileReaderTests : IDisposable
{
    // 2026-07-01T00:00:00Z
    private const long July1 = 1_782_864_000_000;

    private const string BinanceHeader = "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore";

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private string Write(string content) => _dir.Write("candles.csv", content);

    [Fact]
    public void Read_BinanceDumpWithoutHeaderInMicroseconds_ConvertsToMilliseconds()
    {
        var path = Write("""
            1735689600000000,93576.00000000,93610.93000000,93537.50000000,93610.93000000,8.21827000,1735689659999999,768978.95379980,1726,3.94658000,369342.15254220,0
            1735689660000000,93610.93000000,93652.00000000,93610.93000000,93650.00000000,7.14000000,1735689719999999,668000.00000000,1500,3.00000000,280000.00000000,0

            """);

        var file = CandleFileReader.Read(path);

        Assert.Equal(CandleFileFormat.BinanceDump, file.Format);
        Assert.Equal(2, file.Rows.Count);
        Assert.Equal(1735689600000, file.Rows[0].Candle.OpenTimeMs);
        Assert.Equal(1735689660000, file.Rows[1].Candle.OpenTimeMs);
        Assert.Equal(1, file.Rows[0].Line);
        Assert.Equal("93576.00000000", Text(file.Rows[0].Candle.Open));
        Assert.Equal("768978.95379980", Text(file.Rows[0].Candle.QuoteVolume!.Value));
        Assert.Equal(1726, file.Rows[0].Candle.TradeCount);
        Assert.Equal("3.94658000", Text(file.Rows[0].TakerBuyVolume!.Value));
    }

    [Fact]
    public void Read_BinanceDumpWithoutHeaderInMilliseconds_KeepsMilliseconds()
    {
        var path = Write("1782864000000,6.5340,6.5430,6.5340,6.5400,33013,1782864059999,215829.8910,365,30518,199515.0150,0\n");

        var row = Assert.Single(CandleFileReader.Read(path).Rows);

        Assert.Equal(July1, row.Candle.OpenTimeMs);
    }

    [Fact]
    public void Read_KrakenOhlcvt_SevenColumnsEpochSeconds()
    {
        var path = Write("""
            1609459260,28990.3,29000.0,28980.0,28995.5,3.5,20
            1609459200,28990.1,29031.4,28933.6,28990.3,12.34567890,142
            """);

        var file = CandleFileReader.Read(path);

        Assert.Equal(CandleFileFormat.KrakenOhlcvt, file.Format);
        Assert.Equal(2, file.Rows.Count);
        var first = file.Rows[0].Candle;
        Assert.Equal(1609459200000, first.OpenTimeMs);
        Assert.Equal("28990.1", Text(first.Open));
        Assert.Equal("29031.4", Text(first.High));
        Assert.Equal("28933.6", Text(first.Low));
        Assert.Equal("28990.3", Text(first.Close));
        Assert.Equal("12.34567890", Text(first.Volume));
        Assert.Equal(142, first.TradeCount);
        Assert.Null(first.QuoteVolume);
        Assert.Equal(2, file.Rows[0].Line);
    }

    [Fact]
    public void Read_HeaderCsvIsoTimesWithOffsets_ConvertsToUtcAndLeavesOptionalColumnsNull()
    {
        var path = Write("""
            timestamp,open,high,low,close,volume
            2026-07-01T02:01:00+02:00,1.6,1.7,1.5,1.65,200
            2026-07-01T02:00:00+02:00,1.5,1.6,1.4,1.55,100.50
            2026-06-30T19:02:00-05:00,1.65,1.7,1.6,1.7,0
            """);

        var file = CandleFileReader.Read(path);

        Assert.Equal(CandleFileFormat.HeaderCsv, file.Format);
        Assert.Equal([July1, July1 + 60_000, July1 + 120_000], file.Rows.Select(r => r.Candle.OpenTimeMs));
        Assert.Equal(3, file.Rows[0].Line);
        Assert.Equal("100.50", Text(file.Rows[0].Candle.Volume));
        Assert.All(file.Rows, r =>
        {
            Assert.Null(r.Candle.QuoteVolume);
            Assert.Null(r.Candle.TradeCount);
            Assert.Null(r.TakerBuyVolume);
        });
    }

    [Fact]
    public void Read_HeaderCsvIsoTimesWithZAndWithoutOffset_AreUtc()
    {
        var path = Write("""
            date,open,high,low,close,volume
            2026-07-01T00:00:00Z,1,1,1,1,1
            2026-07-01 00:01:00,1,1,1,1,1
            """);

        Assert.Equal([July1, July1 + 60_000], CandleFileReader.Read(path).Rows.Select(r => r.Candle.OpenTimeMs));
    }

    [Fact]
    public void Read_HeaderCsvEpochSecondsWithQuoteVolumeAndTrades_ReadsThem()
    {
        var path = Write("""
            time,open,high,low,close,volume,quote_volume,trades
            1782864000,1.5,1.6,1.4,1.55,100,155.0,12
            1782864060,1.55,1.6,1.5,1.6,10,16,7.0
            """);

        var file = CandleFileReader.Read(path);

        Assert.Equal(CandleFileFormat.HeaderCsv, file.Format);
        Assert.Equal(July1, file.Rows[0].Candle.OpenTimeMs);
        Assert.Equal("155.0", Text(file.Rows[0].Candle.QuoteVolume!.Value));
        Assert.Equal(12, file.Rows[0].Candle.TradeCount);
        Assert.Equal(7, file.Rows[1].Candle.TradeCount);
    }

    [Fact]
    public void Read_HeaderCsvEpochMilliseconds_KeepsMilliseconds()
    {
        var path = Write("""
            open_time,open,high,low,close,volume
            1782864000000,1.5,1.6,1.4,1.55,100
            """);

        Assert.Equal(July1, Assert.Single(CandleFileReader.Read(path).Rows).Candle.OpenTimeMs);
    }

    [Fact]
    public void Read_HeaderCsvOptionalColumnsEmptyInARow_StayNullNotZero()
    {
        var path = Write("""
            timestamp,open,high,low,close,volume,quote_volume,count
            1782864000000,1.5,1.6,1.4,1.55,100,,
            1782864060000,1.5,1.6,1.4,1.55,100,0,0
            """);

        var rows = CandleFileReader.Read(path).Rows;

        Assert.Null(rows[0].Candle.QuoteVolume);
        Assert.Null(rows[0].Candle.TradeCount);
        Assert.Equal(0m, rows[1].Candle.QuoteVolume);
        Assert.Equal(0, rows[1].Candle.TradeCount);
    }

    [Fact]
    public void Read_QuotedFieldsAndCrLf_AreRead()
    {
        var path = Write("\"Timestamp\",\"Open\",\"High\",\"Low\",\"Close\",\"Volume\"\r\n\"1782864000\",\"1.5\",\"1.6\",\"1.4\",\"1.55\",\"100\"\r\n");

        var candle = Assert.Single(CandleFileReader.Read(path).Rows).Candle;

        Assert.Equal(July1, candle.OpenTimeMs);
        Assert.Equal("1.55", Text(candle.Close));
    }

    [Fact]
    public void Read_CryptoDataDownloadVolumeColumns_PicksBaseByInstrumentAndReadsTradeCount()
    {
        var path = Write("""
            https://www.CryptoDataDownload.com
            unix,date,symbol,open,high,low,close,Volume USD,Volume BTC,tradecount
            1735693200000,2025-01-01 01:00:00,BTC/USD,93500.1,93600,93400,93550.5,935505.00,10.0,1234
            1735689600000,2025-01-01 00:00:00,BTC/USD,93400,93510,93380,93500.1,467500.5,5.0,
            """);

        var file = CandleFileReader.Read(path, Instrument.Parse("BTC/USD"));

        Assert.Equal(CandleFileFormat.CryptoDataDownload, file.Format);
        Assert.Equal(1735689600000, file.Rows[0].Candle.OpenTimeMs);
        Assert.Equal("5.0", Text(file.Rows[0].Candle.Volume));
        Assert.Equal("467500.5", Text(file.Rows[0].Candle.QuoteVolume!.Value));
        Assert.Null(file.Rows[0].Candle.TradeCount);
        Assert.Equal("10.0", Text(file.Rows[1].Candle.Volume));
        Assert.Equal(1234, file.Rows[1].Candle.TradeCount);
    }

    [Fact]
    public void Read_CryptoDataDownloadUnixSeconds_ConvertsToMilliseconds()
    {
        var path = Write("""
            https://www.CryptoDataDownload.com
            unix,date,symbol,open,high,low,close,Volume ETH,Volume USDT
            1782864000,2026-07-01 00:00:00,ETH/USDT,2000,2010,1990,2005,3,6015
            """);

        var candle = Assert.Single(CandleFileReader.Read(path, Instrument.Parse("ETH/USDT")).Rows).Candle;

        Assert.Equal(July1, candle.OpenTimeMs);
        Assert.Equal(3m, candle.Volume);
        Assert.Equal(6015m, candle.QuoteVolume);
    }

    [Fact]
    public void Read_CryptoDataDownloadUrlLineOnly_NamesMissingHeader()
    {
        var path = Write("https://www.CryptoDataDownload.com\n\n");

        var error = Assert.Throws<CandleFileException>(() => CandleFileReader.Read(path));

        Assert.Contains("no header", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EmptyFile_ThrowsNamingPath()
    {
        var path = Write("");

        var error = Assert.Throws<CandleFileException>(() => CandleFileReader.Read(path));

        Assert.Equal(0, error.Line);
        Assert.Equal(path, error.FilePath);
        Assert.Equal($"{path}: no candles: the file is empty; expected a candle CSV", error.Message);
    }

    [Fact]
    public void Read_BlankLinesOnly_IsEmpty()
    {
        var path = Write("\n   \n\n");

        var error = Assert.Throws<CandleFileException>(() => CandleFileReader.Read(path));

        Assert.Contains("is empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MissingFile_ThrowsCandleFileException()
    {
        var path = _dir.File("absent.csv");

        var error = Assert.Throws<CandleFileException>(() => CandleFileReader.Read(path));

        Assert.Contains("cannot be read", error.Message, StringComparison.Ordinal);
        Assert.Equal(path, error.FilePath);
    }

    [Fact]
    public void Read_UnknownFiveColumnHeaderlessFile_NamesColumnCountAndKnownFormats()
    {
        var path = Write("1782864000000,1.5,1.6,1.4,1.55\n");

        var error = Assert.Throws<CandleFileException>(() => CandleFileReader.Read(path));

        Assert.Equal(1, error.Line);
        Assert.StartsWith($"{path}:1: has no header and 5 columns", error.Message, StringComparison.Ordinal);
        Assert.Contains("Binance kline dump (12 columns)", error.Message, StringComparison.Ordinal);
        Assert.Contains("Kraken OHLCVT file (7 columns)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_HeaderWithoutClose_QuotesTheHeader()
    {
        var path = Write("""
            open_time,open,high,low,volume
            1782864000000,1.5,1.6,1.4,100
            """);

        var error = Assert.Throws<CandleFileException>(() => CandleFileReader.Read(path));

        Assert.Equal(1, error.Line);
        Assert.Contains("header 'open_time,open,high,low,volume' is not a candle file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_BinanceDumpBadNumber_NamesPathLineAndColumn()
    {
        var path = Write($"""
            {BinanceHeader}
            1782864000000,6.5340,6.5430,6.5340,6.5400,33013,1782864059999,215829.8910,365,30518,199515.0150,0
            1782864060000,6.5390,abc,6.5310,6.5340,6177,1782864119999,40359.0740,259,2004,13093.1430,0
            """);

        var error = Assert.Throws<CandleFileException>(() => CandleFileReader.Read(path));

        Assert.Equal(3, error.Line);
        Assert.Equal($"{path}:3: high 'abc' is not a decimal number", error.Message);
    }

    [Fact]
    public void Read_HeaderCsvBadQuoteVolume_NamesTheHeaderColumn()
    {
        var path = Write("""
            timestamp,open,high,low,close,volume,quote_volume
            1782864000000,1.5,1.6,1.4,1.55,100,1.2.3
            """);

        var error = Assert.Throws<CandleFileException>(() => CandleFileReader.Read(path));

        Assert.StartsWith($"{path}:2: quote_volume '1.2.3'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_HeaderCsvBadTime_NamesColumnAndValue()
    {
        var path = Write("""
            timestamp,open,high,low,close,volume
            yesterday,1.5,1.6,1.4,1.55,100
            """);

        var error = Assert.Throws<CandleFileException>(() => CandleFileReader.Read(path));

        Assert.Equal(2, error.Line);
        Assert.Contains("timestamp 'yesterday'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_KrakenFractionalTradeCount_NamesTrades()
    {
        var path = Write("1609459200,1,2,0.5,1.5,3,4.5\n");

        var error = Assert.Throws<CandleFileException>(() => CandleFileReader.Read(path));

        Assert.Contains(":1: trades '4.5' is not a whole number", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_RowWithTooFewColumns_NamesCountsAndLine()
    {
        var path = Write($"""
            {BinanceHeader}
            1782864000000,6.5340,6.5430,6.5340,6.5400
            """);

        var error = Assert.Throws<CandleFileException>(() => CandleFileReader.Read(path));

        Assert.Equal(2, error.Line);
        Assert.Contains("has 5 columns; expected 12", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DuplicateOpenTime_NamesBothLines()
    {
        var path = Write($"""
            {BinanceHeader}
            1782864000000,6.5340,6.5430,6.5340,6.5400,33013,1782864059999,215829.8910,365,30518,199515.0150,0
            1782864060000,6.5390,6.5390,6.5310,6.5340,6177,1782864119999,40359.0740,259,2004,13093.1430,0
            1782864000000,6.5340,6.5430,6.5340,6.5400,33013,1782864059999,215829.8910,365,30518,199515.0150,0
            """);

        var error = Assert.Throws<CandleFileException>(() => CandleFileReader.Read(path));

        Assert.Equal(4, error.Line);
        Assert.Equal($"{path}:4: open time 2026-07-01T00:00:00Z appears again (first at line 2)", error.Message);
    }

    [Fact]
    public void Read_DuplicateOpenTimeWrittenDifferently_IsStillADuplicate()
    {
        var path = Write("""
            timestamp,open,high,low,close,volume
            2026-07-01T02:00:00+02:00,1.5,1.6,1.4,1.55,100
            1782864000,1.5,1.6,1.4,1.55,100
            """);

        var error = Assert.Throws<CandleFileException>(() => CandleFileReader.Read(path));

        Assert.Equal(3, error.Line);
        Assert.Contains("first at line 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckTimeframe_MisalignedRow_NamesItsLine()
    {
        var path = Write("""
            timestamp,open,high,low,close,volume
            2026-07-01T00:00:00Z,1.5,1.6,1.4,1.55,100
            2026-07-01T00:01:30Z,1.5,1.6,1.4,1.55,100
            """);
        var file = CandleFileReader.Read(path);

        var error = Assert.Throws<CandleFileException>(() => file.CheckTimeframe(Timeframe.M1));

        Assert.Equal(3, error.Line);
        Assert.StartsWith($"{path}:3: open time 2026-07-01T00:01:30Z is not a 1m candle boundary", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Span_NoRows_IsEmpty()
        => Assert.True(new CandleFile("none.csv", CandleFileFormat.HeaderCsv, []).Span(Timeframe.M1).IsEmpty);

    [Theory]
    [InlineData("timestamp,open,high,low,close,volume\n", 1)]
    [InlineData(BinanceHeader + "\n\n", 1)]
    [InlineData("https://www.CryptoDataDownload.com\nunix,date,symbol,open,high,low,close,Volume BTC,Volume USD\n", 2)]
    public void Read_HeaderWithoutRows_NoCandlesNamingTheHeaderLine(string content, int headerLine)
    {
        var path = Write(content);

        var error = Assert.Throws<CandleFileException>(() => CandleFileReader.Read(path));

        Assert.Equal($"{path}: no candles: the header (line {headerLine}) is followed by no rows", error.Message);
    }

    [Theory]
    [InlineData("open_time,open,high,low,close,volume\n1969-12-31T23:59:00Z,1,1,1,1,1\n", "1969-12-31T23:59:00Z")]
    [InlineData("open_time,open,high,low,close,volume\n9999-12-31T23:59:00Z,1,1,1,1,1\n", "9999-12-31T23:59:00Z")]
    [InlineData("open_time,open,high,low,close,volume\n4102444800000,1,1,1,1,1\n", "2100-01-01T00:00:00Z")]
    [InlineData("timestamp,open,high,low,close,volume\n-60,1,1,1,1,1\n", "'-60'")]
    [InlineData("4102444800,1,1,1,1,1,3\n", "2100-01-01T00:00:00Z")]
    [InlineData("9223372036854775807,1,1,1,1,1,3\n", "'9223372036854775807'")]
    public void Read_OpenTimeOutsideTheAcceptedTimes_NamesLineAndRange(string content, string shown)
    {
        var path = Write(content);

        var error = Assert.Throws<CandleFileException>(() => CandleFileReader.Read(path));

        Assert.True(error.Line > 0, error.Message);
        Assert.Contains(shown, error.Message, StringComparison.Ordinal);
        Assert.Contains("CryptoRun accepts times from 1970-01-01 to 2100-01-01", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_HugeFieldValue_EchoIsTruncatedAndSaysSo()
    {
        var path = Write($"open_time,open,high,low,close,volume\n2026-07-01T00:00:00Z,{new string('x', 10_000)},1,1,1,1\n");

        var error = Assert.Throws<CandleFileException>(() => CandleFileReader.Read(path));

        Assert.Equal(2, error.Line);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 400, error.Message);
    }

    [Fact]
    public void Read_HugeHeader_EchoIsTruncatedAndSaysSo()
    {
        var path = Write(string.Join(',', Enumerable.Range(0, 1_000).Select(i => $"column{i}")) + "\n1,2\n");

        var error = Assert.Throws<CandleFileException>(() => CandleFileReader.Read(path));

        Assert.Equal(1, error.Line);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 600, error.Message);
    }

    [Fact]
    public void Read_LineLongerThanAnyFormatNeeds_DataErrorNamingTheLine()
    {
        var path = Write("open_time,open,high,low,close,volume\n2026-07-01T00:00:00Z,1,1,1,1,1\n" + new string('9', 1_000_000) + "\n");

        var error = Assert.Throws<CandleFileException>(() => CandleFileReader.Read(path));

        Assert.Equal(3, error.Line);
        Assert.Contains("longer than", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 400, error.Message);
    }

    [Fact]
    public void Read_BinaryFile_DataErrorSayingSo()
    {
        var path = _dir.File("candles.bin");
        File.WriteAllBytes(path, [.. "open_time,open,high,low,close,volume\n"u8, 0x50, 0x4B, 0x03, 0x04, 0x00, 0x00, 0x08, 0x00]);

        var error = Assert.Throws<CandleFileException>(() => CandleFileReader.Read(path));

        Assert.Equal(2, error.Line);
        Assert.Contains("NUL", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { 0, 5, 10, 20, 25 }, "5m")]
    [InlineData(new[] { 0, 2, 6, 8 }, "2m")]
    [InlineData(new[] { 0, 60, 120, 240 }, "1h")]
    public void CheckTimeframe_RowsSpacedAtAMultipleThroughout_NamesTheSpacingFound(int[] minutes, string spacing)
    {
        var path = Write("timestamp,open,high,low,close,volume\n" + string.Concat(minutes.Select(m => $"{(July1 / 1000) + (m * 60)},1,1,1,1,1\n")));

        var error = Assert.Throws<CandleFileException>(() => CandleFileReader.Read(path).CheckTimeframe(Timeframe.M1));

        Assert.Contains($"{spacing} apart", error.Message, StringComparison.Ordinal);
        Assert.Contains("is the timeframe right?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckTimeframe_SpacingIsTheCommonDivisorOfAllSteps_OneSlotApartAnywhereOrASingleRowPasses()
    {
        string File(params int[] minutes) => Write("timestamp,open,high,low,close,volume\n" + string.Concat(minutes.Select(m => $"{(July1 / 1000) + (m * 60)},1,1,1,1,1\n")));

        Assert.Throws<CandleFileException>(() => CandleFileReader.Read(File(0, 2, 4)).CheckTimeframe(Timeframe.M1));
        Assert.Equal(3, CandleFileReader.Read(File(0, 2, 5)).CheckTimeframe(Timeframe.M1).Rows.Count);
        Assert.Equal(2, CandleFileReader.Read(File(0, 1)).CheckTimeframe(Timeframe.M1).Rows.Count);
        Assert.Single(CandleFileReader.Read(File(7)).CheckTimeframe(Timeframe.M1).Rows);
    }

    [Theory]
    [InlineData((byte)0x00, "NUL character")]
    [InlineData((byte)'7', "longer than 16,384 characters")]
    public void Read_EndlessInput_StopsAtOnceHavingReadLittle(byte fill, string message)
    {
        using var endless = new EndlessStream(fill);

        var error = Assert.Throws<CandleFileException>(() => CandleFileReader.Read(endless, "endless", null));

        Assert.Equal(1, error.Line);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.True(endless.BytesRead < 512 * 1024, $"read {endless.BytesRead} bytes of an endless input");
    }

    /// <summary>An input without end: every read fills the buffer with one byte; counts what was read.</summary>
    private sealed class EndlessStream(byte fill) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            buffer.AsSpan(offset, count).Fill(fill);
            BytesRead += count;
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

using CryptoRun.Domain;

namespace CryptoRun.Tests.Domain;

public sealed class InstrumentTests
{
    [Fact]
    public void Parse_Spot_HasBaseAndQuoteAndNoSettle()
    {
        var instrument = Instrument.Parse("BTC/USDT");

        Assert.Equal("BTC", instrument.Base);
        Assert.Equal("USDT", instrument.Quote);
        Assert.Null(instrument.Settle);
        Assert.False(instrument.IsPerpetual);
        Assert.Equal("BTC/USDT", instrument.Symbol);
    }

    [Fact]
    public void Parse_PerpetualForm_HasSettleAsset()
    {
        var instrument = Instrument.Parse("AVAX/USDT:USDT");

        Assert.Equal("AVAX", instrument.Base);
        Assert.Equal("USDT", instrument.Quote);
        Assert.Equal("USDT", instrument.Settle);
        Assert.True(instrument.IsPerpetual);
        Assert.Equal("AVAX/USDT:USDT", instrument.ToString());
    }

    [Fact]
    public void Parse_InversePerpetual_SettlesInBase()
    {
        var instrument = Instrument.Parse("BTC/USD:BTC");

        Assert.Equal("BTC", instrument.Settle);
        Assert.Equal("BTC/USD:BTC", instrument.Symbol);
    }

    [Theory]
    [InlineData("btc/usdt", "BTC/USDT")]
    [InlineData("Avax/Usdt:usdt", "AVAX/USDT:USDT")]
    [InlineData("1000shib/usdt", "1000SHIB/USDT")]
    public void Parse_LowerOrMixedCase_IsUpperCased(string text, string expected)
    {
        var instrument = Instrument.Parse(text);

        Assert.Equal(expected, instrument.Symbol);
        Assert.Equal(Instrument.Parse(expected), instrument);
    }

    [Theory]
    [InlineData("BTCUSDT")]
    [InlineData("BTC-USDT")]
    [InlineData("/USDT")]
    [InlineData("BTC/")]
    [InlineData("BTC/USDT:")]
    [InlineData("BTC/USDT:USDT:X")]
    [InlineData("BTC/US DT")]
    [InlineData(" BTC/USDT")]
    [InlineData("ETH2.S/ETH")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTU/USDT")]
    [InlineData("BTC//USDT")]
    public void Parse_NotAUnifiedSymbol_ThrowsFormatExceptionQuotingInput(string text)
    {
        var error = Assert.Throws<FormatException>(() => Instrument.Parse(text));

        Assert.Contains($"'{text}'", error.Message, StringComparison.Ordinal);
        Assert.False(Instrument.TryParse(text, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Parse_Blank_ThrowsFormatException(string text)
        => Assert.Throws<FormatException>(() => Instrument.Parse(text));

    [Fact]
    public void Parse_Null_ThrowsArgumentNull()
        => Assert.Throws<ArgumentNullException>(() => Instrument.Parse(null!));

    [Fact]
    public void TryParse_Null_ReturnsFalse()
    {
        Assert.False(Instrument.TryParse(null, out var instrument));
        Assert.Null(instrument);
    }

    [Fact]
    public void Parse_TwentyCharacterAsset_IsAccepted()
        => Assert.Equal("ABCDEFGHIJKLMNOPQRST", Instrument.Parse("ABCDEFGHIJKLMNOPQRST/USDT").Base);

    [Fact]
    public void Constructor_LowerCaseAsset_ThrowsNamingRoleAndCode()
    {
        var error = Assert.Throws<FormatException>(() => new Instrument("btc", "USDT"));

        Assert.Contains("'btc'", error.Message, StringComparison.Ordinal);
        Assert.Contains("base", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_BadSettleAsset_ThrowsNamingSettle()
    {
        var error = Assert.Throws<FormatException>(() => new Instrument("BTC", "USDT", "US-DT"));

        Assert.Contains("'US-DT'", error.Message, StringComparison.Ordinal);
        Assert.Contains("settle", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Equality_SpotAndPerpetualOfSamePair_AreDifferent()
    {
        Assert.Equal(new Instrument("BTC", "USDT"), Instrument.Parse("btc/usdt"));
        Assert.NotEqual(Instrument.Parse("BTC/USDT"), Instrument.Parse("BTC/USDT:USDT"));
    }
}

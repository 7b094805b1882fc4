using System.Buffers.Text;
using System.Globalization;
using System.Text;
using CryptoRun.Domain;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;

namespace CryptoRun.Tests.Domain;

/// <summary>
/// The fast decimal parser against the runtime's: same value and same scale (bits equal) for every text
/// <see cref="Utf8Parser"/> accepts in full, and a refusal for every text it refuses.
/// </summary>
public sealed class DecimalTextTests
{
    private const ulong Seed = 20_261_122;
    private const ulong Gamma = 0x9E37_79B9_7F4A_7C15;

    [Theory]
    [InlineData("0", "0")]
    [InlineData("29.10", "29.10")]
    [InlineData("-12.3400", "-12.3400")]
    [InlineData("0.00001234", "0.00001234")]
    [InlineData("6912.00000000", "6912.00000000")]
    [InlineData("9999999999999999999", "9999999999999999999")]
    [InlineData("12345678901234567890.5", "12345678901234567890.5")] // 21 digits: the fallback path
    [InlineData("1e-5", "0.00001")] // exponent: the fallback path
    public void TryParse_VenueTexts_KeepValueAndScale(string text, string expected)
    {
        Assert.True(DecimalText.TryParse(Encoding.UTF8.GetBytes(text), out var value));
        Assert.Equal(decimal.Parse(expected, NumberStyles.Float, CultureInfo.InvariantCulture), value);
        Assert.Equal(decimal.GetBits(decimal.Parse(expected, NumberStyles.Float, CultureInfo.InvariantCulture)), decimal.GetBits(value));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("1.2.3")]
    [InlineData("12a")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("NaN")]
    public void TryParse_NotADecimal_Refuses(string text)
    {
        Assert.False(DecimalText.TryParse(Encoding.UTF8.GetBytes(text), out _));
        var error = Assert.Throws<FormatException>(() => DecimalText.Parse(Encoding.UTF8.GetBytes(text), "candle open"));
        Assert.Contains("candle open", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_AnyText_AgreesWithUtf8Parser()
    {
        // Texts from the characters that matter, with long digit runs so the 19-digit edge is crossed often.
        var texts = from parts in Gen.ArrayOf(Gen.Frequency(
                        (12, Gen.Elements("0", "1", "5", "9", "00", "123456789")),
                        (2, Gen.Constant(".")),
                        (1, Gen.Elements("-", "e", "+", "x"))))
                    select string.Concat(parts);
        var config = Config.QuickThrowOnFailure
            .WithMaxTest(5_000)
            .WithQuietOnSuccess(true)
            .WithReplay(FSharpOption<FsCheck.Replay>.Some(new FsCheck.Replay(new Rnd(Seed, Gamma), FSharpOption<int>.None)));
        Check.One(nameof(TryParse_AnyText_AgreesWithUtf8Parser), config, Prop.ForAll(Arb.From(texts), text =>
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            var expected = Utf8Parser.TryParse(bytes, out decimal reference, out var consumed) && consumed == bytes.Length;
            var actual = DecimalText.TryParse(bytes, out var value);
            Assert.True(expected == actual, $"'{text}': Utf8Parser {(expected ? "accepts" : "refuses")}, DecimalText {(actual ? "accepts" : "refuses")}");
            if (expected)
            {
                Assert.True(decimal.GetBits(reference).SequenceEqual(decimal.GetBits(value)), $"'{text}': {reference} vs {value}");
            }
        }));
    }
}

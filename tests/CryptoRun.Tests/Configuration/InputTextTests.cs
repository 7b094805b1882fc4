using CryptoRun.Configuration;

namespace CryptoRun.Tests.Configuration;

public sealed class InputTextTests
{
    [Theory]
    [InlineData("BTCUSD", "'BTCUSD'")]
    [InlineData("", "''")]
    [InlineData(null, "''")]
    public void Quote_ShortValue_IsQuotedWhole(string? text, string quoted)
        => Assert.Equal(quoted, InputText.Quote(text));

    [Fact]
    public void Quote_AtTheLimit_IsWhole_OneMore_IsCutSayingSo()
    {
        var atLimit = new string('A', InputText.MaxQuoted);

        Assert.Equal($"'{atLimit}'", InputText.Quote(atLimit));
        Assert.Equal($"'{atLimit}…' ({InputText.MaxQuoted + 1} characters, cut)", InputText.Quote(atLimit + "B"));
    }

    [Fact]
    public void Quote_HundredThousandCharacters_KeepsTheFirstPartAndTheLength()
    {
        var quoted = InputText.Quote(new string('A', 100_000));

        Assert.Equal($"'{new string('A', InputText.MaxQuoted)}…' (100000 characters, cut)", quoted);
    }

    [Fact]
    public void Cut_NeverSplitsASurrogatePair()
    {
        var text = new string('A', InputText.MaxQuoted - 1) + "😀" + new string('B', 10);

        var cut = InputText.Cut(text);

        Assert.StartsWith(new string('A', InputText.MaxQuoted - 1) + "…", cut, StringComparison.Ordinal);
        Assert.DoesNotContain('\uD83D', cut);
    }
}

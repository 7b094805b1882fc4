using CryptoRun.Cli;
using CryptoRun.Tests.TestSupport;

namespace CryptoRun.Tests.Cli;

public sealed class CliInputTests
{
    [Theory]
    [InlineData("2026-07-01", "2026-07-01T00:00:00Z")]
    [InlineData("2026-07-01T12:30", "2026-07-01T12:30:00Z")]
    [InlineData("2026-07-01T12:30:15Z", "2026-07-01T12:30:15Z")]
    [InlineData("2026-07-01T14:30:00+02:00", "2026-07-01T12:30:00Z")]
    [InlineData("2026-07-01T12:30:00.250Z", "2026-07-01T12:30:00.250Z")]
    [InlineData("1782864000000", "2026-07-01T00:00:00Z")]
    public void ParseTime_IsoDatesDateTimesAndEpochMilliseconds(string text, string utc)
        => Assert.Equal(utc, CryptoRun.Domain.TimeRange.Format(CliOptions.ParseTime(text, "--from")));

    [Theory]
    [InlineData("07/01/2026")]
    [InlineData("2026-13-01")]
    [InlineData("-5")]
    [InlineData("")]
    public void ParseTime_OtherForms_UsageErrorNamingTheOption(string text)
    {
        var error = Assert.Throws<UsageException>(() => CliOptions.ParseTime(text, "--to"));
        Assert.StartsWith($"--to '{text}' is not a time", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1969-12-31", "--from")]
    [InlineData("1969-12-31T23:59:59.999Z", "--from")]
    [InlineData("2100-01-01T00:00:00.001Z", "--to")]
    [InlineData("9999-12-31", "--to")]
    [InlineData("4102444800001", "--to")]
    [InlineData("99999999999999999", "--from")]
    public void ParseTime_OutsideTheAcceptedTimes_UsageErrorNamingTheRange(string text, string option)
    {
        var error = Assert.Throws<UsageException>(() => CliOptions.ParseTime(text, option));

        Assert.StartsWith($"{option} '{text}' is outside the times CryptoRun accepts", error.Message, StringComparison.Ordinal);
        Assert.Contains("from 1970-01-01 to 2100-01-01", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseTime_EdgesOfTheAcceptedTimesInside_TheirNeighboursOutside()
    {
        Assert.Equal(0L, CliOptions.ParseTime("1970-01-01", "--from"));
        Assert.Equal(4_102_444_800_000L, CliOptions.ParseTime("2100-01-01", "--to"));
        Assert.Equal(4_102_444_800_000L, CliOptions.ParseTime("4102444800000", "--to"));
        Assert.Throws<UsageException>(() => CliOptions.ParseTime("1969-12-31T23:59:59.999Z", "--from"));
        Assert.Throws<UsageException>(() => CliOptions.ParseTime("4102444800001", "--to"));
    }

    [Fact]
    public void Endpoints_DefaultsAreTheRealVenues()
    {
        using var dir = new TempDir();
        using var connections = ProviderHost.Create(Environment(dir, []), [], null);

        Assert.Equal("https://api.binance.com/", connections.Endpoints["binance"].AbsoluteUri);
        Assert.Equal("https://fapi.binance.com/", connections.Endpoints["binance-usdm"].AbsoluteUri);
        Assert.Equal("https://api.kraken.com/", connections.Endpoints["kraken"].AbsoluteUri);
        Assert.Equal("https://api.exchange.coinbase.com/", connections.Endpoints["coinbase"].AbsoluteUri);
        Assert.Equal("https://www.okx.com/", connections.Endpoints["okx"].AbsoluteUri);
    }

    [Fact]
    public void Endpoints_ConfigThenEnvironmentThenOption_StrongestWins()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("config"));
        dir.Write("config/providers.yaml", "providers:\n  binance:\n    base_url: http://127.0.0.1:1001\n  kraken:\n    base_url: http://127.0.0.1:1002\n  okx:\n    base_url: http://127.0.0.1:1003\n");
        var variables = new Dictionary<string, string> { ["CRYPTORUN_ENDPOINT_KRAKEN"] = "http://127.0.0.1:2002", ["CRYPTORUN_ENDPOINT_OKX"] = "http://127.0.0.1:2003" };

        using var connections = ProviderHost.Create(Environment(dir, variables), ["okx=http://127.0.0.1:3003/v5"], null);

        Assert.Equal("http://127.0.0.1:1001/", connections.Endpoints["binance"].AbsoluteUri);
        Assert.Equal("http://127.0.0.1:2002/", connections.Endpoints["kraken"].AbsoluteUri);
        Assert.Equal("http://127.0.0.1:3003/v5/", connections.Endpoints["okx"].AbsoluteUri);
        Assert.Equal("https://api.exchange.coinbase.com/", connections.Endpoints["coinbase"].AbsoluteUri);
    }

    [Theory]
    [InlineData("providers:\n  bitmex:\n    base_url: http://127.0.0.1:1\n", "providers.yaml:2: unknown provider 'bitmex'")]
    [InlineData("providers:\n  binance:\n    base_url: not a url\n", "providers.yaml:3: providers.binance.base_url: 'not a url' is not an absolute http(s) URL")]
    [InlineData("providers: [unclosed\n", "providers.yaml:")]
    public void Endpoints_BadConfigFile_UsageErrorNamingTheFile(string yaml, string message)
    {
        using var dir = new TempDir();
        var path = dir.Write("providers.yaml", yaml);

        var error = Assert.Throws<UsageException>(() => ProviderHost.Create(Environment(dir, []), [], path));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    private static CliEnvironment Environment(TempDir dir, Dictionary<string, string> variables)
        => new(TextWriter.Null, TextWriter.Null, false, TimeProvider.System, dir.Path, variables);
}

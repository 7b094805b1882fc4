using System.Globalization;
using System.Text;
using CryptoRun.Domain;
using CryptoRun.Providers;
using CryptoRun.Tests.TestSupport;
using CryptoRun.Venues.DefiLlama;

namespace CryptoRun.Tests.Venues.DefiLlama;

/// <summary>DeFiLlama: nothing is recorded, so the parser runs on bodies following the documented shape and the connector against loopback stubs.</summary>
public sealed class DefiLlamaTests
{
    private static readonly DateTimeOffset Now = new(2026, 9, 1, 12, 0, 0, TimeSpan.Zero);

    private static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);

    private static async Task<(StubVenue Stub, Http Http)> StubAsync(string path, int status, string body)
    {
        var stub = await StubVenue.StartAsync(new Dictionary<string, (int, byte[], (string, string)[])> { [path] = (status, Utf8(body), []) });
        return (stub, new Http(stub.BaseAddress));
    }

    private static DefiLlamaConnector Connector(Http http) => new(VenueConnection.Direct(http.Client(), new ManualClock(Now)));

    [Fact]
    public void ParseTvl_BareNumber_TheVenueDigitsAtTheReadTime()
    {
        // GET /tvl/{protocol} answers a bare number (DeFiLlama API docs: "only returns a number").
        var point = DefiLlamaParser.ParseTvl("uniswap", Utf8("4962012809.795062"), 42);

        Assert.Equal("4962012809.795062", point.TvlUsd.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(new TvlPoint("uniswap", 42, 4962012809.795062m), point);
    }

    [Fact]
    public void ParseTvl_ObjectInsteadOfNumber_FormatExceptionSayingWhatCame()
    {
        var error = Assert.Throws<FormatException>(() => DefiLlamaParser.ParseTvl("aave", Utf8("""{"tvl":1}"""), 0));

        Assert.Equal("tvl aave: expected a bare number, found an object", error.Message);
    }

    [Fact]
    public async Task GetProtocolTvl_SlugLowerCased_AsksTvlPathAndStampsTheFetchTime()
    {
        var (stub, http) = await StubAsync("/tvl/uniswap", 200, "4962012809.795062");
        await using var _ = stub;
        using var __ = http;

        var tvl = await Connector(http).GetProtocolTvlAsync("Uniswap");

        Assert.Equal("GET /tvl/uniswap", tvl.Provenance.Endpoint);
        Assert.Equal(Now.ToUnixTimeMilliseconds(), tvl.Value.TimeMs);
        Assert.Equal("uniswap", tvl.Value.Protocol);
    }

    [Fact]
    public async Task GetProtocolTvl_UnknownSlug404PlainText_RequestExceptionNamingTheSlug()
    {
        var (stub, http) = await StubAsync("/tvl/nosuchprotocol", 404, "Not found");
        await using var _ = stub;
        using var __ = http;

        var error = await Assert.ThrowsAsync<VenueRequestException>(() => Connector(http).GetProtocolTvlAsync("nosuchprotocol"));

        Assert.Equal(404, error.StatusCode);
        Assert.Equal("Not found", error.VenueCode);
        Assert.Contains("GET /tvl/nosuchprotocol", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetProtocolTvl_Legacy400Message_RequestExceptionWithTheMessage()
    {
        var (stub, http) = await StubAsync("/tvl/gone", 400, """{"message":"Protocol is not in our database"}""");
        await using var _ = stub;
        using var __ = http;

        var error = await Assert.ThrowsAsync<VenueRequestException>(() => Connector(http).GetProtocolTvlAsync("gone"));

        Assert.Equal("Protocol is not in our database", error.VenueCode);
    }

    [Fact]
    public async Task Probe_502_Unavailable()
    {
        var (stub, http) = await StubAsync("/tvl/uniswap", 502, "Bad Gateway");
        await using var _ = stub;
        using var __ = http;

        await Assert.ThrowsAsync<VenueUnavailableException>(() => Connector(http).ProbeAsync());
    }
}

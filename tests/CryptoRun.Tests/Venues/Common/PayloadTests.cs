using System.Text;
using System.Text.Json;
using CryptoRun.Domain;
using CryptoRun.Venues.Binance;
using CryptoRun.Venues.Common;
using CryptoRun.Venues.Kraken;
using CryptoRun.Venues.Okx;

namespace CryptoRun.Tests.Venues.Common;

public sealed class PayloadTests
{
    private static readonly DateTimeOffset FetchedAt = new(2026, 7, 1, 0, 0, 0, TimeSpan.Zero);

    private static T ParseReply<T>(string venue, string endpoint, string body, Func<byte[], T> parse)
    {
        using var response = new HttpResponseMessage();
        var reply = new VenueReply(Encoding.UTF8.GetBytes(body), response.Headers, new Provenance(venue, endpoint, null, 12, FetchedAt));
        return Payload.Parse(reply, parse);
    }

    [Fact]
    public void Parse_WellFormedBody_ReturnsParsedValue()
    {
        var candles = ParseReply("binance", "GET /api/v3/klines?symbol=BTCUSDT&interval=1m", """[[1782864000000,"1","2","0.5","1.5","3",1782864059999,"4",1,"0","0","0"]]""",
            body => BinanceParser.ParseKlines(body));

        Assert.Equal(1.5m, Assert.Single(candles).Close);
    }

    [Fact]
    public void Parse_FormatFailure_WrapsIntoVenueDataExceptionNamingVenueEndpointAndPlace()
    {
        const string endpoint = "GET /api/v3/klines?symbol=BTCUSDT&interval=1m";

        var error = Assert.Throws<VenueDataException>(() => ParseReply("binance", endpoint,
            """[[1782864000000,"abc","2","0.5","1.5","3",1782864059999,"4",1,"0","0","0"]]""",
            body => BinanceParser.ParseKlines(body)));

        Assert.Equal("binance", error.Venue);
        Assert.False(error.IsTransient);
        Assert.StartsWith($"binance {endpoint}: malformed response:", error.Message, StringComparison.Ordinal);
        Assert.Contains("kline 0 open", error.Message, StringComparison.Ordinal);
        Assert.IsType<FormatException>(error.InnerException);
    }

    [Fact]
    public void Parse_TruncatedJson_WrapsJsonException()
    {
        var error = Assert.Throws<VenueDataException>(() => ParseReply("kraken", "GET /0/public/OHLC?pair=XXBTZUSD&interval=1", """{"error":[],"result":{"XXBTZUSD":[[1688671200,"1""",
            body => KrakenParser.ParseOhlc("kraken", body)));

        Assert.Equal("kraken", error.Venue);
        Assert.Contains("GET /0/public/OHLC?pair=XXBTZUSD&interval=1", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<JsonException>(error.InnerException);
    }

    [Fact]
    public void Parse_ShortBookLevel_WrapsIntoVenueDataException()
    {
        var error = Assert.Throws<VenueDataException>(() => ParseReply("kraken", "GET /0/public/Depth?pair=XXBTZUSD", """{"error":[],"result":{"XXBTZUSD":{"asks":[["30384.1"]],"bids":[]}}}""",
            body => KrakenParser.ParseDepth("kraken", Instrument.Parse("BTC/USD"), body)));

        Assert.Contains("GET /0/public/Depth?pair=XXBTZUSD", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_VenueErrorEnvelope_IsNotWrapped()
    {
        var error = Assert.Throws<VenueRequestException>(() => ParseReply("okx", "GET /api/v5/market/candles?instId=FOO-BAR", """{"code":"51001","msg":"Instrument ID does not exist","data":[]}""",
            body => OkxParser.ParseCandles("okx", body)));

        Assert.Equal("51001", error.VenueCode);
    }

    [Fact]
    public void Parse_RateLimitEnvelope_StaysTransient()
    {
        var error = Assert.Throws<VenueRateLimitedException>(() => ParseReply("kraken", "GET /0/public/OHLC", """{"error":["EAPI:Rate limit exceeded"]}""",
            body => KrakenParser.ParseOhlc("kraken", body)));

        Assert.True(error.IsTransient);
    }
}

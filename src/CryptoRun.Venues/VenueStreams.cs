using CryptoRun.Streaming;
using CryptoRun.Venues.Binance;
using CryptoRun.Venues.Kraken;
using CryptoRun.Venues.Okx;

namespace CryptoRun.Venues;

/// <summary>A venue's WebSocket stream (the hot tier).</summary>
/// <param name="Name">The stream's name (<c>--venue</c> of <c>probe data</c>; the replay venue's <c>/ws/NAME</c>).</param>
/// <param name="RestVenue">The REST connector that gives its market metadata, REST snapshots and trade backfill (<see cref="VenueRegistry"/>).</param>
/// <param name="Create">Creates the protocol.</param>
public sealed record StreamVenueDescriptor(string Name, string RestVenue, Func<IStreamProtocol> Create);

/// <summary>Every venue stream, by name. A new stream is one protocol class in its venue's folder and one line here.</summary>
public static class VenueStreams
{
    /// <summary>All streams, in the order commands list them.</summary>
    public static IReadOnlyList<StreamVenueDescriptor> All { get; } =
    [
        new("binance", "binance", () => BinanceStreamProtocol.Spot),
        new("binance-usdm", "binance-usdm", () => BinanceStreamProtocol.UsdM),
        new("kraken", "kraken", () => new KrakenStreamProtocol()),
        new("okx", "okx", () => new OkxStreamProtocol()),
    ];

    /// <summary>Finds a stream by name (case-insensitive).</summary>
    /// <param name="name">The stream name.</param>
    /// <returns>The stream.</returns>
    /// <exception cref="ArgumentException">No stream has that name; the message lists the known ones.</exception>
    public static StreamVenueDescriptor Get(string name)
        => All.FirstOrDefault(v => string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase))
           ?? throw new ArgumentException($"no WebSocket stream for '{name}': use one of {string.Join(", ", All.Select(v => v.Name))}", nameof(name));
}

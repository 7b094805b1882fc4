namespace CryptoRun.Venues.Common;

/// <summary>
/// CRC-32 as zlib computes it (IEEE 802.3, reflected polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF):
/// the checksum Kraken and OKX put on their order books.
/// </summary>
/// <remarks>
/// Our own because the package registry this project builds from holds no version of System.IO.Hashing
/// (tried 8.0.0 to 10.0.1). Checked against the standard check value (<c>"123456789"</c> gives 0xCBF43926) and
/// against every checksum in the recorded Kraken and OKX streams.
/// </remarks>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    /// <summary>The CRC-32 of <paramref name="data"/>.</summary>
    internal static uint Hash(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFF_FFFFu;
        foreach (var b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB8_8320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}

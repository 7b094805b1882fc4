using System.Runtime.InteropServices;

namespace CryptoRun.Replay.Recordings;

/// <summary>
/// Zstandard decompression through the system's libzstd (Debian package <c>libzstd1</c>, present
/// wherever <c>apt</c> is), with its streaming API, so frames that do not state their content size
/// (cryptofeed writes its captures that way) decompress too.
/// </summary>
/// <remarks>
/// The managed port ZstdSharp.Port is not served by the package registry this project builds from
/// (NU1101 for every version), so the reference decoder is loaded at run time instead. The library
/// is loaded for each call and released after it: no process-wide state.
/// </remarks>
internal static class Zstd
{
    private static readonly string[] LibraryNames = ["libzstd.so.1", "libzstd.so", "libzstd.1.dylib", "libzstd.dylib", "libzstd.dll", "zstd"];

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate nint CreateDStream();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate nuint FreeDStream(nint stream);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate nuint InitDStream(nint stream);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate nuint DecompressStream(nint stream, ref Buffer output, ref Buffer input);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate uint IsError(nuint code);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate nint GetErrorName(nuint code);

    /// <summary>Decompresses a whole <c>.zst</c> file (one or more concatenated frames).</summary>
    /// <exception cref="InvalidDataException">The data is not Zstandard, is corrupt or is truncated; the message names the file.</exception>
    /// <exception cref="DllNotFoundException">No libzstd can be loaded (install the <c>libzstd1</c> package).</exception>
    internal static byte[] DecompressFile(string path)
    {
        var compressed = File.ReadAllBytes(path);
        try
        {
            return Decompress(compressed);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"{path}: {ex.Message}", ex);
        }
    }

    /// <summary>Decompresses Zstandard data (one or more concatenated frames).</summary>
    /// <exception cref="InvalidDataException">The data is not Zstandard, is corrupt or is truncated.</exception>
    /// <exception cref="DllNotFoundException">No libzstd can be loaded.</exception>
    internal static byte[] Decompress(byte[] compressed)
    {
        ArgumentNullException.ThrowIfNull(compressed);
        var library = Load();
        try
        {
            var create = Export<CreateDStream>(library, "ZSTD_createDStream");
            var free = Export<FreeDStream>(library, "ZSTD_freeDStream");
            var init = Export<InitDStream>(library, "ZSTD_initDStream");
            var decompress = Export<DecompressStream>(library, "ZSTD_decompressStream");
            var isError = Export<IsError>(library, "ZSTD_isError");
            var errorName = Export<GetErrorName>(library, "ZSTD_getErrorName");
            string Describe(nuint code) => Marshal.PtrToStringUTF8(errorName(code)) ?? "unknown error";

            var stream = create();
            if (stream == 0)
            {
                throw new InvalidOperationException("ZSTD_createDStream failed");
            }

            var chunk = new byte[1 << 17];
            var inputHandle = GCHandle.Alloc(compressed, GCHandleType.Pinned);
            var outputHandle = GCHandle.Alloc(chunk, GCHandleType.Pinned);
            try
            {
                var started = init(stream);
                if (isError(started) != 0)
                {
                    throw new InvalidDataException($"zstd: {Describe(started)}");
                }

                using var result = new MemoryStream(compressed.Length * 8);
                var input = new Buffer(inputHandle.AddrOfPinnedObject(), (nuint)compressed.Length, 0);
                nuint pending = 0;
                while (true)
                {
                    var output = new Buffer(outputHandle.AddrOfPinnedObject(), (nuint)chunk.Length, 0);
                    var inputBefore = input.Position;
                    pending = decompress(stream, ref output, ref input);
                    if (isError(pending) != 0)
                    {
                        throw new InvalidDataException($"zstd: {Describe(pending)}");
                    }

                    result.Write(chunk, 0, (int)output.Position);
                    var inputLeft = input.Position < input.Size;
                    var outputFull = output.Position == output.Size;
                    if (!inputLeft && !outputFull)
                    {
                        break;
                    }

                    if (inputLeft && !outputFull && output.Position == 0 && input.Position == inputBefore)
                    {
                        throw new InvalidDataException("zstd: no progress decoding the data");
                    }
                }

                if (pending != 0)
                {
                    throw new InvalidDataException("zstd: the data ends inside a frame (truncated)");
                }

                return result.ToArray();
            }
            finally
            {
                inputHandle.Free();
                outputHandle.Free();
                free(stream);
            }
        }
        finally
        {
            NativeLibrary.Free(library);
        }
    }

    private static nint Load()
    {
        foreach (var name in LibraryNames)
        {
            if (NativeLibrary.TryLoad(name, out var handle))
            {
                return handle;
            }
        }

        throw new DllNotFoundException($"reading .zst captures needs the Zstandard library (libzstd; Debian package libzstd1); tried {string.Join(", ", LibraryNames)}");
    }

    private static T Export<T>(nint library, string name)
        where T : Delegate
        => Marshal.GetDelegateForFunctionPointer<T>(NativeLibrary.GetExport(library, name));

    /// <summary><c>ZSTD_inBuffer</c> / <c>ZSTD_outBuffer</c>: a pointer, its size and the position reached.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Buffer(nint data, nuint size, nuint position)
    {
        public nint Data = data;
        public nuint Size = size;
        public nuint Position = position;
    }
}

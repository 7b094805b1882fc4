using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace CryptoRun.Configuration;

/// <summary>
/// Reads the YAML files people give CryptoRun (<c>config/providers.yaml</c>, replay faults files) within bounds
/// far above any real one: at most <see cref="MaxBytes"/> bytes and <see cref="MaxDepth"/> nested collections.
/// YamlDotNet's representation model builds nodes recursively, so a file nested 100,000 deep would overflow the
/// stack and abort the process; the depth is counted on the parser's events, before any node is built.
/// </summary>
public static class BoundedYaml
{
    /// <summary>The deepest nesting of mappings and sequences accepted (a real config nests 4 deep).</summary>
    public const int MaxDepth = 64;

    /// <summary>The largest file accepted, in bytes (a real config is a few KB).</summary>
    public const int MaxBytes = 1 << 20;

    /// <summary>Reads a YAML file as UTF-8 text, refusing one larger than <see cref="MaxBytes"/> (or endless, such as <c>/dev/zero</c>) after reading no more than that.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The text.</returns>
    /// <exception cref="InvalidDataException">The file is larger than <see cref="MaxBytes"/>.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    public static string ReadFile(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = new byte[MaxBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = file.Read(buffer, length, buffer.Length - length)) > 0)
        {
            length += read;
        }

        return length > MaxBytes
            ? throw new InvalidDataException($"larger than {MaxBytes / (1 << 20)} MiB; a YAML file of settings is a few KB")
            : new UTF8Encoding(false).GetString(buffer, 0, length).TrimStart('\uFEFF');
    }

    /// <summary>Parses YAML text into YamlDotNet's representation model (nodes keep their lines).</summary>
    /// <param name="yaml">The text.</param>
    /// <returns>The documents.</returns>
    /// <exception cref="YamlException">The text is not YAML, or nests deeper than <see cref="MaxDepth"/>; <see cref="YamlException.Start"/> is where.</exception>
    public static YamlStream Load(string yaml)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(yaml);
        stream.Load(new DepthLimitedParser(new Parser(reader)));
        return stream;
    }

    /// <summary>Passes the parser's events on, counting open mappings and sequences; one too many ends the parse.</summary>
    private sealed class DepthLimitedParser(IParser inner) : IParser
    {
        private int _depth;

        public ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            if (!inner.MoveNext())
            {
                return false;
            }

            switch (inner.Current)
            {
                case MappingStart or SequenceStart when ++_depth > MaxDepth:
                    throw new YamlException(inner.Current.Start, inner.Current.End, $"nested deeper than {MaxDepth} levels of mappings and lists; a settings file needs a few");
                case MappingEnd or SequenceEnd:
                    _depth--;
                    break;
            }

            return true;
        }
    }
}

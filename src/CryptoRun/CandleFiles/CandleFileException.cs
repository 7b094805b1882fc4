namespace CryptoRun.CandleFiles;

/// <summary>A candle file could not be read: its format is not one CryptoRun knows, or a row is bad.</summary>
public sealed class CandleFileException : FormatException
{
    /// <summary>Creates the error.</summary>
    /// <param name="path">The file.</param>
    /// <param name="line">The 1-based line number, or 0 when the error is about the whole file.</param>
    /// <param name="message">What is wrong (the path and line are prefixed).</param>
    public CandleFileException(string path, int line, string message)
        : base(line > 0 ? $"{path}:{line}: {message}" : $"{path}: {message}")
    {
        FilePath = path;
        Line = line;
    }

    /// <summary>The file.</summary>
    public string FilePath { get; }

    /// <summary>The 1-based line number, or 0 for the whole file.</summary>
    public int Line { get; }
}

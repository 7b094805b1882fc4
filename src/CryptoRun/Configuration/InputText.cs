namespace CryptoRun.Configuration;

/// <summary>
/// User input quoted in a message (options, symbols, venues, times, config and environment values): whole
/// when short, else its first <see cref="MaxQuoted"/> characters and a marker that says it was cut, so a
/// 100,000-character value never floods standard error or a log.
/// </summary>
public static class InputText
{
    /// <summary>The most characters of one value a message quotes: room for any real path, URL or symbol.</summary>
    public const int MaxQuoted = 200;

    /// <summary>The value in single quotes, cut when longer than <see cref="MaxQuoted"/>.</summary>
    /// <param name="text">The value as the user gave it; null reads as empty.</param>
    /// <returns><c>'BTCUSD'</c>, or <c>'AAAA…' (100000 characters, cut)</c>.</returns>
    public static string Quote(string? text)
    {
        text ??= "";
        return text.Length <= MaxQuoted ? $"'{text}'" : $"'{Start(text)}…' ({text.Length} characters, cut)";
    }

    /// <summary>The value without quotes, cut when longer than <see cref="MaxQuoted"/> (for names such as environment variables).</summary>
    /// <param name="text">The value as the user gave it; null reads as empty.</param>
    /// <returns><c>BTCUSD</c>, or <c>AAAA… (100000 characters, cut)</c>.</returns>
    public static string Cut(string? text)
    {
        text ??= "";
        return text.Length <= MaxQuoted ? text : $"{Start(text)}… ({text.Length} characters, cut)";
    }

    /// <summary>The first <see cref="MaxQuoted"/> characters, one fewer when that would split a surrogate pair.</summary>
    private static string Start(string text)
        => char.IsHighSurrogate(text[MaxQuoted - 1]) ? text[..(MaxQuoted - 1)] : text[..MaxQuoted];
}

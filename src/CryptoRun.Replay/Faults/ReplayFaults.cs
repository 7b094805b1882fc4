namespace CryptoRun.Replay;

/// <summary>What a fault rule does to a request it applies to.</summary>
public enum ReplayFaultKind
{
    /// <summary>Answers with <see cref="ReplayFaultRule.Status"/> (and optional <c>Retry-After</c> and body) instead of the venue.</summary>
    Status,

    /// <summary>Waits <see cref="ReplayFaultRule.Latency"/> on the replay clock, then serves the request normally.</summary>
    Latency,

    /// <summary>Never answers: the request hangs until the client gives up or the server stops (then the connection is dropped).</summary>
    Timeout,

    /// <summary>Drops the connection without an answer.</summary>
    Reset,

    /// <summary>Serves the request, then spoils the body (see <see cref="ReplayMalformedKind"/>).</summary>
    Malformed,
}

/// <summary>How a <see cref="ReplayFaultKind.Malformed"/> rule spoils the body.</summary>
public enum ReplayMalformedKind
{
    /// <summary>The real answer cut to its first half (at least one byte removed): JSON that ends too early.</summary>
    Truncated,

    /// <summary>The real status and headers with a body that is not JSON at all (an HTML error page).</summary>
    Invalid,
}

/// <summary>
/// One fault rule of the replay venue. A request matches when its venue, path prefix, method and
/// arrival time (on the replay clock) fit; the rule then applies while it has applied fewer than
/// <see cref="Count"/> times, and with <see cref="Probability"/> (one seeded draw per candidate).
/// </summary>
public sealed record ReplayFaultRule
{
    /// <summary>The rule's name, written in the request log's <c>fault</c> field.</summary>
    /// <value>From the file's <c>name:</c>, else <c>rule N</c> (1-based position).</value>
    public required string Name { get; init; }

    /// <summary>The venue (<c>binance</c>, <c>binance-usdm</c>, <c>kraken</c>, <c>coinbase</c>, <c>okx</c>) or <c>*</c> for any request.</summary>
    public required string Venue { get; init; }

    /// <summary>The path prefix the request's path must start with (ordinal, case-sensitive).</summary>
    /// <value>Default <c>/</c>: every path.</value>
    public string Path { get; init; } = "/";

    /// <summary>The HTTP method (case-insensitive), or null for any.</summary>
    /// <value>Default null.</value>
    public string? Method { get; init; }

    /// <summary>The effect.</summary>
    public required ReplayFaultKind Kind { get; init; }

    /// <summary>For <see cref="ReplayFaultKind.Status"/>: the HTTP status, 100..599.</summary>
    /// <value>Default 0 (unset).</value>
    public int Status { get; init; }

    /// <summary>For <see cref="ReplayFaultKind.Status"/>: the <c>Retry-After</c> header in whole seconds, or null for none.</summary>
    /// <value>Default null.</value>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>For <see cref="ReplayFaultKind.Status"/>: the body sent as is, or null for the venue's own error shape for that status.</summary>
    /// <value>Default null.</value>
    public string? Body { get; init; }

    /// <summary>For <see cref="ReplayFaultKind.Latency"/>: the added wait, on the replay clock.</summary>
    /// <value>Default zero.</value>
    public TimeSpan Latency { get; init; }

    /// <summary>For <see cref="ReplayFaultKind.Malformed"/>: how the body is spoiled.</summary>
    /// <value>Default <see cref="ReplayMalformedKind.Truncated"/>.</value>
    public ReplayMalformedKind Malformed { get; init; }

    /// <summary>The chance, 0..1, that the rule applies to a matching request; null for always.</summary>
    /// <value>Default null.</value>
    public double? Probability { get; init; }

    /// <summary>The most times the rule applies (the first N requests it applies to), or null for no bound.</summary>
    /// <value>Default null.</value>
    public int? Count { get; init; }

    /// <summary>The rule applies only to requests arriving at or after this time on the replay clock; null for no bound.</summary>
    /// <value>Default null.</value>
    public DateTimeOffset? From { get; init; }

    /// <summary>The rule applies only to requests arriving before this time on the replay clock (half-open); null for no bound.</summary>
    /// <value>Default null.</value>
    public DateTimeOffset? Until { get; init; }

    /// <summary>The line the rule starts on in its faults file; 0 when built in code.</summary>
    /// <value>Default 0.</value>
    public int Line { get; init; }
}

/// <summary>
/// The fault rules of the replay venue (<c>--faults PATH</c>): a seed for the probability draws and
/// the rules, tried in order for each request; the first that applies wins. Load a YAML file with
/// <see cref="Load"/>; the README section "Replay venue: rate limits, faults and the request log"
/// gives the schema.
/// </summary>
public sealed class ReplayFaults
{
    /// <summary>Creates a rule set.</summary>
    /// <param name="seed">Seed of the probability draws.</param>
    /// <param name="rules">The rules, in order.</param>
    public ReplayFaults(int seed, IReadOnlyList<ReplayFaultRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        Seed = seed;
        Rules = rules.ToList();
    }

    /// <summary>Seed of the probability draws: rule <c>i</c> draws from <c>new Random(seed + i)</c>, so the same requests in the same order fault the same way.</summary>
    /// <value>From the file's <c>seed:</c>; default 0.</value>
    public int Seed { get; }

    /// <summary>The rules, in the order they are tried.</summary>
    public IReadOnlyList<ReplayFaultRule> Rules { get; }

    /// <summary>Reads a faults file.</summary>
    /// <param name="path">The YAML file.</param>
    /// <returns>The rules.</returns>
    /// <exception cref="ReplayFaultsException">The file is missing, a directory, larger than 1 MiB, is not YAML (or nests deeper than 64), or breaks the schema; the message names the file, the line and what is wrong.</exception>
    public static ReplayFaults Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            throw new ReplayFaultsException(path, 0, "is a directory, not a faults file");
        }

        string text;
        try
        {
            text = Configuration.BoundedYaml.ReadFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new ReplayFaultsException(path, 0, $"cannot read the faults file: {ex.Message}");
        }

        return Parse(text, path);
    }

    /// <summary>Parses faults YAML.</summary>
    /// <param name="yaml">The YAML text.</param>
    /// <param name="source">The name used in error messages (the file path).</param>
    /// <returns>The rules.</returns>
    /// <exception cref="ReplayFaultsException">The text is not YAML or breaks the schema; the message names the source, the line and what is wrong.</exception>
    public static ReplayFaults Parse(string yaml, string source) => FaultsYaml.Parse(yaml, source);
}

/// <summary>A faults file that cannot be used: the message reads <c>FILE:LINE: what is wrong</c>.</summary>
public sealed class ReplayFaultsException : FormatException
{
    /// <summary>Creates the error.</summary>
    /// <param name="file">The faults file (or source name).</param>
    /// <param name="line">The 1-based line, or 0 when the error is about the whole file.</param>
    /// <param name="problem">What is wrong.</param>
    public ReplayFaultsException(string file, int line, string problem)
        : base(line > 0 ? $"{Configuration.InputText.Cut(file)}:{line}: {problem}" : $"{Configuration.InputText.Cut(file)}: {problem}")
    {
        File = file;
        Line = line;
        Problem = problem;
    }

    /// <summary>The faults file (or source name).</summary>
    public string File { get; }

    /// <summary>The 1-based line, or 0 when the error is about the whole file.</summary>
    public int Line { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }
}

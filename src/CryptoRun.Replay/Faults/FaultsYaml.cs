using System.Globalization;
using CryptoRun.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CryptoRun.Replay;

/// <summary>
/// Reads faults YAML through YamlDotNet's representation model, which keeps each node's line, so
/// every error names the line of the value that is wrong.
/// </summary>
internal static class FaultsYaml
{
    private static readonly string[] TopKeys = ["seed", "rules"];

    private static readonly string[] RuleKeys =
    [
        "name", "venue", "path", "method", "status", "retry_after", "body", "latency", "timeout", "reset", "malformed",
        "probability", "count", "from", "until",
    ];

    private static readonly string[] EffectKeys = ["status", "latency", "timeout", "reset", "malformed"];

    private static readonly TimeSpan MaxLatency = TimeSpan.FromDays(1);

    internal static ReplayFaults Parse(string yaml, string source)
    {
        YamlStream stream;
        try
        {
            stream = BoundedYaml.Load(yaml);
        }
        catch (YamlException ex)
        {
            throw new ReplayFaultsException(source, (int)ex.Start.Line, $"not valid YAML: {ex.Message}");
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            throw new ReplayFaultsException(source, 0, "the file is empty; expected 'seed:' and 'rules:' (see the README, \"Replay venue: rate limits, faults and the request log\")");
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw Error(source, stream.Documents[0].RootNode, "expected a mapping with 'seed:' and 'rules:'");
        }

        var seed = 0;
        YamlSequenceNode? rules = null;
        foreach (var (keyNode, value) in root.Children)
        {
            var key = Key(source, keyNode, TopKeys, "top level");
            if (key == "seed")
            {
                seed = Int(source, value, "seed", int.MinValue, int.MaxValue);
            }
            else
            {
                rules = value as YamlSequenceNode ?? throw Error(source, value, "'rules' must be a list of rules (each item starting with '- ')");
            }
        }

        if (rules is null)
        {
            throw Error(source, root, "'rules:' is missing");
        }

        var parsed = new List<ReplayFaultRule>();
        foreach (var item in rules.Children)
        {
            parsed.Add(Rule(source, item, parsed.Count + 1));
        }

        return new ReplayFaults(seed, parsed);
    }

    private static ReplayFaultRule Rule(string source, YamlNode node, int number)
    {
        if (node is not YamlMappingNode map)
        {
            throw Error(source, node, $"rule {number}: expected a mapping of keys such as 'venue:', 'path:' and one effect ({string.Join(", ", EffectKeys)})");
        }

        var values = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in map.Children)
        {
            values[Key(source, keyNode, RuleKeys, $"rule {number}")] = value;
        }

        var line = (int)map.Start.Line;
        var effects = EffectKeys.Where(values.ContainsKey).ToList();
        if (effects.Count != 1)
        {
            throw new ReplayFaultsException(source, line, effects.Count == 0
                ? $"rule {number}: no effect; give exactly one of {string.Join(", ", EffectKeys)}"
                : $"rule {number}: more than one effect ({string.Join(", ", effects)}); give exactly one");
        }

        if (!values.TryGetValue("venue", out var venueNode))
        {
            throw new ReplayFaultsException(source, line, $"rule {number}: 'venue:' is missing; use one of {string.Join(", ", ReplayServer.Venues)} or '*'");
        }

        var venue = Text(source, venueNode, "venue");
        if (venue != "*" && !ReplayServer.Venues.Contains(venue))
        {
            throw Error(source, venueNode, $"rule {number}: venue {InputText.Quote(venue)} is not one the replay serves; use one of {string.Join(", ", ReplayServer.Venues)} or '*'");
        }

        var path = "/";
        if (values.TryGetValue("path", out var pathNode))
        {
            path = Text(source, pathNode, "path");
            if (!path.StartsWith('/'))
            {
                throw Error(source, pathNode, $"rule {number}: path {InputText.Quote(path)} must start with '/' (a prefix of the request path, such as /api/v3/klines)");
            }

            if (venue != "*" && !ReplayVenuePaths.CanReach(venue, path))
            {
                throw Error(source, pathNode, $"rule {number}: path {InputText.Quote(path)} is not under {venue}'s API ({string.Join(", ", ReplayVenuePaths.Prefixes[venue])})");
            }
        }

        string? method = null;
        if (values.TryGetValue("method", out var methodNode))
        {
            method = Text(source, methodNode, "method").ToUpperInvariant();
            if (method.Length == 0 || !method.All(char.IsAsciiLetterUpper))
            {
                throw Error(source, methodNode, $"rule {number}: method {InputText.Quote(method)} is not an HTTP method such as GET");
            }
        }

        var kind = effects[0] switch
        {
            "status" => ReplayFaultKind.Status,
            "latency" => ReplayFaultKind.Latency,
            "timeout" => ReplayFaultKind.Timeout,
            "reset" => ReplayFaultKind.Reset,
            _ => ReplayFaultKind.Malformed,
        };
        foreach (var only in new[] { "retry_after", "body" })
        {
            if (kind != ReplayFaultKind.Status && values.TryGetValue(only, out var stray))
            {
                throw Error(source, stray, $"rule {number}: '{only}' goes only with 'status:'");
            }
        }

        var rule = new ReplayFaultRule
        {
            Name = values.TryGetValue("name", out var nameNode) ? Text(source, nameNode, "name") : $"rule {number}",
            Venue = venue,
            Path = path,
            Method = method,
            Kind = kind,
            Line = line,
        };
        var effect = values[effects[0]];
        switch (kind)
        {
            case ReplayFaultKind.Status:
                rule = rule with
                {
                    Status = Int(source, effect, "status", 100, 599),
                    RetryAfterSeconds = values.TryGetValue("retry_after", out var retry) ? Int(source, retry, "retry_after (whole seconds)", 0, int.MaxValue) : null,
                    Body = values.TryGetValue("body", out var body) ? Text(source, body, "body") : null,
                };
                break;
            case ReplayFaultKind.Latency:
                rule = rule with { Latency = Duration(source, effect, number) };
                break;
            case ReplayFaultKind.Timeout:
            case ReplayFaultKind.Reset:
                if (Text(source, effect, effects[0]) != "true")
                {
                    throw Error(source, effect, $"rule {number}: '{effects[0]}' takes only 'true' (leave the key out for no {effects[0]})");
                }

                break;
            default:
                rule = rule with
                {
                    Malformed = Text(source, effect, "malformed") switch
                    {
                        "truncated" => ReplayMalformedKind.Truncated,
                        "invalid" => ReplayMalformedKind.Invalid,
                        var other => throw Error(source, effect, $"rule {number}: malformed {InputText.Quote(other)}: use 'truncated' (the real answer cut in half) or 'invalid' (not JSON at all)"),
                    },
                };
                break;
        }

        if (values.TryGetValue("probability", out var probabilityNode))
        {
            var text = Text(source, probabilityNode, "probability");
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) || !(p > 0 && p <= 1))
            {
                throw Error(source, probabilityNode, $"rule {number}: probability {InputText.Quote(text)} must be a number in (0, 1], such as 0.25");
            }

            rule = rule with { Probability = p };
        }

        if (values.TryGetValue("count", out var countNode))
        {
            rule = rule with { Count = Int(source, countNode, "count", 1, int.MaxValue) };
        }

        if (values.TryGetValue("from", out var fromNode))
        {
            rule = rule with { From = Time(source, fromNode, "from", number) };
        }

        if (values.TryGetValue("until", out var untilNode))
        {
            rule = rule with { Until = Time(source, untilNode, "until", number) };
            if (rule.From is { } from && rule.Until <= from)
            {
                throw Error(source, untilNode, $"rule {number}: 'until' must be after 'from' (the window is [from, until))");
            }
        }

        return rule;
    }

    private static string Key(string source, YamlNode node, string[] allowed, string where)
    {
        var key = node is YamlScalarNode { Value: { } text } ? text : throw Error(source, node, $"{where}: keys must be plain words");
        return allowed.Contains(key, StringComparer.Ordinal)
            ? key
            : throw Error(source, node, $"{where}: unknown key {InputText.Quote(key)}; expected one of {string.Join(", ", allowed)}");
    }

    private static string Text(string source, YamlNode node, string what)
        => node is YamlScalarNode { Value: { } text }
            ? text
            : throw Error(source, node, $"'{what}' must be a single value, not a list or mapping");

    private static int Int(string source, YamlNode node, string what, int min, int max)
    {
        var text = Text(source, node, what);
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw Error(source, node, $"{what} {InputText.Quote(text)} must be a whole number{(min > int.MinValue ? $" from {min}" : "")}{(max < int.MaxValue ? $" to {max}" : "")}");
    }

    private static TimeSpan Duration(string source, YamlNode node, int number)
    {
        var text = Text(source, node, "latency");
        var (digits, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 1d)
            : text.EndsWith('s') ? (text[..^1], 1000d)
            : text.EndsWith('m') ? (text[..^1], 60_000d)
            : text.EndsWith('h') ? (text[..^1], 3_600_000d)
            : (text, 0d);
        // At most a day: the replay waits it out with Task.Delay, which takes at most about 49 days.
        if (unit > 0 && double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount > 0 && amount * unit <= MaxLatency.TotalMilliseconds)
        {
            return TimeSpan.FromMilliseconds(amount * unit);
        }

        throw Error(source, node, $"rule {number}: latency {InputText.Quote(text)} must be a positive duration with a unit, at most 1d: 250ms, 2s, 1.5m, 1h");
    }

    private static DateTimeOffset Time(string source, YamlNode node, string what, int number)
    {
        var text = Text(source, node, what);
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : throw Error(source, node, $"rule {number}: {what} {InputText.Quote(text)} is not an ISO-8601 time such as 2026-09-01T00:00:00Z");
    }

    private static ReplayFaultsException Error(string source, YamlNode node, string problem) => new(source, (int)node.Start.Line, problem);
}

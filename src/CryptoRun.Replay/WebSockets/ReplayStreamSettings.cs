using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace CryptoRun.Replay.WebSockets;

/// <summary>
/// How one WebSocket connection is served: pace, looping and deterministic faults, from the server's
/// defaults and the connection's query (<c>?speed=10&amp;loop=true&amp;drop_after=100</c>).
/// </summary>
/// <param name="Speed">Recorded gaps are divided by it; 0 sends without delays.</param>
/// <param name="Loop">Whether the recording starts again after its last frame.</param>
/// <param name="DropAfter">Frames sent before the connection is ended without a close handshake, or null.</param>
/// <param name="SilentAfter">Frames sent before the server stops sending (the connection stays open), or null.</param>
/// <param name="DuplicateEvery">Every K-th recorded frame is sent twice, or null.</param>
/// <param name="ReorderEvery">Every K-th recorded frame is sent after the one that follows it (K at least 2), or null.</param>
/// <param name="CorruptEvery">Every K-th recorded frame has its last digit changed, or null.</param>
internal sealed record ReplayStreamSettings(
    double Speed,
    bool Loop,
    int? DropAfter = null,
    int? SilentAfter = null,
    int? DuplicateEvery = null,
    int? ReorderEvery = null,
    int? CorruptEvery = null)
{
    /// <summary>The query parameters read; any other parameter is ignored (a client may add its own).</summary>
    internal static readonly IReadOnlyList<string> Parameters = ["speed", "loop", "drop_after", "silent_after", "duplicate_every", "reorder_every", "corrupt_every"];

    /// <summary>The slowest pace: a recording's longest gap (4 minutes) divided by it stays far within what <c>Task.Delay</c> takes (about 49 days).</summary>
    internal const double MinSpeed = 0.001;

    /// <summary>Whether <paramref name="speed"/> is a usable pace: 0 (no delays), or finite and at least <see cref="MinSpeed"/>.</summary>
    internal static bool ValidSpeed(double speed) => speed == 0 || (double.IsFinite(speed) && speed >= MinSpeed);

    /// <summary>Reads the query over the defaults; false with an error naming the parameter when a value is bad.</summary>
    internal static bool TryParse(IQueryCollection query, double speed, bool loop, out ReplayStreamSettings settings, out string error)
    {
        settings = new ReplayStreamSettings(speed, loop);
        error = "";
        foreach (var name in Parameters)
        {
            if (query.TryGetValue(name, out var values) && values.Count > 1)
            {
                error = $"{name}: given {values.Count} times; give it once";
                return false;
            }
        }

        string? Value(string name) => query.TryGetValue(name, out var values) ? values.ToString() : null;

        if (Value("speed") is { } speedText)
        {
            if (!double.TryParse(speedText, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) || !ValidSpeed(parsed))
            {
                error = $"speed: {Configuration.InputText.Quote(speedText)} is not 0 (no delays) or a number from {MinSpeed.ToString(CultureInfo.InvariantCulture)} (1 = recorded pace)";
                return false;
            }

            settings = settings with { Speed = parsed };
        }

        if (Value("loop") is { } loopText)
        {
            bool? parsed = loopText.ToLowerInvariant() switch
            {
                "true" or "1" => true,
                "false" or "0" => false,
                _ => null,
            };
            if (parsed is null)
            {
                error = $"loop: '{loopText}' is not true or false";
                return false;
            }

            settings = settings with { Loop = parsed.Value };
        }

        if (!TryCount(Value("drop_after"), "drop_after", 0, ref error, out var dropAfter)
            || !TryCount(Value("silent_after"), "silent_after", 0, ref error, out var silentAfter)
            || !TryCount(Value("duplicate_every"), "duplicate_every", 1, ref error, out var duplicateEvery)
            || !TryCount(Value("reorder_every"), "reorder_every", 2, ref error, out var reorderEvery)
            || !TryCount(Value("corrupt_every"), "corrupt_every", 1, ref error, out var corruptEvery))
        {
            return false;
        }

        if (dropAfter is not null && silentAfter is not null)
        {
            error = "drop_after: cannot be given with silent_after; choose one way to end the stream";
            return false;
        }

        settings = settings with
        {
            DropAfter = dropAfter,
            SilentAfter = silentAfter,
            DuplicateEvery = duplicateEvery,
            ReorderEvery = reorderEvery,
            CorruptEvery = corruptEvery,
        };
        return true;
    }

    private static bool TryCount(string? text, string name, int minimum, ref string error, out int? value)
    {
        value = null;
        if (text is null)
        {
            return true;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed < minimum)
        {
            error = $"{name}: '{text}' is not a whole number >= {minimum}";
            return false;
        }

        value = parsed;
        return true;
    }
}

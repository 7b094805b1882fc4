namespace CryptoRun.Replay.WebSockets;

/// <summary>One frame to send: when, which recorded frame, and whether to corrupt it.</summary>
/// <param name="DueTicks">When to send it, in ticks after the connection's first frame (0 at speed 0).</param>
/// <param name="Index">The recorded frame (index into the recording).</param>
/// <param name="Corrupt">Whether its last digit is to be changed.</param>
internal readonly record struct PlannedFrame(long DueTicks, int Index, bool Corrupt);

/// <summary>
/// The frames one connection is sent, before drop/silent (which count frames sent): the recording
/// in order, again from its first frame when looping, with the duplicate, reorder and corrupt faults.
/// </summary>
/// <remarks>
/// Recorded frames are numbered from 1 along the connection (a loop keeps counting: the first frame
/// of the second cycle of a 265-frame recording is 266). Faults choose frames by these numbers, so
/// they are exact and repeatable. Pacing belongs to the slots, not the frames: slot n is sent at
/// recorded frame n's time (divided by the speed), so a reordered pair swaps contents, a duplicate
/// follows its original at once, and the timeline stays the recording's.
/// </remarks>
internal static class ReplayFramePlan
{
    /// <summary>The frames to send for <paramref name="recording"/> under <paramref name="settings"/>; endless when looping.</summary>
    internal static IEnumerable<PlannedFrame> Plan(ReplayStreamRecording recording, ReplayStreamSettings settings)
    {
        var count = recording.Frames.Count;
        if (count == 0)
        {
            yield break;
        }

        var last = settings.Loop ? long.MaxValue : count;
        for (long slot = 1; slot <= last; slot++)
        {
            var cycle = (slot - 1) / count;
            var due = settings.Speed == 0
                ? 0
                : (long)Math.Round((cycle * (double)recording.DurationTicks + recording.OffsetTicks[(int)((slot - 1) % count)]) / settings.Speed);
            var frame = slot;
            if (settings.ReorderEvery is { } k)
            {
                if (slot % k == 0 && slot < last)
                {
                    frame = slot + 1;
                }
                else if (slot % k == 1 && slot > 1)
                {
                    frame = slot - 1;
                }
            }

            var planned = new PlannedFrame(due, (int)((frame - 1) % count), settings.CorruptEvery is { } c && frame % c == 0);
            yield return planned;
            if (settings.DuplicateEvery is { } d && frame % d == 0)
            {
                yield return planned;
            }
        }
    }

    /// <summary>
    /// The payload with its last digit character changed to another digit (<c>d</c> becomes
    /// <c>(d + 1) mod 10</c>): JSON stays valid (a last digit is never a number's leading digit) while
    /// a price, size, sequence or checksum no longer matches. A payload without digits is returned unchanged.
    /// </summary>
    internal static byte[] Corrupt(byte[] payload)
    {
        var at = payload.AsSpan().LastIndexOfAnyInRange((byte)'0', (byte)'9');
        if (at < 0)
        {
            return payload;
        }

        var corrupted = (byte[])payload.Clone();
        corrupted[at] = (byte)('0' + ((corrupted[at] - '0' + 1) % 10));
        return corrupted;
    }
}

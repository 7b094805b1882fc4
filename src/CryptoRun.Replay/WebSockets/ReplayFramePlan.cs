namespace CryptoRun.Replay.WebSockets;

/// <summary>One frame to send: when, which recorded frame, whether to corrupt it, and which recorded frames the venue's books take in before it.</summary>
/// <param name="DueTicks">When to send it, in ticks after the connection's first frame (0 at speed 0).</param>
/// <param name="Index">The recorded frame (index into the recording).</param>
/// <param name="Corrupt">Whether its last digit is to be changed.</param>
/// <param name="ApplyFirst">The first recorded frame (index) the venue's books apply before this one is sent.</param>
/// <param name="ApplyCount">How many recorded frames from <paramref name="ApplyFirst"/> they apply: 1 as a rule; 2 for the
/// first of a reordered pair (the venue's book moves in the recording's order whatever order the client gets); 0 for the
/// second of the pair and for a duplicate (already applied).</param>
internal readonly record struct PlannedFrame(long DueTicks, int Index, bool Corrupt, int ApplyFirst, int ApplyCount);

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
            var index = (int)((slot - 1) % count);
            var (applyFirst, applyCount) = (index, 1);
            if (settings.ReorderEvery is { } k)
            {
                // A pair within one cycle is applied in the recording's order when its first slot goes out; a pair that
                // straddles a loop's restart is applied as sent (the restart resets the books between the two).
                if (slot % k == 0 && slot < last)
                {
                    frame = slot + 1;
                    applyCount = slot % count != 0 ? 2 : 1;
                    applyFirst = applyCount == 2 ? index : (int)(slot % count);
                }
                else if (slot % k == 1 && slot > 1)
                {
                    frame = slot - 1;
                    (applyFirst, applyCount) = (slot - 1) % count != 0 ? (index, 0) : ((int)((slot - 2) % count), 1);
                }
            }

            var planned = new PlannedFrame(due, (int)((frame - 1) % count), settings.CorruptEvery is { } c && frame % c == 0, applyFirst, applyCount);
            yield return planned;
            if (settings.DuplicateEvery is { } d && frame % d == 0)
            {
                yield return planned with { ApplyCount = 0 };
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

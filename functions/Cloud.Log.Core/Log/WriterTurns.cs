using System.Diagnostics;

namespace Cloud.Log.Core.Log;

/// <summary>
/// How one instance's writer of a partition shares the sequencer copy with the other instances that write it
/// (docs/replication.md, "Writing a block"): the writer tells it what happened (its appends, the other
/// writers' blocks it met, a read that found nothing new) and asks it, after each group, how long to step aside
/// before the next one. Two rules, both here and nowhere else:
/// <list type="bullet">
/// <item>Turn-taking (<see cref="CloudLogEngineOptions.SharedWriterTurns"/>): while the partition is shared and
/// the others append about once or more between two of this writer's appends, the writer steps aside for about
/// that many appends' time when more is queued (an idle writer is out of the way already), then reads what they
/// appended before its next append: one read instead of a refused append and a read.</item>
/// <item>Otherwise the fairness pause. A writer that just appended sends its next block at once, while one that
/// lost the race must first read what it missed: left alone, a busy writer would win every race. So after
/// <see cref="AppendsBeforeYieldShared"/> appends in a row while shared (and, to find out whether it is,
/// <see cref="AppendsBeforeYieldAlone"/> when not) it pauses for about two appends' time. Appends count as in a
/// row while each group began within about one append's time of the previous one's end: the idle gap between
/// two groups, not the time between two ends (which holds the next append itself, so nearly always exceeded an
/// append's time, and a writer fed by one caller at a time never paused).</item>
/// </list>
/// Times are stopwatch ticks (<see cref="Stopwatch.GetTimestamp"/>) passed in by the caller, so the rules read no
/// clock and are tested as they are. Owned by the writer loop: not thread-safe.
/// </summary>
/// <param name="sharedTurns">Whether turn-taking is on (<see cref="CloudLogEngineOptions.SharedWriterTurns"/>).</param>
internal sealed class WriterTurns(bool sharedTurns)
{
    /// <summary>Appends in a row after which a shared writer pauses.</summary>
    public const int AppendsBeforeYieldShared = 4;

    /// <summary>Appends in a row after which a writer that met nobody lately pauses, to let another instance in.</summary>
    public const int AppendsBeforeYieldAlone = 32;

    /// <summary>How long after this writer last met another instance's bytes it counts the partition as shared.</summary>
    public static readonly TimeSpan SharedFor = TimeSpan.FromSeconds(5);

    /// <summary>The shortest pause.</summary>
    public static readonly TimeSpan MinPause = TimeSpan.FromMilliseconds(1);

    /// <summary>The longest pause.</summary>
    public static readonly TimeSpan MaxPause = TimeSpan.FromMilliseconds(50);

    /// <summary>A smoothed sequencer append latency, in stopwatch ticks: how long a pause lasts.</summary>
    private long _appendLatency;

    /// <summary>When this writer last read bytes another instance appended.</summary>
    private long _metOthersAt = long.MinValue / 2;

    /// <summary>This writer's appends in a row since its last pause (or since it last met another writer).</summary>
    private int _appendsSinceYield;

    /// <summary>When this writer's last group was done, or its last pause over.</summary>
    private long _lastAppendAt;

    /// <summary>Other writers' blocks this writer met (lost races, reads before an append) since its own last append.</summary>
    private int _othersSinceOwn;

    /// <summary>Other writers' blocks between two of this writer's appends, smoothed: how many turns the others take.</summary>
    private double _othersPerTurn;

    /// <summary>Whether the next append reads what others appended first (turn-taking while shared).</summary>
    private bool _readFirst;

    /// <summary>The smoothed sequencer append latency (stopwatch ticks); 0 before the first append.</summary>
    public long AppendLatency => _appendLatency;

    /// <summary>A sequencer append (won or refused) took <paramref name="took"/> ticks.</summary>
    public void Appended(long took) => _appendLatency = _appendLatency == 0 ? took : ((_appendLatency * 7) + took) / 8;

    /// <summary>This writer read <paramref name="blocks"/> blocks another instance appended, at <paramref name="now"/>.</summary>
    public void MetOthers(int blocks, long now)
    {
        _othersSinceOwn += blocks;
        _metOthersAt = now;
        _appendsSinceYield = 0;
    }

    /// <summary>Whether this append is to read what the others appended first; true once per turn taken.</summary>
    public bool TakeReadFirst()
    {
        var readFirst = _readFirst;
        _readFirst = false;
        return readFirst;
    }

    /// <summary>The read before this writer's turn found nothing new: the others are quieter than counted.</summary>
    public void NothingAppendedMeanwhile() => _othersPerTurn /= 2;

    /// <summary>
    /// A group that began at <paramref name="groupStarted"/> is done at <paramref name="now"/>: how long the writer
    /// steps aside before its next group (zero: not at all). Call <see cref="Resumed"/> when a pause is over.
    /// </summary>
    /// <param name="groupStarted">When the group's append began.</param>
    /// <param name="now">Now, the group done.</param>
    /// <param name="knowsSegment">Whether the writer still holds its view of the active segment (turns need one).</param>
    /// <param name="moreQueued">Whether more batches wait for the next group.</param>
    public TimeSpan AfterGroup(long groupStarted, long now, bool knowsSegment, bool moreQueued)
    {
        _othersPerTurn = ((_othersPerTurn * 3) + _othersSinceOwn) / 4;
        _othersSinceOwn = 0;
        var shared = now - _metOthersAt < SharedFor.TotalSeconds * Stopwatch.Frequency;
        if (sharedTurns && shared && _othersPerTurn >= 0.5 && knowsSegment)
        {
            _readFirst = true;
            _appendsSinceYield = 0;
            _lastAppendAt = now;

            // Another writer's turn is a read and an append: about one and a half of this writer's append times.
            return moreQueued ? Pause(1.5 * Math.Min(_othersPerTurn, 4)) : TimeSpan.Zero;
        }

        if (groupStarted - _lastAppendAt > Math.Max(_appendLatency, Stopwatch.Frequency / 1000))
        {
            _appendsSinceYield = 0; // an idle gap longer than an append: not in a row
        }

        _lastAppendAt = now;
        if (++_appendsSinceYield < (shared ? AppendsBeforeYieldShared : AppendsBeforeYieldAlone))
        {
            return TimeSpan.Zero;
        }

        _appendsSinceYield = 0;
        return Pause(2);
    }

    /// <summary>A pause asked for by <see cref="AfterGroup"/> ended at <paramref name="now"/>.</summary>
    public void Resumed(long now) => _lastAppendAt = now;

    private TimeSpan Pause(double appends) =>
        TimeSpan.FromTicks(Math.Clamp((long)(appends * _appendLatency * TimeSpan.TicksPerSecond / Stopwatch.Frequency), MinPause.Ticks, MaxPause.Ticks));
}

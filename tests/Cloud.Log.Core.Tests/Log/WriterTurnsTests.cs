using System.Diagnostics;
using Cloud.Log.Core.Log;

namespace Cloud.Log.Core.Tests.Log;

/// <summary>
/// When a partition's writer steps aside for the other instances writing it: the fairness pause and turn-taking,
/// driven by timestamps given in (no clock, no storage), so each rule is checked exactly.
/// </summary>
public class WriterTurnsTests
{
    private static readonly long Millisecond = Stopwatch.Frequency / 1000;

    /// <summary>Each append takes this long.</summary>
    private static readonly long AppendTime = 20 * Millisecond;

    /// <summary>
    /// Runs <paramref name="groups"/> groups, each <paramref name="gap"/> after the previous one's end (or its pause's
    /// end), each append <see cref="AppendTime"/>; answers the pause asked after each.
    /// </summary>
    private static List<TimeSpan> Run(WriterTurns turns, ref long now, int groups, long gap, bool moreQueued = true)
    {
        var pauses = new List<TimeSpan>();
        for (var i = 0; i < groups; i++)
        {
            now += gap;
            var started = now;
            now += AppendTime;
            turns.Appended(AppendTime);
            var pause = turns.AfterGroup(started, now, knowsSegment: true, moreQueued);
            pauses.Add(pause);
            if (pause > TimeSpan.Zero)
            {
                now += (long)(pause.TotalSeconds * Stopwatch.Frequency);
                turns.Resumed(now);
            }
        }

        return pauses;
    }

    /// <summary>
    /// A writer fed by one caller at a time (each group begins a moment after the previous one ends) counts its
    /// appends as in a row and pauses after four while the partition is shared. Counted by the time between two
    /// ends instead, which holds the append itself, it never paused, and a second instance lost every race to it.
    /// </summary>
    [Fact]
    public void A_writer_whose_groups_follow_each_other_closely_pauses_every_fourth_append_while_shared()
    {
        var turns = new WriterTurns(sharedTurns: false);
        var now = 1_000 * Millisecond;
        turns.MetOthers(1, now);

        var pauses = Run(turns, ref now, 12, gap: Millisecond / 10);

        var paused = PausedAt(pauses);
        Assert.Equal([4, 8, 12], paused);
        Assert.All(pauses.Where(p => p > TimeSpan.Zero), p => Assert.Equal(TimeSpan.FromMilliseconds(40), p)); // two appends' time
    }

    /// <summary>A gap longer than an append's time between two groups is not "in a row": a writer fed now and then never pauses.</summary>
    [Fact]
    public void Groups_separated_by_more_than_an_append_never_count_as_in_a_row()
    {
        var turns = new WriterTurns(sharedTurns: false);
        var now = 1_000 * Millisecond;
        turns.MetOthers(1, now);

        var pauses = Run(turns, ref now, 40, gap: AppendTime + Millisecond);

        Assert.All(pauses, p => Assert.Equal(TimeSpan.Zero, p));
    }

    /// <summary>A writer that met no other writer in the last 5 s pauses only after 32 appends in a row, to let one in and find out.</summary>
    [Fact]
    public void A_writer_that_met_nobody_lately_pauses_after_32_appends_in_a_row()
    {
        var turns = new WriterTurns(sharedTurns: false);
        var now = 1_000 * Millisecond;
        turns.MetOthers(1, now);
        now += (long)(WriterTurns.SharedFor.TotalSeconds * Stopwatch.Frequency); // the last meeting is 5 s old

        var pauses = Run(turns, ref now, 64, gap: 0);

        var paused = PausedAt(pauses);
        Assert.Equal([WriterTurns.AppendsBeforeYieldAlone, 2 * WriterTurns.AppendsBeforeYieldAlone], paused);
    }

    /// <summary>Meeting another writer's block starts the count anew: the pause comes four appends after it.</summary>
    [Fact]
    public void Meeting_another_writer_starts_the_count_anew()
    {
        var turns = new WriterTurns(sharedTurns: false);
        var now = 1_000 * Millisecond;
        turns.MetOthers(1, now);
        Assert.All(Run(turns, ref now, 3, gap: 0), p => Assert.Equal(TimeSpan.Zero, p));

        turns.MetOthers(1, now);

        Assert.Equal([TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromMilliseconds(40)], Run(turns, ref now, 4, gap: 0));
    }

    /// <summary>
    /// With turn-taking on and the others appending once between two of this writer's appends, the writer steps
    /// aside for their turns (a read and an append each, one and a half of its append times) when more is queued,
    /// not when nothing is; and its next append reads what they appended first, once.
    /// </summary>
    [Fact]
    public void A_shared_writer_steps_aside_for_the_others_turns_and_reads_first()
    {
        var turns = new WriterTurns(sharedTurns: true);
        var now = 1_000 * Millisecond;
        turns.Appended(AppendTime);
        var pauses = new List<TimeSpan>();
        var readsFirst = new List<bool>();
        for (var i = 0; i < 6; i++)
        {
            turns.MetOthers(1, now); // another writer's block before each of ours
            var started = now;
            now += AppendTime;
            pauses.Add(turns.AfterGroup(started, now, knowsSegment: true, moreQueued: true));
            readsFirst.Add(turns.TakeReadFirst());
            Assert.False(turns.TakeReadFirst()); // once per turn
        }

        // The estimate of the others' turns rises from 0 towards 1 (smoothed by a quarter): no turn while it is
        // under a half (0.25, 0.44), then turns of 1.5 × estimate × 20 ms.
        Assert.Equal([false, false, true, true, true, true], readsFirst);
        Assert.Equal([TimeSpan.Zero, TimeSpan.Zero], pauses.Take(2));
        Assert.All(pauses.Skip(2), p => Assert.InRange(p.TotalMilliseconds, 0.5 * 1.5 * 20, 1.5 * 20));
        Assert.Equal(TimeSpan.FromTicks((long)(1.5 * 0.578125 * 20 * TimeSpan.TicksPerMillisecond)), pauses[2]); // 1.5 × (0.4375 × 3 + 1) / 4 × 20 ms
        Assert.True(pauses[5] > pauses[2], "the turns grow as the estimate does");

        // Nothing queued: no pause (an idle writer is out of the way), but the read first all the same.
        turns.MetOthers(1, now);
        Assert.Equal(TimeSpan.Zero, turns.AfterGroup(now, now + AppendTime, knowsSegment: true, moreQueued: false));
        Assert.True(turns.TakeReadFirst());
    }

    /// <summary>Reads before its turns that find nothing new halve the others' estimated turns, so a writer left alone stops stepping aside.</summary>
    [Fact]
    public void A_writer_whose_reads_find_nothing_new_stops_taking_turns()
    {
        var turns = new WriterTurns(sharedTurns: true);
        var now = 1_000 * Millisecond;
        turns.Appended(AppendTime);
        for (var i = 0; i < 8; i++)
        {
            turns.MetOthers(1, now);
            _ = turns.AfterGroup(now, now + AppendTime, knowsSegment: true, moreQueued: true);
            now += AppendTime;
        }

        Assert.True(turns.TakeReadFirst());
        turns.NothingAppendedMeanwhile();
        turns.NothingAppendedMeanwhile();

        var pause = turns.AfterGroup(now, now + AppendTime, knowsSegment: true, moreQueued: true);

        Assert.False(turns.TakeReadFirst()); // back to the fairness rule: no read first
        Assert.Equal(TimeSpan.Zero, pause);
    }

    /// <summary>
    /// A turn lasts one and a half of this writer's append times per turn the others take, counted at most four:
    /// with others taking about five turns between two of its appends and 5 ms appends, 1.5 × 4 × 5 ms.
    /// </summary>
    [Fact]
    public void The_others_turns_count_at_most_four()
    {
        var turns = new WriterTurns(sharedTurns: true);
        var now = 1_000 * Millisecond;
        turns.Appended(5 * Millisecond);
        for (var i = 0; i < 40; i++)
        {
            turns.MetOthers(5, now); // five blocks of others' between two of ours: the estimate goes to 5
            _ = turns.AfterGroup(now, now + (5 * Millisecond), knowsSegment: true, moreQueued: false);
            now += 5 * Millisecond;
        }

        turns.MetOthers(5, now);

        Assert.Equal(TimeSpan.FromMilliseconds(30), turns.AfterGroup(now, now + (5 * Millisecond), knowsSegment: true, moreQueued: true));
    }

    /// <summary>Turn-taking needs all it rests on: the option, a shared partition and the writer's view of the segment; without any of them, the fairness rule.</summary>
    [Theory]
    [InlineData(false, true, true)]
    [InlineData(true, false, true)]
    [InlineData(true, true, false)]
    public void Without_the_option_a_shared_partition_or_a_view_no_turn_is_taken(bool option, bool shared, bool knowsSegment)
    {
        var turns = new WriterTurns(option);
        var now = 1_000 * Millisecond;
        turns.Appended(AppendTime);
        var pauses = new List<TimeSpan>();
        for (var i = 0; i < WriterTurns.AppendsBeforeYieldShared; i++)
        {
            // The others take four turns between two of ours, so a turn would be due; not shared: met 6 s ago.
            turns.MetOthers(4, shared ? now : now - (6 * Stopwatch.Frequency));
            pauses.Add(turns.AfterGroup(now, now + AppendTime, knowsSegment, moreQueued: true));
            now += AppendTime;
            Assert.False(turns.TakeReadFirst());
        }

        // The fairness rule alone, whose count each meeting restarts: no pause (a turn would have been 1.5 × 1 × 20 ms or more).
        Assert.All(pauses, p => Assert.Equal(TimeSpan.Zero, p));
    }

    /// <summary>The pause follows the smoothed append latency (seven eighths the old, one eighth the new): 10 ms then 50 ms make 15 ms, so two appends' time is 30 ms.</summary>
    [Fact]
    public void The_pause_follows_the_smoothed_append_latency()
    {
        var turns = SharedWriter(10 * Millisecond, 50 * Millisecond);

        Assert.Equal(15 * Millisecond, turns.AppendLatency);
        Assert.Equal(TimeSpan.FromMilliseconds(30), FourthBackToBackPause(turns));
    }

    /// <summary>Pauses stay between 1 ms and 50 ms whatever the append latency.</summary>
    [Theory]
    [InlineData(0.01, 1)]
    [InlineData(200, 50)]
    public void Pauses_are_clamped(double appendMs, double expectedMs) =>
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), FourthBackToBackPause(SharedWriter((long)(appendMs * Millisecond))));

    /// <summary>A writer that met another one just now, its appends having taken <paramref name="appendTimes"/> (ticks).</summary>
    private static WriterTurns SharedWriter(params long[] appendTimes)
    {
        var turns = new WriterTurns(sharedTurns: false);
        turns.MetOthers(1, 1_000 * Millisecond);
        foreach (var took in appendTimes)
        {
            turns.Appended(took);
        }

        return turns;
    }

    /// <summary>The pause a shared writer asks for after four groups back to back (the first three ask for none).</summary>
    private static TimeSpan FourthBackToBackPause(WriterTurns turns)
    {
        var now = 1_000 * Millisecond;
        var pauses = Enumerable.Range(0, WriterTurns.AppendsBeforeYieldShared).Select(_ => turns.AfterGroup(now, now, knowsSegment: true, moreQueued: true)).ToList();
        Assert.All(pauses[..^1], p => Assert.Equal(TimeSpan.Zero, p));
        return pauses[^1];
    }

    /// <summary>Which groups (counted from 1) asked for a pause.</summary>
    private static List<int> PausedAt(List<TimeSpan> pauses) =>
        pauses.Select((p, i) => (p, i)).Where(x => x.p > TimeSpan.Zero).Select(x => x.i + 1).ToList();
}

using Cloud.Log.Core.Producers;
using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Core.Log;

/// <summary>
/// What a writer does with one group of pending batches given the producer state: batches without a producer
/// and new in-sequence ones are accepted, in order, at the offsets they will get; repeats of stored batches
/// become duplicates, answered with the stored offsets; the rest are refused at once. The producer state
/// takes the accepted batches as they are planned, and <see cref="Undo"/> puts it back when the block did not
/// reach the sequencer.
/// </summary>
internal sealed class ProducerPlan
{
    private readonly Dictionary<long, ProducerStateEntry?> _before = [];
    private readonly List<(RecordBatchHeader Header, long Now)> _applied = [];

    private ProducerPlan()
    {
    }

    public List<PendingAppend> Accepted { get; } = [];

    public List<(PendingAppend Pending, ProducerBatchMetadata Stored)> Duplicates { get; } = [];

    public static ProducerPlan Make(List<PendingAppend> group, long nextOffset, ProducerStateMap? producers, long now)
    {
        var plan = new ProducerPlan();
        foreach (var pending in group)
        {
            if (pending.Header.Producer is { } producer && producers is not null)
            {
                var check = producers.Check(producer, pending.Header.RecordCount);
                if (check.Outcome == ProducerCheckOutcome.Duplicate)
                {
                    plan.Duplicates.Add((pending, check.Duplicate));
                    continue;
                }

                if (check.Outcome == ProducerCheckOutcome.Refuse)
                {
                    pending.Completion.TrySetException(check.Error!);
                    continue;
                }

                plan._before.TryAdd(producer.ProducerId, producers.Get(producer.ProducerId));
                var stored = pending.Header with { BaseOffset = nextOffset };
                producers.Apply(stored, now);
                plan._applied.Add((stored, now));
            }

            plan.Accepted.Add(pending);
            nextOffset += pending.Header.RecordCount;
        }

        return plan;
    }

    /// <summary>Applies the plan's batches again after an <see cref="Undo"/> (the block reached the sequencer after all).</summary>
    public void Redo(ProducerStateMap? producers)
    {
        foreach (var (header, now) in _applied)
        {
            producers?.Apply(header, now);
        }
    }

    /// <summary>Puts the producer state back as it was before this plan.</summary>
    public void Undo(ProducerStateMap? producers)
    {
        if (producers is null)
        {
            return;
        }

        foreach (var (id, entry) in _before)
        {
            producers.Restore(id, entry);
        }
    }
}

using Cloud.Log.Core.Producers;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Protocol.Errors;

namespace Cloud.Log.Core.Tests.Producers;

public class ProducerStateMapTests
{
    private static RecordBatchHeader Stored(long producerId, short epoch, int baseSequence, int records, long baseOffset) =>
        new(baseOffset, 100, 1, 0, 0, records - 1, 1000, 1000, producerId, epoch, baseSequence, records);

    private static ProducerStateMap With(params RecordBatchHeader[] batches)
    {
        var map = new ProducerStateMap();
        foreach (var batch in batches)
        {
            map.Apply(batch, appendTime: 1000);
        }

        return map;
    }

    /// <summary>An unknown producer may start at any sequence: its state may have expired.</summary>
    [Fact]
    public void Unknown_producer_is_appended() =>
        Assert.Equal(ProducerCheckOutcome.Append, new ProducerStateMap().Check(new(7, 0, 42), 3).Outcome);

    /// <summary>A batch that continues the last sequence is appended; one that skips ahead is out of order.</summary>
    [Fact]
    public void Next_sequence_is_appended_and_a_gap_is_out_of_order()
    {
        var map = With(Stored(7, 0, 0, 3, 10));
        Assert.Equal(ProducerCheckOutcome.Append, map.Check(new(7, 0, 3), 2).Outcome);
        var gap = map.Check(new(7, 0, 5), 1);
        Assert.Equal(ProducerCheckOutcome.Refuse, gap.Outcome);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, gap.Error!.Code);
    }

    /// <summary>A repeat of any of the last five batches is a duplicate that names the stored batch's offset.</summary>
    [Fact]
    public void Repeat_of_a_remembered_batch_is_a_duplicate_with_its_offset()
    {
        var map = With(Stored(7, 0, 0, 3, 10), Stored(7, 0, 3, 2, 20));
        var repeat = map.Check(new(7, 0, 0), 3);
        Assert.Equal(ProducerCheckOutcome.Duplicate, repeat.Outcome);
        Assert.Equal(10, repeat.Duplicate.BaseOffset);
        Assert.Equal(20, map.Check(new(7, 0, 3), 2).Duplicate.BaseOffset);
    }

    /// <summary>Only five batches are remembered: a repeat of an older one is DUPLICATE_SEQUENCE_NUMBER, not stored again.</summary>
    [Fact]
    public void Repeat_older_than_the_window_is_refused_as_duplicate_sequence()
    {
        var map = With(Enumerable.Range(0, 7).Select(i => Stored(7, 0, i, 1, 100 + i)).ToArray());
        Assert.Equal(5, map.Get(7)!.Batches.Count);
        var old = map.Check(new(7, 0, 0), 1);
        Assert.Equal(ProducerCheckOutcome.Refuse, old.Outcome);
        Assert.Equal(ErrorCode.DuplicateSequenceNumber, old.Error!.Code);
        Assert.Equal(ProducerCheckOutcome.Duplicate, map.Check(new(7, 0, 2), 1).Outcome);
    }

    /// <summary>A lower epoch is fenced; a higher epoch must start at sequence 0 and then fences the lower.</summary>
    [Fact]
    public void Epochs_fence_older_producers_and_restart_sequences()
    {
        var map = With(Stored(7, 1, 0, 3, 10));
        Assert.Equal(ErrorCode.InvalidProducerEpoch, map.Check(new(7, 0, 3), 1).Error!.Code);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, map.Check(new(7, 2, 5), 1).Error!.Code);
        Assert.Equal(ProducerCheckOutcome.Append, map.Check(new(7, 2, 0), 1).Outcome);
        map.Apply(Stored(7, 2, 0, 1, 13), 1000);
        Assert.Equal(ErrorCode.InvalidProducerEpoch, map.Check(new(7, 1, 3), 1).Error!.Code);
    }

    /// <summary>Sequences wrap from int.MaxValue to 0, as Kafka's do.</summary>
    [Fact]
    public void Sequences_wrap_past_int_max()
    {
        var map = With(Stored(7, 0, int.MaxValue - 1, 2, 10));
        Assert.Equal(int.MaxValue, map.Get(7)!.Batches[0].LastSequence);
        Assert.Equal(ProducerCheckOutcome.Append, map.Check(new(7, 0, 0), 1).Outcome);
        Assert.Equal(1, new ProducerBatchIdentity(7, 0, int.MaxValue).LastSequence(3));
    }

    /// <summary>Applying a batch the map already holds (a recovery scan overlapping persisted rows) changes nothing.</summary>
    [Fact]
    public void Applying_a_batch_twice_keeps_one_copy()
    {
        var map = With(Stored(7, 0, 0, 3, 10), Stored(7, 0, 3, 2, 20));
        map.Apply(Stored(7, 0, 0, 3, 10), 1000);
        Assert.Equal([10L, 20L], map.Get(7)!.Batches.Select(b => b.BaseOffset));
    }

    /// <summary>A persisted row merges in only when it is newer than what the map holds; changed entries are reported once.</summary>
    [Fact]
    public void Merge_keeps_the_newer_view_and_dirty_entries_are_taken_once()
    {
        var map = With(Stored(7, 0, 3, 2, 20));
        map.Merge(new ProducerStateEntry(7, 0, [new ProducerBatchMetadata(0, 2, 10, 0)], 0));
        Assert.Equal(20, map.Get(7)!.LastOffset);
        map.Merge(new ProducerStateEntry(8, 0, [new ProducerBatchMetadata(0, 0, 30, 0)], 0));
        Assert.Equal(30, map.Get(8)!.LastOffset);

        Assert.Equal([7L], map.TakeDirty().Select(e => e.ProducerId));
        Assert.Empty(map.TakeDirty());
    }

    /// <summary>Keys map to stable producer ids with bit 62 set, distinct from ids given to producers.</summary>
    [Fact]
    public void Idempotency_keys_derive_stable_marked_producer_ids()
    {
        var a = ProducerIdempotence.ForIdempotencyKey("order-1");
        Assert.Equal(a.ProducerId, ProducerIdempotence.ForIdempotencyKey("order-1").ProducerId);
        Assert.NotEqual(a.ProducerId, ProducerIdempotence.ForIdempotencyKey("order-2").ProducerId);
        Assert.True(a.ProducerId > 0);
        Assert.True(ProducerIdempotence.IsDerivedFromKey(a.ProducerId));
        Assert.False(ProducerIdempotence.IsDerivedFromKey(12345));
        Assert.Throws<CloudLogException>(() => ProducerIdempotence.ForIdempotencyKey(""));
        Assert.Throws<CloudLogException>(() => ProducerIdempotence.ForIdempotencyKey(new string('k', 257)));
    }
}

using Cloud.Log.Core.Log;
using Cloud.Log.Core.Metadata;
using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Core.Tests.Log;

/// <summary>What a writer's view of a segment keeps of the bytes it saw, for bringing lagging copies up.</summary>
public class WriterViewTests
{
    private const int RecordBytes = 1024;

    /// <summary>The size of each of <see cref="Block"/>'s one-record batches.</summary>
    private static readonly int BatchBytes = Block(0, 1).Length;

    [Fact]
    public void Bytes_seen_before_a_commit_are_held_for_a_lagging_copy()
    {
        var (view, first, second) = ViewThatSawTwoBlocks();

        var held = view.BytesBetween(0, first.Length + second.Length);

        Assert.NotNull(held);
        Assert.Equal([.. first, .. second], held.Value.ToArray());
    }

    [Fact]
    public void A_commit_lets_go_of_what_every_copy_holds_but_the_end_a_lagging_copy_is_checked_against()
    {
        var (view, first, second) = ViewThatSawTwoBlocks();
        var end = first.Length + second.Length;

        view.MarkCommitted();

        Assert.Null(view.BytesBetween(0, first.Length)); // every in-sync copy holds it: not kept
        var checkedEnd = view.BytesBetween(end - SegmentCopies.EndCheckBytes, end);
        Assert.NotNull(checkedEnd);
        Assert.Equal(second[^SegmentCopies.EndCheckBytes..], checkedEnd.Value.ToArray());
    }

    [Fact]
    public void Bytes_seen_after_a_commit_are_held_until_the_next()
    {
        var first = Block(0, 16);
        var view = View(first);
        view.MarkCommitted();
        var second = Block(16, 16);
        view.Advance(second, BatchScanner.Parse(second, 16, "test", out _), blockCount: 2);

        var held = view.BytesBetween(first.Length, first.Length + second.Length);

        Assert.NotNull(held);
        Assert.Equal(second, held.Value.ToArray());
    }

    [Fact]
    public void Uncommitted_batches_past_the_tail_caches_size_are_let_go_oldest_first()
    {
        var first = Block(0, 16);
        var view = View(first, uncommittedBytesLimit: 3 * BatchBytes);

        var second = Block(16, 16); // another writer's block, read after a lost race: nothing committed yet
        view.Advance(second, BatchScanner.Parse(second, 16, "test", out _), blockCount: 2);

        Assert.Equal([29L, 30, 31], view.Uncommitted.Select(b => b.BaseOffset));
        Assert.Equal([29L, 30, 31], view.MarkCommitted().Select(b => b.BaseOffset));
        Assert.Empty(view.Uncommitted);
    }

    [Fact]
    public void A_view_made_with_no_room_for_the_tail_cache_keeps_no_uncommitted_batch()
    {
        var view = View(Block(0, 16), uncommittedBytesLimit: 0);

        Assert.Empty(view.Uncommitted);
        Assert.Empty(view.MarkCommitted());
    }

    /// <summary>A view that saw a first block (from the segment's tail) and then a second (another writer's), neither committed.</summary>
    private static (WriterView View, byte[] First, byte[] Second) ViewThatSawTwoBlocks()
    {
        var first = Block(0, 16);
        var view = View(first);
        var second = Block(16, 16);
        view.Advance(second, BatchScanner.Parse(second, 16, "test", out _), blockCount: 2);
        return (view, first, second);
    }

    /// <summary><paramref name="records"/> batches of one 1 KiB record each, from <paramref name="offset"/> on.</summary>
    private static byte[] Block(long offset, int records)
    {
        var block = new List<byte>();
        for (var i = 0; i < records; i++)
        {
            var value = new byte[RecordBytes];
            Array.Fill(value, (byte)(offset + i));
            var batch = RecordBatch.Encode([new ProducerRecord(null, value, 0)], TimestampType.CreateTime, 0);
            RecordBatch.StampOffsetAndEpoch(batch, offset + i, 0);
            block.AddRange(batch);
        }

        return [.. block];
    }

    /// <summary>A view of a segment with three in-sync copies, having seen <paramref name="seen"/> from byte 0, none of it committed yet.</summary>
    private static WriterView View(byte[] seen, long uncommittedBytesLimit = 8 << 20)
    {
        var batches = BatchScanner.Parse(seen, 0, "test", out _);
        var segment = new SegmentInfo("00000|s|00000000000000000000-0000000000", 0, 0, "test.log", "0,1,2", 0, null, null, null);
        var state = new PartitionStateEntity { Replicas = "0,1,2", Isr = "0,1,2", Leader = 2 };
        var tail = new SegmentTail(0, 0, seen.Length, batches[^1].NextOffset, 1, 0, 0, seen, batches, Sealed: false);
        return new WriterView(segment, state, tail, uncommittedBytesLimit);
    }
}

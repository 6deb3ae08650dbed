using Cloud.Log.Core.Log;
using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Core.Tests.Log;

/// <summary>The tail cache serves only the batches it was given, never one of another segment or epoch at the same offset.</summary>
public class TailCacheTests
{
    private static StoredBatch Batch(long baseOffset, int epoch, string value)
    {
        var bytes = RecordBatch.Encode([new ProducerRecord(null, System.Text.Encoding.UTF8.GetBytes(value), 0)], TimestampType.CreateTime, 0);
        RecordBatch.StampOffsetAndEpoch(bytes, baseOffset, epoch);
        RecordBatch.TryReadHeader(bytes, out var header);
        return new StoredBatch(header, bytes);
    }

    private static string Value(StoredBatch batch) => System.Text.Encoding.UTF8.GetString(RecordBatch.DecodeRecords(batch.Bytes)[0].Value!.Value.Span);

    /// <summary>
    /// Issue 13, defect 1: a batch that was never committed (a fenced writer's, in an old segment) was cached at
    /// offset 2; the committed batch at offset 2, of the next segment and epoch, must replace it, not be dropped
    /// as "already cached".
    /// </summary>
    [Fact]
    public void Another_batch_at_a_cached_offset_replaces_what_is_cached_from_there()
    {
        var cache = new TailCache(1 << 20);
        cache.Add([Batch(0, 1, "a"), Batch(1, 1, "b"), Batch(2, 1, "fenced")]);
        cache.Add([Batch(2, 2, "committed"), Batch(3, 2, "next")]);

        var from2 = cache.From(2)!;
        Assert.Equal(["committed", "next"], from2.Select(Value));
        Assert.Equal(2, from2[0].Header.PartitionLeaderEpoch);
    }

    /// <summary>The same batch read again (a probe overlapping what the writer published) is kept once.</summary>
    [Fact]
    public void The_same_batch_added_again_is_kept_once()
    {
        var cache = new TailCache(1 << 20);
        cache.Add([Batch(0, 1, "a"), Batch(1, 1, "b")]);
        cache.Add([Batch(1, 1, "b"), Batch(2, 1, "c")]);

        Assert.Equal(["a", "b", "c"], cache.From(0)!.Select(Value));
    }
}

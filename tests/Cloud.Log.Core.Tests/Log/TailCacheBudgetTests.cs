using Cloud.Log.Core.Log;
using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Core.Tests.Log;

/// <summary>All partitions' tail caches together stay within the engine's budget, the oldest batches going first (each batch in an array of its own here: chunk size 0).</summary>
public class TailCacheBudgetTests
{
    /// <summary>A batch of about 1 KiB at <paramref name="baseOffset"/>.</summary>
    private static StoredBatch Batch(long baseOffset)
    {
        var bytes = RecordBatch.Encode([new ProducerRecord(null, new byte[1000], 0)], TimestampType.CreateTime, 0);
        RecordBatch.StampOffsetAndEpoch(bytes, baseOffset, 0);
        RecordBatch.TryReadHeader(bytes, out var header);
        return new StoredBatch(header, bytes);
    }

    /// <summary>An idle partition's cache drains away while a busy one keeps its tail, and the total never passes the budget.</summary>
    [Fact]
    public void Oldest_batches_go_first_whichever_partition_holds_them()
    {
        var size = Batch(0).Bytes.Length;
        var budget = new TailCacheBudget(10L * size);
        var idle = new TailCache(8L * size, budget, chunkBytes: 0);
        var busy = new TailCache(8L * size, budget, chunkBytes: 0);

        idle.Add(Enumerable.Range(0, 6).Select(i => Batch(i)));
        Assert.Equal(6L * size, budget.Bytes);
        for (var i = 0; i < 20; i++)
        {
            busy.Add([Batch(i)]);
            Assert.True(budget.Bytes <= 10L * size, $"{budget.Bytes} bytes cached after {i + 1} batches");
        }

        Assert.Null(idle.From(3)); // its oldest batches went to make room
        Assert.Equal(2, idle.From(4)!.Count); // what the busy partition's own bound leaves room for stays
        Assert.Equal(8, busy.From(12)!.Count); // the busy partition keeps its own bound's worth of tail
        Assert.Equal(10L * size, budget.Bytes);

        busy.Clear();
        idle.Clear();
        Assert.Equal(0, budget.Bytes);
    }

    /// <summary>A cache that starts a new run (a gap in offsets) releases what it held from the budget.</summary>
    [Fact]
    public void A_new_run_releases_the_old_one()
    {
        var size = Batch(0).Bytes.Length;
        var budget = new TailCacheBudget(100L * size);
        var cache = new TailCache(100L * size, budget, chunkBytes: 0);
        cache.Add([Batch(0), Batch(1)]);
        cache.Add([Batch(10)]);
        Assert.Equal(size, budget.Bytes);
        Assert.Single(cache.From(10)!);
    }
}

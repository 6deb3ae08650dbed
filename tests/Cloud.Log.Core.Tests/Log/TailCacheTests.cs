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

    /// <summary>
    /// <paramref name="count"/> batches of about <paramref name="valueBytes"/> bytes each, stamped from offset 0,
    /// one after another in one array (as a writer's block or a storage read holds them).
    /// </summary>
    private static (byte[] Block, List<StoredBatch> Batches) Block(int count, int valueBytes)
    {
        var encoded = Enumerable.Range(0, count).Select(i => RecordBatch.Encode([new ProducerRecord(null, System.Text.Encoding.UTF8.GetBytes($"{i:D4}:" + new string('x', valueBytes)), 0)], TimestampType.CreateTime, 0)).ToList();
        var block = new byte[encoded.Sum(e => e.Length) + 4096]; // with room after the batches, as a pooled array has
        var batches = new List<StoredBatch>();
        var position = 0;
        for (var i = 0; i < count; i++)
        {
            var target = block.AsMemory(position, encoded[i].Length);
            encoded[i].CopyTo(target);
            RecordBatch.StampOffsetAndEpoch(target.Span, i, 0);
            RecordBatch.TryReadHeader(target.Span, out var header);
            batches.Add(new StoredBatch(header, target));
            position += encoded[i].Length;
        }

        return (block, batches);
    }

    /// <summary>
    /// The cache keeps copies, never the array its batches came in (so a writer can give its block back to a pool
    /// at once, and a large read is not kept alive by a few batches of it), and what it and the budget count is
    /// exactly the arrays it keeps alive, unused room of its chunks included.
    /// </summary>
    [Fact]
    public void The_cache_counts_the_arrays_it_keeps_alive_and_holds_copies()
    {
        var budget = new TailCacheBudget(1L << 30);
        var cache = new TailCache(1L << 30, budget, chunkBytes: 64 * 1024);
        var (block, batches) = Block(count: 100, valueBytes: 1000);
        cache.Add(batches);

        var held = cache.HeldArrays();
        Assert.DoesNotContain(held, a => ReferenceEquals(a, block));
        Assert.Equal(held.Sum(a => (long)a.Length), cache.HeldBytes);
        Assert.Equal(cache.HeldBytes, budget.Bytes);
        Assert.Equal(batches.Sum(b => (long)b.Bytes.Length), cache.BatchBytes);
        Assert.True(cache.HeldBytes >= cache.BatchBytes);
        Assert.Equal(2, held.Count); // about 100 KiB of batches in chunks of 64 KiB

        Array.Clear(block); // the writer's block reused for something else
        var cached = cache.From(0)!;
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"{i:D4}:"), cached.Select(b => Value(b)[..5]));
        Assert.All(cached, b => RecordBatch.VerifyCrc(b.Bytes.Span));
    }

    /// <summary>A chunk counts whole until its last batch leaves; a batch larger than a quarter of a chunk gets an array of its own size.</summary>
    [Fact]
    public void A_chunk_counts_until_its_last_batch_is_evicted()
    {
        var budget = new TailCacheBudget(1L << 30);
        var small = Block(count: 10, valueBytes: 1000).Batches; // about 1 KiB each
        var chunk = 4 * small[0].Bytes.Length; // 4 batches a chunk
        var cache = new TailCache(8L * chunk, budget, chunkBytes: chunk);
        cache.Add(small);
        Assert.Equal(3L * chunk, cache.HeldBytes); // 4 + 4 + 2 batches
        Assert.Equal(cache.HeldBytes, budget.Bytes);

        // A new run (a gap in offsets) releases every chunk; its batch, larger than a quarter of a chunk, has an array of its own.
        var far = Restamped(Block(count: 1, valueBytes: 3 * chunk).Batches[0], 1000);
        cache.Add([far]);
        var arrays = cache.HeldArrays();
        Assert.Single(arrays);
        Assert.Equal(far.Bytes.Length, arrays[0].Length); // an array of its own, exactly its size
        Assert.Equal(far.Bytes.Length, cache.HeldBytes);
        Assert.Equal(cache.HeldBytes, budget.Bytes);

        cache.Clear();
        Assert.Equal(0, cache.HeldBytes);
        Assert.Equal(0, budget.Bytes);
    }

    /// <summary>The engine-wide budget evicts whole chunks, oldest first, and counts what the caches hold to the byte.</summary>
    [Fact]
    public void The_budget_evicts_whole_chunks_and_matches_what_is_held()
    {
        var small = Block(count: 40, valueBytes: 1000).Batches;
        var chunk = 4 * small[0].Bytes.Length;
        var budget = new TailCacheBudget(5L * chunk);
        var first = new TailCache(100L * chunk, budget, chunkBytes: chunk);
        var second = new TailCache(100L * chunk, budget, chunkBytes: chunk);
        first.Add(small.Take(16)); // 4 chunks
        second.Add(small.Take(16)); // 4 more: the budget of 5 evicts the oldest 3 of the first's
        Assert.True(budget.Bytes <= 5L * chunk, $"{budget.Bytes} bytes held, budget {5 * chunk}");
        Assert.Equal(first.HeldBytes + second.HeldBytes, budget.Bytes);
        Assert.Equal(first.HeldArrays().Sum(a => (long)a.Length) + second.HeldArrays().Sum(a => (long)a.Length), budget.Bytes);
        Assert.Equal(12, first.From(12)![0].BaseOffset); // its newest chunk stays
        Assert.Null(first.From(11));
        Assert.Equal(16, second.From(0)!.Count);
    }

    private static StoredBatch Restamped(StoredBatch batch, long baseOffset)
    {
        var bytes = batch.Bytes.ToArray();
        RecordBatch.StampOffsetAndEpoch(bytes, baseOffset, 0);
        RecordBatch.TryReadHeader(bytes, out var header);
        return new StoredBatch(header, bytes);
    }
}

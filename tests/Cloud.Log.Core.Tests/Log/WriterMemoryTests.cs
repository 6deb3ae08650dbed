using Cloud.Log.Protocol.Batches;
using Cloud.Log.Testing;

namespace Cloud.Log.Core.Tests.Log;

/// <summary>
/// Alone in the test run (no other test allocates while it measures): the process's live heap, counted after
/// full collections, is what it checks.
/// </summary>
[CollectionDefinition(nameof(WriterMemoryTests), DisableParallelization = true)]
public sealed class WriterMemoryTestsRunAlone;

/// <summary>What a partition's writer keeps once its appends are acknowledged: nothing of their batches.</summary>
[Collection(nameof(WriterMemoryTests))]
public class WriterMemoryTests(StorageFixture storage)
{
    private const int Partitions = 8;
    private const int BatchBytes = 900 * 1024;

    /// <summary>
    /// Eight partitions each take two batches of 900 KiB and then go quiet. Before, each writer waited for its next
    /// append still holding its last group, the batches of up to a 4 MiB block: a server that had written many
    /// partitions once (a topic filled, then only read) kept about a block per partition for good, 84 of Kafka
    /// producers' 1 MB batches in the benchmark's server. Here the live heap after the acknowledgements must have
    /// grown by less than half of what the eight last groups hold (14.7 MB): it grew by 14.6–16.6 MB with the writers
    /// holding them, and by about 2 MB without.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task A_partition_gone_quiet_keeps_none_of_its_acknowledged_batches()
    {
        var options = new CloudLogEngineOptions
        {
            ResourcePrefix = StorageFixture.NewPrefix(),
            TailCacheBytes = 0, // the cache keeps copies of new batches by design; this is about the writer
            TailCacheBytesPerPartition = 0,
        };
        await using var engine = await storage.CreateEngineAsync(options);
        await engine.CreateTopicAsync("warm", Partitions);
        await engine.CreateTopicAsync("t", Partitions);

        // The same appends to another topic first, so the block pool holds its idle arrays already; and every
        // writer of "t" running with its segment open, so what is measured next is the appends alone.
        await ProduceLargeBatchesAsync(engine, "warm");
        await engine.ProduceBatchesAsync("t", [.. Enumerable.Range(0, Partitions).Select(p => (p, (ReadOnlyMemory<byte>)Batch(100)))]);
        var before = LiveHeapBytes();

        await ProduceLargeBatchesAsync(engine, "t");
        var grown = LiveHeapBytes() - before;
        TestContext.Current.TestOutputHelper?.WriteLine($"live heap {before:N0} bytes before, grown by {grown:N0}");

        Assert.True(grown < Partitions * 2L * BatchBytes / 2, $"the live heap grew by {grown:N0} bytes after the acknowledgements");
    }

    private static async Task ProduceLargeBatchesAsync(CloudLogEngine engine, string topic)
    {
        var acked = await Task.WhenAll(Enumerable.Range(0, Partitions).Select(p =>
            engine.ProduceBatchesAsync(topic, [(p, Batch(BatchBytes)), (p, Batch(BatchBytes))])));
        Assert.All(acked, a => Assert.Equal(2, a.Count));
    }

    private static byte[] Batch(int valueBytes)
    {
        var value = new byte[valueBytes];
        Random.Shared.NextBytes(value);
        return RecordBatch.Encode([new ProducerRecord(null, value, 0)], TimestampType.CreateTime, 0);
    }

    private static long LiveHeapBytes()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}

using Cloud.Log.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Cloud.Log.Core.Tests.Lifecycle;

/// <summary>
/// What the background jobs and the write path cost in storage requests, counted by the engine's own
/// counter (docs/cost.md): runs over idle partitions read per topic, not per partition; compaction leaves
/// topics that do not compact alone but for one sweep per topic; catch-up skips topics with one replica;
/// index entries come once per index interval, not once per block, each one append; callers share a read of
/// the topic's metadata.
/// </summary>
public sealed class JobCostTests(StorageFixture storage)
{
    private const int Topics = 2;
    private const int PartitionsPerTopic = 8;

    /// <summary>
    /// A compaction run over delete-policy topics, every partition written once: the topic list, and per topic
    /// its state rows, its segment rows and one listing of its blobs (the sweep), whatever its partition count
    /// (before: four requests per partition and a read per topic).
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task Compaction_over_delete_policy_topics_costs_nothing_per_partition()
    {
        await using var engine = await IdleTopicsAsync();
        await engine.CompactAsync(); // a first run, as a running host has had
        var before = engine.StorageRequests.Total;
        Assert.Empty(await engine.CompactAsync());
        Assert.Equal(1 + (Topics * 3), engine.StorageRequests.Total - before);
    }

    /// <summary>
    /// A retention run over partitions with no segment old enough: the topic list, and per topic its state rows
    /// and segment rows (before: two table reads per partition and a read per topic).
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task Retention_over_partitions_with_nothing_to_delete_reads_two_queries_per_topic()
    {
        await using var engine = await IdleTopicsAsync();
        await engine.EnforceRetentionAsync();
        var before = engine.StorageRequests.Total;
        Assert.Empty(await engine.EnforceRetentionAsync());
        Assert.Equal(1 + (Topics * 2), engine.StorageRequests.Total - before);
    }

    /// <summary>A catch-up run over topics of one replica each (none can lag): the topic list alone.</summary>
    [Fact(Timeout = 120_000)]
    public async Task Catch_up_over_single_replica_topics_reads_only_the_topic_list()
    {
        await using var engine = await IdleTopicsAsync();
        await engine.CatchUpReplicasAsync();
        var before = engine.StorageRequests.Total;
        Assert.Empty(await engine.CatchUpReplicasAsync());
        Assert.Equal(1, engine.StorageRequests.Total - before);
    }

    /// <summary>
    /// With the default index interval, blocks of about 1 MiB append one index entry per 4 MiB of log, not one
    /// per block (at a 1 MiB interval nearly every such block crossed one: an index append beside each data
    /// append); and a fetch at any offset in between still costs a bounded number of reads.
    /// </summary>
    [Fact(Timeout = 180_000)]
    public async Task Blocks_of_a_mebibyte_append_an_index_entry_per_four_mebibytes()
    {
        var prefix = StorageFixture.NewPrefix();
        var value = new string('x', 1000);
        await using (var writer = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix }))
        {
            await writer.CreateTopicAsync("t");
            long indexWrites = 0, dataWrites = 0, indexReads = 0;
            for (var call = 0; call < 12; call++)
            {
                await writer.ProduceAsync("t", Enumerable.Range(0, 1000).Select(i => Records.Of(null, value + $"{call}-{i}", partition: 0)).ToArray());
                if (call == 0)
                {
                    // The segment's blobs are created by the first append: counted from the second on.
                    (indexWrites, dataWrites, indexReads) = (writer.StorageRequests.IndexWrites, writer.StorageRequests.BlobWrites - writer.StorageRequests.IndexWrites, writer.StorageRequests.IndexReads);
                }
            }

            await Task.Delay(500); // index appends are sent after the answer
            Assert.Equal(11, writer.StorageRequests.BlobWrites - writer.StorageRequests.IndexWrites - dataWrites);
            Assert.InRange(writer.StorageRequests.IndexWrites - indexWrites, 1, 3); // 4 and 8 MiB crossed: 2 entries (3 if one was retried)
            Assert.Equal(0, writer.StorageRequests.IndexReads - indexReads); // the index's tail is known from opening the segment: no measure first
        }

        await using var reader = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix, TailCacheBytesPerPartition = 0, ReadAheadBytes = 0 });
        await reader.FetchAsync("t", 0, 0, maxRecords: 1); // warms the segment list and tail
        foreach (var offset in new long[] { 1500, 3999, 7777, 11_990 })
        {
            var before = reader.StorageRequests.BlobReads;
            var fetched = await reader.FetchAsync("t", 0, offset, maxRecords: 1, maxBytes: 1);
            Assert.Equal(offset, fetched.Records.Single().Offset);
            Assert.InRange(reader.StorageRequests.BlobReads - before, 1, 4); // tail probe + index + one range read (+ one for a cut batch)
        }
    }

    /// <summary>
    /// Produce calls that all find the topic's cached metadata aged out share one read of its row, not one each
    /// (64 partitions' callers of one instance met the expiry together: a burst of table reads every 5 s).
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task Calls_that_find_the_topic_metadata_aged_out_share_one_read()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var engine = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = StorageFixture.NewPrefix() }, time);
        await engine.CreateTopicAsync("t", 8);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(p => engine.ProduceAsync("t", [Records.Of(null, "open", partition: p)])));
        time.Advance(TimeSpan.FromSeconds(6)); // past MetadataCacheTtl (5 s)
        var before = engine.StorageRequests.TableRequests;
        await Task.WhenAll(Enumerable.Range(0, 32).Select(i => engine.ProduceAsync("t", [Records.Of(null, $"v{i}", partition: i % 8)])));
        Assert.Equal(1, engine.StorageRequests.TableRequests - before);
    }

    /// <summary>An engine over <see cref="Topics"/> delete-policy topics of <see cref="PartitionsPerTopic"/> partitions, each written once.</summary>
    private async Task<CloudLogEngine> IdleTopicsAsync()
    {
        var engine = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = StorageFixture.NewPrefix() });
        for (var t = 0; t < Topics; t++)
        {
            await engine.CreateTopicAsync($"idle-{t}", PartitionsPerTopic);
            for (var p = 0; p < PartitionsPerTopic; p++)
            {
                await engine.ProduceAsync($"idle-{t}", [Records.Of(null, "v", partition: p)]);
            }
        }

        return engine;
    }
}

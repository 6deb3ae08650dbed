using Cloud.Log.Core.Storage;
using Cloud.Log.Protocol;
using Cloud.Log.Testing;

namespace Cloud.Log.Core.Tests.Lifecycle;

/// <summary>
/// Issue 13, defects 3 and 9: compaction never leaves an in-sync copy without the segment it switched in,
/// and never brings a deleted key back.
/// </summary>
public sealed class CompactionSafetyTests : IAsyncLifetime
{
    private ReplicatedStorage _storage = null!;

    public async ValueTask InitializeAsync() => _storage = await ReplicatedStorage.StartAsync(2);

    public ValueTask DisposeAsync() => _storage.DisposeAsync();

    /// <summary>
    /// Defect 3. Location 1 (behind a relay) is cut off while keyed records are written, so it leaves the ISR;
    /// it comes back, and compaction starts with the ISR it reads then (location 0 alone). Just before the
    /// compacted segment is switched in, catch-up brings location 1 back into the ISR (holding the segment's
    /// old blob, which the sweep deletes later). The switch must see the new ISR and write location 1's copy
    /// too: every in-sync copy holds every closed segment the rows name, byte for byte the same. (Before the
    /// fix location 1 was in sync with no copy of the compacted segment at all.)
    /// </summary>
    [Fact(Timeout = 180_000)]
    public async Task A_replica_that_rejoins_during_compaction_gets_the_compacted_segment()
    {
        using var relay = TcpRelay.Create(_storage.Replicas[1].BlobPort);
        var prefix = StorageFixture.NewPrefix();
        var rejoined = false;
        CloudLogEngine? engineRef = null;
        var options = new CloudLogEngineOptions
        {
            ResourcePrefix = prefix,
            IndexIntervalBytes = 1024,
            OrphanBlobGrace = TimeSpan.Zero,
            ReplicaLagTimeMax = TimeSpan.FromSeconds(1),
            StepHook = async (step, token) =>
            {
                if (step == "compaction:switch-row" && !rejoined)
                {
                    rejoined = true;
                    await RejoinAsync(engineRef!, token);
                }
            },
        };
        await using var engine = await CloudLogEngine.CreateAsync(
            [
                StorageLocation.FromConnectionString("location0", _storage.Replicas[0].ConnectionString),
                StorageLocation.FromConnectionString("location1", RelayedConnection(relay)),
            ],
            options,
            metadataLocation: _storage.MetadataLocation);
        engineRef = engine;
        var topic = await engine.CreateTopicAsync("t", replicationFactor: 2, configs: new Dictionary<string, string>
        {
            ["cleanup.policy"] = "compact",
            ["segment.bytes"] = "700",
            ["min.insync.replicas"] = "1",
        });

        relay.Stop();
        for (var round = 0; round < 8; round++)
        {
            await engine.ProduceAsync("t", Enumerable.Range(0, 4).Select(k => Records.Of($"k{k}", $"v{k}-{round}", partition: 0)).ToArray(), Acks.All);
        }

        Assert.Equal([0], (await engine.DescribeTopicAsync("t")).Partitions[0].Isr);
        relay.Start();

        var compacted = await engine.CompactAsync();
        Assert.True(rejoined, "compaction never reached its switch");
        Assert.True(compacted.Sum(c => c.SegmentsCompacted) > 0);
        Assert.Equal([0, 1], (await engine.DescribeTopicAsync("t")).Partitions[0].Isr.Order());

        // Checked at once: a later run would compact again (catch-up rolled the active segment) and mask it.
        var rows = await LogDump.SegmentRowsAsync(_storage.Metadata.ConnectionString, prefix, topic.TopicId);
        var copies = new List<Dictionary<string, long>>();
        foreach (var replica in _storage.Replicas)
        {
            copies.Add(await LogDump.BlobsAsync(replica.ConnectionString, prefix, topic.TopicId + "/"));
        }

        foreach (var row in rows.Where(r => r.End is not null && r.End > r.Base))
        {
            for (var location = 0; location < copies.Count; location++)
            {
                Assert.True(copies[location].TryGetValue(row.Blob, out var length), $"location {location} (in sync) has no copy of {row.Blob}");
                Assert.True(length >= row.Size, $"location {location}'s copy of {row.Blob} is {length} bytes, the row says {row.Size}");
            }

            Assert.Equal(await BlobBytesAsync(0, prefix, row.Blob, row.Size!.Value), await BlobBytesAsync(1, prefix, row.Blob, row.Size!.Value));
        }
    }

    /// <summary>
    /// Defect 9. Key <c>a</c> gets a value in the first segment, which a first run compacts (for other keys'
    /// updates); the blob it replaced is kept for the grace period, so the next run cannot rewrite that segment
    /// again. Then <c>a</c> is deleted with a tombstone older than delete.retention.ms, in a later segment. The
    /// second run must keep the tombstone while the older value survives in the segment it skipped: a consumer
    /// reading from the start ends with <c>a</c> deleted. (Before the fix the tombstone was dropped and the
    /// deleted value came back.) Once the first segment can be rewritten, a later run drops both.
    /// </summary>
    [Fact(Timeout = 180_000)]
    public async Task A_tombstone_stays_while_an_older_value_of_its_key_survives_in_a_segment_not_rewritten()
    {
        var prefix = StorageFixture.NewPrefix();
        var time = new ShiftedTimeProvider();
        await using var engine = await _storage.CreateEngineAsync(
            new CloudLogEngineOptions { ResourcePrefix = prefix, IndexIntervalBytes = 1024, OrphanBlobGrace = TimeSpan.FromHours(1) },
            time);
        await engine.CreateTopicAsync("t", replicationFactor: 2, configs: new Dictionary<string, string>
        {
            ["cleanup.policy"] = "compact",
            ["segment.bytes"] = "700",
            ["delete.retention.ms"] = "3600000",
        });

        await engine.ProduceAsync("t", [Records.Of("a", "alive", partition: 0)]);
        for (var i = 0; i < 12; i++)
        {
            await engine.ProduceAsync("t", [Records.Of("x", $"x{i}", partition: 0)]);
        }

        Assert.True((await engine.CompactAsync()).Sum(c => c.SegmentsCompacted) > 0);

        var old = time.GetUtcNow().ToUnixTimeMilliseconds() - 2 * 3_600_000;
        await engine.ProduceAsync("t", [Records.Of("a", null, timestamp: old, partition: 0)]);
        for (var i = 0; i < 12; i++)
        {
            await engine.ProduceAsync("t", [Records.Of($"y{i}", "y", partition: 0)]); // closes the tombstone's segment
        }

        await engine.CompactAsync();
        var after = await LogDump.ReadAllAsync(engine, "t");
        Assert.Null(FinalValue(after, "a"));

        // Past the grace period the first segment is rewritten (its replaced blob swept first): the old value
        // goes, and then the tombstone may go too; "a" stays deleted throughout.
        time.Shift = TimeSpan.FromHours(2);
        await engine.CompactAsync();
        await engine.CompactAsync();
        var later = await LogDump.ReadAllAsync(engine, "t");
        Assert.DoesNotContain(later, r => LogDump.Text(r.Key) == "a" && r.Value is not null);
        Assert.Null(FinalValue(later, "a"));
    }

    private static string RelayedConnection(TcpRelay relay) =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzuriteProcess.DevAccountKey};BlobEndpoint=http://127.0.0.1:{relay.Port}/devstoreaccount1;";

    /// <summary>Runs catch-up until location 1 is back in the ISR.</summary>
    private static async Task RejoinAsync(CloudLogEngine engine, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while ((await engine.DescribeTopicAsync("t", cancellationToken)).Partitions[0].Isr.Count < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "location 1 did not rejoin the ISR within 60 s");
            await engine.CatchUpReplicasAsync(cancellationToken);
            await Task.Delay(200, cancellationToken);
        }
    }

    private async Task<byte[]> BlobBytesAsync(int location, string prefix, string blob, long size)
    {
        var client = new Azure.Storage.Blobs.BlobServiceClient(_storage.Replicas[location].ConnectionString).GetBlobContainerClient(prefix + "-log").GetBlobClient(blob);
        var content = await client.DownloadContentAsync();
        return content.Value.Content.ToArray()[..(int)size];
    }

    /// <summary>The value a consumer reading the records in order ends with for a key (null when deleted or never written).</summary>
    private static string? FinalValue(IEnumerable<Protocol.Batches.ConsumerRecord> records, string key) =>
        records.Where(r => LogDump.Text(r.Key) == key).Select(r => LogDump.Text(r.Value)).LastOrDefault();
}

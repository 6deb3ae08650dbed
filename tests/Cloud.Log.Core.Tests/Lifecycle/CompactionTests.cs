using Cloud.Log.Core.Groups;
using Cloud.Log.Protocol.Errors;
using Cloud.Log.Testing;

namespace Cloud.Log.Core.Tests.Lifecycle;

/// <summary>Log compaction of a keyed topic over two replica locations.</summary>
public sealed class CompactionTests : IAsyncLifetime
{
    private ReplicatedStorage _storage = null!;

    public async ValueTask InitializeAsync() => _storage = await ReplicatedStorage.StartAsync(2);

    public ValueTask DisposeAsync() => _storage.DisposeAsync();

    private static CloudLogEngineOptions Options(string prefix) => new() { ResourcePrefix = prefix, IndexIntervalBytes = 1024, OrphanBlobGrace = TimeSpan.Zero };

    /// <summary>
    /// A keyed topic with many updates and some tombstones, before and after compaction: a consumer reading
    /// from the start ends with the same value for every key; every record left is at its original offset;
    /// the tombstone older than delete.retention.ms is gone (with its key) and the newer one kept; the active
    /// segment is untouched; both copies shrank and hold the same bytes.
    /// </summary>
    [Fact(Timeout = 180_000)]
    public async Task Compaction_keeps_the_newest_value_of_every_key_and_shrinks_storage()
    {
        var prefix = StorageFixture.NewPrefix();
        await using var engine = await _storage.CreateEngineAsync(Options(prefix));
        var topic = await engine.CreateTopicAsync("t", replicationFactor: 2, configs: new Dictionary<string, string>
        {
            ["cleanup.policy"] = "compact",
            ["segment.bytes"] = "800",
            ["delete.retention.ms"] = "3600000",
        });
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var round = 0; round < 15; round++)
        {
            await engine.ProduceAsync("t", Enumerable.Range(0, 10).Select(k => Records.Of($"k{k}", $"v{k}-{round}", partition: 0)).ToArray());
        }

        await engine.ProduceAsync("t", [Records.Of("k8", null, timestamp: now - 2 * 3_600_000, partition: 0)]); // an old tombstone
        await engine.ProduceAsync("t", [Records.Of("k9", null, partition: 0)]); // a recent one
        for (var i = 0; i < 20; i++)
        {
            await engine.ProduceAsync("t", [Records.Of("k0", $"late-{i}", partition: 0)]); // fill and close the segment holding the tombstones
        }

        var before = await LogDump.ReadAllAsync(engine, "t");
        var rowsBefore = await LogDump.SegmentRowsAsync(_storage.Metadata.ConnectionString, prefix, topic.TopicId);
        var activeBefore = rowsBefore[^1];
        Assert.True(rowsBefore.Count >= 4, $"{rowsBefore.Count} segments");

        var result = Assert.Single(await engine.CompactAsync());
        Assert.True(result.SegmentsCompacted > 0);

        var after = await LogDump.ReadAllAsync(engine, "t");
        Assert.Equal(FinalValues(before).Where(kv => kv.Key != "k8"), FinalValues(after).Where(kv => kv.Key != "k8"));
        Assert.DoesNotContain(after, r => LogDump.Text(r.Key) == "k8"); // the old tombstone and its key are gone
        Assert.Contains(after, r => LogDump.Text(r.Key) == "k9" && r.Value is null); // the recent tombstone stays
        var original = before.ToDictionary(r => r.Offset);
        Assert.All(after, r => Assert.Equal(LogDump.Text(original[r.Offset].Value), LogDump.Text(r.Value))); // offsets never change
        Assert.True(after.Count < before.Count / 3, $"{after.Count} of {before.Count} records left");

        var rowsAfter = await LogDump.SegmentRowsAsync(_storage.Metadata.ConnectionString, prefix, topic.TopicId);
        Assert.Equal(activeBefore.Blob, rowsAfter[^1].Blob); // the active segment is never touched
        Assert.True(rowsAfter.Sum(r => r.Size ?? 0) < rowsBefore.Sum(r => r.Size ?? 0));
        Assert.Equal(rowsBefore.Select(r => (r.Base, r.End)), rowsAfter.Select(r => (r.Base, r.End)));
        var closedKeys = after.Where(r => r.Offset < activeBefore.Base).GroupBy(r => LogDump.Text(r.Key));
        Assert.All(closedKeys, g => Assert.Single(g)); // one record per key in the closed segments

        // Both copies hold the compacted segments, and the blobs they replaced are swept (grace 0 here).
        await engine.CompactAsync();
        foreach (var replica in _storage.Replicas)
        {
            var blobs = await LogDump.BlobsAsync(replica.ConnectionString, prefix, topic.TopicId + "/");
            Assert.All(rowsAfter.Where(r => r.End is not null), r => Assert.Contains(r.Blob, blobs.Keys));
            Assert.All(rowsBefore.Where(r => r.End is not null && rowsAfter.All(a => a.Blob != r.Blob)), r => Assert.DoesNotContain(r.Blob, blobs.Keys));
            Assert.Equal(rowsAfter.Sum(r => r.Size ?? blobs[r.Blob]), rowsAfter.Sum(r => blobs[r.Blob]));
        }
    }

    /// <summary>Reading across the gaps: list offsets by timestamp, group lag and fetch from a removed offset all work.</summary>
    [Fact(Timeout = 120_000)]
    public async Task Fetch_list_offsets_and_lag_handle_gaps()
    {
        var prefix = StorageFixture.NewPrefix();
        await using var engine = await _storage.CreateEngineAsync(Options(prefix));
        await engine.CreateTopicAsync("t", replicationFactor: 2, configs: new Dictionary<string, string> { ["cleanup.policy"] = "compact,delete", ["segment.bytes"] = "600" });
        for (var i = 0; i < 30; i++)
        {
            await engine.ProduceAsync("t", [Records.Of(i < 25 ? "same" : $"k{i}", $"v{i}", timestamp: 1000 + i, partition: 0)]);
        }

        await engine.CompactAsync();
        var removed = await engine.FetchAsync("t", 0, 3, maxRecords: 1);
        Assert.True(removed.Records[0].Offset > 3); // offset 3 was compacted away: the next one comes
        Assert.Equal(removed.Records[0].Offset + 1, removed.NextOffset);
        var byTime = await engine.GetOffsetForTimestampAsync("t", 0, 1005);
        Assert.True(byTime.Offset >= 5);
        await engine.CommitOffsetsAsync("g", [new OffsetCommit("t", 0, 10)]);
        Assert.Equal(20, (await engine.GetGroupOffsetsAsync("g")).Single().Lag);
    }

    /// <summary>A compacted topic keeps the newest record of each key, so a record without a key is refused, and nothing is stored.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Compacted_topic_refuses_records_without_a_key()
    {
        await using var engine = await _storage.CreateEngineAsync(Options(StorageFixture.NewPrefix()));
        await engine.CreateTopicAsync("t", configs: new Dictionary<string, string> { ["cleanup.policy"] = "compact" });
        var refused = await Assert.ThrowsAsync<CloudLogException>(() => engine.ProduceAsync("t", [Records.Of("k", "v"), Records.Of(null, "no key")]));
        Assert.Equal(ErrorCode.InvalidRecord, refused.Code);
        Assert.Equal(0, (await engine.GetLatestOffsetAsync("t", 0)).Offset);
    }

    /// <summary>Each key's value as a consumer reading the records in order ends with it (null for a tombstone).</summary>
    private static SortedDictionary<string, string?> FinalValues(IEnumerable<Protocol.Batches.ConsumerRecord> records)
    {
        var values = new SortedDictionary<string, string?>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            values[LogDump.Text(record.Key)!] = LogDump.Text(record.Value);
        }

        return values;
    }
}

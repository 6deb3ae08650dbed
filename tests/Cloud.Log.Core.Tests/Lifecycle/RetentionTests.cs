using Cloud.Log.Protocol.Errors;
using Cloud.Log.Testing;

namespace Cloud.Log.Core.Tests.Lifecycle;

/// <summary>Retention by time and by size, on tiny segments over two replica locations.</summary>
public sealed class RetentionTests : IAsyncLifetime
{
    private ReplicatedStorage _storage = null!;

    public async ValueTask InitializeAsync() => _storage = await ReplicatedStorage.StartAsync(2);

    public ValueTask DisposeAsync() => _storage.DisposeAsync();

    private static CloudLogEngineOptions Options(string prefix) => new() { ResourcePrefix = prefix, IndexIntervalBytes = 1024 };

    /// <summary>
    /// retention.ms: exactly the closed segments whose newest record is older go, from both locations, oldest
    /// first; the log start and fetch agree; nothing newer is touched. Then retention.bytes, set afterwards,
    /// applies at the next run by Kafka's rule (delete oldest while the partition stays at least that large).
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task Time_then_size_retention_delete_exactly_the_oldest_segments_everywhere()
    {
        var prefix = StorageFixture.NewPrefix();
        await using var engine = await _storage.CreateEngineAsync(Options(prefix));
        var topic = await engine.CreateTopicAsync("t", replicationFactor: 2, configs: new Dictionary<string, string> { ["segment.bytes"] = "300", ["retention.ms"] = "3600000" });
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < 10; i++)
        {
            await engine.ProduceAsync("t", [Records.Of(null, $"old-{i}".PadRight(100, '.'), timestamp: now - 3 * 3_600_000 + i, partition: 0)]);
        }

        for (var i = 0; i < 5; i++)
        {
            await engine.ProduceAsync("t", [Records.Of(null, $"new-{i}".PadRight(100, '.'), partition: 0)]);
        }

        var rows = await LogDump.SegmentRowsAsync(_storage.Metadata.ConnectionString, prefix, topic.TopicId);
        Assert.Equal(15, rows.Count); // one batch per segment: 14 closed and the active one
        var before = await Task.WhenAll(_storage.Replicas.Select(r => LogDump.BlobsAsync(r.ConnectionString, prefix, topic.TopicId + "/")));

        var cleaned = await engine.EnforceRetentionAsync();
        Assert.Equal(10, Assert.Single(cleaned).SegmentsDeleted);
        Assert.Equal(10, Assert.Single(cleaned).LogStartOffset);
        var after = await Task.WhenAll(_storage.Replicas.Select(r => LogDump.BlobsAsync(r.ConnectionString, prefix, topic.TopicId + "/")));
        var deleted = rows.Take(10).Select(r => r.Blob).ToList();
        for (var location = 0; location < 2; location++)
        {
            Assert.All(deleted, blob => Assert.DoesNotContain(blob, after[location].Keys));
            Assert.All(deleted, blob => Assert.DoesNotContain(blob[..^4] + ".index", after[location].Keys));
            Assert.Equal(before[location].Where(b => !deleted.Any(d => b.Key.StartsWith(d[..^4], StringComparison.Ordinal))), after[location]); // the rest untouched
        }

        Assert.Equal(rows.Skip(10).Select(r => r.Blob), (await LogDump.SegmentRowsAsync(_storage.Metadata.ConnectionString, prefix, topic.TopicId)).Select(r => r.Blob));
        var described = (await engine.DescribeTopicAsync("t")).Partitions[0];
        Assert.Equal(10, described.LogStartOffset);
        var below = await Assert.ThrowsAsync<CloudLogException>(() => engine.FetchAsync("t", 0, 9));
        Assert.Equal(ErrorCode.OffsetOutOfRange, below.Code);
        Assert.Equal(10, below.LogStartOffset);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"new-{i}".PadRight(100, '.')), (await engine.FetchAsync("t", 0)).Records.Select(r => LogDump.Text(r.Value)));
        Assert.Equal(10, (await engine.GetEarliestOffsetAsync("t", 0)).Offset);
        Assert.Empty(await engine.EnforceRetentionAsync()); // nothing more to do

        // Size: the remaining closed segments and the active one; delete the oldest while what stays is at least retention.bytes.
        var remaining = (await LogDump.SegmentRowsAsync(_storage.Metadata.ConnectionString, prefix, topic.TopicId)).ToList();
        var activeBytes = after[0][remaining[^1].Blob];
        var limit = remaining.Take(4).Sum(r => r.Size!.Value) + activeBytes - (2 * remaining[0].Size!.Value) - 1;
        await engine.AlterTopicConfigsAsync("t", new Dictionary<string, string?> { ["retention.bytes"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var bySize = Assert.Single(await engine.EnforceRetentionAsync());
        Assert.Equal(2, bySize.SegmentsDeleted);
        Assert.Equal(12, bySize.LogStartOffset);
        Assert.Equal(12, (await engine.FetchAsync("t", 0)).Records[0].Offset);
    }

    /// <summary>An idle partition's active segment whose records are all past retention is rolled and then deleted.</summary>
    [Fact(Timeout = 120_000)]
    public async Task Expired_idle_active_segment_is_rolled_and_deleted()
    {
        var prefix = StorageFixture.NewPrefix();
        var clock = new ShiftedTimeProvider();
        await using var engine = await _storage.CreateEngineAsync(Options(prefix), clock);
        await engine.CreateTopicAsync("t", replicationFactor: 2, configs: new Dictionary<string, string> { ["retention.ms"] = "60000" });
        await engine.ProduceAsync("t", Records.Values(3));
        clock.Shift = TimeSpan.FromMinutes(5);
        Assert.Empty(await engine.EnforceRetentionAsync()); // this run rolls the expired active segment
        var cleaned = Assert.Single(await engine.EnforceRetentionAsync());
        Assert.Equal(3, cleaned.LogStartOffset);
        Assert.Empty((await engine.FetchAsync("t", 0)).Records);
        var ack = await engine.ProduceAsync("t", Records.Values(1));
        Assert.Equal(3, ack[0].Offset);
    }
}

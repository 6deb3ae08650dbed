using Cloud.Log.Protocol;
using Cloud.Log.Testing;

namespace Cloud.Log.Core.Tests.Replication;

/// <summary>
/// Issue 13, defect 2's scenario: a copy whose storage comes back shorter than what it acknowledged. A killed
/// Azurite loses what it took since its last save (it saves its metadata every 5 s), as a geo-failover returns
/// to the last sync time; this is the one place the tests kill an Azurite, because a rollback is what they mean.
/// </summary>
public sealed class RolledBackCopyTests : IAsyncLifetime
{
    private ReplicatedStorage _storage = null!;

    public async ValueTask InitializeAsync() => _storage = await ReplicatedStorage.StartAsync(2);

    public ValueTask DisposeAsync() => _storage.DisposeAsync();

    /// <summary>
    /// Replication factor 2, min.insync.replicas 2, acks=all. Records are written and saved (6 s pass), two more
    /// are acknowledged, and at once the Azurite of one location is killed -9 and restarted on its data folder
    /// (its copy may come back without them) — for each location in turn, the leader's and the follower's.
    /// Then a new instance (caches off) writes more. No offset is ever used for another record than the one
    /// acknowledged at it, no acknowledged record is lost, offsets stay contiguous, and the ISR counts the
    /// restarted location only once its copy holds the same bytes as the other.
    /// </summary>
    [Theory(Timeout = 240_000)]
    [InlineData(0)]
    [InlineData(1)]
    public async Task A_copy_rolled_back_by_its_storage_never_lets_an_offset_be_reused(int rolledBack)
    {
        var prefix = StorageFixture.NewPrefix();
        var options = new CloudLogEngineOptions { ResourcePrefix = prefix, ReplicaLagTimeMax = TimeSpan.FromSeconds(2), MetadataCacheTtl = TimeSpan.FromMilliseconds(200) };
        var acknowledged = new Dictionary<long, string>();
        await using (var first = await _storage.CreateEngineAsync(options))
        {
            await first.CreateTopicAsync("t", partitions: 1, replicationFactor: 2, configs: new Dictionary<string, string> { ["min.insync.replicas"] = "2" });
            await ProduceAsync(first, "saved", 5, acknowledged);
            await Task.Delay(TimeSpan.FromSeconds(6));
            await ProduceAsync(first, "at-risk", 2, acknowledged);
            await _storage.Replicas[rolledBack].RestartAsync(); // kill -9, then back on the same folder
        }

        await using var second = await _storage.CreateEngineAsync(new CloudLogEngineOptions
        {
            ResourcePrefix = prefix,
            ReplicaLagTimeMax = TimeSpan.FromSeconds(2),
            MetadataCacheTtl = TimeSpan.FromMilliseconds(200),
            TailCacheBytesPerPartition = 0,
            ReadAheadBytes = 0,
        });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        var written = 0;
        string? lastError = null;
        while (written < 5)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {written} writes after the rollback within 90 s; the last answer: {lastError}; isr {string.Join(',', (await second.DescribeTopicAsync("t")).Partitions[0].Isr)}");
            try
            {
                await ProduceAsync(second, $"after-{written}", 1, acknowledged);
                written++;
            }
            catch (CloudLogException e) when (e.IsRetriable)
            {
                lastError = $"{e.Code}: {e.Message}";
                await second.CatchUpReplicasAsync();
                await Task.Delay(200);
            }
        }

        var read = await second.FetchAsync("t", 0, 0, maxRecords: 1000);
        Assert.Equal(Enumerable.Range(0, read.Records.Count).Select(i => (long)i), read.Records.Select(r => r.Offset)); // contiguous
        var stored = read.Records.ToDictionary(r => r.Offset, r => Records.Text(r.Value));
        Assert.All(acknowledged, a => Assert.True(stored.TryGetValue(a.Key, out var value) && value == a.Value, $"offset {a.Key} was acknowledged as {a.Value}, holds {(stored.TryGetValue(a.Key, out var v) ? v : "nothing")}"));

        var partition = (await second.DescribeTopicAsync("t")).Partitions[0];
        if (partition.Isr.Count == 2)
        {
            await ReplicaCopies.AssertSameBatchesAsync(_storage, prefix, "t", 0, 0, 1);
        }
    }

    private static async Task ProduceAsync(CloudLogEngine engine, string prefix, int count, Dictionary<long, string> acknowledged)
    {
        for (var i = 0; i < count; i++)
        {
            var value = $"{prefix}-{i}";
            var result = await engine.ProduceAsync("t", [Records.Of(null, value, partition: 0)], Acks.All);
            acknowledged[result.Single().Offset] = value;
        }
    }
}

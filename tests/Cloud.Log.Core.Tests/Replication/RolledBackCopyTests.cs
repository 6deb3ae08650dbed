using Azure.Storage.Blobs.Specialized;
using Cloud.Log.Core.Topics;
using Cloud.Log.Protocol;
using Cloud.Log.Protocol.Batches;
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

    /// <summary>
    /// The soak run at ebdbc63: offsets acknowledged twice, to two producers, after a location rolled back.
    /// Replication factor 2, min.insync.replicas 1 (so that the copy left after the roll is enough, as two of three
    /// were in that run), acks=all, two instances. Instance A writes offset 0; instance B
    /// writes offset 1 ("theirs"), to the sequencer and the leader; then the sequencer's copy goes back to before
    /// offset 1 (its storage rolled back; here the blob is rewritten with its first batch). A, whose view still ends
    /// after offset 0, appends "ours" there: the sequencer takes it, the leader holds "theirs" in its place. The roll
    /// that settles it leaves the sequencer out and closes the segment at the leader's copy, which reaches past
    /// "ours"'s offset but does not hold it: A must not answer offset 1 (before, it did, because the closed segment
    /// reached past the offset), and A's retry lands after "theirs". Read back by a fresh engine with caches off,
    /// each offset holds the one record acknowledged at it; once catch-up brings the sequencer's location back (its
    /// copy holds another history: it is copied again whole), the two copies hold the same batches.
    /// </summary>
    [Fact(Timeout = 180_000)]
    public Task A_block_the_sequencer_took_after_its_storage_went_back_is_not_acknowledged_at_anothers_offset() =>
        AfterTheSequencerWentBackAsync(content => content[..FirstBatch(content).TotalSize]); // back to before offset 1

    /// <summary>
    /// A writer that brings a lagging copy up must not splice two histories. Replication factor 2,
    /// min.insync.replicas 1, two instances: A writes offset 0, B writes "theirs" at offset 1 to both copies, then
    /// the sequencer's copy goes back to offset 0 and takes a longer batch at offset 1 (another writer sequenced it
    /// there and died before it reached the leader). A's next append meets that batch, takes it for another
    /// writer's and appends after it; the leader, shorter than that, ends with "theirs" where the sequencer holds the
    /// other batch. Before, A appended the rest of the other batch and its own block to the leader — a leader copy
    /// that no longer parsed past "theirs" — and acknowledged. The leader's end is compared first: it is another
    /// history, so A rolls without the sequencer and does not acknowledge that append; its retry lands after
    /// "theirs". Read back by a fresh engine with caches off: offsets 0, 1, 2 hold "first", "theirs", "ours".
    /// </summary>
    [Fact(Timeout = 180_000)]
    public Task A_lagging_copy_holding_another_history_is_not_brought_up_with_the_sequencers_bytes() =>
        AfterTheSequencerWentBackAsync(content =>
        {
            var kept = FirstBatch(content);
            return [.. content.AsSpan(0, kept.TotalSize), .. Stamped("a value longer than theirs, never acknowledged", 1, kept)];
        });

    /// <summary>
    /// A roll of a segment whose sequencer holds another history, longer than the leader's: its storage went back
    /// after offset 0 and a writer sequenced two other batches on it, then died before they reached the leader,
    /// which holds offset 1 as acknowledged. Replication factor 2, min.insync.replicas 1. An instance with no view
    /// opens the segment (the sequencer is the longer copy, so nothing tells it apart) and rolls it (its clock is
    /// past segment.ms). The leader's copy disagrees with the sequencer's, and every acknowledged block is on the
    /// leader: the roll leaves the sequencer out and closes the segment at the leader's bytes (before, it copied
    /// the sequencer's third batch onto the leader and closed both copies as in sync, holding different records at
    /// offset 1). A fresh engine with caches off reads the acknowledged records only, and once catch-up brings the
    /// sequencer's location back, both copies hold the same batches.
    /// </summary>
    [Fact(Timeout = 180_000)]
    public async Task A_roll_keeps_the_leaders_history_when_the_sequencer_holds_another()
    {
        var prefix = StorageFixture.NewPrefix();
        var options = new CloudLogEngineOptions { ResourcePrefix = prefix, ReplicaLagTimeMax = TimeSpan.FromSeconds(2), MetadataCacheTtl = TimeSpan.FromMilliseconds(200) };
        var acknowledged = new Dictionary<long, string>();
        await using (var first = await _storage.CreateEngineAsync(options))
        {
            await first.CreateTopicAsync("t", partitions: 1, replicationFactor: 2, configs: new Dictionary<string, string> { ["min.insync.replicas"] = "1", ["segment.ms"] = "60000" });
            await ProduceAsync(first, "first", 1, acknowledged);
            await ProduceAsync(first, "value-A", 1, acknowledged);
        }

        var partition = (await ReplicaDescriptionAsync(prefix)).Partitions[0];
        var sequencer = partition.Replicas.First(r => r != partition.Leader);
        var (blob, _) = (await ReplicaCopies.SegmentsAsync(_storage, prefix, "t", 0)).Single();
        await RewriteAsync(sequencer, prefix, blob, content =>
        {
            var kept = FirstBatch(content);
            return [.. content.AsSpan(0, kept.TotalSize), .. Stamped("value-B", 1, kept), .. Stamped("never acknowledged", 2, kept)];
        });

        await using var later = await _storage.CreateEngineAsync(options, new ShiftedTimeProvider { Shift = TimeSpan.FromMinutes(2) });
        await ProduceAsync(later, "after", 1, acknowledged);

        await using var fresh = await _storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix, TailCacheBytesPerPartition = 0, ReadAheadBytes = 0 });
        var read = await fresh.FetchAsync("t", 0, 0, maxRecords: 100);
        Assert.Equal(["first-0", "value-A-0", "after-0"], read.Records.Select(r => Records.Text(r.Value)));
        Assert.Equal([0L, 1, 2], read.Records.Select(r => r.Offset));
        Assert.Equal(acknowledged.OrderBy(a => a.Key).Select(a => a.Value), read.Records.Select(r => Records.Text(r.Value)));

        await RejoinAsync(later);
        await ReplicaCopies.AssertSameBatchesAsync(_storage, prefix, "t", 0, partition.Leader, sequencer);
    }

    /// <summary>
    /// The two-instance scenario of the tests above. Replication factor 2, min.insync.replicas 1, acks=all: A writes
    /// "first", B writes "theirs" at offset 1 to both copies, the sequencer's copy is replaced by what
    /// <paramref name="goBack"/> makes of it, and A writes "ours", retrying while it is told to (catch-up running
    /// between tries). Read back by a fresh engine with caches off, offsets 0, 1, 2 hold "first", "theirs", "ours",
    /// each the one record acknowledged at it; once catch-up brings the sequencer's location back, the two copies
    /// hold the same batches.
    /// </summary>
    private async Task AfterTheSequencerWentBackAsync(Func<byte[], byte[]> goBack)
    {
        var prefix = StorageFixture.NewPrefix();
        var options = new CloudLogEngineOptions { ResourcePrefix = prefix, ReplicaLagTimeMax = TimeSpan.FromSeconds(2), MetadataCacheTtl = TimeSpan.FromMilliseconds(200) };
        var acknowledged = new Dictionary<long, string>();
        await using var a = await _storage.CreateEngineAsync(options);
        await using var b = await _storage.CreateEngineAsync(options);
        await a.CreateTopicAsync("t", partitions: 1, replicationFactor: 2, configs: new Dictionary<string, string> { ["min.insync.replicas"] = "1" });
        await ProduceAsync(a, "first", 1, acknowledged);
        await ProduceAsync(b, "theirs", 1, acknowledged);

        var partition = (await a.DescribeTopicAsync("t")).Partitions[0];
        var sequencer = partition.Replicas.First(r => r != partition.Leader);
        var (blob, _) = (await ReplicaCopies.SegmentsAsync(_storage, prefix, "t", 0)).Single();
        await RewriteAsync(sequencer, prefix, blob, goBack);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            try
            {
                await ProduceAsync(a, "ours", 1, acknowledged);
                break;
            }
            catch (CloudLogException e) when (e.IsRetriable)
            {
                Assert.True(DateTime.UtcNow < deadline, $"'ours' was not written within 90 s: {e.Code}: {e.Message}");
                await a.CatchUpReplicasAsync();
                await Task.Delay(200);
            }
        }

        await using var fresh = await _storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix, TailCacheBytesPerPartition = 0, ReadAheadBytes = 0 });
        var read = await fresh.FetchAsync("t", 0, 0, maxRecords: 100);
        var stored = read.Records.ToDictionary(r => r.Offset, r => Records.Text(r.Value));
        Assert.All(acknowledged, ack => Assert.True(stored.TryGetValue(ack.Key, out var value) && value == ack.Value, $"offset {ack.Key} was acknowledged as {ack.Value}, holds {(stored.TryGetValue(ack.Key, out var v) ? v : "nothing")}"));
        Assert.Equal([0L, 1, 2], read.Records.Select(r => r.Offset));
        Assert.Equal(["first-0", "theirs-0", "ours-0"], read.Records.Select(r => Records.Text(r.Value)));
        await RejoinAsync(a);
        await ReplicaCopies.AssertSameBatchesAsync(_storage, prefix, "t", 0, partition.Leader, sequencer);
    }

    /// <summary>
    /// Replaces one location's copy of a segment with what <paramref name="change"/> makes of its bytes: what a copy
    /// whose storage went back (and maybe took other blocks since) holds. The index is left as it was.
    /// </summary>
    private async Task RewriteAsync(int location, string prefix, string blob, Func<byte[], byte[]> change)
    {
        var copy = new Azure.Storage.Blobs.BlobServiceClient(_storage.Replicas[location].ConnectionString).GetBlobContainerClient(prefix + "-log").GetAppendBlobClient(blob);
        var content = (await copy.DownloadContentAsync(TestContext.Current.CancellationToken)).Value.Content.ToArray();
        await copy.DeleteAsync(cancellationToken: TestContext.Current.CancellationToken);
        await copy.CreateAsync(cancellationToken: TestContext.Current.CancellationToken);
        await copy.AppendBlockAsync(new MemoryStream(change(content)), cancellationToken: TestContext.Current.CancellationToken);
    }

    /// <summary>Runs catch-up until both locations are in sync again.</summary>
    private static async Task RejoinAsync(CloudLogEngine engine)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while ((await engine.DescribeTopicAsync("t")).Partitions[0].Isr.Count < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the sequencer's location did not rejoin the ISR within 60 s");
            await engine.CatchUpReplicasAsync();
            await Task.Delay(200);
        }
    }

    private static RecordBatchHeader FirstBatch(byte[] content)
    {
        Assert.True(RecordBatch.TryReadHeader(content, out var header));
        return header;
    }

    /// <summary>A batch of one record at <paramref name="offset"/>, stamped with the epoch of <paramref name="like"/>.</summary>
    private static byte[] Stamped(string value, long offset, RecordBatchHeader like)
    {
        var bytes = RecordBatch.Encode([new ProducerRecord(null, System.Text.Encoding.UTF8.GetBytes(value + "-0"), 0)], TimestampType.CreateTime, like.BaseTimestamp);
        RecordBatch.StampOffsetAndEpoch(bytes, offset, like.PartitionLeaderEpoch);
        return bytes;
    }

    private async Task<TopicDescription> ReplicaDescriptionAsync(string prefix)
    {
        await using var engine = await _storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix });
        return await engine.DescribeTopicAsync("t");
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

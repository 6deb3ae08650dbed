using System.Diagnostics;
using Azure.Data.Tables;
using Cloud.Log.Core.Storage;
using Cloud.Log.Protocol;
using Cloud.Log.Testing;

namespace Cloud.Log.Core.Tests.Replication;

/// <summary>
/// Invariant 7 across a roll that moved the leader: a reader on another instance, whose view still names the old
/// segment's copy at the old leader's location, never answers that copy's end as the high watermark once a
/// record was acknowledged in the new segment, whether the roll could seal that copy (it comes back before the
/// seal) or not (it comes back after the acknowledgement). Found by the soak run (`stale` after a leader
/// location returned).
/// </summary>
public sealed class StaleReaderTests : IAsyncLifetime
{
    private ReplicatedStorage _storage = null!;
    private readonly List<FaultProxy> _proxies = [];
    private string _prefix = "";

    public async ValueTask InitializeAsync()
    {
        _storage = await ReplicatedStorage.StartAsync(3);
        _proxies.AddRange(_storage.Replicas.Select(r => FaultProxy.Create(r.BlobPort)));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var proxy in _proxies)
        {
            proxy.Dispose();
        }

        await _storage.DisposeAsync();
    }

    /// <summary>A reader view lease long enough that no step of a test outlasts it by chance.</summary>
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The leader's location refuses connections while a writer appends: the writer rolls past it, cannot seal
    /// its copy, and acknowledges the record in the new segment; the location answers again at once. A reader
    /// that read the partition just before fetches from the acknowledged offset and gets the record, with a high
    /// watermark past it: the acknowledgement waited out the reader view lease. Without the wait it reads the
    /// old leader's copy, unsealed and short, as the end.
    /// </summary>
    [Fact(Timeout = 180_000)]
    public async Task A_reader_sees_a_record_acknowledged_after_a_roll_that_could_not_seal_the_old_leaders_copy()
    {
        var (writer, reader, leader) = await StartAsync(beforeSeals: null);
        await using (writer)
        await using (reader)
        {
            _proxies[leader].SetMode(FaultMode.Refuse);
            var clock = Stopwatch.StartNew();
            var written = (await writer.ProduceAsync("t", [Records.Of(null, "after-roll", partition: 0)], Acks.All)).Single();
            _proxies[leader].SetMode(FaultMode.Pass);
            var fetched = await reader.FetchAsync("t", 0, written.Offset);
            Assert.True(fetched.HighWatermark > written.Offset, $"the reader answered high watermark {fetched.HighWatermark} after offset {written.Offset} was acknowledged ({clock.Elapsed} after the leader went away)");
            Assert.Equal("after-roll", Records.Text(fetched.Records[0].Value));
            Assert.True(clock.Elapsed >= Lease, $"acknowledged {clock.Elapsed} after the leader went away, within the reader view lease");
            var after = (await writer.DescribeTopicAsync("t")).Partitions[0];
            Assert.NotEqual(leader, after.Leader);
        }
    }

    /// <summary>
    /// The same, with the old leader's location answering again by the time the roll seals: the roll seals that
    /// copy too, although it leaves the ISR, so nothing waits (the new segment's row records no open copy) and the
    /// reader meets the seal and reads the new segment.
    /// </summary>
    [Fact(Timeout = 180_000)]
    public async Task A_roll_past_a_failed_leader_seals_its_copy_when_it_answers_again()
    {
        var healed = 0;
        int? leaderLocation = null;
        var (writer, reader, leader) = await StartAsync(beforeSeals: _ =>
        {
            if (leaderLocation is { } l && Interlocked.Exchange(ref healed, 1) == 0)
            {
                _proxies[l].SetMode(FaultMode.Pass);
            }

            return Task.CompletedTask;
        });
        await using (writer)
        await using (reader)
        {
            leaderLocation = leader;
            _proxies[leader].SetMode(FaultMode.Refuse);
            var written = (await writer.ProduceAsync("t", [Records.Of(null, "after-roll", partition: 0)], Acks.All)).Single();
            Assert.Equal(1, healed);
            var segments = SegmentRows((await writer.DescribeTopicAsync("t")).TopicId);
            Assert.True(segments.Count >= 2, $"no roll: {segments.Count} segment");
            Assert.False(segments[^1].GetBoolean("PreviousCopiesOpen") ?? false, "the roll left a copy of the old segment open (its acknowledgements waited out the lease)");
            var fetched = await reader.FetchAsync("t", 0, written.Offset);
            Assert.True(fetched.HighWatermark > written.Offset, $"the reader answered high watermark {fetched.HighWatermark} after offset {written.Offset} was acknowledged");
            Assert.Equal("after-roll", Records.Text(fetched.Records[0].Value));
        }
    }

    /// <summary>The partition's segment rows, in offset order, straight from the metadata table.</summary>
    private List<TableEntity> SegmentRows(string topicId) =>
        [.. new TableClient(_storage.Metadata.ConnectionString, _prefix + "partitions").Query<TableEntity>(e => e.PartitionKey == topicId)
            .Where(e => e.RowKey.Contains("|s|", StringComparison.Ordinal)).OrderBy(e => e.RowKey, StringComparer.Ordinal)];

    /// <summary>
    /// A writer and a reader (two engines, as two instances) over three locations behind the proxies; a topic with
    /// rf 3 and min.insync.replicas 1, three records written and read once by the reader; both trust a view for
    /// <see cref="Lease"/>. Answers the leader's location.
    /// </summary>
    private async Task<(CloudLogEngine Writer, CloudLogEngine Reader, int Leader)> StartAsync(Func<CancellationToken, Task>? beforeSeals)
    {
        var prefix = _prefix = StorageFixture.NewPrefix();
        var locations = _proxies.Select((p, i) => StorageLocation.FromConnectionString(
            $"location{i}",
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzuriteProcess.DevAccountKey};BlobEndpoint=http://127.0.0.1:{p.Port}/devstoreaccount1;")).ToList();
        var writer = await CloudLogEngine.CreateAsync(locations, new CloudLogEngineOptions { ResourcePrefix = prefix, ReplicaLagTimeMax = TimeSpan.FromSeconds(1), ReaderViewLease = Lease, BeforeRollSeals = beforeSeals }, metadataLocation: _storage.MetadataLocation);
        var reader = await CloudLogEngine.CreateAsync(locations, new CloudLogEngineOptions { ResourcePrefix = prefix, MetadataCacheTtl = TimeSpan.FromMinutes(1), ReaderViewLease = Lease, TailCacheBytesPerPartition = 0, ReadAheadBytes = 0 }, metadataLocation: _storage.MetadataLocation);
        await writer.CreateTopicAsync("t", partitions: 1, replicationFactor: 3, configs: new Dictionary<string, string> { ["min.insync.replicas"] = "1" });
        for (var i = 0; i < 3; i++)
        {
            await writer.ProduceAsync("t", [Records.Of(null, $"before-{i}", partition: 0)], Acks.All);
        }

        var read = await reader.FetchAsync("t", 0, 0);
        Assert.Equal(3, read.HighWatermark);
        var leader = (await writer.DescribeTopicAsync("t")).Partitions[0].Leader;
        return (writer, reader, leader);
    }
}

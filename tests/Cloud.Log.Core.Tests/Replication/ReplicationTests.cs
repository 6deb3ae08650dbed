using System.Collections.Concurrent;
using System.Diagnostics;
using Cloud.Log.Core.Producers;
using Cloud.Log.Protocol;
using Cloud.Log.Protocol.Errors;
using Cloud.Log.Testing;

namespace Cloud.Log.Core.Tests.Replication;

/// <summary>
/// Replication against one Azurite per replica location (plus one for the metadata): records written with
/// acks=all survive the loss of a location, writes move to a new leader, a returning location catches up
/// byte for byte, and min.insync.replicas is enforced.
/// </summary>
public sealed class ReplicationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private ReplicatedStorage _storage = null!;

    public async ValueTask InitializeAsync() => _storage = await ReplicatedStorage.StartAsync(3);

    public ValueTask DisposeAsync() => _storage.DisposeAsync();

    private static CloudLogEngineOptions Options(string prefix) => new()
    {
        ResourcePrefix = prefix,
        ReplicaLagTimeMax = TimeSpan.FromSeconds(2),
        MetadataCacheTtl = TimeSpan.FromMilliseconds(200),
    };

    /// <summary>With replication factor 3, every location holds the same batches, and describe shows the replicas in sync.</summary>
    [Fact(Timeout = 120_000)]
    public async Task Every_in_sync_copy_holds_the_same_batches()
    {
        var prefix = StorageFixture.NewPrefix();
        await using var engine = await _storage.CreateEngineAsync(Options(prefix));
        var created = await engine.CreateTopicAsync("t", partitions: 3, replicationFactor: 3, configs: new Dictionary<string, string> { ["segment.bytes"] = "2000" });
        Assert.Equal([[0, 1, 2], [1, 2, 0], [2, 0, 1]], created.Partitions.Select(p => p.Replicas.ToArray()));
        Assert.Equal([0, 1, 2], created.Partitions.Select(p => p.Leader)); // leaders spread over the locations
        for (var i = 0; i < 30; i++)
        {
            await engine.ProduceAsync("t", Enumerable.Range(0, 3).Select(p => Records.Of($"k{i}", new string('v', 100), partition: p)).ToArray());
        }

        var described = await engine.DescribeTopicAsync("t");
        foreach (var partition in described.Partitions)
        {
            Assert.Equal(partition.Replicas.Order(), partition.Isr.Order());
            Assert.Equal(30, partition.HighWatermark);
            foreach (var location in partition.Replicas.Where(r => r != partition.Leader))
            {
                await ReplicaCopies.AssertSameBatchesAsync(_storage, prefix, "t", partition.Partition, partition.Leader, location);
            }
        }

        Assert.True((await ReplicaCopies.SegmentsAsync(_storage, prefix, "t", 0)).Count >= 3, "the test means to cover several segments");
    }

    /// <summary>
    /// acks=all with three replicas while producers run: the leader location's Azurite is killed. Writes resume
    /// on a new leader within 20 s; every acknowledged record is there afterwards, offsets are contiguous, no
    /// record is stored twice, and describe shows the new leader and the shrunken ISR. The location then comes
    /// back: catch-up returns it to the ISR, and its copy matches the leader's batch by batch.
    /// </summary>
    [Fact(Timeout = 240_000)]
    public async Task Acknowledged_records_survive_the_leader_location_and_it_rejoins_after_catch_up()
    {
        var prefix = StorageFixture.NewPrefix();
        await using var engine = await _storage.CreateEngineAsync(Options(prefix));
        await engine.CreateTopicAsync("t", partitions: 1, replicationFactor: 3, configs: new Dictionary<string, string> { ["segment.bytes"] = "4000" });
        var epochBefore = (await engine.DescribeTopicAsync("t")).Partitions[0].LeaderEpoch;

        var acked = new ConcurrentDictionary<string, long>();
        var lastAck = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var producers = Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var value = $"p{p}-{n}";
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        // Each record's own idempotency key: a retry after an ambiguous failure is stored once.
                        var result = await engine.ProduceAsync("t", [Records.Of(null, value, partition: 0)], Acks.All, ProducerIdempotence.ForIdempotencyKey(value));
                        acked[value] = result[0].Offset;
                        lastAck.Restart();
                        break;
                    }
                    catch (CloudLogException e) when (e.IsRetriable)
                    {
                        await Task.Delay(50);
                    }
                }
            }
        })).ToList();

        await Task.Delay(1500);
        var countAtKill = acked.Count;
        Assert.True(countAtKill > 0);
        await _storage.Replicas[0].StopAsync(); // location 0 leads partition 0
        var killedAt = Stopwatch.StartNew();
        while (acked.Count <= countAtKill + 20 && killedAt.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(100);
        }

        var resumedWithin = killedAt.Elapsed;
        await stop.CancelAsync();
        await Task.WhenAll(producers);
        Assert.True(acked.Count > countAtKill + 20, $"writes did not resume: {acked.Count - countAtKill} acks after the kill");
        Assert.True(resumedWithin < TimeSpan.FromSeconds(20), $"writes resumed only after {resumedWithin}");

        await AssertLogHoldsExactlyAsync(engine, acked);
        var after = (await engine.DescribeTopicAsync("t")).Partitions[0];
        output.WriteLine($"{countAtKill} acks before the kill, {acked.Count} in all; 20 more within {resumedWithin.TotalSeconds:0.0} s; leader {after.Leader}, isr {string.Join(',', after.Isr)}, epoch {epochBefore} -> {after.LeaderEpoch}");
        Assert.NotEqual(0, after.Leader);
        Assert.DoesNotContain(0, after.Isr);
        Assert.Equal(2, after.Isr.Count);
        Assert.True(after.LeaderEpoch > epochBefore);

        await _storage.Replicas[0].RestartAsync();
        var rejoined = await engine.CatchUpReplicasAsync();
        Assert.Equal([0], Assert.Single(rejoined).Locations);
        var healed = (await engine.DescribeTopicAsync("t")).Partitions[0];
        Assert.Equal([0, 1, 2], healed.Isr.Order());
        await ReplicaCopies.AssertSameBatchesAsync(_storage, prefix, "t", 0, healed.Leader, 0);

        // Back in the ISR, the location takes every new append again.
        await engine.ProduceAsync("t", [Records.Of(null, "after", partition: 0)]);
        await ReplicaCopies.AssertSameBatchesAsync(_storage, prefix, "t", 0, healed.Leader, 0);
    }

    /// <summary>
    /// min.insync.replicas=2 of 3: with one follower gone writes go on; with two gone acks=all is 503
    /// NOT_ENOUGH_REPLICAS, and every record acknowledged before is still there.
    /// </summary>
    [Fact(Timeout = 180_000)]
    public async Task Min_insync_replicas_refuses_acks_all_when_too_few_are_in_sync()
    {
        var prefix = StorageFixture.NewPrefix();
        await using var engine = await _storage.CreateEngineAsync(Options(prefix));
        await engine.CreateTopicAsync("t", replicationFactor: 3, configs: new Dictionary<string, string> { ["min.insync.replicas"] = "2" });
        var acked = new ConcurrentDictionary<string, long>();
        async Task ProduceAsync(string value) => acked[value] = (await engine.ProduceAsync("t", [Records.Of(null, value, partition: 0)]))[0].Offset;

        await ProduceAsync("all-three");
        await _storage.Replicas[2].StopAsync();
        await ProduceAsync("two-left"); // the follower leaves the ISR during this append; two remain
        await ProduceAsync("still-two");
        Assert.Equal([0, 1], (await engine.DescribeTopicAsync("t")).Partitions[0].Isr.Order());

        await _storage.Replicas[1].StopAsync();
        var refused = await Assert.ThrowsAsync<CloudLogException>(() => ProduceAsync("one-left"));
        Assert.Equal(ErrorCode.NotEnoughReplicas, refused.Code);
        Assert.True(refused.IsRetriable);
        var again = await Assert.ThrowsAsync<CloudLogException>(() => ProduceAsync("refused-before-append"));
        Assert.Equal(ErrorCode.NotEnoughReplicas, again.Code);
        Assert.Contains("nothing was stored", again.Message, StringComparison.Ordinal);

        // acks=1 still writes to the one replica left.
        var leaderOnly = await engine.ProduceAsync("t", [Records.Of(null, "acks-one", partition: 0)], Acks.Leader);
        acked["acks-one"] = leaderOnly[0].Offset;
        var log = await engine.FetchAsync("t", 0, 0, maxRecords: 100);
        var values = log.Records.Select(r => Records.Text(r.Value)).ToList();
        foreach (var (value, offset) in acked)
        {
            Assert.Equal(value, Records.Text(log.Records.Single(r => r.Offset == offset).Value));
        }

        Assert.DoesNotContain("refused-before-append", values);
        Assert.Equal(Enumerable.Range(0, log.Records.Count).Select(i => (long)i), log.Records.Select(r => r.Offset));
    }

    /// <summary>
    /// A writer that refused acks=all for too few in-sync replicas looks again: once another instance has
    /// caught the returning locations up, the first instance's next acks=all produce is stored (the refusal
    /// came from its cached view, which no storage call had checked; found by the soak run).
    /// </summary>
    [Fact(Timeout = 240_000)]
    public async Task A_writer_that_refused_for_too_few_replicas_writes_once_another_instance_caught_them_up()
    {
        var prefix = StorageFixture.NewPrefix();
        await using var writer = await _storage.CreateEngineAsync(Options(prefix));
        await writer.CreateTopicAsync("t", replicationFactor: 3, configs: new Dictionary<string, string> { ["min.insync.replicas"] = "2" });
        await writer.ProduceAsync("t", [Records.Of(null, "all-three", partition: 0)]);
        await _storage.Replicas[2].StopAsync();
        await _storage.Replicas[1].StopAsync();
        var error = await Assert.ThrowsAsync<CloudLogException>(async () =>
        {
            for (var i = 0; i < 3; i++)
            {
                await writer.ProduceAsync("t", [Records.Of(null, $"refused-{i}", partition: 0)]); // the first may take the followers out of the ISR
            }
        });
        Assert.Equal(ErrorCode.NotEnoughReplicas, error.Code);

        await _storage.Replicas[1].RestartAsync();
        await _storage.Replicas[2].RestartAsync();
        await using (var other = await _storage.CreateEngineAsync(Options(prefix)))
        {
            var deadline = Stopwatch.StartNew();
            while ((await other.DescribeTopicAsync("t")).Partitions[0].Isr.Count < 3)
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), "catch-up did not return the locations to the ISR");
                await other.CatchUpReplicasAsync();
            }
        }

        var stored = await writer.ProduceAsync("t", [Records.Of(null, "after-catch-up", partition: 0)]);
        var log = await writer.FetchAsync("t", 0, stored[0].Offset, maxRecords: 1);
        Assert.Equal("after-catch-up", Records.Text(Assert.Single(log.Records).Value));
    }

    /// <summary>
    /// Two catch-up runs at once, on two instances (as the timer function and a server job might be): the
    /// returning location rejoins once, its copy matches the leader's, and the log is exactly what it was.
    /// A location that still does not answer is left out and the run does not fail.
    /// </summary>
    [Fact(Timeout = 180_000)]
    public async Task Two_catch_ups_at_once_do_no_harm()
    {
        var prefix = StorageFixture.NewPrefix();
        await using var a = await _storage.CreateEngineAsync(Options(prefix));
        await using var b = await _storage.CreateEngineAsync(Options(prefix));
        await a.CreateTopicAsync("t", replicationFactor: 3, configs: new Dictionary<string, string> { ["segment.bytes"] = "1500" });
        await a.ProduceAsync("t", Records.Values(5, "before"));
        await _storage.Replicas[1].StopAsync();
        await _storage.Replicas[2].StopAsync();
        for (var i = 0; i < 20; i++)
        {
            await a.ProduceAsync("t", Records.Values(3, $"while-{i}-"), Acks.Leader);
        }

        Assert.Equal([0], (await a.DescribeTopicAsync("t")).Partitions[0].Isr);
        Assert.Empty(await a.CatchUpReplicasAsync()); // both still down: nothing to do, and no failure
        await _storage.Replicas[1].RestartAsync();
        var runs = await Task.WhenAll(a.CatchUpReplicasAsync(), b.CatchUpReplicasAsync());
        Assert.Equal([1], runs.SelectMany(r => r).SelectMany(r => r.Locations).Distinct());

        var partition = (await a.DescribeTopicAsync("t")).Partitions[0];
        Assert.Equal([0, 1], partition.Isr.Order());
        await ReplicaCopies.AssertSameBatchesAsync(_storage, prefix, "t", 0, partition.Leader, 1);
        var log = await b.FetchAsync("t", 0, 0, maxRecords: 1000);
        Assert.Equal(65, log.Records.Count);
        Assert.Equal(Enumerable.Range(0, 65).Select(i => (long)i), log.Records.Select(r => r.Offset));
    }

    /// <summary>
    /// A writer process frozen (SIGSTOP) in the middle of its appends while this instance writes the same
    /// partition, then thawed: whatever it had in flight meets the moved tail (the sequencer's append-position
    /// condition) and is sequenced again after what it missed. Afterwards the log holds every acknowledged record
    /// of both, with no duplicate and no gap.
    /// </summary>
    [Fact(Timeout = 240_000)]
    public async Task Paused_writer_appends_after_what_others_wrote_meanwhile()
    {
        var prefix = StorageFixture.NewPrefix();
        await using var engine = await _storage.CreateEngineAsync(Options(prefix));
        await engine.CreateTopicAsync("t", replicationFactor: 3);
        using var writer = WriterProcess.Start(
            _storage.Metadata.ConnectionString,
            string.Join('|', _storage.Replicas.Select(r => r.ConnectionString)),
            prefix, "t", "600", "A", "3");
        await writer.WaitForAcksAsync(100, TimeSpan.FromSeconds(90));
        await writer.SignalAsync("STOP");
        var frozenAt = writer.Acks.Count;
        await Task.Delay(TimeSpan.FromSeconds(4.5)); // past every timeout the writer has

        var ours = new Dictionary<string, long>();
        for (var i = 0; i < 40; i++)
        {
            var value = $"B-{i}";
            ours[value] = (await engine.ProduceAsync("t", [Records.Of(null, value, partition: 0)], Acks.All, ProducerIdempotence.ForIdempotencyKey(value)))[0].Offset;
        }

        await writer.SignalAsync("CONT");
        await writer.WaitForExitAsync(TimeSpan.FromSeconds(120));
        output.WriteLine($"writer acknowledged {frozenAt} before the freeze, {writer.Acks.Count} in all; this instance wrote {ours.Count} in between");
        var acked = writer.Acks.ToDictionary(a => a.Value, a => a.Offset);
        foreach (var (value, offset) in ours)
        {
            acked.Add(value, offset);
        }

        Assert.Equal(600, writer.Acks.Count);
        await AssertLogHoldsExactlyAsync(engine, acked);
        Assert.Equal(640, (await engine.DescribeTopicAsync("t")).Partitions[0].HighWatermark);
    }

    /// <summary>Every acknowledged record is where its ack said, offsets run 0..N-1 with no gap, and no value is stored twice.</summary>
    private static async Task AssertLogHoldsExactlyAsync(CloudLogEngine engine, IReadOnlyDictionary<string, long> acked)
    {
        var records = new List<Protocol.Batches.ConsumerRecord>();
        long offset = 0;
        while (true)
        {
            var fetched = await engine.FetchAsync("t", 0, offset, maxRecords: 10_000, maxBytes: 16 << 20);
            if (fetched.Records.Count == 0)
            {
                break;
            }

            records.AddRange(fetched.Records);
            offset = fetched.NextOffset;
        }

        Assert.Equal(Enumerable.Range(0, records.Count).Select(i => (long)i), records.Select(r => r.Offset));
        var byValue = records.GroupBy(r => Records.Text(r.Value)!).ToDictionary(g => g.Key, g => g.ToList());
        Assert.All(byValue, g => Assert.True(g.Value.Count == 1, $"{g.Key} is stored {g.Value.Count} times"));
        foreach (var (value, at) in acked)
        {
            Assert.True(byValue.TryGetValue(value, out var stored), $"acknowledged {value} is missing");
            Assert.Equal(at, stored[0].Offset);
        }
    }
}

using Cloud.Log.Testing;

namespace Cloud.Log.Core.Tests.Replication;

/// <summary>
/// Scale-out as Azure Functions does it: three engine instances, each its own process, producing to one
/// partition at once (idempotent and plain), while one is killed with SIGKILL and another frozen with SIGSTOP
/// past every timeout and thawed. Read back by a fresh engine with caches off, offsets are contiguous, every
/// acknowledged record is there exactly once at the offset it was acknowledged with, and no instance ever
/// answered a high watermark below an offset acknowledged (by any of them) before its read began.
/// </summary>
public sealed class ScaleOutTests(ITestOutputHelper output) : IAsyncLifetime
{
    private ReplicatedStorage _storage = null!;

    public async ValueTask InitializeAsync() => _storage = await ReplicatedStorage.StartAsync(3);

    public ValueTask DisposeAsync() => _storage.DisposeAsync();

    /// <summary>One replica, acks=all: the sequencer is the only copy.</summary>
    [Fact(Timeout = 300_000)]
    public Task Three_processes_write_one_partition_through_a_kill_and_a_freeze() =>
        RunAsync(replicationFactor: 1, pauseLocation: null);

    /// <summary>Three replicas, acks=all, min.insync.replicas=2: the sequencer's location stops answering during the run.</summary>
    [Fact(Timeout = 300_000)]
    public Task Three_processes_write_a_replicated_partition_through_a_location_outage() =>
        RunAsync(replicationFactor: 3, pauseLocation: 1);

    private async Task RunAsync(int replicationFactor, int? pauseLocation)
    {
        var prefix = StorageFixture.NewPrefix();
        await using (var engine = await _storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix }))
        {
            await engine.CreateTopicAsync("t", replicationFactor: replicationFactor, configs: new Dictionary<string, string>
            {
                ["min.insync.replicas"] = replicationFactor > 1 ? "2" : "1",
                ["segment.bytes"] = "200000",
            });
        }

        var replicas = string.Join('|', _storage.Replicas.Select(r => r.ConnectionString));
        using var steady = WriterProcess.Start(_storage.Metadata.ConnectionString, replicas, prefix, "t", "700", "A", "3", "idempotent");
        using var frozen = WriterProcess.Start(_storage.Metadata.ConnectionString, replicas, prefix, "t", "400", "B", "3", "plain");
        using var killed = WriterProcess.Start(_storage.Metadata.ConnectionString, replicas, prefix, "t", "5000", "C", "3", "idempotent");

        await frozen.WaitForAcksAsync(60, TimeSpan.FromSeconds(120));
        await frozen.SignalAsync("STOP");
        await killed.WaitForAcksAsync(60, TimeSpan.FromSeconds(120));
        await killed.SignalAsync("KILL");
        if (pauseLocation is { } location)
        {
            await _storage.Replicas[location].PauseAsync();
            await steady.WaitForAcksAsync(steady.Acks.Count + 40, TimeSpan.FromSeconds(60));
            await _storage.Replicas[location].ResumeAsync();
        }
        else
        {
            await Task.Delay(TimeSpan.FromSeconds(5)); // past the writers' replica lag limit (2 s) and lease settings (3 s)
        }

        await frozen.SignalAsync("CONT");
        await steady.WaitForExitAsync(TimeSpan.FromSeconds(180));
        await frozen.WaitForExitAsync(TimeSpan.FromSeconds(180));

        var acks = steady.Acks.Concat(frozen.Acks).Concat(killed.Acks).ToList();
        output.WriteLine($"acknowledged: A {steady.Acks.Count}, B {frozen.Acks.Count}, C {killed.Acks.Count} (killed)");
        Assert.Equal(700, steady.Acks.Count);

        await using var fresh = await _storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix, TailCacheBytesPerPartition = 0, ReadAheadBytes = 0 });
        var records = new List<Protocol.Batches.ConsumerRecord>();
        long offset = 0;
        while (true)
        {
            var fetched = await fresh.FetchAsync("t", 0, offset, maxRecords: 10_000, maxBytes: 16 << 20);
            if (fetched.Records.Count == 0)
            {
                break;
            }

            records.AddRange(fetched.Records);
            offset = fetched.NextOffset;
        }

        Assert.Equal(Enumerable.Range(0, records.Count).Select(i => (long)i), records.Select(r => r.Offset));
        var stored = records.GroupBy(r => Records.Text(r.Value)!).ToDictionary(g => g.Key, g => g.Select(r => r.Offset).ToList());
        Assert.All(stored, s => Assert.True(s.Value.Count == 1, $"{s.Key} is stored {s.Value.Count} times"));
        foreach (var (at, value, _) in acks)
        {
            Assert.True(stored.TryGetValue(value, out var offsets), $"acknowledged {value} is missing");
            Assert.Equal(at, offsets[0]);
        }

        // No read answered less than what was acknowledged before it began, whichever process read or wrote.
        var byTime = acks.OrderBy(a => a.At).ToList();
        var reads = steady.HighWatermarks.Concat(frozen.HighWatermarks).Concat(killed.HighWatermarks).OrderBy(h => h.StartedAt).ToList();
        Assert.True(reads.Count > 100, $"only {reads.Count} high watermark reads");
        var next = 0;
        long acknowledgedEnd = 0;
        foreach (var (startedAt, highWatermark) in reads)
        {
            while (next < byTime.Count && byTime[next].At < startedAt)
            {
                acknowledgedEnd = Math.Max(acknowledgedEnd, byTime[next++].Offset + 1);
            }

            Assert.True(highWatermark >= acknowledgedEnd, $"a read that began after offset {acknowledgedEnd - 1} was acknowledged answered high watermark {highWatermark}");
        }

        var described = (await fresh.DescribeTopicAsync("t")).Partitions[0];
        output.WriteLine($"{records.Count} records; leader {described.Leader}, isr {string.Join(',', described.Isr)}, epoch {described.LeaderEpoch}");
        Assert.Equal(records.Count, described.HighWatermark);
    }
}

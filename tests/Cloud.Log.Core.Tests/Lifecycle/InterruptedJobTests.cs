using Cloud.Log.Testing;

namespace Cloud.Log.Core.Tests.Lifecycle;

/// <summary>
/// A job killed halfway — a cancellation before its first step, its second, and so on to its last —
/// followed by a fresh run: after every such pair the log is complete and readable, and nothing of the
/// interrupted run shows.
/// </summary>
public sealed class InterruptedJobTests : IAsyncLifetime
{
    private ReplicatedStorage _storage = null!;

    public async ValueTask InitializeAsync() => _storage = await ReplicatedStorage.StartAsync(2);

    public ValueTask DisposeAsync() => _storage.DisposeAsync();

    /// <summary>Stops a job at its n-th step, as a crash there would.</summary>
    private sealed class Interruption
    {
        private int _steps;

        public int StopAt { get; set; } = int.MaxValue;

        public List<string> Seen { get; } = [];

        public Task StepAsync(string step, CancellationToken cancellationToken)
        {
            Seen.Add(step);
            if (++_steps == StopAt)
            {
                throw new OperationCanceledException($"interrupted before {step}");
            }

            return Task.CompletedTask;
        }

        public void Reset(int stopAt)
        {
            _steps = 0;
            StopAt = stopAt;
            Seen.Clear();
        }
    }

    private async Task<(CloudLogEngine Engine, Interruption Interruption)> EngineAsync(string prefix)
    {
        var interruption = new Interruption();
        var options = new CloudLogEngineOptions { ResourcePrefix = prefix, IndexIntervalBytes = 1024, OrphanBlobGrace = TimeSpan.Zero, StepHook = interruption.StepAsync };
        return (await _storage.CreateEngineAsync(options), interruption);
    }

    /// <summary>Compaction interrupted at each of its steps, then run again: every key's newest value is readable every time.</summary>
    [Fact(Timeout = 300_000)]
    public async Task Compaction_interrupted_at_each_step_leaves_the_log_complete()
    {
        var prefix = StorageFixture.NewPrefix();
        var (engine, interruption) = await EngineAsync(prefix);
        await using var _ = engine;
        await engine.CreateTopicAsync("t", replicationFactor: 2, configs: new Dictionary<string, string> { ["cleanup.policy"] = "compact", ["segment.bytes"] = "700" });
        var expected = new Dictionary<string, string>();
        for (var round = 0; round < 4; round++)
        {
            for (var k = 0; k < 6; k++)
            {
                await engine.ProduceAsync("t", [Records.Of($"k{k}", $"v{k}-first{round}", partition: 0)]);
            }
        }

        var steps = 0;
        for (var stopAt = 1; ; stopAt++)
        {
            for (var k = 0; k < 6; k++)
            {
                var value = $"v{k}-{stopAt}";
                await engine.ProduceAsync("t", [Records.Of($"k{k}", value, partition: 0)]);
                expected[$"k{k}"] = value;
            }

            interruption.Reset(stopAt);
            var interrupted = await Interrupted(() => engine.CompactAsync());
            interruption.Reset(int.MaxValue);
            await engine.CompactAsync();
            Assert.Equal(expected.OrderBy(e => e.Key), Latest(await LogDump.ReadAllAsync(engine, "t")).OrderBy(e => e.Key));
            if (!interrupted)
            {
                break; // the run got through every step
            }

            steps++;
        }

        Assert.True(steps >= 4, $"compaction was interrupted at only {steps} steps");
    }

    /// <summary>
    /// Retention interrupted at each of its steps, then run again: every time, the log start is where the
    /// expired prefix ends, the live record is there, and no row of a deleted segment is left.
    /// </summary>
    [Fact(Timeout = 300_000)]
    public async Task Retention_interrupted_at_each_step_leaves_the_log_complete()
    {
        var prefix = StorageFixture.NewPrefix();
        var (engine, interruption) = await EngineAsync(prefix);
        await using var _ = engine;
        var old = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 600_000;
        var steps = 0;
        for (var stopAt = 1; stopAt < 50; stopAt++)
        {
            // A topic per round, so every round has work: four expired segments (one batch each), then a live one.
            var topic = $"t{stopAt}";
            await engine.CreateTopicAsync(topic, replicationFactor: 2, configs: new Dictionary<string, string> { ["segment.bytes"] = "250", ["retention.ms"] = "60000" });
            for (var i = 0; i < 4; i++)
            {
                await engine.ProduceAsync(topic, [Records.Of(null, $"old-{i}".PadRight(80, '.'), timestamp: old, partition: 0)]);
            }

            await engine.ProduceAsync(topic, [Records.Of(null, "new".PadRight(80, '.'), partition: 0)]);
            interruption.Reset(stopAt);
            var interrupted = await Interrupted(() => engine.EnforceRetentionAsync());
            interruption.Reset(int.MaxValue);
            await engine.EnforceRetentionAsync();

            Assert.Equal(4, (await engine.GetEarliestOffsetAsync(topic, 0)).Offset);
            Assert.Equal([4L], (await LogDump.ReadAllAsync(engine, topic)).Select(r => r.Offset));
            Assert.Single(await LogDump.SegmentRowsAsync(_storage.Metadata.ConnectionString, prefix, (await engine.DescribeTopicAsync(topic)).TopicId));
            if (!interrupted)
            {
                break;
            }

            steps++;
        }

        Assert.True(steps >= 3, $"retention was interrupted at only {steps} steps");
    }

    /// <summary>A deleted topic's cleanup interrupted at each step, then run again: the old data goes, and the topic of the same name made since is untouched.</summary>
    [Fact(Timeout = 300_000)]
    public async Task Deleted_topic_cleanup_interrupted_at_each_step_finishes_on_the_next_run()
    {
        var prefix = StorageFixture.NewPrefix();
        var (engine, interruption) = await EngineAsync(prefix);
        await using var _ = engine;
        for (var stopAt = 1; stopAt < 20; stopAt++)
        {
            var old = await engine.CreateTopicAsync("t", replicationFactor: 2);
            await engine.ProduceAsync("t", Records.Values(3, "old"));
            await engine.DeleteTopicAsync("t");
            var current = await engine.CreateTopicAsync("t", replicationFactor: 2);
            await engine.ProduceAsync("t", Records.Values(2, "new"));
            interruption.Reset(stopAt);
            var interrupted = await Interrupted(() => engine.CleanUpDeletedTopicsAsync());
            interruption.Reset(int.MaxValue);
            await engine.CleanUpDeletedTopicsAsync();
            foreach (var replica in _storage.Replicas)
            {
                Assert.Empty(await LogDump.BlobsAsync(replica.ConnectionString, prefix, old.TopicId + "/"));
                Assert.NotEmpty(await LogDump.BlobsAsync(replica.ConnectionString, prefix, current.TopicId + "/"));
            }

            Assert.Empty(await LogDump.SegmentRowsAsync(_storage.Metadata.ConnectionString, prefix, old.TopicId));
            Assert.Equal(["new0", "new1"], (await engine.FetchAsync("t", 0)).Records.Select(r => LogDump.Text(r.Value)));
            await engine.DeleteTopicAsync("t");
            await engine.CleanUpDeletedTopicsAsync();
            if (!interrupted)
            {
                return;
            }
        }
    }

    private static async Task<bool> Interrupted(Func<Task> job)
    {
        try
        {
            await job();
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    private static Dictionary<string, string> Latest(IEnumerable<Protocol.Batches.ConsumerRecord> records)
    {
        var latest = new Dictionary<string, string>();
        foreach (var record in records)
        {
            latest[LogDump.Text(record.Key)!] = LogDump.Text(record.Value)!;
        }

        return latest;
    }
}

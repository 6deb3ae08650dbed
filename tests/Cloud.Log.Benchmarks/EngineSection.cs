using Cloud.Log.Core;
using Cloud.Log.Protocol.Batches;
using CoreAcks = Cloud.Log.Protocol.Acks;

namespace Cloud.Log.Benchmarks;

/// <summary>
/// Section 2: the engine's produce without HTTP, at full batching — each call hands the engine one batch as
/// large as a topic takes by default (<c>max.message.bytes</c>, 1 MiB), several callers per partition so that
/// the writer's group commit merges them into blocks of up to 4 MiB — compared with raw AppendBlock at the
/// block size the engine actually wrote.
/// </summary>
internal static class EngineSection
{
    /// <summary>Record bytes per call: with the records' framing, just under the default max.message.bytes.</summary>
    private const int CallBytes = 960 * 1024;

    /// <summary>Record sizes × partitions × acks, on three replicas.</summary>
    public static async Task RunReplicatedAsync(BenchmarkRun run, Func<Task<CloudLogEngine>> createEngine, RawStorage raw)
    {
        int[] sizes = [100, 1024, 10 * 1024];
        int[] partitionCounts = [1, 8];
        foreach (var size in sizes)
        {
            foreach (var partitions in partitionCounts)
            {
                foreach (var acks in new[] { CoreAcks.Leader, CoreAcks.All })
                {
                    await using var engine = await createEngine().ConfigureAwait(false);
                    var label = $"{Size(size)}, {partitions} partition(s), acks={(acks == CoreAcks.All ? "all" : "1")}, 3 replicas";
                    run.Step("engine produce " + label);
                    var (measurement, blockBytes) = await ProduceAsync(run, engine, Sections.EngineProduce, label, size, partitions, replicationFactor: 3, acks).ConfigureAwait(false);
                    var limit = await raw.AppendAsync(blockBytes, partitions, locationCount: 3).ConfigureAwait(false);
                    run.Add(RawStorage.Versus(measurement, limit));
                }
            }
        }
    }

    /// <summary>1 KiB records on one replica, from 1 to 64 partitions: throughput and storage transactions per 1,000 records.</summary>
    public static async Task RunPartitionScalingAsync(BenchmarkRun run, Func<Task<CloudLogEngine>> createEngine, RawStorage raw)
    {
        int[] partitionCounts = run.Quick ? [1, 64] : [1, 4, 16, 64];
        foreach (var partitions in partitionCounts)
        {
            await using var engine = await createEngine().ConfigureAwait(false);
            var label = $"1 KiB, {partitions} partition(s), 1 replica";
            run.Step("engine produce " + label);
            var (measurement, blockBytes) = await ProduceAsync(run, engine, Sections.PartitionScaling, label, 1024, partitions, replicationFactor: 1, CoreAcks.All).ConfigureAwait(false);
            var limit = await raw.AppendAsync(blockBytes, Math.Min(partitions, 16)).ConfigureAwait(false);
            run.Add(RawStorage.Versus(measurement, limit));
        }
    }

    /// <summary>
    /// One record at a time into the engine in this process, no HTTP: the ack's latency and the storage
    /// requests each costs, the floor under the end-to-end latency measured through the server.
    /// </summary>
    public static async Task RunAckLatencyAsync(BenchmarkRun run, CloudLogEngine engine)
    {
        run.Step("engine produce ack latency, one record at a time");
        var topic = "ack-" + Guid.NewGuid().ToString("N")[..8];
        await engine.CreateTopicAsync(topic, 1, replicationFactor: 1).ConfigureAwait(false);
        var record = new[] { new ProduceRecord(null, new byte[100], Partition: 0) };
        var before = Snapshot(engine);
        var result = await Load.RunAsync(run.Duration, 1, async _ =>
        {
            await engine.ProduceAsync(topic, record).ConfigureAwait(false);
            return new Load.Done(1, 100);
        }, recordLatency: true, countingStarts: () => before = Snapshot(engine)).ConfigureAwait(false);
        var after = Snapshot(engine);
        run.Add(new Measurement(Sections.Latency, "engine produce ack, 1 record, in process")
        {
            RecordsPerSecond = result.RecordsPerSecond,
            Figures =
            {
                ["p50 ms"] = result.Percentile(50),
                ["p99 ms"] = result.Percentile(99),
                ["storage requests per produce"] = result.Operations == 0 ? double.NaN : (after.Total - before.Total) / (double)result.Operations,
            },
        });
    }

    private static async Task<(Measurement, int BlockBytes)> ProduceAsync(BenchmarkRun run, CloudLogEngine engine, string section, string label, int size, int partitions, int replicationFactor, CoreAcks acks)
    {
        var topic = "bench-" + Guid.NewGuid().ToString("N")[..8];
        await engine.CreateTopicAsync(topic, partitions, replicationFactor).ConfigureAwait(false);
        var perCall = Math.Max(1, CallBytes / (size + 16));
        var callersPerPartition = partitions >= 16 ? 2 : 4; // enough to fill 4 MiB blocks, within memory at 64 partitions
        var value = new byte[size];
        Random.Shared.NextBytes(value);
        var calls = Enumerable.Range(0, partitions)
            .Select(p => (IReadOnlyList<ProduceRecord>)Enumerable.Range(0, perCall).Select(_ => new ProduceRecord(null, value, Partition: p)).ToList())
            .ToList();
        var batchBytes = RecordBatch.Encode(calls[0].Select(r => new ProducerRecord(r.Key, r.Value, 0)).ToList(), TimestampType.CreateTime, 0).Length;

        var before = Snapshot(engine);
        var result = await Load.RunAsync(run.Duration, partitions * callersPerPartition, async worker =>
        {
            await engine.ProduceAsync(topic, calls[worker % partitions], acks).ConfigureAwait(false);
            return new Load.Done(perCall, (long)perCall * size);
        }, countingStarts: () => before = Snapshot(engine)).ConfigureAwait(false);
        var after = Snapshot(engine);

        // Every call became one batch; the writer merged the batches waiting at each moment into one block per replica.
        var appendsPerReplica = Math.Max(1.0, (after.BlobWrites - before.BlobWrites) / (double)replicationFactor);
        var totalRecords = result.Records;
        var blockBytes = (int)Math.Min(4 * 1024 * 1024, result.Operations * (double)batchBytes / appendsPerReplica);
        var measurement = new Measurement(section, label)
        {
            RecordsPerSecond = result.RecordsPerSecond,
            MegabytesPerSecond = result.MegabytesPerSecond,
            RequestsPerSecond = (after.Total - before.Total) / result.Elapsed.TotalSeconds,
            Figures =
            {
                ["average block KiB"] = blockBytes / 1024.0,
                ["machine CPU busy %"] = result.MachineCpuPercent,
                ["transactions per 1,000 records"] = totalRecords == 0 ? double.NaN : (after.Total - before.Total) * 1000.0 / totalRecords,
            },
        };
        return (measurement, blockBytes);
    }

    private static (long BlobWrites, long Total) Snapshot(CloudLogEngine engine) => (engine.StorageRequests.BlobWrites, engine.StorageRequests.Total);

    public static string Size(int bytes) => bytes >= 1024 ? $"{bytes / 1024} KiB" : $"{bytes} B";
}

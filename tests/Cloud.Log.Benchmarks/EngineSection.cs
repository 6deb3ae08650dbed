using Cloud.Log.Core;
using Cloud.Log.Protocol.Batches;
using Cloud.Log.Testing;
using CoreAcks = Cloud.Log.Protocol.Acks;

namespace Cloud.Log.Benchmarks;

/// <summary>
/// Section 2: the engine's produce without HTTP, at full batching — each call hands the engine one batch as
/// large as a topic takes by default (<c>max.message.bytes</c>, 1 MiB), several callers per partition so that
/// the writer's group commit merges them into blocks of up to 4 MiB — compared, round by round, with raw
/// AppendBlock at the block size the engine wrote in that round (read off the storage) from as many streams
/// as the case has partitions.
/// </summary>
internal static class EngineSection
{
    public const string DataWrites = "of which data blob writes per 1,000 records";
    public const string IndexWrites = "of which index appends per 1,000 records";
    public const string IndexReads = "of which index reads per 1,000 records";
    public const string DataReads = "of which data reads per 1,000 records";
    public const string Probes = "of which property reads per 1,000 records";
    public const string Tables = "of which table requests per 1,000 records";

    /// <summary>Record bytes per call: with the records' framing, just under the default max.message.bytes.</summary>
    private const int CallBytes = 960 * 1024;

    /// <summary>Record sizes × partitions × acks, on three replicas.</summary>
    /// <param name="run">The run.</param>
    /// <param name="createEngine">An engine over the three replica locations with the resource prefix given.</param>
    /// <param name="dataLocations">The replica locations' connection strings, to read the blocks written.</param>
    /// <param name="raw">The limit.</param>
    public static async Task RunReplicatedAsync(BenchmarkRun run, Func<string, Task<CloudLogEngine>> createEngine, IReadOnlyList<string> dataLocations, RawStorage raw)
    {
        int[] sizes = [100, 1024, 10 * 1024];
        int[] partitionCounts = [1, 8];
        foreach (var size in sizes)
        {
            foreach (var partitions in partitionCounts)
            {
                foreach (var acks in new[] { CoreAcks.Leader, CoreAcks.All })
                {
                    var label = $"{Size(size)}, {partitions} partition(s), acks={(acks == CoreAcks.All ? "all" : "1")}, 3 replicas";
                    await Paired.RunAsync(run, Sections.EngineProduce, label, async _ =>
                    {
                        var prefix = StorageFixture.NewPrefix();
                        await using var engine = await createEngine(prefix).ConfigureAwait(false);
                        var (measurement, blockBytes) = await ProduceAsync(run, engine, StoredBlocks.For(dataLocations, prefix), Sections.EngineProduce, label, size, partitions, replicationFactor: 3, acks).ConfigureAwait(false);
                        return new Paired.CaseRound(measurement, () => raw.AppendAsync(blockBytes, partitions, locationCount: 3));
                    }).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>1 KiB records on one replica, from 1 to 64 partitions: throughput and storage transactions per 1,000 records.</summary>
    public static async Task RunPartitionScalingAsync(BenchmarkRun run, Func<string, Task<CloudLogEngine>> createEngine, string dataLocation, RawStorage raw)
    {
        int[] partitionCounts = run.Quick ? [1, 64] : [1, 4, 16, 64];
        foreach (var partitions in partitionCounts)
        {
            var label = $"1 KiB, {partitions} partition(s), 1 replica";
            await Paired.RunAsync(run, Sections.PartitionScaling, label, async _ =>
            {
                var prefix = StorageFixture.NewPrefix();
                await using var engine = await createEngine(prefix).ConfigureAwait(false);
                var (measurement, blockBytes) = await ProduceAsync(run, engine, StoredBlocks.For(dataLocation, prefix), Sections.PartitionScaling, label, 1024, partitions, replicationFactor: 1, CoreAcks.All).ConfigureAwait(false);
                return new Paired.CaseRound(measurement, () => raw.AppendAsync(blockBytes, partitions));
            }).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One record at a time into the engine in this process, no HTTP: the ack's latency and the storage
    /// requests each costs, the floor under the end-to-end latency measured through the server.
    /// </summary>
    public static async Task RunAckLatencyAsync(BenchmarkRun run, CloudLogEngine engine)
    {
        run.Step($"engine produce ack latency, one record at a time, {run.LatencySamples} samples");
        var topic = "ack-" + Guid.NewGuid().ToString("N")[..8];
        await engine.CreateTopicAsync(topic, 1, replicationFactor: 1).ConfigureAwait(false);
        var record = new[] { new ProduceRecord(null, new byte[100], Partition: 0) };
        var warmUp = run.LatencySamples / 10;
        var before = Snapshot(engine);
        var warmed = 0;
        var result = await Load.SampleAsync(run.LatencySamples, warmUp, async () =>
        {
            if (++warmed == warmUp + 1)
            {
                before = Snapshot(engine);
            }

            await engine.ProduceAsync(topic, record).ConfigureAwait(false);
            return new Load.Done(1, 100);
        }).ConfigureAwait(false);
        var after = Snapshot(engine);
        run.Add(new Measurement(Sections.Latency, "engine produce ack, 1 record, in process")
        {
            RecordsPerSecond = result.RecordsPerSecond,
            Figures = new(result.LatencyFigures())
            {
                ["storage requests per produce"] = result.Operations == 0 ? double.NaN : (after.Total - before.Total) / (double)result.Operations,
            },
        });
    }

    private static async Task<(Measurement, int BlockBytes)> ProduceAsync(BenchmarkRun run, CloudLogEngine engine, StoredBlocks stored, string section, string label, int size, int partitions, int replicationFactor, CoreAcks acks)
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

        // Every writer opened first (its state row, segment rows and tail read), as a running instance has them:
        // the transactions are counted from here to the end of the load, over every record the load stored.
        await Task.WhenAll(Enumerable.Range(0, partitions).Select(p => ProduceRetryingAsync(() => engine.ProduceAsync(topic, [new ProduceRecord(null, value, Partition: p)], acks)))).ConfigureAwait(false);
        var start = Snapshot(engine);
        var before = start;
        var result = await Load.RunAsync(run.Duration, partitions * callersPerPartition, async worker =>
        {
            // Retried while the storage answers retriably, as a producer does (a loaded machine's timeouts).
            await ProduceRetryingAsync(() => engine.ProduceAsync(topic, calls[worker % partitions], acks)).ConfigureAwait(false);
            return new Load.Done(perCall, (long)perCall * size);
        }, countingStarts: () => before = Snapshot(engine)).ConfigureAwait(false);
        var after = Snapshot(engine);

        // The block size the limit is measured at: the segment blobs' committed blocks, index appends apart.
        // The one-record blocks that opened the writers are left out (a record batch's framing is under 100 bytes).
        var written = await stored.NewSinceLastAsync().ConfigureAwait(false);
        var opened = (long)partitions * replicationFactor;
        written = written with { DataBlocks = Math.Max(0, written.DataBlocks - opened), DataBytes = Math.Max(0, written.DataBytes - (opened * (size + 100))) };
        var blockBytes = written.BlockBytes(fallback: CallBytes);
        var measurement = new Measurement(section, label)
        {
            RecordsPerSecond = result.RecordsPerSecond,
            MegabytesPerSecond = result.MegabytesPerSecond,
            RequestsPerSecond = (after.Total - before.Total) / result.Elapsed.TotalSeconds,
            Figures =
            {
                ["block KiB"] = blockBytes / 1024.0,
                ["index appends per data block"] = written.IndexAppendsPerDataBlock,
                ["machine CPU busy %"] = result.MachineCpuPercent,
                [MachineCpu.StolenFigure] = result.MachineStolenPercent,
                ["failed operations"] = result.Failures,
                ["transactions per 1,000 records"] = result.AllRecords == 0 ? double.NaN : (after.Total - start.Total) * 1000.0 / result.AllRecords,
            },
            Note = result.Failures > 0 ? "first failure: " + result.FirstFailure : null,
        };
        foreach (var (name, count) in ByKind(start, after))
        {
            measurement.Figures[name] = result.AllRecords == 0 ? double.NaN : count * 1000.0 / result.AllRecords;
        }

        return (measurement, blockBytes);
    }

    /// <summary>The transactions by kind: what the total is made of (docs/cost.md).</summary>
    private static IEnumerable<(string Name, long Count)> ByKind(Counts before, Counts after)
    {
        yield return (DataWrites, after.BlobWrites - after.IndexWrites - (before.BlobWrites - before.IndexWrites));
        yield return (IndexWrites, after.IndexWrites - before.IndexWrites);
        yield return (IndexReads, after.IndexReads - before.IndexReads);
        yield return (DataReads, after.BlobReads - after.IndexReads - after.PropertyReads - (before.BlobReads - before.IndexReads - before.PropertyReads));
        yield return (Probes, after.PropertyReads - before.PropertyReads);
        yield return (Tables, after.Tables - before.Tables);
    }

    /// <summary>A produce tried again while the storage answers retriably (a loaded machine's timeouts), up to 5 times.</summary>
    public static async Task ProduceRetryingAsync(Func<Task> produce)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await produce().ConfigureAwait(false);
                return;
            }
            catch (CloudLogException e) when (e.IsRetriable && attempt < 5)
            {
                await Task.Delay(e.RetryAfter ?? TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            }
        }
    }

    private static Counts Snapshot(CloudLogEngine engine)
    {
        var c = engine.StorageRequests;
        return new Counts(c.BlobWrites, c.BlobReads, c.TableRequests, c.IndexWrites, c.IndexReads, c.PropertyReads);
    }

    /// <summary>An engine's storage request counts at one moment.</summary>
    private readonly record struct Counts(long BlobWrites, long BlobReads, long Tables, long IndexWrites, long IndexReads, long PropertyReads)
    {
        public long Total => BlobWrites + BlobReads + Tables;
    }

    public static string Size(int bytes) => bytes >= 1024 ? $"{bytes / 1024} KiB" : $"{bytes} B";
}

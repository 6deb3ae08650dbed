using Cloud.Log.Core;
using Cloud.Log.Core.Storage;
using Cloud.Log.Protocol;

namespace Cloud.Log.Benchmarks;

/// <summary>
/// Section 9: what a deployment pays for, counted rather than timed (docs/cost.md prices it). Every storage
/// request the engine sends is counted by kind (<see cref="StorageRequestCounter"/>: blob writes, blob reads,
/// table requests), so a figure here is a count of billed storage transactions.
/// <list type="bullet">
/// <item><b>Produce</b>: 1 location with acks=1, and 3 replica locations with acks=all; 100 B, 1 KiB and 10 KiB
/// records; 1 and 100 records per produce call (a call is one HTTP request, so one function execution).
/// 8 producers call at once into a 4-partition topic (of 1 and 3 replicas), whose writers were opened first. Per million records: blob writes, blob reads, table
/// requests and executions.</item>
/// <item><b>Idle</b>: 10, 100 and 1,000 partitions of 3 replicas each (3 locations), each written once: the storage
/// requests of one run of each background job (replica catch-up, retention with the deleted-topic sweep,
/// compaction), and per idle day at the default schedules (every 10 s, 5 min and 10 min), with the timer
/// executions a day.</item>
/// </list>
/// </summary>
internal static class CostSection
{
    public const string BlobWrites = "blob writes per 1M records";
    public const string BlobReads = "blob reads per 1M records";
    public const string TableRequests = "table requests per 1M records";
    public const string Executions = "executions per 1M records";
    public const string IndexAppends = "of the blob writes, index appends per 1M records";
    public const string PerRun = "storage requests per run";
    public const string PerDay = "storage requests per idle day";
    public const string RunsPerDay = "runs (executions) per day";

    /// <summary>The jobs' default schedules (Cloud.Log.Api/Jobs and infra/main.bicep), as runs per day.</summary>
    private static readonly (string Job, int RunsPerDay)[] Schedules =
    [
        ("replica catch-up (every 10 s)", 8_640),
        ("retention and deleted topics (every 5 min)", 288),
        ("compaction (every 10 min)", 144),
    ];

    public static async Task RunProduceAsync(BenchmarkRun run, Func<string, Task<CloudLogEngine>> engine, string storage, int replicationFactor, Acks acks)
    {
        var records = run.Quick ? 400 : 20_000;
        foreach (var size in new[] { 100, 1024, 10 * 1024 })
        {
            foreach (var perCall in new[] { 1, 100 })
            {
                var count = perCall == 1 ? Math.Min(records, run.Quick ? 200 : 4_000) : records;
                run.Step($"cost: {Label(size)} records, {perCall} per call, {storage}");
                await using var log = await engine(Cloud.Log.Testing.StorageFixture.NewPrefix()).ConfigureAwait(false);
                var topic = "cost-" + Guid.NewGuid().ToString("N")[..8];
                await log.CreateTopicAsync(topic, 4, replicationFactor).ConfigureAwait(false);
                var value = new byte[size];
                Random.Shared.NextBytes(value);
                var batch = Enumerable.Range(0, perCall).Select(_ => new ProduceRecord(null, value)).ToList();

                // Each partition's writer opened first (its segment created, its rows and tail read), as a running
                // instance has them: what follows is what records cost, not what starting a partition costs.
                await Task.WhenAll(Enumerable.Range(0, 4).Select(p => EngineSection.ProduceRetryingAsync(() => log.ProduceAsync(topic, [new ProduceRecord(null, value, Partition: p)], acks)))).ConfigureAwait(false);
                var before = Snapshot(log.StorageRequests);
                var indexBefore = log.StorageRequests.IndexWrites;
                var calls = count / perCall;
                var next = 0;
                await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
                {
                    while (Interlocked.Increment(ref next) <= calls)
                    {
                        await log.ProduceAsync(topic, batch, acks).ConfigureAwait(false);
                    }
                })).ConfigureAwait(false);
                await Task.Delay(200).ConfigureAwait(false); // index appends go out after the answer
                var (writes, reads, tables) = Minus(Snapshot(log.StorageRequests), before);
                var produced = (double)calls * perCall;
                var indexWrites = log.StorageRequests.IndexWrites - indexBefore;
                run.Add(new Measurement(Sections.Cost, $"produce, {Label(size)}, {perCall} record(s) per call, {storage}")
                {
                    Figures =
                    {
                        [BlobWrites] = writes * 1e6 / produced,
                        [BlobReads] = reads * 1e6 / produced,
                        [TableRequests] = tables * 1e6 / produced,
                        [Executions] = 1e6 / perCall,
                        [IndexAppends] = indexWrites * 1e6 / produced,
                    },
                    Note = $"{produced:0} records in {calls} calls from 8 producers, 4 partitions, replication factor {replicationFactor}",
                });
            }
        }
    }

    public static async Task RunIdleAsync(BenchmarkRun run, Func<string, Task<CloudLogEngine>> engine)
    {
        foreach (var partitions in run.Quick ? new[] { 10, 100 } : new[] { 10, 100, 1_000 })
        {
            run.Step($"cost: an idle day with {partitions} partitions on 3 replica locations");
            await using var log = await engine(Cloud.Log.Testing.StorageFixture.NewPrefix()).ConfigureAwait(false);
            var topics = new List<string>();
            for (var t = 0; t < partitions / 10; t++)
            {
                var topic = $"idle-{t}";
                await log.CreateTopicAsync(topic, 10, replicationFactor: 3).ConfigureAwait(false);
                topics.Add(topic);
            }

            var one = new[] { new ProduceRecord(null, new byte[100]) };
            await Parallel.ForEachAsync(topics.SelectMany(t => Enumerable.Range(0, 10).Select(p => (t, p))), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (tp, ct) =>
                await log.ProduceAsync(tp.t, [one[0] with { Partition = tp.p }], Acks.All, ct).ConfigureAwait(false)).ConfigureAwait(false);

            var jobs = new Func<Task>[]
            {
                () => log.CatchUpReplicasAsync(),
                async () =>
                {
                    await log.EnforceRetentionAsync().ConfigureAwait(false);
                    await log.CleanUpDeletedTopicsAsync().ConfigureAwait(false);
                },
                () => log.CompactAsync(),
            };
            for (var j = 0; j < jobs.Length; j++)
            {
                await jobs[j]().ConfigureAwait(false); // a first run warms the engine's caches, as a running host has them
                var before = Snapshot(log.StorageRequests);
                await jobs[j]().ConfigureAwait(false);
                var (writes, reads, tables) = Minus(Snapshot(log.StorageRequests), before);
                var requests = writes + reads + tables;
                run.Add(new Measurement(Sections.Cost, $"idle, {partitions} partitions, {Schedules[j].Job}")
                {
                    Figures =
                    {
                        [PerRun] = requests,
                        [RunsPerDay] = Schedules[j].RunsPerDay,
                        [PerDay] = requests * (double)Schedules[j].RunsPerDay,
                        ["blob writes per run"] = writes,
                        ["blob reads per run"] = reads,
                        ["table requests per run"] = tables,
                    },
                });
            }
        }
    }

    private static string Label(int size) => size >= 1024 ? $"{size / 1024} KiB" : $"{size} B";

    private static (long Writes, long Reads, long Tables) Snapshot(StorageRequestCounter counter) => (counter.BlobWrites, counter.BlobReads, counter.TableRequests);

    private static (long Writes, long Reads, long Tables) Minus((long Writes, long Reads, long Tables) after, (long Writes, long Reads, long Tables) before) =>
        (after.Writes - before.Writes, after.Reads - before.Reads, after.Tables - before.Tables);
}

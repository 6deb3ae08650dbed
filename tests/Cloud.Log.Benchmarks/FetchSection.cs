using Cloud.Log.Core;

namespace Cloud.Log.Benchmarks;

/// <summary>
/// Section 4, engine half: a topic filled once, then read by an engine that did not write it (its caches
/// cold and its tail cache off, so every byte comes from storage), against raw range reads.
/// </summary>
internal static class FetchSection
{
    public const int RecordBytes = 1024;

    /// <summary>Records per produce call when filling: 16 KiB batches, as the SDK's default batch.size makes them.</summary>
    public const int RecordsPerFillCall = 16;

    /// <summary>Concurrent calls per partition when filling: the writer merges them into blocks of about <see cref="FillBlockBytes"/>.</summary>
    public const int FillCallsInFlight = 16;

    /// <summary>The block size the fill writes, near enough: the concurrent calls' batches merged.</summary>
    public const int FillBlockBytes = RecordsPerFillCall * FillCallsInFlight * RecordBytes;

    /// <summary>
    /// Fills <paramref name="partitions"/> partitions with <paramref name="bytesPerPartition"/> of 1 KiB records.
    /// Answers the topic and the average block the segments were written in, read off the storage: the raw
    /// range reads are measured on a blob of the same blocks, as the storage may read each block apart.
    /// </summary>
    public static async Task<(string Topic, int BlockBytes)> FillAsync(BenchmarkRun run, CloudLogEngine engine, StoredBlocks stored, int partitions, long bytesPerPartition)
    {
        _ = await stored.NewSinceLastAsync().ConfigureAwait(false);
        var topic = "fetch-" + Guid.NewGuid().ToString("N")[..8];
        run.Step($"filling {partitions} partitions with {bytesPerPartition / (1024 * 1024)} MiB each");
        await engine.CreateTopicAsync(topic, partitions, replicationFactor: 1).ConfigureAwait(false);
        var value = new byte[RecordBytes];
        Random.Shared.NextBytes(value);
        var perCall = RecordsPerFillCall;
        var calls = (int)(bytesPerPartition / (perCall * RecordBytes));
        await Task.WhenAll(Enumerable.Range(0, partitions * FillCallsInFlight).Select(async caller =>
        {
            var records = Enumerable.Range(0, perCall).Select(_ => new ProduceRecord(null, value, Partition: caller % partitions)).ToList();
            for (var i = 0; i < calls / FillCallsInFlight; i++)
            {
                await engine.ProduceAsync(topic, records).ConfigureAwait(false);
            }
        })).ConfigureAwait(false);
        var written = await stored.NewSinceLastAsync().ConfigureAwait(false);
        return (topic, written.BlockBytes(fallback: FillBlockBytes));
    }

    /// <summary>Whole batches of 1 MiB fetches, one partition alone and all at once, over and over from the start, in rounds with raw range reads.</summary>
    public static async Task RunAsync(BenchmarkRun run, CloudLogEngine reader, string topic, int partitions, RawStorage raw, long blobBytes, int blockBytes)
    {
        foreach (var readers in new[] { 1, partitions })
        {
            var label = $"engine, {readers} partition(s)";
            await Paired.RunAsync(run, Sections.Fetch, label, async _ =>
            {
                var next = new long[readers];
                var reads = 0L;
                var result = await Load.RunAsync(run.Duration, readers, async p =>
                {
                    var fetched = await reader.FetchBatchesAsync(topic, p, next[p], maxRecords: 100_000, maxBytes: 1024 * 1024).ConfigureAwait(false);
                    next[p] = fetched.NextOffset >= fetched.HighWatermark ? 0 : fetched.NextOffset;
                    return new Load.Done(0, fetched.Batches.Sum(b => (long)b.Length));
                }, countingStarts: () => reads = reader.StorageRequests.BlobReads, processes: run.Processes).ConfigureAwait(false);
                var measurement = new Measurement(Sections.Fetch, label)
                {
                    MegabytesPerSecond = result.MegabytesPerSecond,
                    RequestsPerSecond = result.OperationsPerSecond,
                    RecordsPerSecond = result.Bytes / (RecordBytes + 20.0) / result.Elapsed.TotalSeconds,
                    Figures = new(result.CpuFigures())
                    {
                        ["block KiB"] = blockBytes / 1024.0,
                        ["storage reads per fetch"] = (reader.StorageRequests.BlobReads - reads) / (double)result.Operations,
                    },
                };
                return new Paired.CaseRound(measurement, () => raw.RangeReadAsync(readers, 1024 * 1024, blobBytes, blockBytes));
            }).ConfigureAwait(false);
        }
    }
}

using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Cloud.Log.Benchmarks;

/// <summary>
/// The storage's own limit, with the same SDK clients the engine uses: AppendBlock at a given block size from
/// a number of streams (a stream = a blob appended in order, as a partition is), to one location or to
/// several at once (as acks=all writes), and range reads of a large blob. Each call measures afresh: a case's
/// limit is measured in the same rounds as the case, at the block size the case wrote in that round.
/// </summary>
internal sealed class RawStorage(BenchmarkRun run, IReadOnlyList<BlobContainerClient> locations)
{
    private readonly Dictionary<int, BlobClient> _readBlobs = [];

    public static async Task<RawStorage> CreateAsync(BenchmarkRun run, IEnumerable<string> connectionStrings)
    {
        var containers = new List<BlobContainerClient>();
        foreach (var connectionString in connectionStrings)
        {
            var container = new BlobServiceClient(connectionString).GetBlobContainerClient("bench-raw");
            await container.CreateIfNotExistsAsync().ConfigureAwait(false);
            containers.Add(container);
        }

        return new RawStorage(run, containers);
    }

    /// <summary>AppendBlock throughput at <paramref name="blockBytes"/> (rounded to KiB) from <paramref name="streams"/> streams to the first <paramref name="locationCount"/> locations.</summary>
    public async Task<Measurement> AppendAsync(int blockBytes, int streams, int locationCount = 1)
    {
        var kib = Math.Max(1, (int)Math.Round(blockBytes / 1024.0));
        run.Step($"raw AppendBlock, {kib} KiB blocks, {streams} stream(s), {locationCount} location(s)");
        var block = new byte[kib * 1024];
        Random.Shared.NextBytes(block);
        var blobs = new AppendBlobClient[streams][];
        for (var s = 0; s < streams; s++)
        {
            blobs[s] = new AppendBlobClient[locationCount];
            for (var l = 0; l < locationCount; l++)
            {
                blobs[s][l] = locations[l].GetAppendBlobClient($"append/{Guid.NewGuid():N}");
                await blobs[s][l].CreateAsync().ConfigureAwait(false);
            }
        }

        var result = await Load.RunAsync(run.Duration, streams, async s =>
        {
            await Task.WhenAll(blobs[s].Select(b => b.AppendBlockAsync(new MemoryStream(block, writable: false)))).ConfigureAwait(false);
            return new Load.Done(0, block.Length);
        }).ConfigureAwait(false);
        return new Measurement(Sections.RawAppend, $"{streams} stream(s), {locationCount} location(s)")
        {
            MegabytesPerSecond = result.MegabytesPerSecond,
            RequestsPerSecond = result.OperationsPerSecond * locationCount,
            Figures = { ["block KiB"] = kib, ["machine CPU busy %"] = result.MachineCpuPercent, [MachineCpu.StolenFigure] = result.MachineStolenPercent, ["failed operations"] = result.Failures },
        };
    }

    /// <summary>One AppendBlock's round trip (1 KiB, one at a time, <see cref="BenchmarkRun.LatencySamples"/> of them): the unit of the latency target.</summary>
    public async Task<(double P50, double P99)> RoundTripMsAsync()
    {
        run.Step($"raw AppendBlock round trip, {run.LatencySamples} samples");
        var blob = locations[0].GetAppendBlobClient($"rtt/{Guid.NewGuid():N}");
        await blob.CreateAsync().ConfigureAwait(false);
        var block = new byte[1024];
        var result = await Load.SampleAsync(run.LatencySamples, run.LatencySamples / 10, async () =>
        {
            await blob.AppendBlockAsync(new MemoryStream(block, writable: false)).ConfigureAwait(false);
            return new Load.Done(0, block.Length);
        }).ConfigureAwait(false);
        var (p50, p99) = (result.Percentile(50), result.Percentile(99));
        run.Add(new Measurement(Sections.RawAppend, "1 KiB round trip, one at a time")
        {
            RequestsPerSecond = result.OperationsPerSecond,
            Figures = result.LatencyFigures(),
        });
        return (p50, p99);
    }

    /// <summary>
    /// Range reads of <paramref name="rangeBytes"/> from <paramref name="readers"/> readers over a blob of
    /// <paramref name="blobBytes"/> written in blocks of <paramref name="blockBytes"/> (the storage may keep
    /// blocks apart: a read across many small blocks can cost more than one across a few large ones, so the
    /// limit is measured on the block layout the log reads).
    /// </summary>
    public async Task<Measurement> RangeReadAsync(int readers, int rangeBytes, long blobBytes, int blockBytes)
    {
        if (!_readBlobs.TryGetValue(blockBytes, out var client))
        {
            // Written once per block size, read in every round.
            var blob = locations[0].GetAppendBlobClient($"read/{Guid.NewGuid():N}");
            await blob.CreateAsync().ConfigureAwait(false);
            var chunk = new byte[blockBytes];
            Random.Shared.NextBytes(chunk);
            for (long written = 0; written < blobBytes; written += chunk.Length)
            {
                await blob.AppendBlockAsync(new MemoryStream(chunk, writable: false)).ConfigureAwait(false);
            }

            client = _readBlobs[blockBytes] = locations[0].GetBlobClient(blob.Name);
        }

        run.Step($"raw range reads, {rangeBytes / 1024} KiB ranges, {readers} reader(s), {blockBytes / 1024} KiB blocks");
        var ranges = blobBytes / rangeBytes;
        var next = 0L;
        var result = await Load.RunAsync(run.Duration, readers, async _ =>
        {
            var range = Interlocked.Increment(ref next) % ranges;
            // As the engine reads: the response streamed into one array of its exact length.
            var download = await client.DownloadStreamingAsync(new BlobDownloadOptions { Range = new Azure.HttpRange(range * rangeBytes, rangeBytes) }).ConfigureAwait(false);
            var data = new byte[download.Value.Details.ContentLength];
            await using (download.Value.Content.ConfigureAwait(false))
            {
                await download.Value.Content.ReadExactlyAsync(data).ConfigureAwait(false);
            }

            return new Load.Done(0, data.Length);
        }, processes: run.Processes).ConfigureAwait(false);
        return new Measurement(Sections.RawRead, $"{rangeBytes / 1024} KiB ranges, {readers} reader(s)")
        {
            MegabytesPerSecond = result.MegabytesPerSecond,
            RequestsPerSecond = result.OperationsPerSecond,
            Figures = new(result.CpuFigures()) { ["block KiB"] = blockBytes / 1024.0 },
        };
    }
}

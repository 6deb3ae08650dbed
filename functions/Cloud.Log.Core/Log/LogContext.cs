using Cloud.Log.Core.Metadata;
using Cloud.Log.Core.Producers;
using Cloud.Log.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Cloud.Log.Core.Log;

/// <summary>What every partition log of one engine shares: options, clock, storage, logging, the tail caches' budget, the block buffers, the read-aheads and the count of how fetches found the tail.</summary>
internal sealed record LogContext(
    CloudLogEngineOptions Options,
    TimeProvider Time,
    MetadataTables Tables,
    IReadOnlyList<SegmentBlobs> Locations,
    PartitionStateStore States,
    ProducerStateStore Producers,
    ILogger Logger)
{
    /// <summary>The bound on all partitions' tail caches together (<see cref="CloudLogEngineOptions.TailCacheBytes"/>).</summary>
    public TailCacheBudget CacheBudget { get; } = new(Options.TailCacheBytes);

    /// <summary>The arrays the writers' group-commit blocks are built in, each given back when its append attempt ends.</summary>
    public BlockBuffers Blocks { get; } = new();

    /// <summary>Reads started ahead of sequential readers (<see cref="CloudLogEngineOptions.ReadAheadBytes"/>).</summary>
    public ReadAheads ReadAheads { get; } = new(Options.ReadAheadBytes, Time);

    /// <summary>How fetches found the high watermark they answered.</summary>
    public TailLooks TailLooks { get; } = new();
}

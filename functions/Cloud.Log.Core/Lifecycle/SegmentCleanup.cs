namespace Cloud.Log.Core.Lifecycle;

/// <summary>What a retention or compaction run did to one partition.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition.</param>
/// <param name="SegmentsDeleted">Whole segments retention deleted from every replica.</param>
/// <param name="SegmentsCompacted">Closed segments compaction rewrote.</param>
/// <param name="BytesFreed">Bytes of segment data removed from each copy.</param>
/// <param name="LogStartOffset">The partition's log start afterwards.</param>
public sealed record SegmentCleanup(string Topic, int Partition, int SegmentsDeleted, int SegmentsCompacted, long BytesFreed, long LogStartOffset);

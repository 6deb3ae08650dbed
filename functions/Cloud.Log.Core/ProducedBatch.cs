namespace Cloud.Log.Core;

/// <summary>Where a producer-encoded batch was stored.</summary>
/// <param name="Partition">Its partition.</param>
/// <param name="BaseOffset">The offset of its first record (its records follow at their offset deltas), or -1 with <c>acks=0</c>.</param>
/// <param name="RecordCount">How many records it holds.</param>
/// <param name="Timestamp">Its largest timestamp as stored (the append time under LogAppendTime).</param>
public sealed record ProducedBatch(int Partition, long BaseOffset, int RecordCount, long Timestamp);

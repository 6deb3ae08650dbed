namespace Cloud.Log.Core;

/// <summary>Where a produced record was stored.</summary>
/// <param name="Partition">Its partition.</param>
/// <param name="Offset">Its offset, or -1 with <c>acks=0</c>.</param>
/// <param name="Timestamp">Its timestamp (the append time under LogAppendTime).</param>
public sealed record RecordMetadata(int Partition, long Offset, long Timestamp);

namespace Cloud.Log.Protocol.Batches;

/// <summary>A record read back from a partition, at its offset.</summary>
/// <param name="Offset">The record's offset in its partition.</param>
/// <param name="Timestamp">Milliseconds since the Unix epoch.</param>
/// <param name="TimestampType">Whether the timestamp came from the producer or from the append.</param>
/// <param name="Key">The key's bytes, or null.</param>
/// <param name="Value">The value's bytes, or null for a tombstone.</param>
/// <param name="Headers">The record's headers, in order.</param>
public sealed record ConsumerRecord(
    long Offset,
    long Timestamp,
    TimestampType TimestampType,
    ReadOnlyMemory<byte>? Key,
    ReadOnlyMemory<byte>? Value,
    IReadOnlyList<RecordHeader> Headers);

using Cloud.Log.Protocol.Batches;

namespace Cloud.Log.Core;

/// <summary>One record of a produce request.</summary>
/// <param name="Key">The key's bytes, or null.</param>
/// <param name="Value">The value's bytes, or null for a tombstone.</param>
/// <param name="Headers">Headers in order, or null for none.</param>
/// <param name="Timestamp">Milliseconds since the Unix epoch; null for the time of append.</param>
/// <param name="Partition">The partition chosen outright; null lets the key (or the spread) choose.</param>
public sealed record ProduceRecord(
    ReadOnlyMemory<byte>? Key,
    ReadOnlyMemory<byte>? Value,
    IReadOnlyList<RecordHeader>? Headers = null,
    long? Timestamp = null,
    int? Partition = null);

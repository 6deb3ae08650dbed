namespace Cloud.Log.Protocol.Batches;

/// <summary>One header of a record: a string key and a byte value, which may be null (as in Kafka).</summary>
/// <param name="Key">The header's name.</param>
/// <param name="Value">The header's bytes, or null.</param>
public sealed record RecordHeader(string Key, ReadOnlyMemory<byte>? Value);

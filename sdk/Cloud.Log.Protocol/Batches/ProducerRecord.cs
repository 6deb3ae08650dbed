namespace Cloud.Log.Protocol.Batches;

/// <summary>A record to append: what a producer hands over before the log gives it an offset.</summary>
/// <param name="Key">The key's bytes, or null for a keyless record.</param>
/// <param name="Value">The value's bytes, or null for a tombstone.</param>
/// <param name="Timestamp">Milliseconds since the Unix epoch, or null for "the time of append".</param>
/// <param name="Headers">The record's headers, in order; empty when there are none.</param>
public sealed record ProducerRecord(
    ReadOnlyMemory<byte>? Key,
    ReadOnlyMemory<byte>? Value,
    long? Timestamp,
    IReadOnlyList<RecordHeader> Headers)
{
    /// <summary>A record with no headers.</summary>
    public ProducerRecord(ReadOnlyMemory<byte>? key, ReadOnlyMemory<byte>? value, long? timestamp = null)
        : this(key, value, timestamp, [])
    {
    }
}

namespace Cloud.Log.Soak;

/// <summary>
/// An acknowledged record: the producer's sequence number, where it was acknowledged, and when.
/// <c>Ordered</c>: whether the producer promises order (one request at a time, or idempotent).
/// </summary>
internal sealed record Ack(string Producer, long Sequence, string Topic, int Partition, long Offset, string Value, long AckedAt, bool Ordered);

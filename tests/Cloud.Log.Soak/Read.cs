namespace Cloud.Log.Soak;

/// <summary>
/// One read: the records it returned (offset and value), the offset it asked for, and, for an HTTP fetch,
/// the high watermark it answered and when it began (-1 where the reader does not see them).
/// <c>Continuous</c>: whether the reader's reads of the partition follow one another (an assigned SDK
/// consumer), so that a forward jump past stored records is a gap.
/// </summary>
internal sealed record Read(string Reader, string Topic, int Partition, long StartedAt, long HighWatermark, long RequestedOffset, IReadOnlyList<(long Offset, string Value)> Records, bool Continuous);

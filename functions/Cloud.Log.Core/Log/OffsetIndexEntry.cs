namespace Cloud.Log.Core.Log;

/// <summary>
/// One entry of a segment's offset index: the batch starting at <paramref name="Offset"/> begins at byte
/// <paramref name="Position"/>, and every record before that position has a timestamp of at most
/// <paramref name="MaxTimestampBefore"/> (-1 when there are none).
/// </summary>
internal readonly record struct OffsetIndexEntry(long Offset, long Position, long MaxTimestampBefore);

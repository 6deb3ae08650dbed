using Cloud.Log.Core.Metadata;

namespace Cloud.Log.Core.Log;

/// <summary>
/// A segment as the log knows it: its row, where it starts, the epoch that created it, its blob, and its
/// committed end once closed (copies of the blob may hold more; readers stop at <see cref="SizeBytes"/>), and
/// whether the roll that started it left a copy of the segment before it unsealed
/// (<see cref="SegmentEntity.PreviousCopiesOpen"/>).
/// </summary>
internal sealed record SegmentInfo(string RowKey, long BaseOffset, int Epoch, string BlobName, string Replicas, long CreatedAt, long? EndOffset, long? SizeBytes, long? MaxTimestamp, bool Compacted = false, bool PreviousCopiesOpen = false)
{
    public bool IsClosed => EndOffset is not null;

    /// <summary>A closed segment with no committed record: its creator's term ended before it wrote one.</summary>
    public bool IsEmpty => IsClosed && EndOffset == BaseOffset;

    public static SegmentInfo From(SegmentEntity e)
    {
        // Row key: {partition:D5}|s|{baseOffset:D20}-{epoch:D10}
        var key = e.RowKey.AsSpan(8);
        return new SegmentInfo(
            e.RowKey,
            long.Parse(key[..20], System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(key[21..], System.Globalization.CultureInfo.InvariantCulture),
            e.BlobName,
            e.Replicas,
            e.CreatedAt,
            e.EndOffset,
            e.SizeBytes,
            e.MaxTimestamp,
            e.Compacted,
            e.PreviousCopiesOpen);
    }
}

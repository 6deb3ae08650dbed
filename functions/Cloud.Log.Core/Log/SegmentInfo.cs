using Cloud.Log.Core.Metadata;

namespace Cloud.Log.Core.Log;

/// <summary>A segment as the log knows it: where it starts, its blob, and its end once closed.</summary>
internal sealed record SegmentInfo(long BaseOffset, string BlobName, long CreatedAt, long? EndOffset, long? SizeBytes, long? MaxTimestamp)
{
    public bool IsClosed => EndOffset is not null;

    public static SegmentInfo From(SegmentEntity e) =>
        new(long.Parse(e.RowKey, System.Globalization.CultureInfo.InvariantCulture), e.BlobName, e.CreatedAt, e.EndOffset, e.SizeBytes, e.MaxTimestamp);
}

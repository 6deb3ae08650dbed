namespace Cloud.Log.Core.Log;

/// <summary>
/// The leader's view of the segment it appends to. Only the writer loop touches it, and only while it
/// holds the lease.
/// </summary>
internal sealed class ActiveSegment(SegmentInfo segment)
{
    public SegmentInfo Segment { get; set; } = segment;

    /// <summary>Bytes in the blob: the next append's position condition.</summary>
    public long Position { get; set; }

    public long NextOffset { get; set; } = segment.BaseOffset;

    public int BlockCount { get; set; }

    public long MaxTimestamp { get; set; } = -1;

    /// <summary>Entries in the index blob: the index append's position is this times 24.</summary>
    public int IndexEntries { get; set; }

    public long LastIndexedPosition { get; set; }
}

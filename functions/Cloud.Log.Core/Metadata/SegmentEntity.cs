using System.Globalization;

namespace Cloud.Log.Core.Metadata;

/// <summary>
/// A segment of one partition, in the partition-state table: partition key = topic id, row key
/// <c>{partition:D5}|s|{baseOffset:D20}-{epoch:D10}</c> (so rows sort by offset, then by the epoch that
/// created them). Closed segments carry their committed end: copies of the blob may be longer (bytes a
/// failed writer left), and readers stop at <see cref="SizeBytes"/>.
/// </summary>
internal sealed class SegmentEntity : TableEntityBase
{
    public const string SegmentKind = "segment";

    public string Kind { get; set; } = SegmentKind;

    /// <summary>Blob name of the data, the same within the log container of every replica location.</summary>
    public string BlobName { get; set; } = "";

    /// <summary>The in-sync replicas when the segment was created, comma-separated location numbers.</summary>
    public string Replicas { get; set; } = "0";

    /// <summary>Leader epoch that created the segment.</summary>
    public int LeaderEpoch { get; set; }

    public long CreatedAt { get; set; }

    /// <summary>The offset after the last committed record; null while the segment is active.</summary>
    public long? EndOffset { get; set; }

    /// <summary>Committed size in bytes once closed: the copies agree up to here.</summary>
    public long? SizeBytes { get; set; }

    /// <summary>Newest record timestamp once closed (-1 for none).</summary>
    public long? MaxTimestamp { get; set; }

    /// <summary>Whether compaction rewrote the segment: its batches may skip offsets (removed records).</summary>
    public bool Compacted { get; set; }

    /// <summary>
    /// Whether the roll that started this segment could not seal every copy of the one before it (a location did
    /// not answer): a reader that still names such a copy can read it as the partition's end, so writers hold
    /// their first acknowledgements in this segment for <see cref="CloudLogEngineOptions.ReaderViewLease"/>.
    /// </summary>
    public bool PreviousCopiesOpen { get; set; }

    /// <summary>The blob that <see cref="BlobName"/> replaced at the last compaction, deleted once no reader can still be on it.</summary>
    public string ReplacedBlob { get; set; } = "";

    /// <summary>When <see cref="ReplacedBlob"/> was replaced (ms since the Unix epoch).</summary>
    public long ReplacedAt { get; set; }

    public static string RowKeyFor(int partition, long baseOffset, int epoch) =>
        string.Create(CultureInfo.InvariantCulture, $"{partition:D5}|s|{baseOffset:D20}-{epoch:D10}");

    /// <summary>The row keys of one partition's segments lie strictly between these two.</summary>
    public static (string From, string To) RowKeyRange(int partition) =>
        (string.Create(CultureInfo.InvariantCulture, $"{partition:D5}|s|"), string.Create(CultureInfo.InvariantCulture, $"{partition:D5}|s}}"));
}

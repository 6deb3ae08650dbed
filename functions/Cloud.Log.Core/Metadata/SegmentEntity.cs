namespace Cloud.Log.Core.Metadata;

/// <summary>
/// A segment of one partition: partition key = <c>{topicId}_{partition:D5}</c>, row key = base offset
/// (20 digits, so rows sort by offset). Closed segments carry their end offset, size and newest timestamp.
/// </summary>
internal sealed class SegmentEntity : TableEntityBase
{
    /// <summary>Blob name of the data, within the log container of every replica location.</summary>
    public string BlobName { get; set; } = "";

    /// <summary>Replica locations that hold this segment, comma-separated location indexes.</summary>
    public string Replicas { get; set; } = "0";

    /// <summary>Leader epoch that created the segment.</summary>
    public int LeaderEpoch { get; set; }

    public long CreatedAt { get; set; }

    /// <summary>The offset after the last record; null while the segment is active.</summary>
    public long? EndOffset { get; set; }

    /// <summary>Size in bytes once closed.</summary>
    public long? SizeBytes { get; set; }

    /// <summary>Newest record timestamp once closed (-1 for none).</summary>
    public long? MaxTimestamp { get; set; }

    public static string PartitionKeyFor(string topicId, int partition) =>
        $"{topicId}_{partition.ToString("D5", System.Globalization.CultureInfo.InvariantCulture)}";

    public static string RowKeyFor(long baseOffset) =>
        baseOffset.ToString("D20", System.Globalization.CultureInfo.InvariantCulture);
}

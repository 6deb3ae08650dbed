namespace Cloud.Log.Core.Metadata;

/// <summary>
/// A consumer group's rows: partition key = group name. The row <see cref="MarkerRowKey"/> says the group
/// exists; each other row, keyed <c>o|{topic}|{partition:D5}</c>, holds one committed offset.
/// </summary>
internal sealed class GroupOffsetEntity : TableEntityBase
{
    public const string MarkerRowKey = "group";

    /// <summary>Offset rows' keys start so; the group's membership rows (<c>m|</c>, <c>w|</c>) and generation share the partition key.</summary>
    public const string OffsetRowKeyPrefix = "o|";

    public string Topic { get; set; } = "";

    /// <summary>The topic id the offset was committed against; offsets of a deleted topic are ignored.</summary>
    public string TopicId { get; set; } = "";

    public int TopicPartition { get; set; }

    public long Offset { get; set; }

    public string Metadata { get; set; } = "";

    public long CommittedAt { get; set; }

    public static string RowKeyFor(string topic, int partition) =>
        $"{OffsetRowKeyPrefix}{topic}|{partition.ToString("D5", System.Globalization.CultureInfo.InvariantCulture)}";
}

using System.Globalization;

namespace Cloud.Log.Core.Metadata;

/// <summary>
/// Which member of a consumer group reads a partition, in the groups table: partition key = group, row key
/// <c>w|{topic}|{partition:D5}</c>. Claimed with the row's ETag; another member takes it over only when its
/// owner released it or its owner's session ran out.
/// </summary>
internal sealed class PartitionOwnerEntity : TableEntityBase
{
    public const string RowKeyPrefix = "w|";

    public string Owner { get; set; } = "";

    public string Topic { get; set; } = "";

    public int TopicPartition { get; set; }

    public static string RowKeyFor(string topic, int partition) =>
        string.Create(CultureInfo.InvariantCulture, $"{RowKeyPrefix}{topic}|{partition:D5}");
}

namespace Cloud.Log.Core.Metadata;

/// <summary>A topic: row key = name; the topic id names its blobs and rows so a re-created name shares nothing.</summary>
internal sealed class TopicEntity : TableEntityBase
{
    public const string Partition = "topics";

    public string TopicId { get; set; } = "";

    public int PartitionCount { get; set; }

    public int ReplicationFactor { get; set; }

    /// <summary>The config overrides only, as a JSON object of string to string.</summary>
    public string ConfigOverrides { get; set; } = "{}";

    public long CreatedAt { get; set; }
}

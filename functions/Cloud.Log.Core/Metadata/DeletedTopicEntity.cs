namespace Cloud.Log.Core.Metadata;

/// <summary>A deleted topic whose blobs and rows the cleanup job still has to remove: row key = topic id.</summary>
internal sealed class DeletedTopicEntity : TableEntityBase
{
    public const string Partition = "deleted";

    public string Name { get; set; } = "";

    public int PartitionCount { get; set; }

    public long DeletedAt { get; set; }
}

namespace Cloud.Log.Core.Metadata;

/// <summary>
/// A consumer group's generation, in the groups table: partition key = group, row key <c>generation</c>. It
/// grows, by an ETag-conditioned write, each time the group's members change.
/// </summary>
internal sealed class GroupGenerationEntity : TableEntityBase
{
    public const string GenerationRowKey = "generation";

    public long Generation { get; set; }

    /// <summary>The generation row of <paramref name="group"/> at <paramref name="generation"/>.</summary>
    public static GroupGenerationEntity For(string group, long generation) =>
        new() { PartitionKey = group, RowKey = GenerationRowKey, Generation = generation };
}

namespace Cloud.Log.Core.Groups;

/// <summary>One offset to commit: the next offset the group will read in a partition.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition.</param>
/// <param name="Offset">The next offset to read.</param>
/// <param name="Metadata">Free text stored with the offset.</param>
public sealed record OffsetCommit(string Topic, int Partition, long Offset, string? Metadata = null);

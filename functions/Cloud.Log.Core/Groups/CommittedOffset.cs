namespace Cloud.Log.Core.Groups;

/// <summary>A group's committed offset in a partition, with its lag behind the high watermark.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition.</param>
/// <param name="Offset">The next offset the group will read.</param>
/// <param name="Metadata">The text committed with it.</param>
/// <param name="Lag">High watermark minus the committed offset (never below 0).</param>
public sealed record CommittedOffset(string Topic, int Partition, long Offset, string Metadata, long Lag);

namespace Cloud.Log.Core.Groups;

/// <summary>One partition of one topic.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition.</param>
public readonly record struct TopicPartition(string Topic, int Partition);

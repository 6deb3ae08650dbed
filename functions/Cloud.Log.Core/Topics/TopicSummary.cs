namespace Cloud.Log.Core.Topics;

/// <summary>A topic as listed: its name, partition count and replication factor.</summary>
/// <param name="Name">The topic's name.</param>
/// <param name="Partitions">How many partitions it has.</param>
/// <param name="ReplicationFactor">How many replicas each partition has.</param>
public sealed record TopicSummary(string Name, int Partitions, int ReplicationFactor);

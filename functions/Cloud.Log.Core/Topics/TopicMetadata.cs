namespace Cloud.Log.Core.Topics;

/// <summary>What the produce and fetch paths need of a topic, cached for a short time.</summary>
internal sealed record TopicMetadata(string Name, string TopicId, int PartitionCount, int ReplicationFactor, TopicConfig Config, DateTimeOffset LoadedAt);

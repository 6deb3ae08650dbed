namespace Cloud.Log.Client;

/// <summary>
/// Builds the clients' result models, whose constructors are not public, so that tests of code using the
/// clients can make mocks answer them (the Azure SDK's model factory convention).
/// </summary>
public static class CloudLogModelFactory
{
    /// <summary>A produce's result.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="partition">The partition.</param>
    /// <param name="offset">The offset.</param>
    /// <param name="timestamp">The record's timestamp as stored.</param>
    /// <param name="status">Whether it is stored.</param>
    public static DeliveryResult DeliveryResult(string topic, int partition, Offset offset, DateTimeOffset timestamp, PersistenceStatus status = PersistenceStatus.Persisted) =>
        new(topic, partition, offset, timestamp, status);

    /// <summary>A consumed record.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="partition">The partition.</param>
    /// <param name="offset">The offset.</param>
    /// <param name="timestamp">The record's timestamp.</param>
    /// <param name="key">The key, or null.</param>
    /// <param name="value">The value, or null.</param>
    /// <param name="headers">The headers; null for none.</param>
    /// <param name="timestampType">What the timestamp means.</param>
    public static ConsumeResult ConsumeResult(string topic, int partition, long offset, DateTimeOffset timestamp, BinaryData? key, BinaryData? value, IReadOnlyList<CloudLogHeader>? headers = null, CloudLogTimestampType timestampType = CloudLogTimestampType.CreateTime) =>
        new(topic, partition, offset, timestamp, timestampType, key, value, headers ?? []);

    /// <summary>A topic's description.</summary>
    /// <param name="name">The topic.</param>
    /// <param name="topicId">Its id.</param>
    /// <param name="replicationFactor">Copies per partition.</param>
    /// <param name="configs">Effective configs.</param>
    /// <param name="partitions">Its partitions.</param>
    public static TopicDescription TopicDescription(string name, string topicId, int replicationFactor, IReadOnlyDictionary<string, string> configs, IReadOnlyList<PartitionDescription> partitions) =>
        new(name, topicId, replicationFactor, configs, partitions);

    /// <summary>A partition's description.</summary>
    /// <param name="partition">The partition.</param>
    /// <param name="leader">The leader's location.</param>
    /// <param name="leaderEpoch">The leader epoch.</param>
    /// <param name="replicas">The replicas' locations.</param>
    /// <param name="inSyncReplicas">The in-sync replicas.</param>
    /// <param name="logStartOffset">The log start offset.</param>
    /// <param name="highWatermark">The high watermark.</param>
    /// <param name="sizeBytes">The log's bytes, or null.</param>
    /// <param name="segmentCount">Its segment count, or null.</param>
    public static PartitionDescription PartitionDescription(int partition, int leader, int leaderEpoch, IReadOnlyList<int> replicas, IReadOnlyList<int> inSyncReplicas, long logStartOffset, long highWatermark, long? sizeBytes = null, int? segmentCount = null) =>
        new(partition, leader, leaderEpoch, replicas, inSyncReplicas, logStartOffset, highWatermark, sizeBytes, segmentCount);

    /// <summary>A group's description.</summary>
    /// <param name="groupId">The group.</param>
    /// <param name="generation">Its generation.</param>
    /// <param name="state">Empty, Stable or Rebalancing.</param>
    /// <param name="members">Its live members.</param>
    public static ConsumerGroupDescription ConsumerGroupDescription(string groupId, long generation, string state, IReadOnlyList<ConsumerGroupMember> members) =>
        new(groupId, generation, state, members);

    /// <summary>A live member of a group.</summary>
    /// <param name="memberId">Its id.</param>
    /// <param name="topics">What it subscribes to.</param>
    /// <param name="sessionTimeout">Its session timeout.</param>
    /// <param name="expiresAt">When its session runs out.</param>
    /// <param name="assigned">What it owns now.</param>
    /// <param name="target">What the assignment gives it.</param>
    public static ConsumerGroupMember ConsumerGroupMember(string memberId, IReadOnlyList<string> topics, TimeSpan sessionTimeout, DateTimeOffset expiresAt, IReadOnlyList<TopicPartition> assigned, IReadOnlyList<TopicPartition> target) =>
        new(memberId, topics, sessionTimeout, expiresAt, assigned, target);

    /// <summary>A topic as listed.</summary>
    /// <param name="name">The topic.</param>
    /// <param name="partitionCount">Its partitions.</param>
    /// <param name="replicationFactor">Copies per partition.</param>
    public static TopicListing TopicListing(string name, int partitionCount, int replicationFactor) => new(name, partitionCount, replicationFactor);

    /// <summary>A group as listed.</summary>
    /// <param name="groupId">The group.</param>
    public static ConsumerGroupListing ConsumerGroupListing(string groupId) => new(groupId);

    /// <summary>A group's committed offset.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="partition">The partition.</param>
    /// <param name="offset">The committed offset.</param>
    /// <param name="metadata">What was committed with it.</param>
    /// <param name="lag">The lag.</param>
    public static CommittedOffset CommittedOffset(string topic, int partition, long offset, string metadata, long lag) => new(topic, partition, offset, metadata, lag);
}

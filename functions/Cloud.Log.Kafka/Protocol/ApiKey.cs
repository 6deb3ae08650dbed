namespace Cloud.Log.Kafka.Protocol;

/// <summary>The Kafka API keys this listener knows (the protocol guide's "Api Keys").</summary>
public enum ApiKey : short
{
    /// <summary>Produce.</summary>
    Produce = 0,

    /// <summary>Fetch.</summary>
    Fetch = 1,

    /// <summary>ListOffsets.</summary>
    ListOffsets = 2,

    /// <summary>Metadata.</summary>
    Metadata = 3,

    /// <summary>OffsetCommit.</summary>
    OffsetCommit = 8,

    /// <summary>OffsetFetch.</summary>
    OffsetFetch = 9,

    /// <summary>FindCoordinator.</summary>
    FindCoordinator = 10,

    /// <summary>JoinGroup.</summary>
    JoinGroup = 11,

    /// <summary>Heartbeat.</summary>
    Heartbeat = 12,

    /// <summary>LeaveGroup.</summary>
    LeaveGroup = 13,

    /// <summary>SyncGroup.</summary>
    SyncGroup = 14,

    /// <summary>DescribeGroups.</summary>
    DescribeGroups = 15,

    /// <summary>ListGroups.</summary>
    ListGroups = 16,

    /// <summary>SaslHandshake.</summary>
    SaslHandshake = 17,

    /// <summary>ApiVersions.</summary>
    ApiVersions = 18,

    /// <summary>CreateTopics.</summary>
    CreateTopics = 19,

    /// <summary>DeleteTopics.</summary>
    DeleteTopics = 20,

    /// <summary>InitProducerId.</summary>
    InitProducerId = 22,

    /// <summary>DescribeConfigs.</summary>
    DescribeConfigs = 32,

    /// <summary>SaslAuthenticate.</summary>
    SaslAuthenticate = 36,

    /// <summary>CreatePartitions.</summary>
    CreatePartitions = 37,

    /// <summary>DeleteGroups.</summary>
    DeleteGroups = 42,

    /// <summary>DescribeCluster.</summary>
    DescribeCluster = 60,
}

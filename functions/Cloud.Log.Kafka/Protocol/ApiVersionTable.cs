namespace Cloud.Log.Kafka.Protocol;

/// <summary>Every API key the listener serves, with its versions (docs/kafka.md lists the same).</summary>
internal static class ApiVersionTable
{
    public static IReadOnlyList<ApiVersionRange> All { get; } =
    [
        new(ApiKey.Produce, 3, 9, 9),
        new(ApiKey.Fetch, 4, 12, 12),
        new(ApiKey.ListOffsets, 0, 7, 6),
        new(ApiKey.Metadata, 0, 12, 9),
        new(ApiKey.ApiVersions, 0, 4, 3),
        new(ApiKey.InitProducerId, 0, 4, 2),
        new(ApiKey.OffsetCommit, 0, 8, 8),
        new(ApiKey.OffsetFetch, 0, 7, 6),
        new(ApiKey.FindCoordinator, 0, 4, 3),
        new(ApiKey.JoinGroup, 0, 9, 6),
        new(ApiKey.Heartbeat, 0, 4, 4),
        new(ApiKey.LeaveGroup, 0, 5, 4),
        new(ApiKey.SyncGroup, 0, 5, 4),
        new(ApiKey.DescribeGroups, 0, 5, 5),
        new(ApiKey.ListGroups, 0, 4, 3),
        new(ApiKey.CreateTopics, 0, 7, 5),
        new(ApiKey.DeleteTopics, 0, 5, 4),
        new(ApiKey.DescribeConfigs, 0, 4, 4),
        new(ApiKey.CreatePartitions, 0, 3, 2),
        new(ApiKey.DeleteGroups, 0, 2, 2),
        new(ApiKey.DescribeCluster, 0, 1, 0),
        new(ApiKey.SaslHandshake, 1, 1, 2), // v0's raw SASL tokens after the handshake (Kafka 0.10.0) are not served; never flexible
        new(ApiKey.SaslAuthenticate, 0, 2, 2),
    ];

    private static readonly Dictionary<short, ApiVersionRange> ByKey = All.ToDictionary(r => (short)r.Key);

    public static bool TryGet(short key, out ApiVersionRange range) => ByKey.TryGetValue(key, out range);

    /// <summary>Whether the request header of this key and version is v2 (flexible) rather than v1.</summary>
    public static bool HasFlexibleHeader(short key, short version) =>
        ByKey.TryGetValue(key, out var range) && range.IsFlexible(version) && version <= range.Max;
}

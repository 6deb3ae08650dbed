namespace Cloud.Log.Kafka.Groups;

/// <summary>One member of a classic group, as stored in the group's state (times are Unix milliseconds).</summary>
internal sealed class ClassicGroupMember
{
    public string Id { get; set; } = string.Empty;

    public string? ClientId { get; set; }

    public string? ClientHost { get; set; }

    public int SessionTimeoutMs { get; set; }

    public int RebalanceTimeoutMs { get; set; }

    public List<ClassicGroupProtocol> Protocols { get; set; } = [];

    /// <summary>When the member was last heard from (join, sync, heartbeat): its session ends <see cref="SessionTimeoutMs"/> later.</summary>
    public long LastSeenMs { get; set; }

    /// <summary>It sent JoinGroup in the rebalance under way and awaits its answer.</summary>
    public bool Joining { get; set; }

    /// <summary>It sent SyncGroup for the generation it is in.</summary>
    public bool Synced { get; set; }

    /// <summary>The generation it was last made a member of (the leader is given the members of its generation).</summary>
    public int Generation { get; set; }

    /// <summary>Its assignment, as the leader sent it in SyncGroup.</summary>
    public byte[] Assignment { get; set; } = [];

    /// <summary>Its metadata for <paramref name="protocol"/>, empty when it does not offer it.</summary>
    public byte[] MetadataFor(string? protocol) => Protocols.FirstOrDefault(p => p.Name == protocol)?.Metadata ?? [];
}

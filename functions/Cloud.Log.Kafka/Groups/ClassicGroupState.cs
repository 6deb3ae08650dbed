namespace Cloud.Log.Kafka.Groups;

/// <summary>The states of a classic (pre-KIP-848) consumer group, as Kafka's group coordinator names them.</summary>
public enum ClassicGroupState
{
    /// <summary>No members.</summary>
    Empty,

    /// <summary>A rebalance began: members are (re)joining.</summary>
    PreparingRebalance,

    /// <summary>Every member joined; the leader's assignment (SyncGroup) is awaited.</summary>
    CompletingRebalance,

    /// <summary>Every member has its assignment.</summary>
    Stable,
}

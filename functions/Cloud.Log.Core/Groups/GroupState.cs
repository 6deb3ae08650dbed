namespace Cloud.Log.Core.Groups;

/// <summary>Where a consumer group stands, in the words of Kafka's DescribeGroups.</summary>
public enum GroupState
{
    /// <summary>No live member: only committed offsets remain.</summary>
    Empty,

    /// <summary>Every member owns exactly the partitions the assignment gives it.</summary>
    Stable,

    /// <summary>Some partition is still to be released by one member or claimed by another.</summary>
    Rebalancing,
}

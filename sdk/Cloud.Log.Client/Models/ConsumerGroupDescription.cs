namespace Cloud.Log.Client;

/// <summary>A consumer group as it is now: its state, generation and live members (Kafka's DescribeGroups).</summary>
public class ConsumerGroupDescription
{
    /// <summary>For mocking: see <see cref="CloudLogModelFactory.ConsumerGroupDescription"/>.</summary>
    protected ConsumerGroupDescription()
    {
        GroupId = "";
        State = "";
        Members = [];
    }

    internal ConsumerGroupDescription(string groupId, long generation, string state, IReadOnlyList<ConsumerGroupMember> members)
    {
        GroupId = groupId;
        Generation = generation;
        State = state;
        Members = members;
    }

    /// <summary>The group's name.</summary>
    public virtual string GroupId { get; }

    /// <summary>Grows each time the group's members change.</summary>
    public virtual long Generation { get; }

    /// <summary><c>Empty</c> (no live member), <c>Stable</c> (every member owns its target) or <c>Rebalancing</c> (partitions are moving).</summary>
    public virtual string State { get; }

    /// <summary>The live members, by member id.</summary>
    public virtual IReadOnlyList<ConsumerGroupMember> Members { get; }
}

namespace Cloud.Log.Client;

/// <summary>A live member of a consumer group: what it subscribes to, owns and is to own.</summary>
public class ConsumerGroupMember
{
    /// <summary>For mocking: see <see cref="CloudLogModelFactory.ConsumerGroupMember"/>.</summary>
    protected ConsumerGroupMember()
    {
        MemberId = "";
        Topics = [];
        Assigned = [];
        Target = [];
    }

    internal ConsumerGroupMember(string memberId, IReadOnlyList<string> topics, TimeSpan sessionTimeout, DateTimeOffset expiresAt, IReadOnlyList<TopicPartition> assigned, IReadOnlyList<TopicPartition> target)
    {
        MemberId = memberId;
        Topics = topics;
        SessionTimeout = sessionTimeout;
        ExpiresAt = expiresAt;
        Assigned = assigned;
        Target = target;
    }

    /// <summary>The id the member got when it joined.</summary>
    public virtual string MemberId { get; }

    /// <summary>The topics it subscribes to.</summary>
    public virtual IReadOnlyList<string> Topics { get; }

    /// <summary>How long its session lasts past each heartbeat.</summary>
    public virtual TimeSpan SessionTimeout { get; }

    /// <summary>When its session runs out unless it sends a heartbeat.</summary>
    public virtual DateTimeOffset ExpiresAt { get; }

    /// <summary>The partitions it owns and reads now.</summary>
    public virtual IReadOnlyList<TopicPartition> Assigned { get; }

    /// <summary>The partitions the group's assignment gives it; equal to <see cref="Assigned"/> once the group is stable.</summary>
    public virtual IReadOnlyList<TopicPartition> Target { get; }
}

using Cloud.Log.Kafka.Messages;

namespace Cloud.Log.Kafka.Groups;

/// <summary>One classic group's membership (guarded by locking the instance).</summary>
internal sealed class ClassicGroup(string id)
{
    public string Id { get; } = id;

    public ClassicGroupState State { get; set; } = ClassicGroupState.Empty;

    public int Generation { get; set; }

    public string? Leader { get; set; }

    public string? ProtocolType { get; set; }

    public string? ProtocolName { get; set; }

    public DateTimeOffset RebalanceDeadline { get; set; }

    public Dictionary<string, Member> Members { get; } = new(StringComparer.Ordinal);

    /// <summary>Member ids handed out with MEMBER_ID_REQUIRED, not joined yet.</summary>
    public HashSet<string> PendingMembers { get; } = new(StringComparer.Ordinal);

    internal sealed class Member(string id)
    {
        public string Id { get; } = id;

        public string? ClientId { get; set; }

        public string? ClientHost { get; set; }

        public TimeSpan SessionTimeout { get; set; }

        public TimeSpan RebalanceTimeout { get; set; }

        public IReadOnlyList<(string Name, byte[] Metadata)> Protocols { get; set; } = [];

        public DateTimeOffset LastSeen { get; set; }

        public byte[] Assignment { get; set; } = [];

        public TaskCompletionSource<JoinGroupResponse>? JoinWaiter { get; set; }

        public TaskCompletionSource<(short Error, byte[] Assignment)>? SyncWaiter { get; set; }
    }
}

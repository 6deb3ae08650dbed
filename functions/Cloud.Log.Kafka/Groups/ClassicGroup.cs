using System.Text.Json;
using Cloud.Log.Kafka.Messages;
using Cloud.Log.Kafka.Protocol;

namespace Cloud.Log.Kafka.Groups;

/// <summary>
/// One classic group's state, as stored in its coordinator row (one JSON document; times are Unix
/// milliseconds), and the transitions of Kafka's group coordinator over it. The transitions are pure: they
/// take the time, change this object, and say whether it changed; <see cref="ClassicGroupCoordinator"/> reads
/// the row, applies one, and writes the row back conditioned on its ETag (retrying on a lost race).
/// </summary>
internal sealed class ClassicGroup
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The rebalance timeout when no member gave one.</summary>
    private const int DefaultRebalanceTimeoutMs = 30_000;

    public ClassicGroupState State { get; set; } = ClassicGroupState.Empty;

    public int Generation { get; set; }

    public string? Leader { get; set; }

    public string? ProtocolType { get; set; }

    public string? ProtocolName { get; set; }

    /// <summary>In PreparingRebalance: when the members that did not rejoin by then are dropped.</summary>
    public long RebalanceDeadlineMs { get; set; }

    /// <summary>In CompletingRebalance: when the members that did not send SyncGroup by then are dropped.</summary>
    public long SyncDeadlineMs { get; set; }

    /// <summary>The members, in the order they joined (the first becomes the leader when there is none).</summary>
    public List<ClassicGroupMember> Members { get; set; } = [];

    /// <summary>Member ids handed out with MEMBER_ID_REQUIRED and not joined yet, each with when it lapses.</summary>
    public Dictionary<string, long> PendingMembers { get; set; } = new(StringComparer.Ordinal);

    public static ClassicGroup Read(ReadOnlyMemory<byte> data) =>
        data.IsEmpty ? new ClassicGroup() : JsonSerializer.Deserialize<ClassicGroup>(data.Span, Json) ?? new ClassicGroup();

    public byte[] Write() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public ClassicGroupMember? Find(string memberId) => Members.Find(m => m.Id == memberId);

    /// <summary>
    /// What time did: sessions that ran out end (members awaiting a join's or a sync's answer excepted), lapsed pending ids
    /// go, a rebalance past its deadline completes without the members that did not rejoin, and a sync past
    /// its deadline drops the members that did not send SyncGroup. True when anything changed.
    /// </summary>
    public bool Advance(long nowMs)
    {
        var changed = false;
        foreach (var lapsed in PendingMembers.Where(p => p.Value <= nowMs).Select(p => p.Key).ToList())
        {
            PendingMembers.Remove(lapsed);
            changed = true;
        }

        // Members awaiting a join's or a sync's answer are kept alive (as Kafka's coordinator does): the rebalance
        // and sync deadlines bound their wait.
        var expired = Members.RemoveAll(m => !m.Joining && !(m.Synced && State == ClassicGroupState.CompletingRebalance) && nowMs - m.LastSeenMs > m.SessionTimeoutMs);
        if (expired > 0)
        {
            AfterRemoval(nowMs);
            return true;
        }

        if (State == ClassicGroupState.PreparingRebalance && nowMs > RebalanceDeadlineMs)
        {
            CompleteJoin(nowMs);
            return true;
        }

        if (State == ClassicGroupState.CompletingRebalance && nowMs > SyncDeadlineMs && Members.RemoveAll(m => !m.Synced) > 0)
        {
            AfterRemoval(nowMs);
            return true;
        }

        return changed;
    }

    /// <summary>A new member id, kept pending until it joins (MEMBER_ID_REQUIRED) or its session timeout lapses.</summary>
    public void AddPending(string memberId, int sessionTimeoutMs, long nowMs) => PendingMembers[memberId] = nowMs + sessionTimeoutMs;

    /// <summary>
    /// JoinGroup from a member whose id is known (a member or a pending id): an error, or null when it joined.
    /// A follower of a settled group rejoining with the same protocols gets its generation again at once
    /// (<paramref name="immediate"/>); any other join starts (or joins) a rebalance, which completes when every
    /// member has rejoined.
    /// </summary>
    public short? Join(JoinGroupRequest request, string memberId, string? clientId, string? clientHost, long nowMs, out bool immediate)
    {
        immediate = false;
        var member = Find(memberId);
        if (member is null && !PendingMembers.ContainsKey(memberId))
        {
            return KafkaError.UnknownMemberId;
        }

        if (request.Protocols.Count == 0
            || (Members.Count > 0 && ProtocolType != request.ProtocolType)
            || Members.Any(m => m.Id != memberId && !m.Protocols.Any(p => request.Protocols.Any(q => q.Name == p.Name))))
        {
            return KafkaError.InconsistentGroupProtocol;
        }

        if (request.SessionTimeoutMs <= 0)
        {
            return KafkaError.InvalidSessionTimeout;
        }

        var protocols = request.Protocols.Select(p => new ClassicGroupProtocol { Name = p.Name, Metadata = p.Metadata }).ToList();
        if (member is not null && member.Id != Leader && State is ClassicGroupState.CompletingRebalance or ClassicGroupState.Stable && SameProtocols(member.Protocols, protocols))
        {
            member.LastSeenMs = nowMs;
            immediate = true;
            return null;
        }

        if (member is null)
        {
            PendingMembers.Remove(memberId);
            member = new ClassicGroupMember { Id = memberId };
            Members.Add(member);
        }

        ProtocolType = request.ProtocolType;
        member.ClientId = clientId;
        member.ClientHost = clientHost;
        member.SessionTimeoutMs = request.SessionTimeoutMs;
        member.RebalanceTimeoutMs = Math.Max(request.RebalanceTimeoutMs, request.SessionTimeoutMs);
        member.Protocols = protocols;
        member.LastSeenMs = nowMs;
        member.Joining = true;
        if (State != ClassicGroupState.PreparingRebalance)
        {
            StartRebalance(nowMs);
        }

        TryCompleteJoin(nowMs);
        return null;
    }

    /// <summary>
    /// The answer to a member's JoinGroup once its join completed: null while it still awaits the rebalance,
    /// UNKNOWN_MEMBER_ID when it was dropped.
    /// </summary>
    public JoinGroupResponse? JoinAnswer(string memberId)
    {
        var member = Find(memberId);
        if (member is null)
        {
            return new JoinGroupResponse(KafkaError.UnknownMemberId, -1, null, null, string.Empty, memberId, []);
        }

        if (member.Joining || member.Generation == 0)
        {
            return null;
        }

        var generation = member.Generation;
        IReadOnlyList<(string, byte[])> members = memberId == Leader
            ? [.. Members.Where(m => m.Generation == generation).Select(m => (m.Id, m.MetadataFor(ProtocolName)))]
            : [];
        return new JoinGroupResponse(KafkaError.None, generation, ProtocolType, ProtocolName, Leader ?? string.Empty, memberId, members);
    }

    /// <summary>
    /// SyncGroup: the leader's call sets every member's assignment and settles the group. The answer, or null
    /// when a follower must wait for the leader's (see <see cref="SyncAnswer"/>).
    /// </summary>
    public (short Error, byte[] Assignment)? Sync(SyncGroupRequest request, long nowMs)
    {
        var member = Find(request.MemberId);
        if (member is null)
        {
            return (KafkaError.UnknownMemberId, []);
        }

        member.LastSeenMs = nowMs;
        if (request.GenerationId != Generation)
        {
            return (KafkaError.IllegalGeneration, []);
        }

        switch (State)
        {
            case ClassicGroupState.PreparingRebalance:
                return (KafkaError.RebalanceInProgress, []);
            case ClassicGroupState.Stable:
                return (KafkaError.None, member.Assignment);
        }

        member.Synced = true;
        if (member.Id != Leader)
        {
            return null;
        }

        var assignments = request.Assignments.GroupBy(a => a.MemberId, StringComparer.Ordinal).ToDictionary(a => a.Key, a => a.Last().Assignment, StringComparer.Ordinal);
        foreach (var m in Members)
        {
            m.Assignment = assignments.GetValueOrDefault(m.Id) ?? [];
        }

        State = ClassicGroupState.Stable;
        return (KafkaError.None, member.Assignment);
    }

    /// <summary>A waiting follower's SyncGroup answer: null while the leader has not sent the assignment.</summary>
    public (short Error, byte[] Assignment)? SyncAnswer(string memberId, int generation)
    {
        var member = Find(memberId);
        return member is null ? (KafkaError.UnknownMemberId, [])
            : Generation != generation || State == ClassicGroupState.PreparingRebalance ? (KafkaError.RebalanceInProgress, [])
            : State == ClassicGroupState.Stable ? (KafkaError.None, member.Assignment)
            : null;
    }

    /// <summary>
    /// Heartbeat: keeps the session (<paramref name="renewed"/> when the stored time should move, which it does
    /// only every few seconds, so that heartbeats cost few writes); REBALANCE_IN_PROGRESS tells it to rejoin.
    /// </summary>
    public short Heartbeat(string memberId, int generation, long nowMs, out bool renewed)
    {
        renewed = false;
        var member = Find(memberId);
        if (member is null)
        {
            return KafkaError.UnknownMemberId;
        }

        if (nowMs - member.LastSeenMs >= Math.Min(1_000, member.SessionTimeoutMs / 6))
        {
            member.LastSeenMs = nowMs;
            renewed = true;
        }

        return generation != Generation ? KafkaError.IllegalGeneration
            : State == ClassicGroupState.PreparingRebalance ? KafkaError.RebalanceInProgress
            : KafkaError.None;
    }

    /// <summary>Whether an OffsetCommit from this member and generation is accepted (generation -1: a commit outside group management).</summary>
    public short CheckCommit(int generation, string memberId)
    {
        if (generation < 0 && memberId.Length == 0)
        {
            return KafkaError.None;
        }

        if (Members.Count == 0)
        {
            return generation < 0 ? KafkaError.None : KafkaError.IllegalGeneration;
        }

        return Find(memberId) is null ? KafkaError.UnknownMemberId
            : generation != Generation ? KafkaError.IllegalGeneration
            : KafkaError.None;
    }

    /// <summary>LeaveGroup: each member leaves (UNKNOWN_MEMBER_ID for one that is not there); the others rebalance.</summary>
    public IReadOnlyList<(string Member, short Error)> Leave(IReadOnlyList<string> memberIds, long nowMs)
    {
        var results = new List<(string, short)>();
        foreach (var id in memberIds)
        {
            results.Add((id, Members.RemoveAll(m => m.Id == id) > 0 ? KafkaError.None : KafkaError.UnknownMemberId));
        }

        if (results.Any(r => r.Item2 == KafkaError.None))
        {
            AfterRemoval(nowMs);
        }

        return results;
    }

    private static bool SameProtocols(List<ClassicGroupProtocol> a, List<ClassicGroupProtocol> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.Name == p.Second.Name && p.First.Metadata.AsSpan().SequenceEqual(p.Second.Metadata));

    private void StartRebalance(long nowMs)
    {
        State = ClassicGroupState.PreparingRebalance;
        RebalanceDeadlineMs = nowMs + Members.Select(m => m.RebalanceTimeoutMs).DefaultIfEmpty(DefaultRebalanceTimeoutMs).Max();
    }

    private void TryCompleteJoin(long nowMs)
    {
        if (State == ClassicGroupState.PreparingRebalance && Members.All(m => m.Joining))
        {
            CompleteJoin(nowMs);
        }
    }

    /// <summary>A new generation of the members that rejoined: the leader will get their subscriptions.</summary>
    private void CompleteJoin(long nowMs)
    {
        Members.RemoveAll(m => !m.Joining);
        Generation++;
        if (Members.Count == 0)
        {
            State = ClassicGroupState.Empty;
            Leader = null;
            ProtocolName = null;
            return;
        }

        ProtocolName = Members[0].Protocols.Select(p => p.Name).FirstOrDefault(name => Members.All(m => m.Protocols.Any(p => p.Name == name)));
        if (Leader is null || Find(Leader) is null)
        {
            Leader = Members[0].Id;
        }

        State = ClassicGroupState.CompletingRebalance;
        SyncDeadlineMs = nowMs + Members.Max(m => m.RebalanceTimeoutMs);
        foreach (var member in Members)
        {
            member.Assignment = [];
            member.Joining = false;
            member.Synced = false;
            member.Generation = Generation;
            member.LastSeenMs = nowMs;
        }
    }

    private void AfterRemoval(long nowMs)
    {
        if (Members.Count == 0)
        {
            State = ClassicGroupState.Empty;
            Leader = null;
            ProtocolName = null;
            Generation++;
            return;
        }

        if (State != ClassicGroupState.PreparingRebalance)
        {
            StartRebalance(nowMs);
        }

        TryCompleteJoin(nowMs);
    }
}

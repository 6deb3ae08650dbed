using System.Collections.Concurrent;
using Cloud.Log.Kafka.Messages;
using Cloud.Log.Kafka.Protocol;

namespace Cloud.Log.Kafka.Groups;

/// <summary>
/// Kafka's classic group protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) for the members that reach
/// this server instance: a rebalance starts when a member joins, changes its subscription, leaves or lets its
/// session run out; it completes when every member has rejoined (or the rebalance timeout ends, dropping
/// those that did not); the first member becomes the leader, gets every member's subscription, and sends the
/// assignment in SyncGroup, which every member then receives. Membership lives in memory; committed offsets
/// live in the engine's Table storage (docs/kafka.md says what follows).
/// </summary>
public sealed class ClassicGroupCoordinator : IDisposable
{
    private readonly ConcurrentDictionary<string, ClassicGroup> _groups = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ITimer _timer;

    /// <summary>A coordinator that checks sessions and rebalance deadlines twice a second.</summary>
    public ClassicGroupCoordinator(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _timer = _time.CreateTimer(_ => Tick(), null, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500));
    }

    /// <summary>The groups with members on this instance, with their states.</summary>
    public IReadOnlyList<(string Group, ClassicGroupState State, string? ProtocolType)> List() =>
        [.. _groups.Values.Select(g => { lock (g) { return (g.Id, g.State, g.ProtocolType); } })];

    /// <summary>
    /// A group's state, protocol and members (id, client id, host, subscription metadata, assignment), or
    /// null when no member of it reached this instance.
    /// </summary>
    public (ClassicGroupState State, string? ProtocolType, string? ProtocolName, IReadOnlyList<(string Member, string? ClientId, string? Host, byte[] Metadata, byte[] Assignment)> Members)? Describe(string group)
    {
        if (!_groups.TryGetValue(group, out var g))
        {
            return null;
        }

        lock (g)
        {
            var members = g.Members.Values
                .Select(m => (m.Id, m.ClientId, m.ClientHost, m.Protocols.FirstOrDefault(p => p.Name == g.ProtocolName).Metadata ?? [], m.Assignment))
                .ToList();
            return (g.State, g.ProtocolType, g.ProtocolName, members);
        }
    }

    /// <summary>Whether a group has members here (DeleteGroups refuses those: NON_EMPTY_GROUP).</summary>
    public bool HasMembers(string group) => _groups.TryGetValue(group, out var g) && g.Members.Count > 0;

    /// <summary>Forgets an empty group.</summary>
    public void Forget(string group)
    {
        if (_groups.TryGetValue(group, out var g))
        {
            lock (g)
            {
                if (g.Members.Count == 0)
                {
                    _groups.TryRemove(group, out _);
                }
            }
        }
    }

    /// <summary>
    /// JoinGroup: answers once the rebalance completes. A member without an id gets MEMBER_ID_REQUIRED and
    /// a new id when <paramref name="requireKnownMemberId"/> (v4+), else joins at once with a new id.
    /// </summary>
    internal async Task<JoinGroupResponse> JoinAsync(JoinGroupRequest request, string? clientId, string? clientHost, bool requireKnownMemberId, CancellationToken cancellationToken)
    {
        Task<JoinGroupResponse> joined;
        var group = _groups.GetOrAdd(request.GroupId, id => new ClassicGroup(id));
        lock (group)
        {
            var memberId = request.MemberId;
            if (memberId.Length == 0)
            {
                memberId = $"{Sanitize(clientId)}-{Guid.NewGuid():N}";
                if (requireKnownMemberId)
                {
                    group.PendingMembers.Add(memberId);
                    return Failed(KafkaError.MemberIdRequired, memberId);
                }
            }
            else if (!group.Members.ContainsKey(memberId) && !group.PendingMembers.Remove(memberId))
            {
                return Failed(KafkaError.UnknownMemberId, memberId);
            }

            if (request.Protocols.Count == 0 || (group.Members.Count > 0 && group.ProtocolType != request.ProtocolType)
                || (group.Members.Count > 0 && !group.Members.Values.Where(m => m.Id != memberId).All(m => m.Protocols.Any(p => request.Protocols.Any(q => q.Name == p.Name)))))
            {
                return Failed(KafkaError.InconsistentGroupProtocol, memberId);
            }

            if (request.SessionTimeoutMs <= 0)
            {
                return Failed(KafkaError.InvalidSessionTimeout, memberId);
            }

            if (!group.Members.TryGetValue(memberId, out var member))
            {
                member = new ClassicGroup.Member(memberId);
                group.Members[memberId] = member;
            }

            group.ProtocolType = request.ProtocolType;
            member.ClientId = clientId;
            member.ClientHost = clientHost;
            member.SessionTimeout = TimeSpan.FromMilliseconds(request.SessionTimeoutMs);
            member.RebalanceTimeout = TimeSpan.FromMilliseconds(Math.Max(request.RebalanceTimeoutMs, request.SessionTimeoutMs));
            member.Protocols = request.Protocols;
            member.LastSeen = _time.GetUtcNow();
            member.JoinWaiter?.TrySetResult(Failed(KafkaError.UnknownMemberId, memberId)); // a join it gave up on
            member.JoinWaiter = new TaskCompletionSource<JoinGroupResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
            joined = member.JoinWaiter.Task;
            if (group.State != ClassicGroupState.PreparingRebalance)
            {
                StartRebalance(group);
            }

            TryCompleteJoin(group);
        }

        return await joined.WaitAsync(cancellationToken).ConfigureAwait(false);

        JoinGroupResponse Failed(short error, string memberId) => new(error, -1, null, null, string.Empty, memberId, []);
    }

    /// <summary>SyncGroup: the leader's call sets every assignment; the others wait for it.</summary>
    internal async Task<(short Error, byte[] Assignment, string? ProtocolType, string? ProtocolName)> SyncAsync(SyncGroupRequest request, CancellationToken cancellationToken)
    {
        Task<(short Error, byte[] Assignment)> synced;
        string? protocolType;
        string? protocolName;
        if (!_groups.TryGetValue(request.GroupId, out var group))
        {
            return (KafkaError.UnknownMemberId, [], null, null);
        }

        lock (group)
        {
            protocolType = group.ProtocolType;
            protocolName = group.ProtocolName;
            if (!group.Members.TryGetValue(request.MemberId, out var member))
            {
                return (KafkaError.UnknownMemberId, [], null, null);
            }

            member.LastSeen = _time.GetUtcNow();
            if (request.GenerationId != group.Generation)
            {
                return (KafkaError.IllegalGeneration, [], null, null);
            }

            switch (group.State)
            {
                case ClassicGroupState.PreparingRebalance:
                    return (KafkaError.RebalanceInProgress, [], null, null);
                case ClassicGroupState.Stable:
                    return (KafkaError.None, member.Assignment, protocolType, protocolName);
            }

            if (member.Id == group.Leader)
            {
                var assignments = request.Assignments.GroupBy(a => a.MemberId, StringComparer.Ordinal).ToDictionary(a => a.Key, a => a.Last().Assignment, StringComparer.Ordinal);
                foreach (var m in group.Members.Values)
                {
                    m.Assignment = assignments.GetValueOrDefault(m.Id) ?? [];
                    m.SyncWaiter?.TrySetResult((KafkaError.None, m.Assignment));
                    m.SyncWaiter = null;
                }

                group.State = ClassicGroupState.Stable;
                return (KafkaError.None, member.Assignment, protocolType, protocolName);
            }

            member.SyncWaiter ??= new TaskCompletionSource<(short, byte[])>(TaskCreationOptions.RunContinuationsAsynchronously);
            synced = member.SyncWaiter.Task;
        }

        var (error, assignment) = await synced.WaitAsync(cancellationToken).ConfigureAwait(false);
        return (error, assignment, protocolType, protocolName);
    }

    /// <summary>Heartbeat: keeps the session; REBALANCE_IN_PROGRESS tells the member to rejoin.</summary>
    internal short Heartbeat(string groupId, int generation, string memberId)
    {
        if (!_groups.TryGetValue(groupId, out var group))
        {
            return KafkaError.UnknownMemberId;
        }

        lock (group)
        {
            if (!group.Members.TryGetValue(memberId, out var member))
            {
                return KafkaError.UnknownMemberId;
            }

            member.LastSeen = _time.GetUtcNow();
            return group.State == ClassicGroupState.PreparingRebalance ? KafkaError.RebalanceInProgress
                : generation != group.Generation ? KafkaError.IllegalGeneration
                : KafkaError.None;
        }
    }

    /// <summary>Whether an OffsetCommit from this member and generation is accepted (generation -1: a commit outside group management).</summary>
    internal short CheckCommit(string groupId, int generation, string memberId)
    {
        if (generation < 0 && memberId.Length == 0)
        {
            return KafkaError.None;
        }

        if (!_groups.TryGetValue(groupId, out var group))
        {
            return generation < 0 ? KafkaError.None : KafkaError.IllegalGeneration;
        }

        lock (group)
        {
            if (!group.Members.TryGetValue(memberId, out var member))
            {
                return KafkaError.UnknownMemberId;
            }

            member.LastSeen = _time.GetUtcNow();
            return generation != group.Generation ? KafkaError.IllegalGeneration : KafkaError.None;
        }
    }

    /// <summary>LeaveGroup: each member leaves; the others rebalance.</summary>
    internal IReadOnlyList<(string Member, short Error)> Leave(string groupId, IReadOnlyList<string> members)
    {
        if (!_groups.TryGetValue(groupId, out var group))
        {
            return [.. members.Select(m => (m, KafkaError.UnknownMemberId))];
        }

        lock (group)
        {
            var results = new List<(string, short)>();
            foreach (var id in members)
            {
                if (group.Members.TryGetValue(id, out var member))
                {
                    Remove(group, member);
                    results.Add((id, KafkaError.None));
                }
                else
                {
                    results.Add((id, KafkaError.UnknownMemberId));
                }
            }

            AfterRemoval(group);
            return results;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _timer.Dispose();

    private static string Sanitize(string? clientId) =>
        string.IsNullOrEmpty(clientId) ? "member" : new string([.. clientId.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.').Take(64)]);

    private void StartRebalance(ClassicGroup group)
    {
        group.State = ClassicGroupState.PreparingRebalance;
        var timeout = group.Members.Values.Select(m => m.RebalanceTimeout).DefaultIfEmpty(TimeSpan.FromSeconds(30)).Max();
        group.RebalanceDeadline = _time.GetUtcNow() + timeout;
        foreach (var member in group.Members.Values)
        {
            member.SyncWaiter?.TrySetResult((KafkaError.RebalanceInProgress, []));
            member.SyncWaiter = null;
        }
    }

    private void TryCompleteJoin(ClassicGroup group)
    {
        if (group.State == ClassicGroupState.PreparingRebalance && group.Members.Values.All(m => m.JoinWaiter is not null))
        {
            CompleteJoin(group);
        }
    }

    /// <summary>A new generation of the members that joined: the leader gets their subscriptions.</summary>
    private void CompleteJoin(ClassicGroup group)
    {
        foreach (var late in group.Members.Values.Where(m => m.JoinWaiter is null).ToList())
        {
            Remove(group, late);
        }

        group.Generation++;
        if (group.Members.Count == 0)
        {
            group.State = ClassicGroupState.Empty;
            group.Leader = null;
            return;
        }

        var members = group.Members.Values.ToList();
        group.ProtocolName = members[0].Protocols.Select(p => p.Name).FirstOrDefault(name => members.All(m => m.Protocols.Any(p => p.Name == name)));
        if (group.Leader is null || !group.Members.ContainsKey(group.Leader))
        {
            group.Leader = members[0].Id;
        }

        group.State = ClassicGroupState.CompletingRebalance;
        var subscriptions = members.Select(m => (m.Id, m.Protocols.First(p => p.Name == group.ProtocolName).Metadata)).ToList();
        foreach (var member in members)
        {
            member.Assignment = [];
            member.LastSeen = _time.GetUtcNow();
            member.JoinWaiter!.TrySetResult(new JoinGroupResponse(
                KafkaError.None, group.Generation, group.ProtocolType, group.ProtocolName, group.Leader, member.Id,
                member.Id == group.Leader ? subscriptions : []));
            member.JoinWaiter = null;
        }
    }

    private static void Remove(ClassicGroup group, ClassicGroup.Member member)
    {
        group.Members.Remove(member.Id);
        member.JoinWaiter?.TrySetResult(new JoinGroupResponse(KafkaError.UnknownMemberId, -1, null, null, string.Empty, member.Id, []));
        member.SyncWaiter?.TrySetResult((KafkaError.UnknownMemberId, []));
    }

    private void AfterRemoval(ClassicGroup group)
    {
        if (group.Members.Count == 0)
        {
            group.State = ClassicGroupState.Empty;
            group.Leader = null;
            group.Generation++;
            return;
        }

        if (group.State != ClassicGroupState.PreparingRebalance)
        {
            StartRebalance(group);
        }

        TryCompleteJoin(group);
    }

    /// <summary>Ends sessions that ran out and rebalances past their deadline.</summary>
    private void Tick()
    {
        var now = _time.GetUtcNow();
        foreach (var group in _groups.Values)
        {
            lock (group)
            {
                var expired = group.Members.Values.Where(m => m.JoinWaiter is null && now - m.LastSeen > m.SessionTimeout).ToList();
                foreach (var member in expired)
                {
                    Remove(group, member);
                }

                if (expired.Count > 0)
                {
                    AfterRemoval(group);
                }
                else if (group.State == ClassicGroupState.PreparingRebalance && now > group.RebalanceDeadline)
                {
                    CompleteJoin(group);
                }
            }
        }
    }
}

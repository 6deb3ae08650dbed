using Cloud.Log.Core;
using Cloud.Log.Kafka.Messages;
using Cloud.Log.Kafka.Protocol;
using Cloud.Log.Protocol.Errors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cloud.Log.Kafka.Groups;

/// <summary>
/// Kafka's classic group protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, and the groups' side of
/// OffsetCommit, ListGroups, DescribeGroups, DeleteGroups), with each group's state in one row of the
/// engine's groups table (<see cref="CloudLogEngine.ReadGroupCoordinatorStateAsync"/>), so every server
/// instance coordinates every group: instances never call each other, they read the row, apply one
/// transition of <see cref="ClassicGroup"/>, and write it back conditioned on its ETag, reading again when
/// another instance wrote first. Time is applied lazily, by whichever request reads the group next (every
/// live member heartbeats, so somebody does): sessions that ran out, rebalances and syncs past their
/// deadline. A JoinGroup or a follower's SyncGroup that must wait for other members polls the row with a
/// short backoff until its answer is there (Kafka's long poll, through storage).
/// </summary>
public sealed class ClassicGroupCoordinator
{
    /// <summary>Conditional writes tried before a request gives up on a group written to by many at once.</summary>
    private const int MaxAttempts = 30;

    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan MaxPoll = TimeSpan.FromMilliseconds(250);

    private readonly CloudLogEngine _engine;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>A coordinator over the engine's groups table.</summary>
    public ClassicGroupCoordinator(CloudLogEngine engine, TimeProvider? time = null, ILogger<ClassicGroupCoordinator>? logger = null)
    {
        _engine = engine;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// JoinGroup: answers once the rebalance completes. A member without an id gets MEMBER_ID_REQUIRED and a
    /// new id when <paramref name="requireKnownMemberId"/> (v4+), else joins at once with a new id.
    /// </summary>
    internal async Task<JoinGroupResponse> JoinAsync(JoinGroupRequest request, string? clientId, string? clientHost, bool requireKnownMemberId, CancellationToken cancellationToken)
    {
        var memberId = request.MemberId;
        try
        {
            var isNew = memberId.Length == 0;
            if (isNew)
            {
                memberId = $"{Sanitize(clientId)}-{Guid.NewGuid():N}";
            }

            if (isNew && requireKnownMemberId)
            {
                await UpdateAsync(request.GroupId, (group, now) =>
                {
                    group.AddPending(memberId, Math.Max(request.SessionTimeoutMs, 1_000), now);
                    return (true, true);
                }, cancellationToken).ConfigureAwait(false);
                return Failed(KafkaError.MemberIdRequired);
            }

            var (error, group) = await UpdateAsync(request.GroupId, (group, now) =>
            {
                if (isNew)
                {
                    group.AddPending(memberId, Math.Max(request.SessionTimeoutMs, 1_000), now);
                }

                var error = group.Join(request, memberId, clientId, clientHost, now, out _);
                return (error, error is null);
            }, cancellationToken).ConfigureAwait(false);
            if (error is { } failed)
            {
                return Failed(failed);
            }

            return group.JoinAnswer(memberId) ?? await PollAsync(request.GroupId, g => g.JoinAnswer(memberId) is { } a ? (true, a) : (false, null!), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is CloudLogException or Azure.RequestFailedException)
        {
            return Failed(Error(e, "join group"));
        }

        JoinGroupResponse Failed(short error) => new(error, -1, null, null, string.Empty, memberId, []);
    }

    /// <summary>SyncGroup: the leader's call sets every assignment; the others wait for it.</summary>
    internal async Task<(short Error, byte[] Assignment, string? ProtocolType, string? ProtocolName)> SyncAsync(SyncGroupRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var (answer, group) = await UpdateAsync(request.GroupId, (group, now) =>
            {
                var before = group.Find(request.MemberId) is { } m ? (m.Synced, group.State) : default;
                var answer = group.Sync(request, now);
                var changed = group.Find(request.MemberId) is { } after && (after.Synced, group.State) != before;
                return (answer, changed);
            }, cancellationToken).ConfigureAwait(false);
            var (error, assignment) = answer ?? await PollAsync(request.GroupId, g => g.SyncAnswer(request.MemberId, request.GenerationId) is { } a ? (true, a) : (false, default), cancellationToken).ConfigureAwait(false);
            return error == KafkaError.None ? (error, assignment, group.ProtocolType, group.ProtocolName) : (error, [], null, null);
        }
        catch (Exception e) when (e is CloudLogException or Azure.RequestFailedException)
        {
            return (Error(e, "sync group"), [], null, null);
        }
    }

    /// <summary>Heartbeat: keeps the session; REBALANCE_IN_PROGRESS tells the member to rejoin.</summary>
    internal async Task<short> HeartbeatAsync(string groupId, int generation, string memberId, CancellationToken cancellationToken)
    {
        try
        {
            var (error, _) = await UpdateAsync(groupId, (group, now) =>
            {
                var error = group.Heartbeat(memberId, generation, now, out var renewed);
                return (error, renewed);
            }, cancellationToken).ConfigureAwait(false);
            return error;
        }
        catch (Exception e) when (e is CloudLogException or Azure.RequestFailedException)
        {
            return Error(e, "heartbeat");
        }
    }

    /// <summary>Whether an OffsetCommit from this member and generation is accepted (generation -1: a commit outside group management).</summary>
    internal async Task<short> CheckCommitAsync(string groupId, int generation, string memberId, CancellationToken cancellationToken)
    {
        if (generation < 0 && memberId.Length == 0)
        {
            return KafkaError.None;
        }

        try
        {
            var (group, _) = await ReadAsync(groupId, cancellationToken).ConfigureAwait(false);
            return group.CheckCommit(generation, memberId);
        }
        catch (Exception e) when (e is CloudLogException or Azure.RequestFailedException)
        {
            return Error(e, "offset commit");
        }
    }

    /// <summary>LeaveGroup: each member leaves; the others rebalance.</summary>
    internal async Task<IReadOnlyList<(string Member, short Error)>> LeaveAsync(string groupId, IReadOnlyList<string> members, CancellationToken cancellationToken)
    {
        try
        {
            var (results, _) = await UpdateAsync(groupId, (group, now) =>
            {
                var results = group.Leave(members, now);
                return (results, results.Any(r => r.Error == KafkaError.None));
            }, cancellationToken).ConfigureAwait(false);
            return results;
        }
        catch (Exception e) when (e is CloudLogException or Azure.RequestFailedException)
        {
            var error = Error(e, "leave group");
            return [.. members.Select(m => (m, error))];
        }
    }

    /// <summary>ListGroups: the groups with coordinator state, and the groups with committed offsets (Empty).</summary>
    internal async Task<(short Error, IReadOnlyList<(string Group, string ProtocolType, string State)> Groups)> ListAsync(CancellationToken cancellationToken)
    {
        try
        {
            var now = NowMs;
            var groups = new Dictionary<string, (string, string, string)>(StringComparer.Ordinal);
            foreach (var state in await _engine.ListGroupCoordinatorStatesAsync(cancellationToken).ConfigureAwait(false))
            {
                var group = ClassicGroup.Read(state.Data);
                group.Advance(now);
                groups[state.Group] = (state.Group, group.ProtocolType ?? "consumer", StateName(group.State));
            }

            foreach (var name in await _engine.ListGroupsAsync(cancellationToken).ConfigureAwait(false))
            {
                groups.TryAdd(name, (name, "consumer", StateName(ClassicGroupState.Empty)));
            }

            return (KafkaError.None, [.. groups.Values.OrderBy(g => g.Item1, StringComparer.Ordinal)]);
        }
        catch (Exception e) when (e is CloudLogException or Azure.RequestFailedException)
        {
            return (Error(e, "list groups"), []);
        }
    }

    /// <summary>DescribeGroups of one group: its state, protocol and members (Dead when it has neither members nor offsets).</summary>
    internal async Task<DescribedGroup> DescribeAsync(string groupId, CancellationToken cancellationToken)
    {
        try
        {
            var (group, exists) = await ReadAsync(groupId, cancellationToken).ConfigureAwait(false);
            if (group.Members.Count > 0)
            {
                return new DescribedGroup(
                    KafkaError.None, groupId, StateName(group.State), group.ProtocolType ?? string.Empty, group.ProtocolName ?? string.Empty,
                    [.. group.Members.Select(m => (m.Id, m.ClientId ?? string.Empty, m.ClientHost ?? string.Empty, m.MetadataFor(group.ProtocolName), m.Assignment))]);
            }

            var known = exists || (await _engine.ListGroupsAsync(cancellationToken).ConfigureAwait(false)).Contains(groupId, StringComparer.Ordinal);
            return new DescribedGroup(KafkaError.None, groupId, known ? StateName(ClassicGroupState.Empty) : "Dead", known ? group.ProtocolType ?? "consumer" : string.Empty, string.Empty, []);
        }
        catch (Exception e) when (e is CloudLogException or Azure.RequestFailedException)
        {
            return new DescribedGroup(Error(e, "describe groups"), groupId, "Dead", string.Empty, string.Empty, []);
        }
    }

    /// <summary>DeleteGroups of one group: NON_EMPTY_GROUP while it has members; else its offsets and state go.</summary>
    internal async Task<short> DeleteAsync(string groupId, CancellationToken cancellationToken)
    {
        try
        {
            var state = await _engine.ReadGroupCoordinatorStateAsync(groupId, cancellationToken).ConfigureAwait(false);
            if (state is not null)
            {
                var group = ClassicGroup.Read(state.Data);
                group.Advance(NowMs);
                if (group.Members.Count > 0)
                {
                    return KafkaError.NonEmptyGroup;
                }

                // Conditioned on the row as read: a member that joined meanwhile keeps the group.
                if (!await _engine.TryDeleteGroupCoordinatorStateAsync(groupId, state.Version, cancellationToken).ConfigureAwait(false))
                {
                    return KafkaError.NonEmptyGroup;
                }
            }

            try
            {
                await _engine.DeleteGroupAsync(groupId, cancellationToken).ConfigureAwait(false);
            }
            catch (CloudLogException e) when (e.Code == ErrorCode.GroupIdNotFound && state is not null)
            {
                // a group that had members but never committed: its state was all there was
            }

            return KafkaError.None;
        }
        catch (Exception e) when (e is CloudLogException or Azure.RequestFailedException)
        {
            return Error(e, "delete groups");
        }
    }

    private static string StateName(ClassicGroupState state) => state.ToString();

    private static string Sanitize(string? clientId) =>
        string.IsNullOrEmpty(clientId) ? "member" : new string([.. clientId.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.').Take(64)]);

    private short Error(Exception e, string what)
    {
        if (e is not CloudLogException)
        {
            _logger.LogWarning(e, "Kafka {What} failed.", what);
        }

        // A group's request that storage could not serve is retriable: the client finds the coordinator again.
        return e is Azure.RequestFailedException || e is CloudLogException { Code: ErrorCode.StorageUnavailable or ErrorCode.Throttled }
            ? KafkaError.CoordinatorNotAvailable
            : KafkaError.From(e);
    }

    /// <summary>The group as stored, with time applied (not written), and whether it has a row.</summary>
    private async Task<(ClassicGroup Group, bool Exists)> ReadAsync(string groupId, CancellationToken cancellationToken)
    {
        var state = await _engine.ReadGroupCoordinatorStateAsync(groupId, cancellationToken).ConfigureAwait(false);
        var group = state is null ? new ClassicGroup() : ClassicGroup.Read(state.Data);
        group.Advance(NowMs);
        return (group, state is not null);
    }

    /// <summary>
    /// Reads the group, applies time and then <paramref name="transition"/> (which says whether it changed the
    /// group), and writes it back if anything changed, conditioned on the version read; a lost race reads again.
    /// </summary>
    private async Task<(T Result, ClassicGroup Group)> UpdateAsync<T>(string groupId, Func<ClassicGroup, long, (T Result, bool Changed)> transition, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var state = await _engine.ReadGroupCoordinatorStateAsync(groupId, cancellationToken).ConfigureAwait(false);
            var group = state is null ? new ClassicGroup() : ClassicGroup.Read(state.Data);
            var now = NowMs;
            var advanced = group.Advance(now);
            var (result, changed) = transition(group, now);
            if (!advanced && !changed)
            {
                return (result, group);
            }

            if (await _engine.TryWriteGroupCoordinatorStateAsync(groupId, group.Write(), state?.Version, cancellationToken).ConfigureAwait(false))
            {
                return (result, group);
            }

            if (attempt >= MaxAttempts)
            {
                throw new CloudLogException(ErrorCode.Throttled, $"Group '{groupId}' is written to by too many members at once; retry.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 + (attempt * 10))), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Polls the group's row (with a backoff from 20 to 250 ms) until <paramref name="answer"/> has one, writing
    /// what time changed (a rebalance or sync past its deadline completes here, by whichever member waits).
    /// </summary>
    private async Task<T> PollAsync<T>(string groupId, Func<ClassicGroup, (bool Done, T Value)> answer, CancellationToken cancellationToken)
    {
        var delay = FirstPoll;
        while (true)
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(MaxPoll.Ticks, delay.Ticks * 3 / 2));
            var ((done, value), _) = await UpdateAsync(groupId, (group, _) => (answer(group), false), cancellationToken).ConfigureAwait(false);
            if (done)
            {
                return value;
            }
        }
    }
}

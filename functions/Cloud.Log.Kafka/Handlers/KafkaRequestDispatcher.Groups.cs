using Cloud.Log.Core;
using Cloud.Log.Core.Groups;
using Cloud.Log.Kafka.Messages;
using Cloud.Log.Kafka.Protocol;
using Cloud.Log.Protocol.Errors;
using Cloud.Log.Protocol.Naming;

namespace Cloud.Log.Kafka.Handlers;

/// <summary>FindCoordinator, the classic group protocol, OffsetCommit and OffsetFetch.</summary>
public sealed partial class KafkaRequestDispatcher
{
    private bool FindCoordinator(KafkaReader reader, short version, KafkaWriter writer)
    {
        var keys = GroupMessages.ReadFindCoordinator(reader, version);
        GroupMessages.WriteFindCoordinator(writer, version, keys, Broker());
        return true;
    }

    private async Task<bool> JoinGroupAsync(KafkaReader reader, short version, KafkaWriter writer, RequestHeader header, string? clientHost, CancellationToken cancellationToken)
    {
        var request = GroupMessages.ReadJoinGroup(reader, version);
        var response = InvalidGroup(request.GroupId)
            ? new JoinGroupResponse(KafkaError.InvalidGroupId, -1, null, null, string.Empty, request.MemberId, [])
            : await _groups.JoinAsync(request, header.ClientId, clientHost, requireKnownMemberId: version >= 4, cancellationToken).ConfigureAwait(false);
        GroupMessages.WriteJoinGroup(writer, version, response);
        return true;
    }

    private async Task<bool> SyncGroupAsync(KafkaReader reader, short version, KafkaWriter writer, CancellationToken cancellationToken)
    {
        var request = GroupMessages.ReadSyncGroup(reader, version);
        var (error, assignment, protocolType, protocolName) = InvalidGroup(request.GroupId)
            ? (KafkaError.InvalidGroupId, [], null, null)
            : await _groups.SyncAsync(request, cancellationToken).ConfigureAwait(false);
        GroupMessages.WriteSyncGroup(writer, version, error, protocolType, protocolName, assignment);
        return true;
    }

    private async Task<bool> HeartbeatAsync(KafkaReader reader, short version, KafkaWriter writer, CancellationToken cancellationToken)
    {
        var (group, generation, member) = GroupMessages.ReadHeartbeat(reader, version);
        var error = InvalidGroup(group) ? KafkaError.InvalidGroupId : await _groups.HeartbeatAsync(group, generation, member, cancellationToken).ConfigureAwait(false);
        GroupMessages.WriteErrorOnly(writer, version, error, flexible: version >= 4);
        return true;
    }

    private async Task<bool> LeaveGroupAsync(KafkaReader reader, short version, KafkaWriter writer, CancellationToken cancellationToken)
    {
        var (group, members) = GroupMessages.ReadLeaveGroup(reader, version);
        var results = InvalidGroup(group)
            ? [.. members.Select(m => (m, KafkaError.InvalidGroupId))]
            : await _groups.LeaveAsync(group, members, cancellationToken).ConfigureAwait(false);
        var error = version <= 2 ? results[0].Error : KafkaError.None;
        GroupMessages.WriteLeaveGroup(writer, version, error, results);
        return true;
    }

    private async Task<bool> OffsetCommitAsync(KafkaReader reader, short version, KafkaWriter writer, CancellationToken cancellationToken)
    {
        var request = OffsetMessages.ReadOffsetCommit(reader, version);
        var error = InvalidGroup(request.GroupId) ? KafkaError.InvalidGroupId : await _groups.CheckCommitAsync(request.GroupId, request.GenerationId, request.MemberId, cancellationToken).ConfigureAwait(false);
        var commits = request.Topics.SelectMany(t => t.Partitions.Select(p => new OffsetCommit(t.Topic, p.Partition, p.Offset, p.Metadata))).ToList();
        if (error == KafkaError.None && commits.Count > 0)
        {
            try
            {
                await _engine.CommitOffsetsAsync(request.GroupId, commits, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is CloudLogException or Azure.RequestFailedException)
            {
                LogFailure(e, "offset commit");
                error = KafkaError.From(e);
            }
        }

        OffsetMessages.WriteOffsetCommit(writer, version, [.. request.Topics.Select(t => (t.Topic, (IReadOnlyList<(int, short)>)[.. t.Partitions.Select(p => (p.Partition, error))]))]);
        return true;
    }

    private async Task<bool> OffsetFetchAsync(KafkaReader reader, short version, KafkaWriter writer, CancellationToken cancellationToken)
    {
        var (group, topics) = OffsetMessages.ReadOffsetFetch(reader, version);
        IReadOnlyList<CommittedOffset> committed = [];
        var error = KafkaError.None;
        if (InvalidGroup(group))
        {
            error = KafkaError.InvalidGroupId;
        }
        else
        {
            try
            {
                committed = await _engine.GetGroupOffsetsAsync(group, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (CloudLogException e) when (e.Code == ErrorCode.GroupIdNotFound)
            {
                // nothing committed yet: every partition answers -1
            }
            catch (Exception e) when (e is CloudLogException or Azure.RequestFailedException)
            {
                LogFailure(e, "offset fetch");
                error = KafkaError.From(e);
            }
        }

        var byPartition = committed.ToDictionary(c => (c.Topic, c.Partition));
        var answer = topics is null
            ? committed.GroupBy(c => c.Topic).Select(g => (g.Key, (IReadOnlyList<OffsetFetchPartition>)[.. g.Select(c => new OffsetFetchPartition(c.Partition, c.Offset, c.Metadata, KafkaError.None))])).ToList()
            : [.. topics.Select(t => (t.Topic, (IReadOnlyList<OffsetFetchPartition>)[.. t.Partitions.Select(p => byPartition.TryGetValue((t.Topic, p), out var c)
                ? new OffsetFetchPartition(p, c.Offset, c.Metadata, KafkaError.None)
                : new OffsetFetchPartition(p, -1, string.Empty, version < 2 ? error : KafkaError.None))]))];
        OffsetMessages.WriteOffsetFetch(writer, version, error, answer);
        return true;
    }

    private static bool InvalidGroup(string group) => !ResourceNames.IsValid(group);
}

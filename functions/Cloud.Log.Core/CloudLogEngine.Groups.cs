using Cloud.Log.Core.Groups;
using Cloud.Log.Core.Topics;
using Cloud.Log.Protocol.Errors;

namespace Cloud.Log.Core;

/// <summary>Consumer group offsets and membership.</summary>
public sealed partial class CloudLogEngine
{
    /// <summary>The group membership (tests interleave heartbeats through its seam).</summary>
    internal GroupMembership Membership => _membership;

    /// <summary>
    /// Commits offsets for a group (the next offset it will read). Every entry is checked first: an unknown
    /// topic or partition, or an offset above the high watermark, rejects the whole commit.
    /// </summary>
    public Task CommitOffsetsAsync(string group, IReadOnlyList<OffsetCommit> offsets, CancellationToken cancellationToken = default) =>
        CommitOffsetsAsync(group, offsets, memberId: null, cancellationToken);

    /// <summary>
    /// Commits offsets as <see cref="CommitOffsetsAsync(string, IReadOnlyList{OffsetCommit}, CancellationToken)"/>
    /// does; with <paramref name="memberId"/>, as that member of the group: it must be live
    /// (UNKNOWN_MEMBER_ID) and own every partition it commits, checked atomically with the write
    /// (ILLEGAL_GENERATION), so a member that lost a partition cannot move its offset back.
    /// </summary>
    public Task CommitOffsetsAsync(string group, IReadOnlyList<OffsetCommit> offsets, string? memberId, CancellationToken cancellationToken = default) =>
        GuardAsync(async () =>
        {
            GroupOffsetStore.ValidateName(group);
            ArgumentNullException.ThrowIfNull(offsets);
            if (offsets.Count == 0)
            {
                throw new CloudLogException(ErrorCode.InvalidRequest, "A commit needs at least one offset.");
            }

            var checkedOffsets = new List<(OffsetCommit, string)>();
            foreach (var commit in offsets)
            {
                TopicCatalog.ValidateName(commit.Topic);
                if (commit.Offset < 0)
                {
                    throw new CloudLogException(ErrorCode.InvalidRequest, $"Offset {commit.Offset} is negative.");
                }

                var log = await GetPartitionLogAsync(commit.Topic, commit.Partition, cancellationToken).ConfigureAwait(false);
                var highWatermark = await log.GetHighWatermarkAsync(cancellationToken).ConfigureAwait(false);
                if (commit.Offset > highWatermark)
                {
                    var logStart = await log.GetLogStartOffsetAsync(cancellationToken).ConfigureAwait(false);
                    throw new CloudLogException(ErrorCode.OffsetOutOfRange, $"Offset {commit.Offset} is above the high watermark {highWatermark}.")
                    {
                        LogStartOffset = logStart,
                        HighWatermark = highWatermark,
                    };
                }

                checkedOffsets.Add((commit, log.TopicId));
            }

            var fence = memberId is null
                ? null
                : await _membership.FenceCommitAsync(group, memberId, offsets.Select(o => new TopicPartition(o.Topic, o.Partition)), cancellationToken).ConfigureAwait(false);
            await _groups.CommitAsync(group, checkedOffsets, cancellationToken, fence).ConfigureAwait(false);
            return true;
        });

    /// <summary>A group's committed offsets (of one topic, or all), each with its lag.</summary>
    public Task<IReadOnlyList<CommittedOffset>> GetGroupOffsetsAsync(string group, string? topic = null, CancellationToken cancellationToken = default) =>
        GuardAsync(async () =>
        {
            GroupOffsetStore.ValidateName(group);
            if (topic is not null)
            {
                TopicCatalog.ValidateName(topic);
            }

            var rows = await _groups.ReadAsync(group, cancellationToken).ConfigureAwait(false);
            var result = new List<CommittedOffset>();
            foreach (var row in rows.Where(r => topic is null || r.Topic == topic))
            {
                TopicMetadata metadata;
                try
                {
                    metadata = await _topics.GetAsync(row.Topic, cancellationToken).ConfigureAwait(false);
                }
                catch (CloudLogException e) when (e.Code == ErrorCode.UnknownTopicOrPartition)
                {
                    continue; // the topic was deleted
                }

                if (metadata.TopicId != row.TopicId || row.TopicPartition >= metadata.PartitionCount)
                {
                    continue; // committed against a deleted topic of the same name
                }

                var log = await GetLogAsync(metadata.TopicId, row.TopicPartition, cancellationToken).ConfigureAwait(false);
                var highWatermark = await log.GetHighWatermarkAsync(cancellationToken).ConfigureAwait(false);
                result.Add(new CommittedOffset(row.Topic, row.TopicPartition, row.Offset, row.Metadata, Math.Max(0, highWatermark - row.Offset)));
            }

            return (IReadOnlyList<CommittedOffset>)result.OrderBy(o => o.Topic, StringComparer.Ordinal).ThenBy(o => o.Partition).ToList();
        });

    /// <summary>Every group that has committed offsets, by name.</summary>
    public Task<IReadOnlyList<string>> ListGroupsAsync(CancellationToken cancellationToken = default) =>
        GuardAsync(() => _groups.ListAsync(cancellationToken));

    /// <summary>
    /// A group's live members, what each owns and what the assignment gives it; GROUP_ID_NOT_FOUND when there
    /// is no such group. Its offsets are <see cref="GetGroupOffsetsAsync"/>'s.
    /// </summary>
    public Task<GroupDescription> DescribeGroupAsync(string group, CancellationToken cancellationToken = default) =>
        GuardAsync(async () =>
        {
            GroupOffsetStore.ValidateName(group);
            await _groups.ReadAsync(group, cancellationToken).ConfigureAwait(false);
            return await _membership.DescribeAsync(group, cancellationToken).ConfigureAwait(false);
        });

    /// <summary>Deletes a group and its offsets; GROUP_ID_NOT_FOUND when there is no such group.</summary>
    public Task DeleteGroupAsync(string group, CancellationToken cancellationToken = default) =>
        GuardAsync(async () =>
        {
            GroupOffsetStore.ValidateName(group);
            await _groups.DeleteAsync(group, cancellationToken).ConfigureAwait(false);
            return true;
        });

    /// <summary>
    /// Joins a consumer group as a new member subscribed to <paramref name="topics"/>, whose session lasts
    /// <paramref name="sessionTimeout"/> past each heartbeat. Answers the member's id and what it owns so far;
    /// see <see cref="MemberAssignment"/> for how partitions move between members.
    /// </summary>
    public Task<MemberAssignment> JoinGroupAsync(string group, IReadOnlyList<string> topics, TimeSpan sessionTimeout, CancellationToken cancellationToken = default) =>
        GuardAsync(async () =>
        {
            GroupOffsetStore.ValidateName(group);
            ArgumentNullException.ThrowIfNull(topics);
            if (topics.Count == 0)
            {
                throw new CloudLogException(ErrorCode.InvalidRequest, "A member subscribes to at least one topic.");
            }

            foreach (var topic in topics)
            {
                TopicCatalog.ValidateName(topic);
            }

            return await _membership.JoinAsync(group, topics, sessionTimeout, cancellationToken).ConfigureAwait(false);
        });

    /// <summary>
    /// Keeps a member's session alive, releases the partitions it stopped reading (<paramref name="released"/>),
    /// and answers what it owns now: UNKNOWN_MEMBER_ID once it left or its session ran out.
    /// </summary>
    public Task<MemberAssignment> HeartbeatAsync(string group, string memberId, IReadOnlyList<TopicPartition>? released = null, CancellationToken cancellationToken = default) =>
        GuardAsync(async () =>
        {
            GroupOffsetStore.ValidateName(group);
            ValidateMemberId(memberId);
            return await _membership.HeartbeatAsync(group, memberId, released ?? [], cancellationToken).ConfigureAwait(false);
        });

    /// <summary>Leaves a group: the member's partitions go to the others at their next heartbeat.</summary>
    public Task LeaveGroupAsync(string group, string memberId, CancellationToken cancellationToken = default) =>
        GuardAsync(async () =>
        {
            GroupOffsetStore.ValidateName(group);
            ValidateMemberId(memberId);
            await _membership.LeaveAsync(group, memberId, cancellationToken).ConfigureAwait(false);
            return true;
        });

    private static void ValidateMemberId(string memberId)
    {
        if (string.IsNullOrEmpty(memberId) || memberId.Length > 64 || !memberId.All(char.IsAsciiLetterOrDigit))
        {
            throw new CloudLogException(ErrorCode.UnknownMemberId, $"'{memberId}' is not a member id this service gave out.");
        }
    }

    private async Task<int?> PartitionCountOrNullAsync(string topic, CancellationToken cancellationToken)
    {
        try
        {
            return (await _topics.GetAsync(topic, cancellationToken).ConfigureAwait(false)).PartitionCount;
        }
        catch (CloudLogException e) when (e.Code == ErrorCode.UnknownTopicOrPartition)
        {
            return null; // a subscription may name a topic before it exists
        }
    }
}

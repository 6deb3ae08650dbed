using Cloud.Log.Core.Groups;
using Cloud.Log.Core.Topics;
using Cloud.Log.Protocol.Errors;

namespace Cloud.Log.Core;

/// <summary>Consumer group offsets.</summary>
public sealed partial class CloudLogEngine
{
    /// <summary>
    /// Commits offsets for a group (the next offset it will read). Every entry is checked first: an unknown
    /// topic or partition, or an offset above the high watermark, rejects the whole commit.
    /// </summary>
    public Task CommitOffsetsAsync(string group, IReadOnlyList<OffsetCommit> offsets, CancellationToken cancellationToken = default) =>
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

            await _groups.CommitAsync(group, checkedOffsets, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Deletes a group and its offsets; GROUP_ID_NOT_FOUND when there is no such group.</summary>
    public Task DeleteGroupAsync(string group, CancellationToken cancellationToken = default) =>
        GuardAsync(async () =>
        {
            GroupOffsetStore.ValidateName(group);
            await _groups.DeleteAsync(group, cancellationToken).ConfigureAwait(false);
            return true;
        });
}

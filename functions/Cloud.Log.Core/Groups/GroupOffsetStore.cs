using Azure;
using Azure.Data.Tables;
using Cloud.Log.Core.Metadata;
using Cloud.Log.Protocol.Errors;
using Cloud.Log.Protocol.Naming;

namespace Cloud.Log.Core.Groups;

/// <summary>Consumer group offsets in Table storage: one partition key per group, written in one transaction per commit.</summary>
internal sealed class GroupOffsetStore(MetadataTables tables, TimeProvider time)
{
    public static void ValidateName(string? group)
    {
        if (!ResourceNames.IsValid(group))
        {
            throw new CloudLogException(ErrorCode.InvalidGroup, "Group names are 1 to 249 characters of a-z A-Z 0-9 . _ - and not '.' or '..'.");
        }
    }

    /// <summary>
    /// Stores the offsets. With <paramref name="fence"/> (a member's commit) each partition's offset row is
    /// written in one transaction with an update of its owner row under the ETag the fence was read with:
    /// if any owner changed since, nothing of that transaction is stored and ILLEGAL_GENERATION is thrown.
    /// </summary>
    public async Task CommitAsync(string group, IReadOnlyList<(OffsetCommit Commit, string TopicId)> offsets, CancellationToken cancellationToken, IReadOnlyList<PartitionOwnerEntity>? fence = null)
    {
        if (fence is not null)
        {
            await CommitFencedAsync(group, offsets, fence, cancellationToken).ConfigureAwait(false);
            return;
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var actions = new List<TableTransactionAction>
        {
            new(TableTransactionActionType.UpsertReplace, Marker(group, now)),
        };
        foreach (var (commit, topicId) in offsets)
        {
            actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, OffsetRow(group, commit, topicId, now)));
        }

        // Distinct row keys only: a transaction may not touch one row twice; the last commit of a partition wins.
        var distinct = actions.GroupBy(a => a.Entity.RowKey).Select(g => g.Last()).ToList();
        await MetadataTables.SubmitInChunksAsync(tables.Groups, distinct, cancellationToken).ConfigureAwait(false);
    }

    private async Task CommitFencedAsync(string group, IReadOnlyList<(OffsetCommit Commit, string TopicId)> offsets, IReadOnlyList<PartitionOwnerEntity> fence, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var owners = fence.ToDictionary(o => new TopicPartition(o.Topic, o.TopicPartition));
        var pairs = offsets
            .GroupBy(o => new TopicPartition(o.Commit.Topic, o.Commit.Partition))
            .Select(g => (Partition: g.Key, Last: g.Last()))
            .ToList();

        // Up to 49 partitions (an offset row and its owner row each) per transaction, and the group's marker.
        foreach (var chunk in pairs.Chunk(49))
        {
            var actions = new List<TableTransactionAction>
            {
                new(TableTransactionActionType.UpsertReplace, Marker(group, now)),
            };
            foreach (var (partition, (commit, topicId)) in chunk)
            {
                var owner = owners[partition];
                actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateMerge, owner, owner.ETag));
                actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, OffsetRow(group, commit, topicId, now)));
            }

            try
            {
                await tables.Groups.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
                // Some partition of this transaction changed owner since the fence read it (the first is named).
                throw GroupMembership.NotOwner(group, fence[0].Owner, chunk[0].Partition);
            }
        }
    }

    /// <summary>The group's offset rows, or GROUP_ID_NOT_FOUND when the group was never seen.</summary>
    public async Task<List<GroupOffsetEntity>> ReadAsync(string group, CancellationToken cancellationToken)
    {
        var rows = new List<GroupOffsetEntity>();
        var found = false;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {group}");
        await foreach (var row in tables.Groups.QueryAsync<GroupOffsetEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (row.RowKey == GroupOffsetEntity.MarkerRowKey)
            {
                found = true;
            }
            else if (row.RowKey.StartsWith(GroupOffsetEntity.OffsetRowKeyPrefix, StringComparison.Ordinal))
            {
                rows.Add(row);
            }
        }

        if (!found)
        {
            throw new CloudLogException(ErrorCode.GroupIdNotFound, $"Group '{group}' does not exist.");
        }

        return rows;
    }

    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken)
    {
        var groups = new List<string>();
        var filter = TableClient.CreateQueryFilter($"RowKey eq {GroupOffsetEntity.MarkerRowKey}");
        await foreach (var row in tables.Groups.QueryAsync<GroupOffsetEntity>(filter, select: ["PartitionKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            groups.Add(row.PartitionKey);
        }

        return groups.Order(StringComparer.Ordinal).ToList();
    }

    public async Task DeleteAsync(string group, CancellationToken cancellationToken)
    {
        await ReadAsync(group, cancellationToken).ConfigureAwait(false); // GROUP_ID_NOT_FOUND when there is none
        var actions = new List<TableTransactionAction>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {group} and RowKey ne {GroupOffsetEntity.MarkerRowKey}");
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await foreach (var row in tables.Groups.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey", nameof(GroupMemberEntity.ExpiresAt)], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (row.RowKey.StartsWith(GroupMemberEntity.RowKeyPrefix, StringComparison.Ordinal) && row.GetInt64(nameof(GroupMemberEntity.ExpiresAt)) > now)
            {
                throw new CloudLogException(ErrorCode.NonEmptyGroup, $"Group '{group}' has live members: they leave, or their sessions run out, before it can be deleted.");
            }

            actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, row, ETag.All));
        }

        // The marker goes last, so a delete that fails halfway leaves a group that can be deleted again.
        await MetadataTables.SubmitInChunksAsync(tables.Groups, actions, cancellationToken).ConfigureAwait(false);
        await tables.Groups.DeleteEntityAsync(group, GroupOffsetEntity.MarkerRowKey, ETag.All, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The group's marker row, stamped with the commit's time: it makes the group listable.</summary>
    private static GroupOffsetEntity Marker(string group, long now) =>
        new() { PartitionKey = group, RowKey = GroupOffsetEntity.MarkerRowKey, CommittedAt = now };

    /// <summary>The row that stores one committed offset.</summary>
    private static GroupOffsetEntity OffsetRow(string group, OffsetCommit commit, string topicId, long now) => new()
    {
        PartitionKey = group,
        RowKey = GroupOffsetEntity.RowKeyFor(commit.Topic, commit.Partition),
        Topic = commit.Topic,
        TopicId = topicId,
        TopicPartition = commit.Partition,
        Offset = commit.Offset,
        Metadata = commit.Metadata ?? "",
        CommittedAt = now,
    };
}

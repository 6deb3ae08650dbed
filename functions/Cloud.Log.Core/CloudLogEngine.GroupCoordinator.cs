using Azure;
using Azure.Data.Tables;
using Cloud.Log.Core.Groups;
using Cloud.Log.Core.Metadata;
using Cloud.Log.Protocol.Errors;

namespace Cloud.Log.Core;

/// <summary>
/// A group coordinator's state row (the Kafka listener's classic groups), shared by every instance over the
/// groups table: read it, then write it conditioned on the version read, so instances that cannot call each
/// other agree on one state (the one whose write lands first wins; the others read again and retry).
/// </summary>
public sealed partial class CloudLogEngine
{
    /// <summary>The largest coordinator state a group may store, in bytes.</summary>
    public static int MaxGroupCoordinatorStateBytes => GroupCoordinatorStateRow.MaxBytes;

    /// <summary>A group's coordinator state, or null when it has none.</summary>
    public Task<GroupCoordinatorState?> ReadGroupCoordinatorStateAsync(string group, CancellationToken cancellationToken = default) =>
        GuardAsync(async () =>
        {
            GroupOffsetStore.ValidateName(group);
            var row = await _tables.Groups.GetEntityIfExistsAsync<TableEntity>(group, GroupCoordinatorStateRow.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            return row.HasValue && row.Value is { } entity
                ? new GroupCoordinatorState(group, GroupCoordinatorStateRow.Data(entity), entity.ETag.ToString())
                : null;
        });

    /// <summary>
    /// Writes a group's coordinator state if the row is still at <paramref name="version"/> (null: only if the
    /// group has none yet). False when another writer changed (or created, or deleted) it first: read it again.
    /// </summary>
    public Task<bool> TryWriteGroupCoordinatorStateAsync(string group, ReadOnlyMemory<byte> data, string? version, CancellationToken cancellationToken = default) =>
        GuardAsync(async () =>
        {
            GroupOffsetStore.ValidateName(group);
            if (data.Length > GroupCoordinatorStateRow.MaxBytes)
            {
                throw new CloudLogException(ErrorCode.InvalidRequest, $"Group '{group}''s coordinator state is {data.Length} bytes, above the {GroupCoordinatorStateRow.MaxBytes} a row holds.");
            }

            var entity = GroupCoordinatorStateRow.ToEntity(group, data);
            try
            {
                await (version is null
                    ? _tables.Groups.AddEntityAsync(entity, cancellationToken)
                    : _tables.Groups.UpdateEntityAsync(entity, new ETag(version), TableUpdateMode.Replace, cancellationToken)).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException e) when (e.Status is 404 or 409 or 412)
            {
                return false;
            }
        });

    /// <summary>Deletes a group's coordinator state if it is still at <paramref name="version"/>; false when it changed or is gone.</summary>
    public Task<bool> TryDeleteGroupCoordinatorStateAsync(string group, string version, CancellationToken cancellationToken = default) =>
        GuardAsync(async () =>
        {
            GroupOffsetStore.ValidateName(group);
            try
            {
                await _tables.Groups.DeleteEntityAsync(group, GroupCoordinatorStateRow.RowKey, new ETag(version), cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
                return false;
            }
        });

    /// <summary>Every group's coordinator state, by group name.</summary>
    public Task<IReadOnlyList<GroupCoordinatorState>> ListGroupCoordinatorStatesAsync(CancellationToken cancellationToken = default) =>
        GuardAsync(async () =>
        {
            var states = new List<GroupCoordinatorState>();
            var filter = TableClient.CreateQueryFilter($"RowKey eq {GroupCoordinatorStateRow.RowKey}");
            await foreach (var entity in _tables.Groups.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                states.Add(new GroupCoordinatorState(entity.PartitionKey, GroupCoordinatorStateRow.Data(entity), entity.ETag.ToString()));
            }

            return (IReadOnlyList<GroupCoordinatorState>)[.. states.OrderBy(s => s.Group, StringComparer.Ordinal)];
        });
}

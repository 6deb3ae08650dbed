using Azure;
using Azure.Data.Tables;

namespace Cloud.Log.Core.Metadata;

/// <summary>
/// Reads and writes partitions' state rows. Every change is a write under the ETag of the row as the writer
/// read it, with the segment and producer rows it concerns in the same transaction (one table partition: the
/// topic id), so concurrent changes by several instances — rolls, ISR changes, producer checkpoints, the log
/// start — are ordered, and one made from a stale view does not land.
/// </summary>
internal sealed class PartitionStateStore(TableClient partitions)
{
    /// <summary>A table transaction holds at most 100 rows: the state row and 99 others.</summary>
    private const int RowsPerTransaction = 99;

    /// <summary>
    /// Changes the partition's state row, with <paramref name="rows"/>, under the ETag of <paramref name="current"/>.
    /// Answers the written row, or null when the row changed meanwhile (nothing of the change is written then:
    /// read it again and decide again). More than 99 rows go in several transactions, each with the state row,
    /// and the change itself is applied in the last, so a checkpoint never claims rows that were not written.
    /// </summary>
    public async Task<PartitionStateEntity?> TryWriteStateAsync(PartitionStateEntity current, Action<PartitionStateEntity> change, IReadOnlyList<ITableEntity> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(rows);
        try
        {
            var etag = current.ETag;
            var state = current.Copy();
            if (rows.Count == 0)
            {
                change(state);
                var response = await partitions.UpdateEntityAsync(state, etag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                state.ETag = response.Headers.ETag ?? default;
                return state;
            }

            for (var i = 0; i < rows.Count; i += RowsPerTransaction)
            {
                if (i + RowsPerTransaction >= rows.Count)
                {
                    change(state);
                }

                var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, state, etag) };
                actions.AddRange(rows.Skip(i).Take(RowsPerTransaction).Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r)));
                var responses = await partitions.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                etag = responses.Value[0].Headers.ETag ?? default;
            }

            state.ETag = etag;
            return state;
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            return null;
        }
    }

    /// <summary>The state row of a partition, or null when it does not exist.</summary>
    public async Task<PartitionStateEntity?> GetStateAsync(string topicId, int partition, CancellationToken cancellationToken)
    {
        var row = await partitions.GetEntityIfExistsAsync<PartitionStateEntity>(topicId, PartitionStateEntity.RowKeyFor(partition), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value : null;
    }

    /// <summary>Every partition's state row of a topic, for describe and for the background jobs.</summary>
    public async Task<IReadOnlyList<PartitionStateEntity>> GetStatesAsync(string topicId, CancellationToken cancellationToken)
    {
        var result = new List<PartitionStateEntity>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {topicId} and Kind eq {PartitionStateEntity.StateKind}");
        await foreach (var row in partitions.QueryAsync<PartitionStateEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            result.Add(row);
        }

        return result;
    }
}

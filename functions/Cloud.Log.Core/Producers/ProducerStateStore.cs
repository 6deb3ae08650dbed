using Azure.Data.Tables;
using Cloud.Log.Core.Metadata;

namespace Cloud.Log.Core.Producers;

/// <summary>Reads persisted producer state: one point read per producer a leader meets for the first time.</summary>
internal sealed class ProducerStateStore(TableClient partitions)
{
    public async Task<ProducerStateEntry?> GetAsync(string topicId, int partition, long producerId, CancellationToken cancellationToken)
    {
        var row = await partitions.GetEntityIfExistsAsync<ProducerEntity>(topicId, ProducerEntity.RowKeyFor(partition, producerId), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value!.ToEntry(producerId) : null;
    }
}

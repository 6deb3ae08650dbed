using System.Globalization;
using System.Text;
using Cloud.Log.Core.Producers;

namespace Cloud.Log.Core.Metadata;

/// <summary>
/// One idempotent producer's state in one partition, kept beside the partition's state row (partition
/// key = topic id, row key <c>{partition:D5}|p|{producerId:D19}</c>), so the leader writes it in the same
/// transaction as that row: a deposed leader, whose ETag is stale, cannot write it. The state row's
/// <see cref="PartitionStateEntity.ProducerCheckpoint"/> says up to which offset these rows are complete.
/// </summary>
internal sealed class ProducerEntity : TableEntityBase
{
    public const string ProducerKind = "producer";

    public string Kind { get; set; } = ProducerKind;

    public int ProducerEpoch { get; set; }

    /// <summary>The remembered batches, oldest first: <c>baseSequence:lastSequence:baseOffset:timestamp</c> joined by <c>;</c>.</summary>
    public string Batches { get; set; } = "";

    public long LastAppendTime { get; set; }

    public static string RowKeyFor(int partition, long producerId) =>
        string.Create(CultureInfo.InvariantCulture, $"{partition:D5}|p|{producerId:D19}");

    public static ProducerEntity From(string topicId, int partition, ProducerStateEntry entry)
    {
        var batches = new StringBuilder();
        foreach (var b in entry.Batches)
        {
            batches.Append(batches.Length == 0 ? "" : ";")
                .Append(CultureInfo.InvariantCulture, $"{b.BaseSequence}:{b.LastSequence}:{b.BaseOffset}:{b.Timestamp}");
        }

        return new ProducerEntity
        {
            PartitionKey = topicId,
            RowKey = RowKeyFor(partition, entry.ProducerId),
            ProducerEpoch = entry.Epoch,
            Batches = batches.ToString(),
            LastAppendTime = entry.LastAppendTime,
        };
    }

    public ProducerStateEntry ToEntry(long producerId)
    {
        var batches = Batches.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(b => b.Split(':'))
            .Select(p => new ProducerBatchMetadata(
                int.Parse(p[0], CultureInfo.InvariantCulture),
                int.Parse(p[1], CultureInfo.InvariantCulture),
                long.Parse(p[2], CultureInfo.InvariantCulture),
                long.Parse(p[3], CultureInfo.InvariantCulture)))
            .ToList();
        return new ProducerStateEntry(producerId, (short)ProducerEpoch, batches, LastAppendTime);
    }
}

namespace Cloud.Log.Core.Producers;

/// <summary>
/// What a partition knows of one idempotent producer: its epoch and its newest batches (Kafka keeps five,
/// one per request a producer may have in flight). Immutable: applying a batch makes a new entry.
/// </summary>
/// <param name="ProducerId">The producer's id.</param>
/// <param name="Epoch">Its newest epoch seen in this partition.</param>
/// <param name="Batches">Its newest batches under that epoch, oldest first, at most <see cref="MaxBatches"/>.</param>
/// <param name="LastAppendTime">When its newest batch was appended (ms), for expiry.</param>
internal sealed record ProducerStateEntry(long ProducerId, short Epoch, IReadOnlyList<ProducerBatchMetadata> Batches, long LastAppendTime)
{
    /// <summary>How many batches per producer are remembered: Kafka's limit of requests in flight per connection.</summary>
    public const int MaxBatches = 5;

    /// <summary>The offset of the producer's newest batch: which of two views of it is newer.</summary>
    public long LastOffset => Batches.Count == 0 ? -1 : Batches[^1].BaseOffset;

    /// <summary>This entry with <paramref name="batch"/> appended under <paramref name="epoch"/>.</summary>
    public ProducerStateEntry With(short epoch, ProducerBatchMetadata batch, long appendTime)
    {
        var kept = epoch == Epoch ? Batches.Skip(Math.Max(0, Batches.Count - (MaxBatches - 1))) : [];
        return new ProducerStateEntry(ProducerId, epoch, [.. kept, batch], appendTime);
    }
}

namespace Cloud.Log.Protocol.Batches;

/// <summary>
/// The idempotent-producer fields of a record batch, as in Kafka: who produced it, under which producer
/// epoch, and the sequence number of its first record in this partition. The leader stores a batch only
/// when its sequence continues the producer's last one, so a retried batch is stored once.
/// </summary>
/// <param name="ProducerId">The producer's id, 0 or more.</param>
/// <param name="ProducerEpoch">The producer's epoch, 0 or more; a higher epoch fences the older ones.</param>
/// <param name="BaseSequence">The sequence number of the batch's first record in its partition, 0 or more.</param>
public readonly record struct ProducerBatchIdentity(long ProducerId, short ProducerEpoch, int BaseSequence)
{
    /// <summary>The sequence number of the batch's last record: sequences wrap from <see cref="int.MaxValue"/> to 0, as Kafka's do.</summary>
    public int LastSequence(int recordCount) => IncrementSequence(BaseSequence, recordCount - 1);

    /// <summary><paramref name="sequence"/> advanced by <paramref name="increment"/>, wrapping past <see cref="int.MaxValue"/> to 0.</summary>
    public static int IncrementSequence(int sequence, int increment) =>
        (int)(((long)sequence + increment) % ((long)int.MaxValue + 1));
}

namespace Cloud.Log.Client.Producer;

/// <summary>
/// Records of one partition sent as one record batch. Encoded once, at its first send, with the producer
/// id and sequence of that moment; every retry sends the same bytes, which is what lets the service
/// recognise a retry as the batch it already stored.
/// </summary>
internal sealed class ProducerBatch(PartitionQueue queue, List<PendingRecord> records)
{
    public PartitionQueue Queue { get; } = queue;

    public TopicPartition TopicPartition => Queue.TopicPartition;

    public List<PendingRecord> Records { get; } = records;

    public byte[]? Bytes { get; set; }

    /// <summary>The producer id it was encoded with; -1 without idempotence.</summary>
    public long ProducerId { get; set; } = -1;

    public int BaseSequence { get; set; }

    public int Attempts { get; set; }

    /// <summary>When the producer stops trying (<see cref="Environment.TickCount64"/>): its oldest record's delivery timeout.</summary>
    public long Deadline { get; init; }
}

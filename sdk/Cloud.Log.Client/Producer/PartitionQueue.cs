namespace Cloud.Log.Client.Producer;

/// <summary>
/// One partition's records waiting to be batched, and its idempotence state. At most one batch of a
/// partition is in flight at a time, so retries never reorder a partition's records.
/// </summary>
internal sealed class PartitionQueue(TopicPartition topicPartition)
{
    public TopicPartition TopicPartition { get; } = topicPartition;

    public Queue<PendingRecord> Records { get; } = new();

    /// <summary>The estimated bytes of <see cref="Records"/>.</summary>
    public long Bytes { get; set; }

    /// <summary>Whether a batch of this partition is being sent (or retried).</summary>
    public bool InFlight { get; set; }

    /// <summary>The sequence number the next batch starts at, under the current producer id.</summary>
    public int NextSequence { get; set; }
}

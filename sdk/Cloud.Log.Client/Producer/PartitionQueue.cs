namespace Cloud.Log.Client.Producer;

/// <summary>
/// One partition's records waiting to be batched, and its idempotence state. A partition has at most one
/// request in flight at a time (its batches in order within it), so retries never reorder its records.
/// </summary>
internal sealed class PartitionQueue(TopicPartition topicPartition)
{
    public TopicPartition TopicPartition { get; } = topicPartition;

    public Queue<PendingRecord> Records { get; } = new();

    /// <summary>The estimated bytes of <see cref="Records"/>.</summary>
    public long Bytes { get; set; }

    /// <summary>How many of this partition's batches are being sent (or retried): none, or those of one request.</summary>
    public int InFlight { get; set; }

    /// <summary>The sequence number the next batch starts at, under the current producer id.</summary>
    public int NextSequence { get; set; }
}

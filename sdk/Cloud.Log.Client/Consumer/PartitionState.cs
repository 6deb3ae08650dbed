namespace Cloud.Log.Client.Consumer;

/// <summary>
/// The consumer's state of one partition it reads. Every field is guarded by the consumer's lock. A seek or
/// a revocation bumps <see cref="Epoch"/>: prefetched records of an older epoch are dropped, never returned.
/// </summary>
internal sealed class PartitionState(TopicPartition topicPartition, Offset start)
{
    public TopicPartition TopicPartition { get; } = topicPartition;

    /// <summary>The next offset to hand to the application; a logical offset until the fetcher resolves it.</summary>
    public Offset Position { get; set; } = start;

    /// <summary>The next offset to fetch.</summary>
    public Offset FetchPosition { get; set; } = start;

    /// <summary>The position as of the application's latest consume call: what it finished with, and what auto-commit commits.</summary>
    public Offset Consumed { get; set; } = Offset.Unset;

    /// <summary>The offset last committed, so an unchanged position is not committed again.</summary>
    public Offset Committed { get; set; } = Offset.Unset;

    public int Epoch { get; set; }

    /// <summary>Records fetched and not yet handed out.</summary>
    public int Buffered { get; set; }

    public long HighWatermark { get; set; } = -1;

    /// <summary>Failed fetches of the partition in a row: its backoff grows with them.</summary>
    public int Failures { get; set; }

    /// <summary>When the partition may be fetched again after a failure (<see cref="Environment.TickCount64"/>); 0: now.</summary>
    public long RetryAt { get; set; }

    public bool Removed { get; set; }
}

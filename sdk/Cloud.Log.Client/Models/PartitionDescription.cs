namespace Cloud.Log.Client;

/// <summary>One partition of a topic: its replicas, leader and offsets.</summary>
public class PartitionDescription
{
    /// <summary>For mocking: see <see cref="CloudLogModelFactory.PartitionDescription"/>.</summary>
    protected PartitionDescription()
    {
        Replicas = [];
        InSyncReplicas = [];
    }

    internal PartitionDescription(int partition, int leader, int leaderEpoch, IReadOnlyList<int> replicas, IReadOnlyList<int> inSyncReplicas, long logStartOffset, long highWatermark, long? sizeBytes = null, int? segmentCount = null)
    {
        SizeBytes = sizeBytes;
        SegmentCount = segmentCount;
        Partition = partition;
        Leader = leader;
        LeaderEpoch = leaderEpoch;
        Replicas = replicas;
        InSyncReplicas = inSyncReplicas;
        LogStartOffset = logStartOffset;
        HighWatermark = highWatermark;
    }

    /// <summary>The partition number.</summary>
    public virtual int Partition { get; }

    /// <summary>The storage location that holds the leader copy.</summary>
    public virtual int Leader { get; }

    /// <summary>Grows each time leadership moves.</summary>
    public virtual int LeaderEpoch { get; }

    /// <summary>The storage locations that hold a copy.</summary>
    public virtual IReadOnlyList<int> Replicas { get; }

    /// <summary>The replicas that hold every acknowledged record (the ISR).</summary>
    public virtual IReadOnlyList<int> InSyncReplicas { get; }

    /// <summary>The first offset still in the log.</summary>
    public virtual long LogStartOffset { get; }

    /// <summary>The offset after the last record a consumer can read.</summary>
    public virtual long HighWatermark { get; }

    /// <summary>
    /// The bytes of the log (one copy: every in-sync replica holds the same), as a topic's description reports
    /// them; null where the service did not say (its leader copy did not answer).
    /// </summary>
    public virtual long? SizeBytes { get; }

    /// <summary>How many segments the log has, the active one included (none before the first write); null where not reported.</summary>
    public virtual int? SegmentCount { get; }
}

namespace Cloud.Log.Core.Topics;

/// <summary>One partition of a described topic, as it is now.</summary>
/// <param name="Partition">The partition number.</param>
/// <param name="Leader">The location index of the leader replica.</param>
/// <param name="LeaderEpoch">The current leader epoch (grows with each new lease holder).</param>
/// <param name="Replicas">The location indexes of its replicas.</param>
/// <param name="Isr">The in-sync replicas.</param>
/// <param name="LogStartOffset">The first offset still in the log.</param>
/// <param name="HighWatermark">The offset after the last record a consumer can read.</param>
/// <param name="SizeBytes">
/// The bytes of the log (one copy: every in-sync copy holds the same), closed segments at their committed size
/// and the active one at its leader copy's length; null unless asked for (it costs two storage requests).
/// </param>
/// <param name="SegmentCount">How many segments the log has, the active one included; null unless asked for.</param>
public sealed record PartitionDescription(
    int Partition,
    int Leader,
    int LeaderEpoch,
    IReadOnlyList<int> Replicas,
    IReadOnlyList<int> Isr,
    long LogStartOffset,
    long HighWatermark,
    long? SizeBytes = null,
    int? SegmentCount = null);

namespace Cloud.Log.Core.Topics;

/// <summary>One partition of a described topic, as it is now.</summary>
/// <param name="Partition">The partition number.</param>
/// <param name="Leader">The location index of the leader replica.</param>
/// <param name="LeaderEpoch">The current leader epoch (grows with each new lease holder).</param>
/// <param name="Replicas">The location indexes of its replicas.</param>
/// <param name="Isr">The in-sync replicas.</param>
/// <param name="LogStartOffset">The first offset still in the log.</param>
/// <param name="HighWatermark">The offset after the last record a consumer can read.</param>
public sealed record PartitionDescription(
    int Partition,
    int Leader,
    int LeaderEpoch,
    IReadOnlyList<int> Replicas,
    IReadOnlyList<int> Isr,
    long LogStartOffset,
    long HighWatermark);

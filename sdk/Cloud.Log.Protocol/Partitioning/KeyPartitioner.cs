namespace Cloud.Log.Protocol.Partitioning;

/// <summary>
/// Chooses the partition of a keyed record as Kafka's Java producer does:
/// <c>toPositive(murmur2(keyBytes)) % partitions</c>.
/// </summary>
public static class KeyPartitioner
{
    /// <summary>The partition of a record with key <paramref name="key"/> in a topic of <paramref name="partitionCount"/> partitions.</summary>
    public static int PartitionFor(ReadOnlySpan<byte> key, int partitionCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitionCount, 1);
        return Murmur2.ToPositive(Murmur2.Hash(key)) % partitionCount;
    }
}

using Cloud.Log.Core.Metadata;

namespace Cloud.Log.Core.Tests.Metadata;

public class PartitionStateEntityTests
{
    /// <summary>The partition row keeps its string encodings to itself: replica lists and the partition number round-trip through its typed members.</summary>
    [Fact]
    public void Replica_lists_and_partition_round_trip_through_the_row()
    {
        var state = new PartitionStateEntity { PartitionKey = "topic-id", RowKey = PartitionStateEntity.RowKeyFor(42), ReplicaList = [2, 0, 1], IsrList = [2, 1] };

        Assert.Equal((42, "00042"), (state.Partition, state.RowKey));
        Assert.Equal([2, 0, 1], state.ReplicaList);
        Assert.Equal([2, 1], state.IsrList);
        Assert.Equal(("2,0,1", "2,1"), (state.Replicas, state.Isr));
    }
}

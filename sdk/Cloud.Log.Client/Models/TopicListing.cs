namespace Cloud.Log.Client;

/// <summary>A topic as a listing names it.</summary>
public class TopicListing
{
    /// <summary>For mocking: see <see cref="CloudLogModelFactory.TopicListing"/>.</summary>
    protected TopicListing()
    {
        Name = "";
    }

    internal TopicListing(string name, int partitionCount, int replicationFactor)
    {
        Name = name;
        PartitionCount = partitionCount;
        ReplicationFactor = replicationFactor;
    }

    /// <summary>The topic's name.</summary>
    public virtual string Name { get; }

    /// <summary>How many partitions it has.</summary>
    public virtual int PartitionCount { get; }

    /// <summary>How many copies each partition keeps.</summary>
    public virtual int ReplicationFactor { get; }
}

namespace Cloud.Log.Client;

/// <summary>A group's committed offset in one partition, with its lag.</summary>
public class CommittedOffset
{
    /// <summary>For mocking: see <see cref="CloudLogModelFactory.CommittedOffset"/>.</summary>
    protected CommittedOffset()
    {
        Topic = "";
        Metadata = "";
    }

    internal CommittedOffset(string topic, int partition, long offset, string metadata, long lag)
    {
        Topic = topic;
        Partition = partition;
        Offset = offset;
        Metadata = metadata;
        Lag = lag;
    }

    /// <summary>The topic.</summary>
    public virtual string Topic { get; }

    /// <summary>The partition.</summary>
    public virtual int Partition { get; }

    /// <summary>The next offset the group will read (Kafka's convention).</summary>
    public virtual Offset Offset { get; }

    /// <summary>What the committer stored with it.</summary>
    public virtual string Metadata { get; }

    /// <summary>How far behind the high watermark the group is.</summary>
    public virtual long Lag { get; }
}

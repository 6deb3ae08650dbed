namespace Cloud.Log.Client;

/// <summary>A record read from a partition (Kafka's <c>ConsumeResult</c>).</summary>
public class ConsumeResult
{
    /// <summary>For mocking: see <see cref="CloudLogModelFactory.ConsumeResult"/>.</summary>
    protected ConsumeResult()
    {
        Topic = "";
        Headers = [];
    }

    internal ConsumeResult(string topic, int partition, long offset, DateTimeOffset timestamp, CloudLogTimestampType timestampType, BinaryData? key, BinaryData? value, IReadOnlyList<CloudLogHeader> headers)
    {
        Topic = topic;
        Partition = partition;
        Offset = offset;
        Timestamp = timestamp;
        TimestampType = timestampType;
        Key = key;
        Value = value;
        Headers = headers;
    }

    /// <summary>The topic.</summary>
    public virtual string Topic { get; }

    /// <summary>The partition.</summary>
    public virtual int Partition { get; }

    /// <summary>The record's offset.</summary>
    public virtual Offset Offset { get; }

    /// <summary>The record's timestamp.</summary>
    public virtual DateTimeOffset Timestamp { get; }

    /// <summary>Whether the timestamp is the producer's or the append time.</summary>
    public virtual CloudLogTimestampType TimestampType { get; }

    /// <summary>The key, or null.</summary>
    public virtual BinaryData? Key { get; }

    /// <summary>The value, or null for a tombstone.</summary>
    public virtual BinaryData? Value { get; }

    /// <summary>The headers, in order.</summary>
    public virtual IReadOnlyList<CloudLogHeader> Headers { get; }

    /// <summary>The partition and offset.</summary>
    public TopicPartitionOffset TopicPartitionOffset => new(Topic, Partition, Offset);
}

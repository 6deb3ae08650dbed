namespace Cloud.Log.Client;

/// <summary>Where a produced record was stored (Kafka's <c>DeliveryResult</c>).</summary>
public class DeliveryResult
{
    /// <summary>For mocking: see <see cref="CloudLogModelFactory.DeliveryResult"/>.</summary>
    protected DeliveryResult()
    {
        Topic = "";
    }

    internal DeliveryResult(string topic, int partition, Offset offset, DateTimeOffset timestamp, PersistenceStatus status)
    {
        Topic = topic;
        Partition = partition;
        Offset = offset;
        Timestamp = timestamp;
        Status = status;
    }

    /// <summary>The topic.</summary>
    public virtual string Topic { get; }

    /// <summary>The partition it went to.</summary>
    public virtual int Partition { get; }

    /// <summary>
    /// Its offset; <see cref="Offset.Unset"/> when not known: with <c>acks=0</c>, or for a retry the service
    /// recognised as a duplicate of a batch too old to remember its offsets.
    /// </summary>
    public virtual Offset Offset { get; }

    /// <summary>Its timestamp as stored: the producer's, or the append time on a LogAppendTime topic.</summary>
    public virtual DateTimeOffset Timestamp { get; }

    /// <summary>Whether it is stored.</summary>
    public virtual PersistenceStatus Status { get; }

    /// <summary>The partition and offset.</summary>
    public TopicPartitionOffset TopicPartitionOffset => new(Topic, Partition, Offset);
}

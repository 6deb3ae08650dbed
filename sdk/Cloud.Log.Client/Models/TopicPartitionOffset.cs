namespace Cloud.Log.Client;

/// <summary>A position in one partition of one topic.</summary>
/// <param name="Topic">The topic's name.</param>
/// <param name="Partition">The partition number.</param>
/// <param name="Offset">The offset, or a logical offset such as <see cref="Offset.Beginning"/>.</param>
public readonly record struct TopicPartitionOffset(string Topic, int Partition, Offset Offset)
{
    /// <summary>A position in <paramref name="topicPartition"/>.</summary>
    public TopicPartitionOffset(TopicPartition topicPartition, Offset offset)
        : this(topicPartition.Topic, topicPartition.Partition, offset)
    {
    }

    /// <summary>The partition.</summary>
    public TopicPartition TopicPartition => new(Topic, Partition);

    /// <inheritdoc />
    public override string ToString() => $"{Topic} [{Partition}] @{Offset}";
}

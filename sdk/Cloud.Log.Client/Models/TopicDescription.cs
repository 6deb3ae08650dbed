namespace Cloud.Log.Client;

/// <summary>A topic as it is now: its id, every effective config and its partitions.</summary>
public class TopicDescription
{
    /// <summary>For mocking: see <see cref="CloudLogModelFactory.TopicDescription"/>.</summary>
    protected TopicDescription()
    {
        Name = "";
        TopicId = "";
        Configs = new Dictionary<string, string>();
        Partitions = [];
    }

    internal TopicDescription(string name, string topicId, int replicationFactor, IReadOnlyDictionary<string, string> configs, IReadOnlyList<PartitionDescription> partitions)
    {
        Name = name;
        TopicId = topicId;
        ReplicationFactor = replicationFactor;
        Configs = configs;
        Partitions = partitions;
    }

    /// <summary>The topic's name.</summary>
    public virtual string Name { get; }

    /// <summary>The id of this incarnation of the name (a topic deleted and created again gets a new one).</summary>
    public virtual string TopicId { get; }

    /// <summary>How many copies each partition keeps.</summary>
    public virtual int ReplicationFactor { get; }

    /// <summary>Every config with its effective value (Kafka's names: <c>retention.ms</c>, <c>cleanup.policy</c>, …).</summary>
    public virtual IReadOnlyDictionary<string, string> Configs { get; }

    /// <summary>The partitions, by number.</summary>
    public virtual IReadOnlyList<PartitionDescription> Partitions { get; }
}

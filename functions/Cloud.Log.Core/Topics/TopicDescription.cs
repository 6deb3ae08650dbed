namespace Cloud.Log.Core.Topics;

/// <summary>A topic described in full: id, effective configs and every partition's state.</summary>
/// <param name="Name">The topic's name.</param>
/// <param name="TopicId">The id that names its data; a re-created topic gets a new one.</param>
/// <param name="ReplicationFactor">Replicas per partition.</param>
/// <param name="Configs">Every config with its effective value.</param>
/// <param name="Partitions">The partitions, by number.</param>
public sealed record TopicDescription(
    string Name,
    string TopicId,
    int ReplicationFactor,
    IReadOnlyDictionary<string, string> Configs,
    IReadOnlyList<PartitionDescription> Partitions);

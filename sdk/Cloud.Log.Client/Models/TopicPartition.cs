namespace Cloud.Log.Client;

/// <summary>One partition of one topic.</summary>
/// <param name="Topic">The topic's name.</param>
/// <param name="Partition">The partition number, from 0.</param>
public readonly record struct TopicPartition(string Topic, int Partition)
{
    /// <inheritdoc />
    public override string ToString() => $"{Topic} [{Partition}]";
}

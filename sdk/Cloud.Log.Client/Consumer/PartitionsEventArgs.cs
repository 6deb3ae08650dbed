namespace Cloud.Log.Client;

/// <summary>The partitions a rebalance gave the consumer, or took from it.</summary>
public class PartitionsEventArgs : EventArgs
{
    /// <summary>The partitions.</summary>
    /// <param name="partitions">The partitions.</param>
    /// <param name="cancellationToken">Signalled when the consumer closes.</param>
    public PartitionsEventArgs(IReadOnlyList<TopicPartition> partitions, CancellationToken cancellationToken)
    {
        Partitions = partitions;
        CancellationToken = cancellationToken;
    }

    /// <summary>The partitions.</summary>
    public IReadOnlyList<TopicPartition> Partitions { get; }

    /// <summary>Signalled when the consumer closes.</summary>
    public CancellationToken CancellationToken { get; }
}

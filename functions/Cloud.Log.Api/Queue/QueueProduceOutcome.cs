namespace Cloud.Log.Api.Queue;

/// <summary>What became of a produce-queue message.</summary>
public enum QueueProduceOutcome
{
    /// <summary>Its records are stored (now, or by an earlier delivery of the same message): delete it.</summary>
    Stored,

    /// <summary>It can never succeed (unknown topic, invalid record): it was copied to the poison queue; delete it.</summary>
    Poisoned,
}

namespace Cloud.Log.Protocol;

/// <summary>
/// When a produce is acknowledged (Kafka's <c>acks</c>), with Kafka's numbers: <c>0</c>, <c>1</c> and
/// <c>-1</c> (<c>all</c>). The client, the contract and the engine share this one definition.
/// </summary>
public enum Acks
{
    /// <summary><c>acks=0</c>: once the request was checked, before it is stored; offsets are not known (answered as -1).</summary>
    None = 0,

    /// <summary><c>acks=1</c>: once the partition's leader copy holds the batch.</summary>
    Leader = 1,

    /// <summary><c>acks=all</c> (<c>-1</c>, Kafka's default): once every in-sync replica holds the batch.</summary>
    All = -1,
}

namespace Cloud.Log.Core;

/// <summary>When a produce answers (Kafka's <c>acks</c>).</summary>
public enum Acks
{
    /// <summary><c>acks=0</c>: once the request is checked and queued; offsets are answered as -1.</summary>
    None,

    /// <summary><c>acks=1</c>: once the leader replica holds the batch.</summary>
    Leader,

    /// <summary><c>acks=all</c> (the default): once every in-sync replica holds the batch.</summary>
    All,
}

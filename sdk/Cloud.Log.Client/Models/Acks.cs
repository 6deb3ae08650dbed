namespace Cloud.Log.Client;

/// <summary>When the service acknowledges a produce (Kafka's <c>acks</c>).</summary>
public enum Acks
{
    /// <summary>Once the request was checked, before it is stored (<c>acks=0</c>): offsets are not known.</summary>
    None = 0,

    /// <summary>Once the partition's leader copy holds it (<c>acks=1</c>).</summary>
    Leader = 1,

    /// <summary>Once every in-sync replica holds it (<c>acks=all</c>, Kafka's default).</summary>
    All = -1,
}

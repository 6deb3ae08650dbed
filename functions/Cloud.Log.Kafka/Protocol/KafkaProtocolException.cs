namespace Cloud.Log.Kafka.Protocol;

/// <summary>
/// A request that does not follow Kafka's encoding (truncated, a negative length where none is allowed, a
/// count larger than the bytes left). The listener closes the connection, as a Kafka broker does.
/// </summary>
public sealed class KafkaProtocolException : Exception
{
    /// <summary>A protocol error with a message.</summary>
    public KafkaProtocolException(string message)
        : base(message)
    {
    }

    /// <summary>A protocol error with a message and its cause.</summary>
    public KafkaProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>A protocol error without detail.</summary>
    public KafkaProtocolException()
        : base("The request does not follow Kafka's encoding.")
    {
    }
}

using Cloud.Log.Protocol.Errors;

namespace Cloud.Log.Core;

/// <summary>
/// The engine's one error type: it carries the contract's <see cref="ErrorCode"/>, a detail for the
/// problem body, and whether sending the same request again can help.
/// </summary>
public sealed class CloudLogException : Exception
{
    /// <summary>Creates the error for <paramref name="code"/> with a human-readable detail.</summary>
    public CloudLogException(ErrorCode code, string detail, Exception? innerException = null)
        : base(detail, innerException)
    {
        Code = code;
    }

    /// <summary>Creates an error with no code-specific detail (for serializers and tests).</summary>
    public CloudLogException()
        : this(ErrorCode.InvalidRequest, "Invalid request.")
    {
    }

    /// <summary>Creates an INVALID_REQUEST error with a detail.</summary>
    public CloudLogException(string message)
        : this(ErrorCode.InvalidRequest, message)
    {
    }

    /// <summary>Creates an INVALID_REQUEST error with a detail and cause.</summary>
    public CloudLogException(string message, Exception innerException)
        : this(ErrorCode.InvalidRequest, message, innerException)
    {
    }

    /// <summary>The contract's error code.</summary>
    public ErrorCode Code { get; }

    /// <summary>Whether the same request may succeed later; see <see cref="RetryAfter"/>.</summary>
    public bool IsRetriable => Code.IsRetriable();

    /// <summary>How long to wait before a retry, where the error is retriable.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>The partition's log start offset, for OFFSET_OUT_OF_RANGE.</summary>
    public long? LogStartOffset { get; init; }

    /// <summary>The partition's high watermark, for OFFSET_OUT_OF_RANGE.</summary>
    public long? HighWatermark { get; init; }

    internal static CloudLogException UnknownTopic(string topic) =>
        new(ErrorCode.UnknownTopicOrPartition, $"Topic '{topic}' does not exist.");

    internal static CloudLogException UnknownPartition(string topic, int partition) =>
        new(ErrorCode.UnknownTopicOrPartition, $"Topic '{topic}' has no partition {partition}.");
}

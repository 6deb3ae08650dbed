using System.Globalization;
using Azure;
using Cloud.Log.Client.Pipeline;

namespace Cloud.Log.Client;

/// <summary>
/// The one exception of Cloud.Log's clients: a failed request, with the contract's error
/// <see cref="Code"/> and whether sending it again can help (<see cref="IsTransient"/>). The clients
/// already retried transient failures (with backoff, honouring <c>Retry-After</c>) before throwing one.
/// </summary>
public class CloudLogException : RequestFailedException
{
    /// <summary>A failure the client itself found, or one to build in tests.</summary>
    /// <param name="code">The error code.</param>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause, if any.</param>
    public CloudLogException(CloudLogErrorCode code, string message, Exception? innerException = null)
        : base(0, message, code.ToString(), innerException)
    {
        Code = code;
    }

    /// <summary>A failure the service reported inside an answer (one batch of a produce), with the status it gives it.</summary>
    internal CloudLogException(int status, CloudLogErrorCode code, string message, Exception? innerException = null)
        : base(status, message, code.ToString(), innerException)
    {
        Code = code;
    }

    /// <summary>The failure a service answer describes (a problem body).</summary>
    /// <param name="response">The failed response.</param>
    public CloudLogException(Response response)
        : this(response, ProblemDetails.Read(response))
    {
    }

    private CloudLogException(Response response, ProblemDetails problem)
        : base(response, null, problem.Parser)
    {
        Code = problem.Code;
        LogStartOffset = problem.LogStartOffset;
        HighWatermark = problem.HighWatermark;
        RetryAfter = response.Headers.TryGetValue("Retry-After", out var retryAfter)
            && int.TryParse(retryAfter, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                ? TimeSpan.FromSeconds(seconds)
                : null;
    }

    /// <summary>The contract's error code; <see cref="CloudLogErrorCode.ServiceUnreachable"/> when no answer came.</summary>
    public CloudLogErrorCode Code { get; }

    /// <summary>
    /// Whether the same request may succeed later: the service was throttled or a storage location did not
    /// answer, or the service itself could not be reached. A caller error (4xx) is never transient.
    /// </summary>
    public bool IsTransient =>
        Code == CloudLogErrorCode.Throttled || Code == CloudLogErrorCode.NotEnoughReplicas || Code == CloudLogErrorCode.StorageUnavailable
        || Code == CloudLogErrorCode.ServiceUnreachable || Status is 408 or 500 or 502 or 504;

    /// <summary>How long the service asked the caller to wait before sending again, if it did.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>With <see cref="CloudLogErrorCode.OffsetOutOfRange"/>: the partition's first offset.</summary>
    public long? LogStartOffset { get; init; }

    /// <summary>With <see cref="CloudLogErrorCode.OffsetOutOfRange"/>: the partition's high watermark.</summary>
    public long? HighWatermark { get; init; }

    /// <summary>With a failed produce: the record's topic and partition, and whether it may be stored anyway.</summary>
    public DeliveryResult? DeliveryResult { get; init; }
}

using Azure;
using Cloud.Log.Protocol.Errors;

namespace Cloud.Log.Core.Storage;

/// <summary>Turns storage failures into the contract's errors, and names the conditions the engine expects.</summary>
internal static class StorageErrors
{
    public const string AppendPositionConditionNotMet = "AppendPositionConditionNotMet";
    public const string BlobIsSealed = "BlobIsSealed";

    public static bool IsAppendPositionMismatch(RequestFailedException e) =>
        e.Status == 412 && e.ErrorCode == AppendPositionConditionNotMet;

    public static bool IsSealed(RequestFailedException e) => e.Status == 409 && e.ErrorCode == BlobIsSealed;

    /// <summary>
    /// A storage failure that reached the caller after the SDK's own retries: throttling becomes THROTTLED
    /// (429) and everything else STORAGE_UNAVAILABLE (503), both with a retry hint.
    /// </summary>
    public static CloudLogException ToCloudLog(RequestFailedException e)
    {
        var throttled = e.Status == 429 || (e.Status == 503 && e.ErrorCode == "ServerBusy");
        return throttled
            ? new CloudLogException(ErrorCode.Throttled, "Storage asked to slow down.", e) { RetryAfter = TimeSpan.FromSeconds(1) }
            : new CloudLogException(ErrorCode.StorageUnavailable, $"Storage failed: {e.Status} {e.ErrorCode}.", e) { RetryAfter = TimeSpan.FromSeconds(2) };
    }
}

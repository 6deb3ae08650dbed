using Azure;
using Cloud.Log.Core.Storage;
using Cloud.Log.Protocol.Errors;

namespace Cloud.Log.Core.Tests.Storage;

public class StorageErrorsTests
{
    /// <summary>Storage asking to slow down (429, or 503 ServerBusy) is THROTTLED with a retry hint; other failures are STORAGE_UNAVAILABLE with one.</summary>
    [Theory]
    [InlineData(429, null, ErrorCode.Throttled)]
    [InlineData(503, "ServerBusy", ErrorCode.Throttled)]
    [InlineData(503, "ServiceUnavailable", ErrorCode.StorageUnavailable)]
    [InlineData(500, "InternalError", ErrorCode.StorageUnavailable)]
    [InlineData(0, null, ErrorCode.StorageUnavailable)]
    public void Storage_failures_become_retriable_contract_errors(int status, string? code, ErrorCode expected)
    {
        var error = StorageErrors.ToCloudLog(new RequestFailedException(status, "failed", code, null));
        Assert.Equal(expected, error.Code);
        Assert.True(error.IsRetriable);
        Assert.True(error.RetryAfter > TimeSpan.Zero);
    }
}

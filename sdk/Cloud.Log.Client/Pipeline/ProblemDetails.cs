using System.Text.Json;
using Azure;
using Azure.Core;

namespace Cloud.Log.Client.Pipeline;

/// <summary>What a problem body (RFC 9457, the contract's error answer) says.</summary>
internal sealed class ProblemDetails
{
    private ProblemDetails(CloudLogErrorCode code, string detail, long? logStartOffset, long? highWatermark)
    {
        Code = code;
        Detail = detail;
        LogStartOffset = logStartOffset;
        HighWatermark = highWatermark;
        Parser = new DetailsParser(this);
    }

    public CloudLogErrorCode Code { get; }

    public string Detail { get; }

    public long? LogStartOffset { get; }

    public long? HighWatermark { get; }

    public RequestFailedDetailsParser Parser { get; }

    /// <summary>Reads the problem of a failed response; an answer that is not one (a gateway's page) still gets a code.</summary>
    public static ProblemDetails Read(Response response)
    {
        try
        {
            using var document = JsonDocument.Parse(response.Content.ToMemory());
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String)
            {
                return new ProblemDetails(
                    code.GetString()!,
                    root.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String ? detail.GetString()! : response.ReasonPhrase,
                    Int64(root, "logStartOffset"),
                    Int64(root, "highWatermark"));
            }
        }
        catch (JsonException)
        {
            // Not JSON: fall through.
        }

        var fallback = response.Status switch
        {
            401 => CloudLogErrorCode.Unauthorized,
            403 => CloudLogErrorCode.Forbidden,
            404 => CloudLogErrorCode.UnknownTopicOrPartition,
            413 => CloudLogErrorCode.RequestTooLarge,
            429 => CloudLogErrorCode.Throttled,
            503 => CloudLogErrorCode.StorageUnavailable,
            >= 500 => CloudLogErrorCode.ServiceUnreachable,
            _ => CloudLogErrorCode.InvalidRequest,
        };
        return new ProblemDetails(fallback, $"{response.Status} {response.ReasonPhrase}", null, null);
    }

    private static long? Int64(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.TryGetInt64(out var number) ? number : null;

    private sealed class DetailsParser(ProblemDetails problem) : RequestFailedDetailsParser
    {
        public override bool TryParse(Response response, out ResponseError? error, out IDictionary<string, string>? data)
        {
            error = new ResponseError(problem.Code.ToString(), problem.Detail);
            data = null;
            return true;
        }
    }
}

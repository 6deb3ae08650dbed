using System.Globalization;
using System.Text.Json;
using Cloud.Log.Core;
using Cloud.Log.Protocol.Errors;
using Microsoft.AspNetCore.Http;

namespace Cloud.Log.Api.Http;

/// <summary>
/// An error answer: <c>application/problem+json</c> (RFC 9457) with <c>type</c>, <c>title</c>,
/// <c>status</c>, <c>detail</c>, the contract's <c>code</c>, the offsets of OFFSET_OUT_OF_RANGE, and
/// <c>Retry-After</c> where a retry can help.
/// </summary>
public sealed class ApiProblem : IResult
{
    /// <summary>The media type of every error body.</summary>
    public const string ContentType = "application/problem+json";

    private ApiProblem(int status, string code, string title, string detail)
    {
        Status = status;
        Code = code;
        Title = title;
        Detail = detail;
    }

    /// <summary>The HTTP status.</summary>
    public int Status { get; }

    /// <summary>The contract's error code, e.g. <c>UNKNOWN_TOPIC_OR_PARTITION</c>.</summary>
    public string Code { get; }

    /// <summary>A short, fixed summary of the code.</summary>
    public string Title { get; }

    /// <summary>What exactly went wrong with this request.</summary>
    public string Detail { get; }

    /// <summary>How long to wait before retrying, where a retry can help.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>The partition's log start, for OFFSET_OUT_OF_RANGE.</summary>
    public long? LogStartOffset { get; init; }

    /// <summary>The partition's high watermark, for OFFSET_OUT_OF_RANGE.</summary>
    public long? HighWatermark { get; init; }

    /// <summary>The problem for one of the contract's error codes.</summary>
    public static ApiProblem For(ErrorCode code, string detail) =>
        new(code.ToHttpStatus(), code.ToWireName(), TitleOf(code), detail)
        {
            RetryAfter = code.IsRetriable() ? TimeSpan.FromSeconds(1) : null,
        };

    /// <summary>The problem for an engine error, with its retry hint and offsets.</summary>
    public static ApiProblem For(CloudLogException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new ApiProblem(error.Code.ToHttpStatus(), error.Code.ToWireName(), TitleOf(error.Code), error.Message)
        {
            RetryAfter = error.IsRetriable ? error.RetryAfter ?? TimeSpan.FromSeconds(1) : null,
            LogStartOffset = error.LogStartOffset,
            HighWatermark = error.HighWatermark,
        };
    }

    /// <summary>No endpoint at this path: 404 <c>NOT_FOUND</c> (not a Kafka code; the route itself is unknown).</summary>
    public static ApiProblem NotFound(string path) =>
        new(404, "NOT_FOUND", "No such endpoint", $"There is no endpoint at '{path}'; see /api/openapi.json.");

    /// <summary>The path exists but not with this method: 405 <c>METHOD_NOT_ALLOWED</c>.</summary>
    public static ApiProblem MethodNotAllowed(string method, string path) =>
        new(405, "METHOD_NOT_ALLOWED", "Method not allowed", $"'{path}' does not take {method}; see /api/openapi.json.");

    /// <summary>A fault of the service itself, never of the input: 500 <c>INTERNAL_ERROR</c>, logged with its trace id.</summary>
    public static ApiProblem Internal(string traceId) =>
        new(500, "INTERNAL_ERROR", "Internal error", $"The service failed; trace id {traceId}.") { RetryAfter = TimeSpan.FromSeconds(1) };

    /// <inheritdoc />
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.StatusCode = Status;
        response.ContentType = ContentType;
        if (RetryAfter is { } retry)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        var writer = new Utf8JsonWriter(response.Body, JsonResponse.WriterOptions);
        await using (writer.ConfigureAwait(false))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "urn:cloudlog:error:" + Code);
            writer.WriteString("title", Title);
            writer.WriteNumber("status", Status);
            writer.WriteString("detail", Detail);
            writer.WriteString("code", Code);
            if (LogStartOffset is { } logStart)
            {
                writer.WriteNumber("logStartOffset", logStart);
            }

            if (HighWatermark is { } highWatermark)
            {
                writer.WriteNumber("highWatermark", highWatermark);
            }

            writer.WriteEndObject();
            await writer.FlushAsync(httpContext.RequestAborted).ConfigureAwait(false);
        }
    }

    private static string TitleOf(ErrorCode code) => code switch
    {
        ErrorCode.InvalidTopic => "Invalid topic name",
        ErrorCode.InvalidGroup => "Invalid group name",
        ErrorCode.InvalidPartitions => "Invalid partition count",
        ErrorCode.InvalidReplicationFactor => "Invalid replication factor",
        ErrorCode.InvalidConfig => "Invalid topic config",
        ErrorCode.InvalidRecord => "Invalid record",
        ErrorCode.InvalidRequest => "Invalid request",
        ErrorCode.Unauthorized => "Credentials missing",
        ErrorCode.Forbidden => "Not allowed",
        ErrorCode.UnknownTopicOrPartition => "Unknown topic or partition",
        ErrorCode.GroupIdNotFound => "Unknown group",
        ErrorCode.UnknownMemberId => "Unknown group member",
        ErrorCode.NonEmptyGroup => "Group has live members",
        ErrorCode.IllegalGeneration => "Partition not owned by this member",
        ErrorCode.TopicAlreadyExists => "Topic already exists",
        ErrorCode.RecordTooLarge => "Record batch too large",
        ErrorCode.RequestTooLarge => "Request too large",
        ErrorCode.OffsetOutOfRange => "Offset out of range",
        ErrorCode.Throttled => "Throttled by storage",
        ErrorCode.NotEnoughReplicas => "Not enough in-sync replicas",
        ErrorCode.StorageUnavailable => "Storage unavailable",
        ErrorCode.OutOfOrderSequenceNumber => "Out of order sequence number",
        ErrorCode.InvalidProducerEpoch => "Producer fenced",
        ErrorCode.DuplicateSequenceNumber => "Duplicate sequence number",
        ErrorCode.CorruptMessage => "Corrupt record batch",
        _ => code.ToWireName(),
    };
}

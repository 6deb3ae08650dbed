using Microsoft.Extensions.Logging;

namespace Cloud.Log.Api.Http;

/// <summary>The API's log events, with topic, partition and offset as structured fields.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Produced {RecordCount} records to {Topic}/{Partition} from offset {Offset}")]
    public static partial void Produced(ILogger logger, int recordCount, string topic, int partition, long offset);

    [LoggerMessage(2, LogLevel.Information, "Created topic {Topic} with {Partitions} partitions, replication factor {ReplicationFactor}")]
    public static partial void TopicCreated(ILogger logger, string topic, int partitions, int replicationFactor);

    [LoggerMessage(3, LogLevel.Information, "Deleted topic {Topic}")]
    public static partial void TopicDeleted(ILogger logger, string topic);

    [LoggerMessage(4, LogLevel.Warning, "{Method} {Path} failed with {Code}")]
    public static partial void StorageFailed(ILogger logger, string method, string path, string code, Exception exception);

    [LoggerMessage(5, LogLevel.Error, "{Method} {Path} failed unexpectedly (trace {TraceId})")]
    public static partial void Unexpected(ILogger logger, string method, string path, string traceId, Exception exception);

    [LoggerMessage(6, LogLevel.Information, "Group {Group} committed {Topic}/{Partition} at offset {Offset}")]
    public static partial void Committed(ILogger logger, string group, string topic, int partition, long offset);

    [LoggerMessage(7, LogLevel.Information, "Member {MemberId} joined group {Group} (generation {Generation})")]
    public static partial void Joined(ILogger logger, string memberId, string group, long generation);

    [LoggerMessage(8, LogLevel.Information, "Member {MemberId} left group {Group}")]
    public static partial void Left(ILogger logger, string memberId, string group);
}

namespace Cloud.Log.Protocol.Errors;

/// <summary>The wire name, HTTP status and retriability of each <see cref="ErrorCode"/>.</summary>
public static class ErrorCodeExtensions
{
    /// <summary>The contract's name of the code, e.g. <c>UNKNOWN_TOPIC_OR_PARTITION</c>.</summary>
    public static string ToWireName(this ErrorCode code) => code switch
    {
        ErrorCode.InvalidTopic => "INVALID_TOPIC",
        ErrorCode.InvalidGroup => "INVALID_GROUP",
        ErrorCode.InvalidPartitions => "INVALID_PARTITIONS",
        ErrorCode.InvalidReplicationFactor => "INVALID_REPLICATION_FACTOR",
        ErrorCode.InvalidConfig => "INVALID_CONFIG",
        ErrorCode.InvalidRecord => "INVALID_RECORD",
        ErrorCode.InvalidRequest => "INVALID_REQUEST",
        ErrorCode.Unauthorized => "UNAUTHORIZED",
        ErrorCode.Forbidden => "FORBIDDEN",
        ErrorCode.UnknownTopicOrPartition => "UNKNOWN_TOPIC_OR_PARTITION",
        ErrorCode.GroupIdNotFound => "GROUP_ID_NOT_FOUND",
        ErrorCode.UnknownMemberId => "UNKNOWN_MEMBER_ID",
        ErrorCode.TopicAlreadyExists => "TOPIC_ALREADY_EXISTS",
        ErrorCode.NonEmptyGroup => "NON_EMPTY_GROUP",
        ErrorCode.RecordTooLarge => "RECORD_TOO_LARGE",
        ErrorCode.RequestTooLarge => "REQUEST_TOO_LARGE",
        ErrorCode.OffsetOutOfRange => "OFFSET_OUT_OF_RANGE",
        ErrorCode.Throttled => "THROTTLED",
        ErrorCode.NotEnoughReplicas => "NOT_ENOUGH_REPLICAS",
        ErrorCode.StorageUnavailable => "STORAGE_UNAVAILABLE",
        ErrorCode.OutOfOrderSequenceNumber => "OUT_OF_ORDER_SEQUENCE_NUMBER",
        ErrorCode.InvalidProducerEpoch => "INVALID_PRODUCER_EPOCH",
        ErrorCode.DuplicateSequenceNumber => "DUPLICATE_SEQUENCE_NUMBER",
        ErrorCode.CorruptMessage => "CORRUPT_MESSAGE",
        ErrorCode.IllegalGeneration => "ILLEGAL_GENERATION",
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, null),
    };

    /// <summary>The HTTP status the contract gives the code.</summary>
    public static int ToHttpStatus(this ErrorCode code) => code switch
    {
        ErrorCode.InvalidTopic or ErrorCode.InvalidGroup or ErrorCode.InvalidPartitions
            or ErrorCode.InvalidReplicationFactor or ErrorCode.InvalidConfig or ErrorCode.InvalidRecord
            or ErrorCode.InvalidRequest => 400,
        ErrorCode.Unauthorized => 401,
        ErrorCode.Forbidden => 403,
        ErrorCode.UnknownTopicOrPartition or ErrorCode.GroupIdNotFound or ErrorCode.UnknownMemberId => 404,
        ErrorCode.TopicAlreadyExists or ErrorCode.NonEmptyGroup or ErrorCode.OutOfOrderSequenceNumber or ErrorCode.InvalidProducerEpoch
            or ErrorCode.DuplicateSequenceNumber or ErrorCode.IllegalGeneration => 409,
        ErrorCode.RecordTooLarge or ErrorCode.RequestTooLarge => 413,
        ErrorCode.OffsetOutOfRange => 416,
        ErrorCode.Throttled => 429,
        ErrorCode.CorruptMessage => 502,
        ErrorCode.NotEnoughReplicas or ErrorCode.StorageUnavailable => 503,
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, null),
    };

    /// <summary>Whether the same request may succeed if sent again later.</summary>
    public static bool IsRetriable(this ErrorCode code) =>
        code is ErrorCode.Throttled or ErrorCode.NotEnoughReplicas or ErrorCode.StorageUnavailable;
}

using Cloud.Log.Protocol.Errors;

namespace Cloud.Log.Protocol.Tests.Errors;

public class ErrorCodeTests
{
    /// <summary>Each code maps to the contract's name and status, one to one.</summary>
    [Theory]
    [InlineData(ErrorCode.InvalidTopic, "INVALID_TOPIC", 400)]
    [InlineData(ErrorCode.InvalidGroup, "INVALID_GROUP", 400)]
    [InlineData(ErrorCode.InvalidPartitions, "INVALID_PARTITIONS", 400)]
    [InlineData(ErrorCode.InvalidReplicationFactor, "INVALID_REPLICATION_FACTOR", 400)]
    [InlineData(ErrorCode.InvalidConfig, "INVALID_CONFIG", 400)]
    [InlineData(ErrorCode.InvalidRecord, "INVALID_RECORD", 400)]
    [InlineData(ErrorCode.InvalidRequest, "INVALID_REQUEST", 400)]
    [InlineData(ErrorCode.Unauthorized, "UNAUTHORIZED", 401)]
    [InlineData(ErrorCode.Forbidden, "FORBIDDEN", 403)]
    [InlineData(ErrorCode.UnknownTopicOrPartition, "UNKNOWN_TOPIC_OR_PARTITION", 404)]
    [InlineData(ErrorCode.GroupIdNotFound, "GROUP_ID_NOT_FOUND", 404)]
    [InlineData(ErrorCode.UnknownMemberId, "UNKNOWN_MEMBER_ID", 404)]
    [InlineData(ErrorCode.IllegalGeneration, "ILLEGAL_GENERATION", 409)]
    [InlineData(ErrorCode.NonEmptyGroup, "NON_EMPTY_GROUP", 409)]
    [InlineData(ErrorCode.TopicAlreadyExists, "TOPIC_ALREADY_EXISTS", 409)]
    [InlineData(ErrorCode.RecordTooLarge, "RECORD_TOO_LARGE", 413)]
    [InlineData(ErrorCode.RequestTooLarge, "REQUEST_TOO_LARGE", 413)]
    [InlineData(ErrorCode.OffsetOutOfRange, "OFFSET_OUT_OF_RANGE", 416)]
    [InlineData(ErrorCode.Throttled, "THROTTLED", 429)]
    [InlineData(ErrorCode.NotEnoughReplicas, "NOT_ENOUGH_REPLICAS", 503)]
    [InlineData(ErrorCode.StorageUnavailable, "STORAGE_UNAVAILABLE", 503)]
    [InlineData(ErrorCode.OutOfOrderSequenceNumber, "OUT_OF_ORDER_SEQUENCE_NUMBER", 409)]
    [InlineData(ErrorCode.InvalidProducerEpoch, "INVALID_PRODUCER_EPOCH", 409)]
    [InlineData(ErrorCode.DuplicateSequenceNumber, "DUPLICATE_SEQUENCE_NUMBER", 409)]
    [InlineData(ErrorCode.CorruptMessage, "CORRUPT_MESSAGE", 502)]
    public void Code_maps_to_contract_name_and_status(ErrorCode code, string name, int status)
    {
        Assert.Equal(name, code.ToWireName());
        Assert.Equal(status, code.ToHttpStatus());
    }

    [Fact]
    public void Every_code_has_a_mapping_and_names_are_distinct()
    {
        var names = Enum.GetValues<ErrorCode>().Select(c => c.ToWireName()).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    [Fact]
    public void Only_throttling_and_unavailability_are_retriable()
    {
        var retriable = Enum.GetValues<ErrorCode>().Where(c => c.IsRetriable()).ToHashSet();
        Assert.Equal(new HashSet<ErrorCode> { ErrorCode.Throttled, ErrorCode.NotEnoughReplicas, ErrorCode.StorageUnavailable }, retriable);
    }
}

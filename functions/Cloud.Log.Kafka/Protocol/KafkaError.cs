using Cloud.Log.Core;
using Cloud.Log.Protocol.Errors;

namespace Cloud.Log.Kafka.Protocol;

/// <summary>Kafka's error codes that the listener answers (the protocol guide's "Error Codes"), and the engine's mapped to them.</summary>
internal static class KafkaError
{
    public const short None = 0;
    public const short UnknownServerError = -1;
    public const short OffsetOutOfRange = 1;
    public const short CorruptMessage = 2;
    public const short UnknownTopicOrPartition = 3;
    public const short InvalidFetchSize = 4;
    public const short NotLeaderOrFollower = 6;
    public const short RequestTimedOut = 7;
    public const short MessageTooLarge = 10;
    public const short CoordinatorNotAvailable = 15;
    public const short NotCoordinator = 16;
    public const short InvalidTopic = 17;
    public const short RecordListTooLarge = 18;
    public const short NotEnoughReplicas = 19;
    public const short IllegalGeneration = 22;
    public const short InconsistentGroupProtocol = 23;
    public const short InvalidGroupId = 24;
    public const short UnknownMemberId = 25;
    public const short InvalidSessionTimeout = 26;
    public const short RebalanceInProgress = 27;
    public const short TopicAuthorizationFailed = 29;
    public const short GroupAuthorizationFailed = 30;
    public const short ClusterAuthorizationFailed = 31;
    public const short UnsupportedSaslMechanism = 33;
    public const short IllegalSaslState = 34;
    public const short UnsupportedVersion = 35;
    public const short TopicAlreadyExists = 36;
    public const short InvalidPartitions = 37;
    public const short InvalidReplicationFactor = 38;
    public const short InvalidConfig = 40;
    public const short InvalidRequest = 42;
    public const short UnsupportedForMessageFormat = 43;
    public const short OutOfOrderSequenceNumber = 45;
    public const short DuplicateSequenceNumber = 46;
    public const short InvalidProducerEpoch = 47;
    public const short TransactionalIdAuthorizationFailed = 53;
    public const short KafkaStorageError = 56;
    public const short SaslAuthenticationFailed = 58;
    public const short NonEmptyGroup = 68;
    public const short GroupIdNotFound = 69;
    public const short MemberIdRequired = 79;
    public const short InvalidRecord = 87;
    public const short ThrottlingQuotaExceeded = 89;

    /// <summary>The Kafka error for an engine error.</summary>
    public static short From(ErrorCode code) => code switch
    {
        ErrorCode.InvalidTopic => InvalidTopic,
        ErrorCode.InvalidGroup => InvalidGroupId,
        ErrorCode.InvalidPartitions => InvalidPartitions,
        ErrorCode.InvalidReplicationFactor => InvalidReplicationFactor,
        ErrorCode.InvalidConfig => InvalidConfig,
        ErrorCode.InvalidRecord => InvalidRecord,
        ErrorCode.InvalidRequest => InvalidRequest,
        ErrorCode.Unauthorized or ErrorCode.Forbidden => TopicAuthorizationFailed,
        ErrorCode.UnknownTopicOrPartition => UnknownTopicOrPartition,
        ErrorCode.GroupIdNotFound => GroupIdNotFound,
        ErrorCode.UnknownMemberId => UnknownMemberId,
        ErrorCode.TopicAlreadyExists => TopicAlreadyExists,
        ErrorCode.NonEmptyGroup => NonEmptyGroup,
        ErrorCode.RecordTooLarge => MessageTooLarge,
        ErrorCode.RequestTooLarge => RecordListTooLarge,
        ErrorCode.OffsetOutOfRange => OffsetOutOfRange,
        ErrorCode.Throttled => ThrottlingQuotaExceeded,
        ErrorCode.NotEnoughReplicas => NotEnoughReplicas,
        ErrorCode.StorageUnavailable => KafkaStorageError,
        ErrorCode.OutOfOrderSequenceNumber => OutOfOrderSequenceNumber,
        ErrorCode.InvalidProducerEpoch => InvalidProducerEpoch,
        ErrorCode.DuplicateSequenceNumber => DuplicateSequenceNumber,
        ErrorCode.CorruptMessage => CorruptMessage,
        _ => UnknownServerError,
    };

    /// <summary>The Kafka error for an exception of a handler: engine errors mapped, storage outages retriable, anything else unknown.</summary>
    public static short From(Exception exception) => exception switch
    {
        CloudLogException e => From(e.Code),
        Azure.RequestFailedException => KafkaStorageError,
        _ => UnknownServerError,
    };
}

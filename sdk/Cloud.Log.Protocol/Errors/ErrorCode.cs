namespace Cloud.Log.Protocol.Errors;

/// <summary>
/// The contract's error codes (Kafka's names). Each maps to exactly one HTTP status; see
/// <see cref="ErrorCodeExtensions"/>.
/// </summary>
public enum ErrorCode
{
    /// <summary>A topic name breaks the naming rule. 400.</summary>
    InvalidTopic,
    /// <summary>A group name breaks the naming rule. 400.</summary>
    InvalidGroup,
    /// <summary>A partition count outside 1 to 10,000, or not above the current count. 400.</summary>
    InvalidPartitions,
    /// <summary>A replication factor outside 1 to the number of replica locations. 400.</summary>
    InvalidReplicationFactor,
    /// <summary>An unknown config key or a bad value. 400.</summary>
    InvalidConfig,
    /// <summary>A record that cannot be stored as given. 400.</summary>
    InvalidRecord,
    /// <summary>A malformed request. 400.</summary>
    InvalidRequest,
    /// <summary>Credentials missing. 401.</summary>
    Unauthorized,
    /// <summary>Credentials without the right. 403.</summary>
    Forbidden,
    /// <summary>No such topic, or no such partition of it. 404.</summary>
    UnknownTopicOrPartition,
    /// <summary>A group never seen. 404.</summary>
    GroupIdNotFound,
    /// <summary>A group member that left, or whose session ran out: it must join again. 404.</summary>
    UnknownMemberId,
    /// <summary>Create of an existing topic name. 409.</summary>
    TopicAlreadyExists,
    /// <summary>Delete of a group that still has live members. 409.</summary>
    NonEmptyGroup,
    /// <summary>A record batch over the topic's <c>max.message.bytes</c>. 413.</summary>
    RecordTooLarge,
    /// <summary>A request over the service's size limit. 413.</summary>
    RequestTooLarge,
    /// <summary>An offset below the log start or above the high watermark. 416.</summary>
    OffsetOutOfRange,
    /// <summary>Storage asked to slow down. 429, retriable.</summary>
    Throttled,
    /// <summary>Fewer in-sync replicas than <c>min.insync.replicas</c>. 503, retriable.</summary>
    NotEnoughReplicas,
    /// <summary>A storage location does not answer, or the partition's leadership is busy. 503, retriable.</summary>
    StorageUnavailable,
    /// <summary>
    /// An idempotent producer's batch whose sequence does not continue its last one in the partition:
    /// a batch in between was lost, so storing this one would reorder the producer's records. 409.
    /// </summary>
    OutOfOrderSequenceNumber,
    /// <summary>An idempotent producer's epoch below the partition's newest for that producer id: it was fenced. 409.</summary>
    InvalidProducerEpoch,
    /// <summary>
    /// A batch the partition already holds, older than the few whose offsets it remembers: stored once,
    /// but its offsets cannot be given again. 409; a producer treats it as delivered.
    /// </summary>
    DuplicateSequenceNumber,
    /// <summary>
    /// Stored bytes failed their CRC-32C or framing check: the log is damaged at that position, and the
    /// bytes are never served. 502 (the store answered with bad data), not retriable.
    /// </summary>
    CorruptMessage,

    /// <summary>
    /// An offset commit made as a group member for a partition the member no longer owns (it released it, or
    /// its session ran out and another member took it over): Kafka's fencing of a stale member's commits. 409.
    /// </summary>
    IllegalGeneration,
}

using System.ComponentModel;

namespace Cloud.Log.Client;

/// <summary>
/// The service's error codes (Kafka's names), as the REST contract spells them. An extensible enumeration, as
/// the Azure SDK's are: a code this client does not know yet still compares and prints.
/// </summary>
public readonly struct CloudLogErrorCode : IEquatable<CloudLogErrorCode>
{
    private readonly string? _value;

    /// <summary>A code by its wire name.</summary>
    /// <param name="value">The wire name, e.g. <c>OFFSET_OUT_OF_RANGE</c>.</param>
    public CloudLogErrorCode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _value = value;
    }

    /// <summary>A topic name breaks the naming rule. 400.</summary>
    public static CloudLogErrorCode InvalidTopic { get; } = new("INVALID_TOPIC");

    /// <summary>A group name breaks the naming rule. 400.</summary>
    public static CloudLogErrorCode InvalidGroup { get; } = new("INVALID_GROUP");

    /// <summary>A bad partition count. 400.</summary>
    public static CloudLogErrorCode InvalidPartitions { get; } = new("INVALID_PARTITIONS");

    /// <summary>A bad replication factor. 400.</summary>
    public static CloudLogErrorCode InvalidReplicationFactor { get; } = new("INVALID_REPLICATION_FACTOR");

    /// <summary>An unknown config or a bad value. 400.</summary>
    public static CloudLogErrorCode InvalidConfig { get; } = new("INVALID_CONFIG");

    /// <summary>A record that cannot be stored as given. 400.</summary>
    public static CloudLogErrorCode InvalidRecord { get; } = new("INVALID_RECORD");

    /// <summary>A malformed request. 400.</summary>
    public static CloudLogErrorCode InvalidRequest { get; } = new("INVALID_REQUEST");

    /// <summary>Credentials missing or unknown. 401.</summary>
    public static CloudLogErrorCode Unauthorized { get; } = new("UNAUTHORIZED");

    /// <summary>Credentials without the right. 403.</summary>
    public static CloudLogErrorCode Forbidden { get; } = new("FORBIDDEN");

    /// <summary>No such topic or partition. 404.</summary>
    public static CloudLogErrorCode UnknownTopicOrPartition { get; } = new("UNKNOWN_TOPIC_OR_PARTITION");

    /// <summary>No such group. 404.</summary>
    public static CloudLogErrorCode GroupIdNotFound { get; } = new("GROUP_ID_NOT_FOUND");

    /// <summary>A group member that left or whose session ran out. 404.</summary>
    public static CloudLogErrorCode UnknownMemberId { get; } = new("UNKNOWN_MEMBER_ID");

    /// <summary>A topic of that name exists. 409.</summary>
    public static CloudLogErrorCode TopicAlreadyExists { get; } = new("TOPIC_ALREADY_EXISTS");

    /// <summary>A group with live members cannot be deleted. 409.</summary>
    public static CloudLogErrorCode NonEmptyGroup { get; } = new("NON_EMPTY_GROUP");

    /// <summary>An idempotent producer's batch does not continue its sequence. 409.</summary>
    public static CloudLogErrorCode OutOfOrderSequenceNumber { get; } = new("OUT_OF_ORDER_SEQUENCE_NUMBER");

    /// <summary>An idempotent producer was fenced by a newer epoch. 409.</summary>
    public static CloudLogErrorCode InvalidProducerEpoch { get; } = new("INVALID_PRODUCER_EPOCH");

    /// <summary>A batch stored before, too old for its offsets to be known. 409.</summary>
    public static CloudLogErrorCode DuplicateSequenceNumber { get; } = new("DUPLICATE_SEQUENCE_NUMBER");

    /// <summary>A batch over the topic's <c>max.message.bytes</c>. 413.</summary>
    public static CloudLogErrorCode RecordTooLarge { get; } = new("RECORD_TOO_LARGE");

    /// <summary>A request over the service's size limit. 413.</summary>
    public static CloudLogErrorCode RequestTooLarge { get; } = new("REQUEST_TOO_LARGE");

    /// <summary>An offset outside the log. 416.</summary>
    public static CloudLogErrorCode OffsetOutOfRange { get; } = new("OFFSET_OUT_OF_RANGE");

    /// <summary>Storage asked to slow down. 429, retriable.</summary>
    public static CloudLogErrorCode Throttled { get; } = new("THROTTLED");

    /// <summary>Stored bytes failed their check. 502.</summary>
    public static CloudLogErrorCode CorruptMessage { get; } = new("CORRUPT_MESSAGE");

    /// <summary>Fewer in-sync replicas than <c>min.insync.replicas</c>. 503, retriable.</summary>
    public static CloudLogErrorCode NotEnoughReplicas { get; } = new("NOT_ENOUGH_REPLICAS");

    /// <summary>Storage does not answer. 503, retriable.</summary>
    public static CloudLogErrorCode StorageUnavailable { get; } = new("STORAGE_UNAVAILABLE");

    /// <summary>
    /// No answer from the service at all (a network failure, a timeout), or an answer that is not the
    /// contract's: a code of this client, never sent by the service.
    /// </summary>
    public static CloudLogErrorCode ServiceUnreachable { get; } = new("SERVICE_UNREACHABLE");

    /// <summary>Equal codes.</summary>
    public static bool operator ==(CloudLogErrorCode left, CloudLogErrorCode right) => left.Equals(right);

    /// <summary>Different codes.</summary>
    public static bool operator !=(CloudLogErrorCode left, CloudLogErrorCode right) => !left.Equals(right);

    /// <summary>The code of a wire name.</summary>
    public static implicit operator CloudLogErrorCode(string value) => new(value);

    /// <summary>The code of a wire name.</summary>
    public static CloudLogErrorCode FromString(string value) => new(value);

    /// <inheritdoc />
    [EditorBrowsable(EditorBrowsableState.Never)]
    public override bool Equals(object? obj) => obj is CloudLogErrorCode other && Equals(other);

    /// <inheritdoc />
    public bool Equals(CloudLogErrorCode other) => string.Equals(_value, other._value, StringComparison.Ordinal);

    /// <inheritdoc />
    [EditorBrowsable(EditorBrowsableState.Never)]
    public override int GetHashCode() => _value?.GetHashCode(StringComparison.Ordinal) ?? 0;

    /// <inheritdoc />
    public override string ToString() => _value ?? "";
}

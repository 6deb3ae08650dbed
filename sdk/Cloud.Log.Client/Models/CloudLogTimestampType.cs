namespace Cloud.Log.Client;

/// <summary>What a record's timestamp means: a topic's <c>message.timestamp.type</c>.</summary>
public enum CloudLogTimestampType
{
    /// <summary>The producer's time.</summary>
    CreateTime = 0,

    /// <summary>The time the service appended the record.</summary>
    LogAppendTime = 1,
}

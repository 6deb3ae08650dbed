namespace Cloud.Log.Protocol.Batches;

/// <summary>What a batch's timestamps mean (Kafka's <c>message.timestamp.type</c>).</summary>
public enum TimestampType
{
    /// <summary>Each record carries the time its producer gave it.</summary>
    CreateTime = 0,

    /// <summary>The service stamped every record of the batch with the time it appended it.</summary>
    LogAppendTime = 1,
}

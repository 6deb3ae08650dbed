namespace Cloud.Log.Client;

/// <summary>
/// A record to produce (Kafka's <c>Message</c>): an optional key, which chooses the partition and what a
/// compacted topic keeps; a value, null for a tombstone; headers; and a timestamp, the time of the produce call
/// when not set.
/// </summary>
public class CloudLogMessage
{
    /// <summary>An empty message; set what it carries.</summary>
    public CloudLogMessage()
    {
    }

    /// <summary>A message with a key and a value.</summary>
    /// <param name="key">The key, or null for a keyless record.</param>
    /// <param name="value">The value, or null for a tombstone.</param>
    public CloudLogMessage(BinaryData? key, BinaryData? value)
    {
        Key = key;
        Value = value;
    }

    /// <summary>The key, or null. Records with the same key go to the same partition.</summary>
    public BinaryData? Key { get; set; }

    /// <summary>The value, or null for a tombstone.</summary>
    public BinaryData? Value { get; set; }

    /// <summary>The headers, in order.</summary>
    public IList<CloudLogHeader> Headers { get; } = new List<CloudLogHeader>();

    /// <summary>The record's time (CreateTime); null takes the time of the produce call.</summary>
    public DateTimeOffset? Timestamp { get; set; }
}

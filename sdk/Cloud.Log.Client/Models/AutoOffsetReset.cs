namespace Cloud.Log.Client;

/// <summary>Where a consumer starts in a partition its group has no committed offset for (Kafka's <c>auto.offset.reset</c>).</summary>
public enum AutoOffsetReset
{
    /// <summary>At the high watermark: only records produced from now on (Kafka's default).</summary>
    Latest = 0,

    /// <summary>At the log start: every record still in the log.</summary>
    Earliest = 1,

    /// <summary>Nowhere: the consumer throws, so the application decides.</summary>
    Error = 2,
}

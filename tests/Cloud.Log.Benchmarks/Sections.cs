namespace Cloud.Log.Benchmarks;

/// <summary>The report's sections, in the order they run.</summary>
internal static class Sections
{
    public const string RawAppend = "1. raw AppendBlock";
    public const string RawRead = "1. raw range read";
    public const string EngineProduce = "2. engine produce";
    public const string PartitionScaling = "2. engine produce by partitions";
    public const string HttpProduce = "3. HTTP produce";
    public const string Fetch = "4. fetch";
    public const string Latency = "4. end-to-end latency";
    public const string Queues = "5. Storage Queues";
    public const string ScaleOut = "6. scale-out";
    public const string ColdStart = "7. cold start";
    public const string KafkaProduce = "8. Kafka produce";
    public const string KafkaFetch = "8. Kafka fetch";
    public const string KafkaCompression = "8. Kafka compression";
    public const string Cost = "9. cost";
}

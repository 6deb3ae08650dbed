using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Cloud.Log.Client.Diagnostics;

/// <summary>The clients' trace source and instruments; names in <see cref="CloudLogClientDiagnostics"/>.</summary>
internal static class ClientDiagnostics
{
    public static readonly ActivitySource Source = new(CloudLogClientDiagnostics.ActivitySourceName, typeof(ClientDiagnostics).Assembly.GetName().Version?.ToString());

    private static readonly Meter Meter = new(CloudLogClientDiagnostics.MeterName, typeof(ClientDiagnostics).Assembly.GetName().Version?.ToString());

    public static readonly Counter<long> RecordsSent = Meter.CreateCounter<long>("cloudlog.producer.records", "{record}", "Records the producer delivered (acknowledged).");

    public static readonly Counter<long> BytesSent = Meter.CreateCounter<long>("cloudlog.producer.bytes", "By", "Bytes of record batches the producer delivered.");

    public static readonly Histogram<int> BatchRecords = Meter.CreateHistogram<int>("cloudlog.producer.batch.records", "{record}", "Records per batch the producer sent.");

    public static readonly Histogram<int> BatchBytes = Meter.CreateHistogram<int>("cloudlog.producer.batch.size", "By", "Bytes per batch the producer sent.");

    public static readonly Counter<long> ProduceErrors = Meter.CreateCounter<long>("cloudlog.producer.errors", "{record}", "Records the producer failed to deliver.");

    public static readonly Counter<long> Retries = Meter.CreateCounter<long>("cloudlog.client.retries", "{request}", "Requests sent again after a transient failure.");

    public static readonly Counter<long> RecordsConsumed = Meter.CreateCounter<long>("cloudlog.consumer.records", "{record}", "Records the consumer handed to the application.");

    public static readonly Counter<long> BytesFetched = Meter.CreateCounter<long>("cloudlog.consumer.bytes", "By", "Bytes of record batches the consumer fetched.");

    public static readonly Gauge<long> Lag = Meter.CreateGauge<long>("cloudlog.consumer.lag", "{record}", "How far the consumer's position is behind the partition's high watermark, per partition.");

    public static readonly Counter<long> Rebalances = Meter.CreateCounter<long>("cloudlog.consumer.rebalances", "{rebalance}", "Times the consumer's assignment changed.");
}

namespace Cloud.Log.Client;

/// <summary>
/// The names to subscribe to for the clients' telemetry: with OpenTelemetry,
/// <c>.AddSource(CloudLogClientDiagnostics.ActivitySourceName)</c> and <c>.AddMeter(CloudLogClientDiagnostics.MeterName)</c>.
/// </summary>
public static class CloudLogClientDiagnostics
{
    /// <summary>
    /// The activity source: a <c>produce</c> span per delivered batch, <c>fetch</c> per fetch and
    /// <c>rebalance</c> per assignment change, tagged with the topic and partition (OpenTelemetry's messaging names).
    /// </summary>
    public const string ActivitySourceName = "Cloud.Log.Client";

    /// <summary>
    /// The meter: <c>cloudlog.producer.records</c>, <c>.bytes</c>, <c>.batch.records</c>, <c>.batch.size</c>,
    /// <c>.errors</c>; <c>cloudlog.client.retries</c>; <c>cloudlog.consumer.records</c>, <c>.bytes</c>,
    /// <c>.lag</c>, <c>.rebalances</c>.
    /// </summary>
    public const string MeterName = "Cloud.Log.Client";
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Cloud.Log.Testing;

namespace Cloud.Log.Client.Tests;

/// <summary>The clients' ActivitySource and Meter: spans for produce and fetch, records and bytes sent, retries, lag.</summary>
public sealed class DiagnosticsTests(StorageFixture storage) : TestServer(storage)
{
    /// <summary>Producing and consuming emit spans tagged with the topic, and the producer, retry and lag instruments move.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Spans_and_instruments_follow_what_the_clients_do()
    {
        var topic = await CreateTopicAsync();
        var spans = new ConcurrentQueue<Activity>();
        using var activities = new ActivityListener
        {
            ShouldListenTo = s => s.Name == CloudLogClientDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = a => { if (Equals(a.GetTagItem("messaging.destination.name"), topic)) { spans.Enqueue(a); } },
        };
        ActivitySource.AddActivityListener(activities);

        var measurements = new ConcurrentDictionary<string, long>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == CloudLogClientDiagnostics.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var ours = instrument.Name == "cloudlog.client.retries";
            foreach (var tag in tags)
            {
                ours |= tag.Key == "messaging.destination.name" && Equals(tag.Value, topic);
            }

            if (ours)
            {
                measurements.AddOrUpdate(instrument.Name, value, (_, sum) => instrument.Name == "cloudlog.consumer.lag" ? value : sum + value);
            }
        });
        meters.Start();

        var proxy = new FaultProxy { Matching = r => r.RequestUri!.AbsolutePath.EndsWith("/records", StringComparison.Ordinal) && r.Method == HttpMethod.Post };
        var producer = Producer(new CloudLogProducerClientOptions { Linger = TimeSpan.Zero }, proxy);
        await producer.ProduceAsync(topic, Message(null, "first"));
        proxy.RejectNext(1);
        await producer.ProduceAsync(topic, Message(null, "second"));

        var consumer = Consumer();
        consumer.Assign([new TopicPartitionOffset(topic, 0, 1)]);
        Assert.NotNull(await consumer.ConsumeAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(2, measurements.GetValueOrDefault("cloudlog.producer.records"));
        Assert.True(measurements.GetValueOrDefault("cloudlog.producer.bytes") > 0);
        Assert.True(measurements.GetValueOrDefault("cloudlog.client.retries") >= 1);
        Assert.Equal(1, measurements.GetValueOrDefault("cloudlog.consumer.records"));
        Assert.True(measurements.ContainsKey("cloudlog.consumer.lag"));
        Assert.Contains(spans, s => s.OperationName == "produce " + topic && s.Kind == ActivityKind.Producer);
        Assert.Contains(spans, s => s.OperationName == "fetch " + topic && s.Kind == ActivityKind.Consumer);
    }
}

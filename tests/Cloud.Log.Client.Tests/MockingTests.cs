namespace Cloud.Log.Client.Tests;

/// <summary>Application code that uses the clients can be tested with mocks: virtual members, protected constructors, a model factory.</summary>
public class MockingTests
{
    private sealed class RecordingProducer : CloudLogProducerClient
    {
        public List<(string Topic, string? Value)> Sent { get; } = [];

        public override Task<DeliveryResult> ProduceAsync(string topic, CloudLogMessage message, CancellationToken cancellationToken = default)
        {
            Sent.Add((topic, message.Value?.ToString()));
            return Task.FromResult(CloudLogModelFactory.DeliveryResult(topic, 3, Sent.Count - 1, DateTimeOffset.UnixEpoch));
        }
    }

    private sealed class ScriptedConsumer(params ConsumeResult[] records) : CloudLogConsumerClient
    {
        private readonly Queue<ConsumeResult> _records = new(records);

        public override Task<ConsumeResult?> ConsumeAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
            Task.FromResult(_records.TryDequeue(out var record) ? record : null);
    }

    /// <summary>A subclass of the producer answers what the test says, without a service.</summary>
    [Fact]
    public async Task Producer_can_be_mocked()
    {
        var producer = new RecordingProducer();
        var result = await producer.ProduceAsync("orders", new CloudLogMessage(null, BinaryData.FromString("x")));
        Assert.Equal(("orders", 3, 0L), (result.Topic, result.Partition, result.Offset.Value));
        Assert.Equal([("orders", "x")], producer.Sent);
    }

    /// <summary>A consumer subclass hands out records built by the model factory.</summary>
    [Fact]
    public async Task Consumer_can_be_mocked_with_factory_records()
    {
        var consumer = new ScriptedConsumer(CloudLogModelFactory.ConsumeResult("orders", 1, 41, DateTimeOffset.UnixEpoch, BinaryData.FromString("k"), BinaryData.FromString("v")));
        var record = await consumer.ConsumeAsync(TimeSpan.Zero);
        Assert.Equal(41, record!.Offset.Value);
        Assert.Equal("v", record.Value!.ToString());
        Assert.Null(await consumer.ConsumeAsync(TimeSpan.Zero));

        var topic = CloudLogModelFactory.TopicDescription("orders", "id", 3, new Dictionary<string, string>(), [CloudLogModelFactory.PartitionDescription(0, 1, 2, [0, 1, 2], [0, 1], 0, 10)]);
        Assert.Equal([0, 1], topic.Partitions[0].InSyncReplicas);
        Assert.Equal(5, CloudLogModelFactory.CommittedOffset("orders", 0, 5, "", 5).Lag);
    }
}

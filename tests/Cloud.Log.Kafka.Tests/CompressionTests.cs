using System.Text.Json;
using Confluent.Kafka;

namespace Cloud.Log.Kafka.Tests;

/// <summary>Compressed batches from a Confluent producer are stored uncompressed and read back by every reader.</summary>
public sealed class CompressionTests(KafkaServerFixture server)
{
    /// <summary>Each of Kafka's codecs: the records come back through a Kafka consumer and over REST, in order, unchanged.</summary>
    [Theory(Timeout = 60_000)]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public async Task CompressedBatchesAreReadBackByKafkaAndRest(CompressionType compression)
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = KafkaServerFixture.NewTopic("z" + compression.ToString().ToLowerInvariant());
        await server.CreateTopicAsync(topic, 1, ct);
        var tests = new ConfluentClientTests(server);
        var config = tests.ProducerConfig(Acks.All);
        config.CompressionType = compression;
        config.LingerMs = 50;
        using (var producer = new ProducerBuilder<string, string>(config).Build())
        {
            var sends = Enumerable.Range(0, 40).Select(i => producer.ProduceAsync(topic, new Message<string, string> { Key = $"k{i}", Value = new string('x', 200) + i }, ct)).ToList();
            await Task.WhenAll(sends);
        }

        using var consumer = new ConsumerBuilder<string, string>(tests.ConsumerConfig()).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, 10));
        var read = ConfluentClientTests.ConsumeMany(consumer, 30);
        Assert.Equal(Enumerable.Range(10, 30).Select(i => $"k{i}"), read.Select(r => r.Message.Key));
        Assert.Equal(Enumerable.Range(10, 30).Select(i => (long)i), read.Select(r => r.Offset.Value));

        using var json = JsonDocument.Parse(await server.Host.Client.GetStringAsync(new Uri($"api/topics/{topic}/partitions/0/records?offset=39", UriKind.Relative), ct));
        var record = json.RootElement.GetProperty("records")[0];
        Assert.Equal("k39", record.GetProperty("key").GetString());
        Assert.Equal(new string('x', 200) + 39, record.GetProperty("value").GetString());
    }
}

using System.Text;
using System.Text.Json;
using Confluent.Kafka;

namespace Cloud.Log.Kafka.Tests;

/// <summary>Confluent.Kafka (librdkafka) producing and consuming through the listener, and the same records over REST.</summary>
public sealed class ConfluentClientTests(KafkaServerFixture server)
{
    private static readonly TimeSpan ConsumeTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Records produced with acks=all and acks=1 are read back by a consumer assigned at an offset, with their keys, values and offsets.</summary>
    [Theory(Timeout = 60_000)]
    [InlineData(Acks.All)]
    [InlineData(Acks.Leader)]
    public async Task ProducedRecordsAreConsumedFromAnAssignedOffset(Acks acks)
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = KafkaServerFixture.NewTopic("acks");
        await server.CreateTopicAsync(topic, 1, ct);
        using var producer = new ProducerBuilder<string, string>(ProducerConfig(acks)).Build();
        var offsets = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            var delivered = await producer.ProduceAsync(topic, new Message<string, string> { Key = $"k{i}", Value = $"v{i}" }, ct);
            Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
            offsets.Add(delivered.Offset.Value);
        }

        Assert.Equal([0L, 1, 2, 3, 4], offsets);
        using var consumer = new ConsumerBuilder<string, string>(ConsumerConfig()).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, 2));
        var read = ConsumeMany(consumer, 3);
        Assert.Equal(["k2", "k3", "k4"], read.Select(r => r.Message.Key));
        Assert.Equal(["v2", "v3", "v4"], read.Select(r => r.Message.Value));
        Assert.Equal([2L, 3, 4], read.Select(r => r.Offset.Value));
    }

    /// <summary>A producer's Metadata request for a missing topic creates it (auto.create.topics.enable), with the default one partition.</summary>
    [Fact(Timeout = 60_000)]
    public async Task ProducingToAMissingTopicCreatesIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = KafkaServerFixture.NewTopic("auto");
        using var producer = new ProducerBuilder<Null, string>(ProducerConfig(Acks.All)).Build();
        var delivered = await producer.ProduceAsync(topic, new Message<Null, string> { Value = "first" }, ct);
        Assert.Equal(0, delivered.Offset.Value);
        using var json = JsonDocument.Parse(await server.Host.Client.GetStringAsync(new Uri($"api/topics/{topic}", UriKind.Relative), ct));
        Assert.Equal(1, json.RootElement.GetProperty("partitions").GetArrayLength());
    }

    /// <summary>With acks=0 the listener sends no answer (Kafka's rule), and the records are stored all the same.</summary>
    [Fact(Timeout = 60_000)]
    public async Task AcksNoneRecordsAreStoredWithoutAnAnswer()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = KafkaServerFixture.NewTopic("acks0");
        await server.CreateTopicAsync(topic, 1, ct);
        using var producer = new ProducerBuilder<Null, string>(ProducerConfig(Acks.None)).Build();
        for (var i = 0; i < 3; i++)
        {
            var delivered = await producer.ProduceAsync(topic, new Message<Null, string> { Value = $"m{i}" }, ct);
            Assert.Equal(PersistenceStatus.PossiblyPersisted, delivered.Status);
        }

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (await HighWatermarkAsync(topic, 0, ct) < 3)
        {
            Assert.True(DateTime.UtcNow < deadline, "The acks=0 records were not stored.");
            await Task.Delay(200, ct);
        }
    }

    /// <summary>An idempotent producer's records are each stored once, in order, at consecutive offsets.</summary>
    [Fact(Timeout = 60_000)]
    public async Task IdempotentProducerStoresEachRecordOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = KafkaServerFixture.NewTopic("idem");
        await server.CreateTopicAsync(topic, 1, ct);
        var config = ProducerConfig(Acks.All);
        config.EnableIdempotence = true;
        config.LingerMs = 5;
        using var producer = new ProducerBuilder<Null, string>(config).Build();
        var sends = Enumerable.Range(0, 50).Select(i => producer.ProduceAsync(topic, new Message<Null, string> { Value = $"m{i}" }, ct)).ToList();
        var results = await Task.WhenAll(sends);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), results.Select(r => r.Offset.Value).Order());

        using var consumer = new ConsumerBuilder<Null, string>(ConsumerConfig()).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var read = ConsumeMany(consumer, 50);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"m{i}"), read.Select(r => r.Message.Value));
        Assert.Equal(50, await HighWatermarkAsync(topic, 0, ct));
    }

    /// <summary>A record produced over Kafka reads the same over REST: key, value, headers, timestamp and offset.</summary>
    [Fact(Timeout = 60_000)]
    public async Task RecordProducedOverKafkaReadsTheSameOverRest()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = KafkaServerFixture.NewTopic("torest");
        await server.CreateTopicAsync(topic, 1, ct);
        using var producer = new ProducerBuilder<string, string>(ProducerConfig(Acks.All)).Build();
        await producer.ProduceAsync(topic, new Message<string, string> { Key = "first", Value = "skip me" }, ct);
        var message = new Message<string, string>
        {
            Key = "user-1",
            Value = "hello",
            Timestamp = new Timestamp(1_732_400_000_123, TimestampType.CreateTime),
            Headers = [new Header("source", Encoding.UTF8.GetBytes("kafka"))],
        };
        var delivered = await producer.ProduceAsync(topic, message, ct);
        Assert.Equal(1, delivered.Offset.Value);

        using var json = JsonDocument.Parse(await server.Host.Client.GetStringAsync(new Uri($"api/topics/{topic}/partitions/0/records?offset=1", UriKind.Relative), ct));
        var record = json.RootElement.GetProperty("records")[0];
        Assert.Equal(1, record.GetProperty("offset").GetInt64());
        Assert.Equal("user-1", record.GetProperty("key").GetString());
        Assert.Equal("hello", record.GetProperty("value").GetString());
        Assert.Equal(1_732_400_000_123, record.GetProperty("timestamp").GetInt64());
        Assert.Equal("kafka", record.GetProperty("headers").GetProperty("source").GetString());
    }

    /// <summary>A record produced over REST reads the same through a Kafka consumer.</summary>
    [Fact(Timeout = 60_000)]
    public async Task RecordProducedOverRestReadsTheSameOverKafka()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = KafkaServerFixture.NewTopic("fromrest");
        await server.CreateTopicAsync(topic, 1, ct);
        using var body = new StringContent("""{"records":[{"key":"a","value":"zero"},{"key":"user-2","value":"from rest","headers":{"origin":"http"},"timestamp":1732400000456}]}""", Encoding.UTF8, "application/json");
        using (var produced = await server.Host.Client.PostAsync(new Uri($"api/topics/{topic}/records", UriKind.Relative), body, ct))
        {
            produced.EnsureSuccessStatusCode();
        }

        using var consumer = new ConsumerBuilder<string, string>(ConsumerConfig()).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, 1));
        var record = ConsumeMany(consumer, 1)[0];
        Assert.Equal(1, record.Offset.Value);
        Assert.Equal("user-2", record.Message.Key);
        Assert.Equal("from rest", record.Message.Value);
        Assert.Equal(1_732_400_000_456, record.Message.Timestamp.UnixTimestampMs);
        Assert.Equal(TimestampType.CreateTime, record.Message.Timestamp.Type);
        Assert.Equal("http", Encoding.UTF8.GetString(record.Message.Headers.GetLastBytes("origin")));
    }

    /// <summary>Keys sent with librdkafka's murmur2_random partitioner land in the partitions the REST API picks for the same keys.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Murmur2PartitionerMatchesTheRestApi()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = KafkaServerFixture.NewTopic("murmur");
        await server.CreateTopicAsync(topic, 6, ct);
        var config = ProducerConfig(Acks.All);
        config.Partitioner = Partitioner.Murmur2Random;
        using var producer = new ProducerBuilder<string, string>(config).Build();
        var keys = Enumerable.Range(0, 12).Select(i => $"key-{i}").ToList();
        var kafkaPartitions = new List<int>();
        foreach (var key in keys)
        {
            kafkaPartitions.Add((await producer.ProduceAsync(topic, new Message<string, string> { Key = key, Value = "v" }, ct)).Partition.Value);
        }

        var records = string.Join(",", keys.Select(k => $$"""{"key":"{{k}}","value":"v"}"""));
        using var body = new StringContent($$"""{"records":[{{records}}]}""", Encoding.UTF8, "application/json");
        using var produced = await server.Host.Client.PostAsync(new Uri($"api/topics/{topic}/records", UriKind.Relative), body, ct);
        produced.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await produced.Content.ReadAsStringAsync(ct));
        var restPartitions = json.RootElement.GetProperty("offsets").EnumerateArray().Select(o => o.GetProperty("partition").GetInt32()).ToList();
        Assert.Equal(restPartitions, kafkaPartitions);
        Assert.True(kafkaPartitions.Distinct().Count() > 1);
    }

    internal ProducerConfig ProducerConfig(Acks acks) => new()
    {
        BootstrapServers = server.BootstrapServers,
        Acks = acks,
        MessageTimeoutMs = 30_000,
        SocketTimeoutMs = 10_000,
        BrokerAddressFamily = BrokerAddressFamily.V4,
    };

    internal ConsumerConfig ConsumerConfig(string? group = null) => new()
    {
        BootstrapServers = server.BootstrapServers,
        GroupId = group ?? "g-" + Guid.NewGuid().ToString("N")[..12],
        EnableAutoCommit = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        BrokerAddressFamily = BrokerAddressFamily.V4,
        FetchWaitMaxMs = 100,
    };

    internal static List<ConsumeResult<TKey, TValue>> ConsumeMany<TKey, TValue>(IConsumer<TKey, TValue> consumer, int count)
    {
        var results = new List<ConsumeResult<TKey, TValue>>();
        var deadline = DateTime.UtcNow + ConsumeTimeout;
        while (results.Count < count && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (result is { IsPartitionEOF: false })
            {
                results.Add(result);
            }
        }

        Assert.Equal(count, results.Count);
        return results;
    }

    private async Task<long> HighWatermarkAsync(string topic, int partition, CancellationToken ct)
    {
        using var json = JsonDocument.Parse(await server.Host.Client.GetStringAsync(new Uri($"api/topics/{topic}/partitions/{partition}/offsets?at=latest", UriKind.Relative), ct));
        return json.RootElement.GetProperty("offset").GetInt64();
    }
}

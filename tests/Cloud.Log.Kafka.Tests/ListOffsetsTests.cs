using Confluent.Kafka;

namespace Cloud.Log.Kafka.Tests;

/// <summary>ListOffsets through Confluent.Kafka and kcat: watermarks, offsets by timestamp, reading from a timestamp.</summary>
public sealed class ListOffsetsTests(KafkaServerFixture server)
{
    private const long Start = 1_732_400_000_000;

    /// <summary>Watermarks are the log start and end; a timestamp finds the first record at or after it; past the last, the end (-1).</summary>
    [Fact(Timeout = 60_000)]
    public async Task WatermarksAndOffsetsForTimesAnswerFromTheLog()
    {
        var topic = await ProduceThreeAsync("lo");
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConfluentClientTests(server).ConsumerConfig()).Build();
        var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10));
        Assert.Equal(0, watermarks.Low.Value);
        Assert.Equal(3, watermarks.High.Value);

        var found = consumer.OffsetsForTimes([new TopicPartitionTimestamp(topic, 0, new Timestamp(Start + 500, TimestampType.CreateTime))], TimeSpan.FromSeconds(10));
        Assert.Equal(1, found[0].Offset.Value);
        var past = consumer.OffsetsForTimes([new TopicPartitionTimestamp(topic, 0, new Timestamp(Start + 10_000, TimestampType.CreateTime))], TimeSpan.FromSeconds(10));
        Assert.Equal(Offset.End, past[0].Offset);
    }

    /// <summary>kcat -C -o s@timestamp starts at the first record at or after the timestamp.</summary>
    [Fact(Timeout = 60_000)]
    public async Task KcatConsumesFromATimestamp()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = await ProduceThreeAsync("lots");
        var (exit, output, error) = await ProcessRunner.RunAsync("kcat", ["-b", server.BootstrapServers, "-C", "-t", topic, "-p", "0", "-o", $"s@{Start + 1500}", "-e", "-f", "%s@%o\n"], cancellationToken: ct);
        Assert.True(exit == 0, error);
        Assert.Equal(["m2@2"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private async Task<string> ProduceThreeAsync(string purpose)
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = KafkaServerFixture.NewTopic(purpose);
        await server.CreateTopicAsync(topic, 1, ct);
        using var producer = new ProducerBuilder<Null, string>(new ConfluentClientTests(server).ProducerConfig(Acks.All)).Build();
        for (var i = 0; i < 3; i++)
        {
            await producer.ProduceAsync(topic, new Message<Null, string> { Value = $"m{i}", Timestamp = new Timestamp(Start + (i * 1000), TimestampType.CreateTime) }, ct);
        }

        return topic;
    }
}

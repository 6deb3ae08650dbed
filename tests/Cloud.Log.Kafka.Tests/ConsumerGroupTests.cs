using Confluent.Kafka;

namespace Cloud.Log.Kafka.Tests;

/// <summary>Confluent.Kafka consumer groups over the classic group protocol, and kcat's balanced consumer.</summary>
public sealed class ConsumerGroupTests(KafkaServerFixture server)
{
    /// <summary>Two members split a topic's partitions between them; when one leaves, the other gets them all.</summary>
    [Fact(Timeout = 90_000)]
    public async Task TwoMembersSplitPartitionsAndOneTakesOverWhenTheOtherLeaves()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = KafkaServerFixture.NewTopic("grp");
        await server.CreateTopicAsync(topic, 4, ct);
        var group = "split-" + Guid.NewGuid().ToString("N")[..8];
        using var first = new ConsumerBuilder<Ignore, string>(GroupConfig(group)).Build();
        using var second = new ConsumerBuilder<Ignore, string>(GroupConfig(group)).Build();
        first.Subscribe(topic);
        second.Subscribe(topic);

        PollUntil(() => first.Assignment.Count > 0 && second.Assignment.Count > 0 && first.Assignment.Count + second.Assignment.Count == 4, first, second);
        Assert.Empty(first.Assignment.Select(p => p.Partition.Value).Intersect(second.Assignment.Select(p => p.Partition.Value)));

        second.Close();
        PollUntil(() => first.Assignment.Count == 4, first);
        Assert.Equal([0, 1, 2, 3], first.Assignment.Select(p => p.Partition.Value).Order());
        first.Close();
    }

    /// <summary>A member commits where it got to; the next member of the group resumes there.</summary>
    [Fact(Timeout = 90_000)]
    public async Task CommittedOffsetIsWhereTheNextMemberResumes()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = KafkaServerFixture.NewTopic("resume");
        await server.CreateTopicAsync(topic, 1, ct);
        var tests = new ConfluentClientTests(server);
        using (var producer = new ProducerBuilder<Null, string>(tests.ProducerConfig(Acks.All)).Build())
        {
            for (var i = 0; i < 10; i++)
            {
                await producer.ProduceAsync(topic, new Message<Null, string> { Value = $"m{i}" }, ct);
            }
        }

        var group = "resume-" + Guid.NewGuid().ToString("N")[..8];
        using (var consumer = new ConsumerBuilder<Ignore, string>(GroupConfig(group)).Build())
        {
            consumer.Subscribe(topic);
            var read = ConfluentClientTests.ConsumeMany(consumer, 5);
            consumer.Commit(read[^1]);
            var committed = consumer.Committed([new TopicPartition(topic, 0)], TimeSpan.FromSeconds(10));
            Assert.Equal(5, committed[0].Offset.Value);
            consumer.Close();
        }

        using var next = new ConsumerBuilder<Ignore, string>(GroupConfig(group)).Build();
        next.Subscribe(topic);
        var resumed = ConfluentClientTests.ConsumeMany(next, 1)[0];
        Assert.Equal(5, resumed.Offset.Value);
        Assert.Equal("m5", resumed.Message.Value);
        next.Close();
    }

    /// <summary>kcat -G, librdkafka's balanced consumer, joins a group and reads a topic's records.</summary>
    [Fact(Timeout = 90_000)]
    public async Task KcatBalancedConsumerReadsTheTopic()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = KafkaServerFixture.NewTopic("kcatg");
        await server.CreateTopicAsync(topic, 2, ct);
        var produced = await ProcessRunner.RunAsync("kcat", ["-b", server.BootstrapServers, "-P", "-t", topic, "-K:"], "a:1\nb:2\nc:3\nd:4\n", cancellationToken: ct);
        Assert.True(produced.ExitCode == 0, produced.Error);
        var group = "kcat-" + Guid.NewGuid().ToString("N")[..8];
        var (exit, output, error) = await ProcessRunner.RunAsync(
            "kcat",
            ["-b", server.BootstrapServers, "-G", group, "-X", "auto.offset.reset=earliest", "-X", "heartbeat.interval.ms=500", "-e", "-f", "%k=%s\n", topic],
            timeout: TimeSpan.FromSeconds(60),
            cancellationToken: ct);
        Assert.True(exit == 0, error);
        Assert.Equal(["a=1", "b=2", "c=3", "d=4"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
    }

    private ConsumerConfig GroupConfig(string group) => new()
    {
        BootstrapServers = server.BootstrapServers,
        GroupId = group,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,
        SessionTimeoutMs = 6000,
        HeartbeatIntervalMs = 300,
        BrokerAddressFamily = BrokerAddressFamily.V4,
        FetchWaitMaxMs = 100,
    };

    private static void PollUntil(Func<bool> condition, params IConsumer<Ignore, string>[] consumers)
    {
        var deadline = DateTime.UtcNow.AddSeconds(45);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The group did not settle in time.");
            foreach (var consumer in consumers)
            {
                consumer.Consume(TimeSpan.FromMilliseconds(100));
            }
        }
    }
}

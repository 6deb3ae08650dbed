using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Cloud.Log.Kafka.Tests;

/// <summary>Confluent.Kafka's AdminClient over the listener: topics, configs, partitions, groups, the cluster.</summary>
public sealed class AdminClientTests(KafkaServerFixture server)
{
    /// <summary>A topic created with a config is described with its partitions and config, grows, and is deleted.</summary>
    [Fact(Timeout = 90_000)]
    public async Task TopicIsCreatedDescribedGrownAndDeleted()
    {
        var topic = KafkaServerFixture.NewTopic("adm");
        using var admin = Admin();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 2, ReplicationFactor = -1, Configs = new() { ["retention.ms"] = "3600000" } }]);

        var duplicate = await Assert.ThrowsAsync<CreateTopicsException>(() => admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1 }]));
        Assert.Equal(ErrorCode.TopicAlreadyExists, duplicate.Results[0].Error.Code);

        var described = await admin.DescribeTopicsAsync(TopicCollection.OfTopicNames([topic]));
        Assert.Equal(2, described.TopicDescriptions[0].Partitions.Count);

        var configs = await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = topic }]);
        Assert.Equal("3600000", configs[0].Entries["retention.ms"].Value);

        await admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = topic, IncreaseTo = 3 }]);
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        Assert.Equal(3, metadata.Topics[0].Partitions.Count);

        await admin.DeleteTopicsAsync([topic]);
        var names = admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics.Select(t => t.Topic);
        Assert.DoesNotContain(topic, names);
    }

    /// <summary>A live group is listed and described with its member and assignment; once empty it is deleted.</summary>
    [Fact(Timeout = 90_000)]
    public async Task GroupsAreListedDescribedAndDeleted()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = KafkaServerFixture.NewTopic("admg");
        await server.CreateTopicAsync(topic, 2, ct);
        var group = "admin-" + Guid.NewGuid().ToString("N")[..8];
        using var admin = Admin();
        using (var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = server.BootstrapServers,
            GroupId = group,
            ClientId = "admin-test",
            HeartbeatIntervalMs = 300,
            SessionTimeoutMs = 6000,
            BrokerAddressFamily = BrokerAddressFamily.V4,
        }).Build())
        {
            consumer.Subscribe(topic);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (consumer.Assignment.Count < 2)
            {
                Assert.True(DateTime.UtcNow < deadline, "The consumer got no assignment.");
                consumer.Consume(TimeSpan.FromMilliseconds(100));
            }

            consumer.Commit([new TopicPartitionOffset(topic, 0, 0)]);
            var listed = await admin.ListConsumerGroupsAsync();
            Assert.Contains(listed.Valid, g => g.GroupId == group && g.State == ConsumerGroupState.Stable);

            var described = await admin.DescribeConsumerGroupsAsync([group]);
            var description = Assert.Single(described.ConsumerGroupDescriptions);
            Assert.Equal(ConsumerGroupState.Stable, description.State);
            var member = Assert.Single(description.Members);
            Assert.Equal("admin-test", member.ClientId);
            Assert.Equal([0, 1], member.Assignment.TopicPartitions.Select(p => p.Partition.Value).Order());

            var busy = await Assert.ThrowsAsync<DeleteGroupsException>(() => admin.DeleteGroupsAsync([group]));
            Assert.Equal(ErrorCode.NonEmptyGroup, busy.Results[0].Error.Code);
            consumer.Close();
        }

        await admin.DeleteGroupsAsync([group]);
        var after = await admin.ListConsumerGroupsAsync();
        Assert.DoesNotContain(after.Valid, g => g.GroupId == group);
    }

    /// <summary>DescribeCluster answers the one broker and the cluster id.</summary>
    [Fact(Timeout = 30_000)]
    public async Task ClusterIsTheOneBroker()
    {
        using var admin = Admin();
        var cluster = await admin.DescribeClusterAsync();
        Assert.Equal("cloudlog", cluster.ClusterId);
        var node = Assert.Single(cluster.Nodes);
        Assert.Equal(server.KafkaPort, node.Port);
    }

    private IAdminClient Admin() => new AdminClientBuilder(new AdminClientConfig
    {
        BootstrapServers = server.BootstrapServers,
        BrokerAddressFamily = BrokerAddressFamily.V4,
    }).Build();
}

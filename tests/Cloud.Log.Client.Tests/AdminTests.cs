using Cloud.Log.Testing;

namespace Cloud.Log.Client.Tests;

/// <summary>The admin client: topics and groups, answering Response&lt;T&gt; and AsyncPageable&lt;T&gt;, failing with the contract's codes.</summary>
public sealed class AdminTests(StorageFixture storage) : TestServer(storage)
{
    /// <summary>Create, list, describe, alter configs, add partitions and delete a topic.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Topic_lifecycle()
    {
        var admin = Admin();
        var name = NewTopic();

        var created = await admin.CreateTopicAsync(name, partitions: 2, configs: new Dictionary<string, string> { ["retention.ms"] = "3600000" });
        Assert.Equal(201, created.GetRawResponse().Status);
        Assert.Equal(name, created.Value.Name);
        Assert.Equal(32, created.Value.TopicId.Length);
        Assert.Equal("3600000", created.Value.Configs["retention.ms"]);
        Assert.Equal([0, 1], created.Value.Partitions.Select(p => p.Partition));
        Assert.Equal([0], created.Value.Partitions[0].InSyncReplicas);

        var listed = await admin.GetTopicsAsync().ToListAsync();
        Assert.Equal(2, listed.Single(t => t.Name == name).PartitionCount);

        var altered = await admin.AlterTopicConfigsAsync(name, new Dictionary<string, string?> { ["retention.ms"] = null, ["segment.ms"] = "60000" });
        Assert.Equal("604800000", altered.Value.Configs["retention.ms"]);
        Assert.Equal("60000", altered.Value.Configs["segment.ms"]);

        Assert.Equal(5, (await admin.CreatePartitionsAsync(name, 5)).Value.Partitions.Count);
        Assert.Equal(5, (await admin.GetTopicAsync(name)).Value.Partitions.Count);

        Assert.Equal(204, (await admin.DeleteTopicAsync(name)).Status);
        var gone = await Assert.ThrowsAsync<CloudLogException>(() => admin.GetTopicAsync(name));
        Assert.Equal(CloudLogErrorCode.UnknownTopicOrPartition, gone.Code);
        Assert.Equal(404, gone.Status);
        Assert.Equal("UNKNOWN_TOPIC_OR_PARTITION", gone.ErrorCode);
        Assert.False(gone.IsTransient);
    }

    /// <summary>Bad arguments come back as the contract's codes, with the service's detail in the message.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Refusals_carry_the_contract_codes()
    {
        var admin = Admin();
        var name = NewTopic();
        await admin.CreateTopicAsync(name);
        async Task<CloudLogException> Refused(Func<Task> call) => await Assert.ThrowsAsync<CloudLogException>(call);

        Assert.Equal(CloudLogErrorCode.TopicAlreadyExists, (await Refused(() => admin.CreateTopicAsync(name))).Code);
        Assert.Equal(CloudLogErrorCode.InvalidTopic, (await Refused(() => admin.CreateTopicAsync("a b"))).Code);
        Assert.Equal(CloudLogErrorCode.InvalidPartitions, (await Refused(() => admin.CreateTopicAsync(NewTopic(), 0))).Code);
        var config = await Refused(() => admin.AlterTopicConfigsAsync(name, new Dictionary<string, string?> { ["retention.mss"] = "1" }));
        Assert.Equal(CloudLogErrorCode.InvalidConfig, config.Code);
        Assert.Contains("retention.mss", config.Message, StringComparison.Ordinal);
        Assert.Equal(CloudLogErrorCode.InvalidPartitions, (await Refused(() => admin.CreatePartitionsAsync(name, 1))).Code);
        Assert.Equal(CloudLogErrorCode.GroupIdNotFound, (await Refused(() => admin.GetConsumerGroupOffsetsAsync(NewGroup()).ToListAsync().AsTask())).Code);
    }

    /// <summary>Groups: list, committed offsets with lag, refused delete while members are live, delete.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Groups_list_offsets_and_delete()
    {
        var admin = Admin();
        var topic = await CreateTopicAsync(2);
        var producer = Producer();
        for (var i = 0; i < 4; i++)
        {
            await producer.ProduceAsync(new TopicPartition(topic, 0), Message(null, $"v{i}"));
        }

        var group = NewGroup();
        var consumer = Consumer(new CloudLogConsumerClientOptions { GroupId = group, EnableAutoCommit = false });
        await consumer.CommitAsync([new TopicPartitionOffset(topic, 0, 1)]);

        Assert.Contains(await admin.GetConsumerGroupsAsync().ToListAsync(), g => g.GroupId == group);
        var offsets = await admin.GetConsumerGroupOffsetsAsync(group, topic).ToListAsync();
        Assert.Equal((topic, 0, 1L, 3L), (offsets.Single().Topic, offsets.Single().Partition, offsets.Single().Offset.Value, offsets.Single().Lag));

        consumer.Subscribe(topic);
        var member = Consumer(new CloudLogConsumerClientOptions { GroupId = group, SessionTimeout = TimeSpan.FromSeconds(5) });
        member.Subscribe(topic);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (member.MemberId is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(CloudLogErrorCode.NonEmptyGroup, (await Assert.ThrowsAsync<CloudLogException>(() => admin.DeleteConsumerGroupAsync(group))).Code);
        await member.CloseAsync();
        await consumer.CloseAsync();
        Assert.Equal(204, (await admin.DeleteConsumerGroupAsync(group)).Status);
        Assert.DoesNotContain(await admin.GetConsumerGroupsAsync().ToListAsync(), g => g.GroupId == group);
    }
}

using Cloud.Log.Protocol.Errors;
using Cloud.Log.Testing;

namespace Cloud.Log.Core.Tests.Topics;

public class TopicTests(StorageFixture storage)
{
    private static async Task<CloudLogException> Fails(ErrorCode code, Func<Task> action)
    {
        var e = await Assert.ThrowsAsync<CloudLogException>(action);
        Assert.Equal(code, e.Code);
        return e;
    }

    /// <summary>Create, list, describe, alter configs, add partitions, delete: the topic lifecycle.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Topic_lifecycle_create_list_describe_alter_add_delete()
    {
        await using var engine = await storage.CreateEngineAsync();
        var created = await engine.CreateTopicAsync("orders", 3, configs: new Dictionary<string, string> { ["retention.ms"] = "3600000" });
        Assert.Equal(3, created.Partitions.Count);
        Assert.Equal(1, created.ReplicationFactor);
        Assert.Equal("3600000", created.Configs["retention.ms"]);
        Assert.Equal("1073741824", created.Configs["segment.bytes"]);
        Assert.All(created.Partitions, p =>
        {
            Assert.Equal([0], p.Replicas);
            Assert.Equal([0], p.Isr);
            Assert.Equal(0, p.Leader);
            Assert.Equal(0, p.HighWatermark);
            Assert.Equal(0, p.LogStartOffset);
        });
        await engine.CreateTopicAsync("alpha");

        var list = await engine.ListTopicsAsync();
        Assert.Equal(["alpha", "orders"], list.Select(t => t.Name));
        Assert.Equal(3, list[1].Partitions);

        var altered = await engine.AlterTopicConfigsAsync("orders", new Dictionary<string, string?> { ["retention.ms"] = null, ["segment.ms"] = "1000" });
        Assert.Equal("604800000", altered.Configs["retention.ms"]);
        Assert.Equal("1000", (await engine.DescribeTopicAsync("orders")).Configs["segment.ms"]);

        var grown = await engine.AddPartitionsAsync("orders", 5);
        Assert.Equal([0, 1, 2, 3, 4], grown.Partitions.Select(p => p.Partition));
        await Fails(ErrorCode.InvalidPartitions, () => engine.AddPartitionsAsync("orders", 5));

        await engine.DeleteTopicAsync("orders");
        Assert.Equal(["alpha"], (await engine.ListTopicsAsync()).Select(t => t.Name));
        await Fails(ErrorCode.UnknownTopicOrPartition, () => engine.DescribeTopicAsync("orders"));
        await Fails(ErrorCode.UnknownTopicOrPartition, () => engine.DeleteTopicAsync("orders"));
    }

    /// <summary>A re-created name gets a new topic id and none of the old records; the cleanup job then removes the old data and nothing of the new.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Recreated_topic_shares_nothing_with_the_old_one()
    {
        var prefix = StorageFixture.NewPrefix();
        await using var engine = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix });
        var first = await engine.CreateTopicAsync("events");
        await engine.ProduceAsync("events", Records.Values(5));
        await engine.DeleteTopicAsync("events");
        await Assert.ThrowsAsync<CloudLogException>(() => engine.ProduceAsync("events", Records.Values(1)));

        var second = await engine.CreateTopicAsync("events");
        Assert.NotEqual(first.TopicId, second.TopicId);
        var fetched = await engine.FetchAsync("events", 0, 0);
        Assert.Empty(fetched.Records);
        Assert.Equal(0, fetched.HighWatermark);
        await engine.ProduceAsync("events", Records.Values(1, "new"));
        Assert.Equal("new0", Records.Text((await engine.FetchAsync("events", 0, 0)).Records.Single().Value));

        // The cleanup job removes the old topic's blobs and rows, and nothing of the new one.
        Assert.SkipWhen(storage.ConnectionString is null, "lists blobs and rows directly");
        Assert.Equal([first.TopicId], await engine.CleanUpDeletedTopicsAsync());
        Assert.Empty(await Lifecycle.LogDump.BlobsAsync(storage.ConnectionString, prefix, first.TopicId + "/"));
        Assert.NotEmpty(await Lifecycle.LogDump.BlobsAsync(storage.ConnectionString, prefix, second.TopicId + "/"));
        var rows = new Azure.Data.Tables.TableClient(storage.ConnectionString, prefix + "partitions");
        Assert.Empty(rows.Query<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == first.TopicId));
        Assert.NotEmpty(rows.Query<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == second.TopicId));
        Assert.Equal("new0", Records.Text((await engine.FetchAsync("events", 0, 0)).Records.Single().Value));
        Assert.Empty(await engine.CleanUpDeletedTopicsAsync());
    }

    /// <summary>A delete seals the partitions' active segments: a writer elsewhere cannot append afterwards.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Deleted_topic_fences_writers_on_other_instances()
    {
        var prefix = StorageFixture.NewPrefix();
        await using var writer = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix });
        await using var admin = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix });
        await writer.CreateTopicAsync("doomed");
        await writer.ProduceAsync("doomed", Records.Values(2));
        await admin.DeleteTopicAsync("doomed");

        // The writer's topic cache still knows the topic; its append meets the sealed segment and must fail.
        var e = await Assert.ThrowsAsync<CloudLogException>(() => writer.ProduceAsync("doomed", Records.Values(1)));
        Assert.NotEqual(ErrorCode.InvalidRequest, e.Code);
    }

    [Theory(Timeout = 60_000)]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("quote\"d")]
    [InlineData("ctl\u0001")]
    public async Task Illegal_names_are_invalid_topic_before_any_storage_call(string name)
    {
        await using var engine = await storage.CreateEngineAsync();
        var before = engine.StorageRequests.Total;
        await Fails(ErrorCode.InvalidTopic, () => engine.CreateTopicAsync(name));
        await Fails(ErrorCode.InvalidTopic, () => engine.ProduceAsync(name, Records.Values(1)));
        await Fails(ErrorCode.InvalidTopic, () => engine.FetchAsync(name, 0));
        Assert.Equal(before, engine.StorageRequests.Total);
    }

    [Fact(Timeout = 60_000)]
    public async Task Create_checks_partitions_replication_and_configs_and_refuses_duplicates()
    {
        await using var engine = await storage.CreateEngineAsync();
        await Fails(ErrorCode.InvalidPartitions, () => engine.CreateTopicAsync("t", 0));
        await Fails(ErrorCode.InvalidPartitions, () => engine.CreateTopicAsync("t", 10_001));
        await Fails(ErrorCode.InvalidReplicationFactor, () => engine.CreateTopicAsync("t", 1, 2));
        await Fails(ErrorCode.InvalidReplicationFactor, () => engine.CreateTopicAsync("t", 1, 0));
        await Fails(ErrorCode.InvalidConfig, () => engine.CreateTopicAsync("t", configs: new Dictionary<string, string> { ["bogus"] = "1" }));
        Assert.Empty(await engine.ListTopicsAsync());
        await engine.CreateTopicAsync("t");
        await Fails(ErrorCode.TopicAlreadyExists, () => engine.CreateTopicAsync("t"));
        await Fails(ErrorCode.InvalidConfig, () => engine.AlterTopicConfigsAsync("t", new Dictionary<string, string?> { ["cleanup.policy"] = "shred" }));
        await Fails(ErrorCode.UnknownTopicOrPartition, () => engine.AlterTopicConfigsAsync("nope", new Dictionary<string, string?>()));
    }

    /// <summary>
    /// Issue 13, defect 7: adding partitions inserts their state rows and never replaces one. An add whose
    /// read of the partition count is stale (a concurrent add committed in between) leaves a partition that
    /// is already in use as it is — its epoch, its ISR — instead of putting it back to epoch 0.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Adding_partitions_never_resets_a_partition_in_use()
    {
        Assert.SkipWhen(storage.ConnectionString is null, "rewinds the topic row directly");
        var prefix = StorageFixture.NewPrefix();
        await using var engine = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix });
        var topic = await engine.CreateTopicAsync("grow", 1);
        await engine.AddPartitionsAsync("grow", 2);
        await engine.ProduceAsync("grow", Records.Values(2, partition: 1));
        var tables = new Cloud.Log.Core.Metadata.MetadataTables(new Azure.Data.Tables.TableServiceClient(storage.ConnectionString), prefix);
        var before = (await tables.Partitions.GetEntityAsync<Cloud.Log.Core.Metadata.PartitionStateEntity>(topic.TopicId, Cloud.Log.Core.Metadata.PartitionStateEntity.RowKeyFor(1))).Value;
        Assert.True(before.Epoch > 0, "the partition's first segment was started by a writer");

        // The second add read the topic before the first one's update: its count is still 1.
        var row = (await tables.Topics.GetEntityAsync<Cloud.Log.Core.Metadata.TopicEntity>(Cloud.Log.Core.Metadata.TopicEntity.Partition, "grow")).Value;
        row.PartitionCount = 1;
        await tables.Topics.UpdateEntityAsync(row, row.ETag);
        var grown = await engine.AddPartitionsAsync("grow", 3);

        Assert.Equal([0, 1, 2], grown.Partitions.Select(p => p.Partition));
        var after = (await tables.Partitions.GetEntityAsync<Cloud.Log.Core.Metadata.PartitionStateEntity>(topic.TopicId, Cloud.Log.Core.Metadata.PartitionStateEntity.RowKeyFor(1))).Value;
        Assert.True(after.Epoch >= before.Epoch, $"epoch went from {before.Epoch} to {after.Epoch}");
        Assert.Equal(before.ETag, after.ETag); // the row in use was not written at all
        await engine.ProduceAsync("grow", Records.Values(1, "more", partition: 1));
        Assert.Equal(3, (await engine.FetchAsync("grow", 1, 0)).HighWatermark);
    }
}

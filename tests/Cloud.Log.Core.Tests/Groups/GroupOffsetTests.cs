using Cloud.Log.Core.Groups;
using Cloud.Log.Protocol.Errors;
using Cloud.Log.Testing;

namespace Cloud.Log.Core.Tests.Groups;

public class GroupOffsetTests(StorageFixture storage)
{
    /// <summary>Commit with metadata, read back with lag, list, delete.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Commit_read_with_lag_list_and_delete()
    {
        await using var engine = await storage.CreateEngineAsync();
        await engine.CreateTopicAsync("orders", 2);
        await engine.CreateTopicAsync("other");
        await engine.ProduceAsync("orders", Records.Values(10, partition: 0));
        await engine.ProduceAsync("orders", Records.Values(4, partition: 1));

        await engine.CommitOffsetsAsync("billing", [new OffsetCommit("orders", 0, 7, "m0"), new OffsetCommit("orders", 1, 4), new OffsetCommit("other", 0, 0)]);
        var offsets = await engine.GetGroupOffsetsAsync("billing", "orders");
        Assert.Equal(2, offsets.Count);
        Assert.Equal(new CommittedOffset("orders", 0, 7, "m0", 3), offsets[0]);
        Assert.Equal(new CommittedOffset("orders", 1, 4, "", 0), offsets[1]);
        Assert.Equal(3, (await engine.GetGroupOffsetsAsync("billing")).Count);

        await engine.CommitOffsetsAsync("billing", [new OffsetCommit("orders", 0, 2)]); // rewind
        Assert.Equal(8, (await engine.GetGroupOffsetsAsync("billing", "orders"))[0].Lag);

        await engine.CommitOffsetsAsync("audit", [new OffsetCommit("orders", 0, 0)]);
        Assert.Equal(["audit", "billing"], await engine.ListGroupsAsync());
        await engine.DeleteGroupAsync("billing");
        Assert.Equal(["audit"], await engine.ListGroupsAsync());
        var gone = await Assert.ThrowsAsync<CloudLogException>(() => engine.GetGroupOffsetsAsync("billing"));
        Assert.Equal(ErrorCode.GroupIdNotFound, gone.Code);
        Assert.Equal(ErrorCode.GroupIdNotFound, (await Assert.ThrowsAsync<CloudLogException>(() => engine.DeleteGroupAsync("billing"))).Code);
    }

    /// <summary>Bad commits are refused whole and store nothing.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Bad_commits_are_refused_and_store_nothing()
    {
        await using var engine = await storage.CreateEngineAsync();
        await engine.CreateTopicAsync("t");
        await engine.ProduceAsync("t", Records.Values(3));

        async Task Refused(ErrorCode code, string group, params OffsetCommit[] offsets)
        {
            var e = await Assert.ThrowsAsync<CloudLogException>(() => engine.CommitOffsetsAsync(group, offsets));
            Assert.Equal(code, e.Code);
        }

        await Refused(ErrorCode.OffsetOutOfRange, "g", new OffsetCommit("t", 0, 1), new OffsetCommit("t", 0, 4));
        await Refused(ErrorCode.UnknownTopicOrPartition, "g", new OffsetCommit("t", 1, 0));
        await Refused(ErrorCode.UnknownTopicOrPartition, "g", new OffsetCommit("nope", 0, 0));
        await Refused(ErrorCode.InvalidRequest, "g", new OffsetCommit("t", 0, -1));
        await Refused(ErrorCode.InvalidGroup, "bad/group", new OffsetCommit("t", 0, 0));
        await Refused(ErrorCode.InvalidTopic, "g", new OffsetCommit("bad topic", 0, 0));
        await Refused(ErrorCode.InvalidRequest, "g");
        Assert.Empty(await engine.ListGroupsAsync());
    }

    /// <summary>Offsets committed against a deleted topic do not show for a new topic of the same name.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Offsets_of_a_deleted_topic_do_not_apply_to_its_successor()
    {
        await using var engine = await storage.CreateEngineAsync();
        await engine.CreateTopicAsync("t");
        await engine.ProduceAsync("t", Records.Values(3));
        await engine.CommitOffsetsAsync("g", [new OffsetCommit("t", 0, 3)]);
        await engine.DeleteTopicAsync("t");
        await engine.CreateTopicAsync("t");
        Assert.Empty(await engine.GetGroupOffsetsAsync("g"));
    }
}

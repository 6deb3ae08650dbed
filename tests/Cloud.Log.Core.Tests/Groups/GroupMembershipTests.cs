using Cloud.Log.Core.Groups;
using Cloud.Log.Protocol.Errors;
using Cloud.Log.Testing;

namespace Cloud.Log.Core.Tests.Groups;

public class GroupMembershipTests(StorageFixture storage)
{
    private static readonly TimeSpan Session = TimeSpan.FromSeconds(10);

    /// <summary>Round robin over sorted members and partitions; a member gets only topics it subscribes to.</summary>
    [Fact]
    public void Round_robin_assignment_splits_partitions_evenly_and_respects_subscriptions()
    {
        var even = GroupMembership.Assign([("a", ["t"]), ("b", ["t"]), ("c", ["t"])], new Dictionary<string, int> { ["t"] = 6 });
        Assert.Equal([0, 3], even["a"].Select(p => p.Partition));
        Assert.Equal([1, 4], even["b"].Select(p => p.Partition));
        Assert.Equal([2, 5], even["c"].Select(p => p.Partition));

        var mixed = GroupMembership.Assign([("a", ["t", "u"]), ("b", ["u"])], new Dictionary<string, int> { ["t"] = 2, ["u"] = 2 });
        Assert.Equal([new("t", 0), new("t", 1), new("u", 1)], mixed["a"]);
        Assert.Equal([new TopicPartition("u", 0)], mixed["b"]);

        Assert.Empty(GroupMembership.Assign([], new Dictionary<string, int> { ["t"] = 3 }));
    }

    /// <summary>
    /// A member that joins an owned topic gets its share only after the owner released it: until then each
    /// partition has exactly one owner.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task A_partition_moves_to_a_new_member_only_after_its_owner_releases_it()
    {
        await using var engine = await storage.CreateEngineAsync();
        await engine.CreateTopicAsync("orders", 6);

        var a = await engine.JoinGroupAsync("g", ["orders"], Session);
        Assert.Equal(6, a.Assigned.Count);
        Assert.Equal(a.Target, a.Assigned);

        var b = await engine.JoinGroupAsync("g", ["orders"], Session);
        Assert.Empty(b.Assigned); // a still owns everything
        Assert.Equal(3, b.Target.Count);
        Assert.True(b.Generation > a.Generation);

        a = await engine.HeartbeatAsync("g", a.MemberId);
        Assert.Equal(6, a.Assigned.Count);
        var revoked = a.Assigned.Except(a.Target).ToList();
        Assert.Equal(b.Target, revoked);

        a = await engine.HeartbeatAsync("g", a.MemberId, revoked);
        Assert.Equal(a.Target, a.Assigned);
        b = await engine.HeartbeatAsync("g", b.MemberId);
        Assert.Equal(b.Target, b.Assigned);
        Assert.Equal(6, a.Assigned.Union(b.Assigned).Count());
        Assert.Empty(a.Assigned.Intersect(b.Assigned));
    }

    /// <summary>
    /// A member that stops sending heartbeats loses its partitions once its session runs out; it is then
    /// told to join again.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task A_silent_members_partitions_are_taken_over_after_its_session_runs_out()
    {
        var time = new ShiftedTimeProvider();
        await using var engine = await storage.CreateEngineAsync(time: time);
        await engine.CreateTopicAsync("orders", 4);
        var a = await engine.JoinGroupAsync("g", ["orders"], Session);
        var b = await engine.JoinGroupAsync("g", ["orders"], TimeSpan.FromMinutes(5));
        a = await engine.HeartbeatAsync("g", a.MemberId);
        a = await engine.HeartbeatAsync("g", a.MemberId, a.Assigned.Except(a.Target).ToList());
        b = await engine.HeartbeatAsync("g", b.MemberId);
        Assert.Equal(2, a.Assigned.Count);
        Assert.Equal(2, b.Assigned.Count);

        time.Shift = Session - TimeSpan.FromSeconds(1);
        Assert.Equal(2, (await engine.HeartbeatAsync("g", b.MemberId)).Assigned.Count); // a's session is not over yet

        time.Shift += Session; // a sent nothing for longer than its session
        b = await engine.HeartbeatAsync("g", b.MemberId);
        Assert.Equal(4, b.Assigned.Count);
        Assert.Equal(b.Target, b.Assigned);
        var expired = await Assert.ThrowsAsync<CloudLogException>(() => engine.HeartbeatAsync("g", a.MemberId));
        Assert.Equal(ErrorCode.UnknownMemberId, expired.Code);
    }

    /// <summary>Leaving hands the member's partitions over at once, and an empty group can be deleted.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Leaving_releases_partitions_and_a_group_with_live_members_cannot_be_deleted()
    {
        await using var engine = await storage.CreateEngineAsync();
        await engine.CreateTopicAsync("orders", 2);
        var a = await engine.JoinGroupAsync("g", ["orders"], Session);
        var b = await engine.JoinGroupAsync("g", ["orders"], Session);
        Assert.Contains("g", await engine.ListGroupsAsync());
        Assert.Equal(ErrorCode.NonEmptyGroup, (await Assert.ThrowsAsync<CloudLogException>(() => engine.DeleteGroupAsync("g"))).Code);

        await engine.LeaveGroupAsync("g", a.MemberId);
        b = await engine.HeartbeatAsync("g", b.MemberId);
        Assert.Equal(2, b.Assigned.Count);
        Assert.Equal(ErrorCode.UnknownMemberId, (await Assert.ThrowsAsync<CloudLogException>(() => engine.LeaveGroupAsync("g", a.MemberId))).Code);

        await engine.LeaveGroupAsync("g", b.MemberId);
        await engine.DeleteGroupAsync("g");
        Assert.DoesNotContain("g", await engine.ListGroupsAsync());
    }

    /// <summary>A subscription to a topic that does not exist yet is kept; its partitions come once it does.</summary>
    [Fact(Timeout = 60_000)]
    public async Task A_subscription_to_a_missing_topic_picks_it_up_once_created()
    {
        await using var engine = await storage.CreateEngineAsync(new CloudLogEngineOptions { MetadataCacheTtl = TimeSpan.Zero });
        var a = await engine.JoinGroupAsync("g", ["later"], Session);
        Assert.Empty(a.Target);
        await engine.CreateTopicAsync("later", 3);
        a = await engine.HeartbeatAsync("g", a.MemberId);
        Assert.Equal(3, a.Assigned.Count);
    }

    /// <summary>Bad joins are refused with the contract's codes and leave no member behind.</summary>
    [Fact(Timeout = 60_000)]
    public async Task Bad_joins_and_heartbeats_are_refused()
    {
        await using var engine = await storage.CreateEngineAsync();
        async Task Refused(ErrorCode code, Func<Task> call) => Assert.Equal(code, (await Assert.ThrowsAsync<CloudLogException>(call)).Code);

        await Refused(ErrorCode.InvalidGroup, () => engine.JoinGroupAsync("bad/group", ["t"], Session));
        await Refused(ErrorCode.InvalidRequest, () => engine.JoinGroupAsync("g", [], Session));
        await Refused(ErrorCode.InvalidTopic, () => engine.JoinGroupAsync("g", ["bad topic"], Session));
        await Refused(ErrorCode.InvalidRequest, () => engine.JoinGroupAsync("g", ["t"], TimeSpan.FromMilliseconds(10)));
        await Refused(ErrorCode.UnknownMemberId, () => engine.HeartbeatAsync("g", "nobody"));
        await Refused(ErrorCode.UnknownMemberId, () => engine.HeartbeatAsync("g", "../x"));
        Assert.Empty(await engine.ListGroupsAsync());
    }
}

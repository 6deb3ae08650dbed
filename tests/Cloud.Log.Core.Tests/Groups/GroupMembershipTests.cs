using Cloud.Log.Core.Groups;
using Cloud.Log.Protocol.Errors;
using Cloud.Log.Testing;

namespace Cloud.Log.Core.Tests.Groups;

public class GroupMembershipTests(StorageFixture storage)
{
    private static readonly TimeSpan Session = TimeSpan.FromSeconds(10);

    /// <summary>The session of a member another instance sees expired (its clock ahead) while it is live by its own.</summary>
    private static readonly TimeSpan ShortSession = TimeSpan.FromSeconds(5);

    /// <summary>Even shares; owners keep theirs; only a departed member's partitions, or a newcomer's share, move.</summary>
    [Fact]
    public void Sticky_assignment_splits_evenly_and_moves_only_what_must_move()
    {
        var topic = new Dictionary<string, int> { ["t"] = 6 };
        static Dictionary<TopicPartition, string> Owners(Dictionary<string, List<TopicPartition>> assignment) =>
            assignment.SelectMany(a => a.Value.Select(p => (p, a.Key))).ToDictionary(x => x.p, x => x.Key);
        static List<int> Of(Dictionary<string, List<TopicPartition>> assignment, string member) => [.. assignment[member].Select(p => p.Partition).Order()];

        var alone = GroupMembership.Assign([("a", ["t"])], topic, new Dictionary<TopicPartition, string>());
        Assert.Equal([0, 1, 2, 3, 4, 5], Of(alone, "a"));

        var two = GroupMembership.Assign([("a", ["t"]), ("b", ["t"])], topic, Owners(alone));
        Assert.Equal([0, 1, 2], Of(two, "a")); // a keeps half of what it had
        Assert.Equal([3, 4, 5], Of(two, "b"));

        var three = GroupMembership.Assign([("a", ["t"]), ("b", ["t"]), ("c", ["t"])], topic, Owners(two));
        Assert.Equal(2, three["c"].Count);
        Assert.Subset(Of(two, "a").ToHashSet(), Of(three, "a").ToHashSet());
        Assert.Subset(Of(two, "b").ToHashSet(), Of(three, "b").ToHashSet());

        // c leaves: a and b keep what they have and take one of c's each; nothing moves between a and b.
        var after = GroupMembership.Assign([("a", ["t"]), ("b", ["t"])], topic, Owners(three));
        Assert.Subset(Of(after, "a").ToHashSet(), Of(three, "a").ToHashSet());
        Assert.Subset(Of(after, "b").ToHashSet(), Of(three, "b").ToHashSet());
        Assert.Equal([0, 1, 2, 3, 4, 5], Of(after, "a").Concat(Of(after, "b")).Order());

        var mixed = GroupMembership.Assign([("a", ["t", "u"]), ("b", ["u"])], new Dictionary<string, int> { ["t"] = 2, ["u"] = 2 }, new Dictionary<TopicPartition, string>());
        Assert.Equal([0, 1], mixed["a"].Where(p => p.Topic == "t").Select(p => p.Partition).Order()); // only a reads t
        Assert.Single(mixed["a"], p => p.Topic == "u");
        Assert.Single(mixed["b"], p => p.Topic == "u");

        Assert.Empty(GroupMembership.Assign([], topic, new Dictionary<TopicPartition, string>()));
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
        Assert.Equal(TimeSpan.FromMilliseconds(3_333), (await engine.HeartbeatAsync("g", a.MemberId)).HeartbeatInterval); // b's session is long: a third of a's own
        a = await engine.HeartbeatAsync("g", a.MemberId);
        a = await engine.HeartbeatAsync("g", a.MemberId, a.Assigned.Except(a.Target).ToList());
        b = await engine.HeartbeatAsync("g", b.MemberId);
        Assert.Equal(2, a.Assigned.Count);
        Assert.Equal(2, b.Assigned.Count);

        time.Shift = Session - TimeSpan.FromSeconds(1);
        Assert.Equal(2, (await engine.HeartbeatAsync("g", b.MemberId)).Assigned.Count); // a's session is not over yet

        Assert.InRange((await engine.HeartbeatAsync("g", b.MemberId)).HeartbeatInterval, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(1.1)); // a's session ends in a second: b is told to look again then
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

    /// <summary>
    /// Issue 13, defect 12 (takeover): a heartbeat that finds another member expired by its clock takes that
    /// member's partitions only once it deleted the member's row as it read it. Here the "expired" member
    /// renews between the read and the delete: the delete fails, the member stays, and the partition keeps
    /// one owner. (Before the fix the takeover went on after the failed delete, and both owned it.)
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task An_expired_member_that_renews_before_its_delete_keeps_its_partition()
    {
        var prefix = StorageFixture.NewPrefix();
        var ahead = new ShiftedTimeProvider();
        await using var first = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix });
        await using var second = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix }, ahead);
        await first.CreateTopicAsync("t", 1);
        var a = await first.JoinGroupAsync("g", ["t"], ShortSession);
        var b = await second.JoinGroupAsync("g", ["t"], TimeSpan.FromMinutes(1));
        Assert.Single(a.Assigned);
        Assert.Empty(b.Assigned);

        ahead.Shift = ShortSession + TimeSpan.FromSeconds(2); // by the second instance's clock, a's session ran out
        MemberAssignment? renewed = null;
        second.Membership.AfterHeartbeatRead = async () =>
        {
            second.Membership.AfterHeartbeatRead = null;
            renewed = await first.HeartbeatAsync("g", a.MemberId); // a renews between b's read and b's delete
        };
        var afterB = await second.HeartbeatAsync("g", b.MemberId);

        Assert.NotNull(renewed);
        Assert.Equal([new TopicPartition("t", 0)], renewed.Assigned);
        Assert.Empty(afterB.Assigned);
        Assert.Equal([new TopicPartition("t", 0)], (await first.HeartbeatAsync("g", a.MemberId)).Assigned);
    }

    /// <summary>
    /// Issue 13, defect 12 (renewal and commits): a member whose row another member deleted after reading it
    /// expired cannot renew it afterwards (the renewal is conditioned on the row as read: UNKNOWN_MEMBER_ID,
    /// not a resurrection or a 5xx), and its offset commits as a member are fenced: UNKNOWN_MEMBER_ID once it
    /// is gone, ILLEGAL_GENERATION for a live member committing a partition it does not own. The owner's
    /// commits and plain commits (no member id) go through.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task A_member_taken_over_cannot_renew_and_its_commits_are_fenced()
    {
        var prefix = StorageFixture.NewPrefix();
        var ahead = new ShiftedTimeProvider();
        await using var first = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix });
        await using var second = await storage.CreateEngineAsync(new CloudLogEngineOptions { ResourcePrefix = prefix }, ahead);
        await first.CreateTopicAsync("t", 1);
        await first.ProduceAsync("t", Records.Values(5));
        var a = await first.JoinGroupAsync("g", ["t"], ShortSession);
        var b = await second.JoinGroupAsync("g", ["t"], TimeSpan.FromMinutes(1));
        await first.CommitOffsetsAsync("g", [new OffsetCommit("t", 0, 1)], a.MemberId);

        ahead.Shift = ShortSession + TimeSpan.FromSeconds(2);
        MemberAssignment? takeover = null;
        first.Membership.AfterHeartbeatRead = async () =>
        {
            first.Membership.AfterHeartbeatRead = null;
            takeover = await second.HeartbeatAsync("g", b.MemberId); // b deletes a's row and takes t/0
        };
        var renewal = await Assert.ThrowsAsync<CloudLogException>(() => first.HeartbeatAsync("g", a.MemberId));
        Assert.Equal(ErrorCode.UnknownMemberId, renewal.Code);
        Assert.Equal([new TopicPartition("t", 0)], takeover!.Assigned);

        await second.CommitOffsetsAsync("g", [new OffsetCommit("t", 0, 4)], b.MemberId);
        var zombie = await Assert.ThrowsAsync<CloudLogException>(() => first.CommitOffsetsAsync("g", [new OffsetCommit("t", 0, 2)], a.MemberId));
        Assert.Equal(ErrorCode.UnknownMemberId, zombie.Code);
        var c = await second.JoinGroupAsync("g", ["t"], Session);
        var notOwner = await Assert.ThrowsAsync<CloudLogException>(() => second.CommitOffsetsAsync("g", [new OffsetCommit("t", 0, 3)], c.MemberId));
        Assert.Equal(ErrorCode.IllegalGeneration, notOwner.Code);
        Assert.Equal(4, (await first.GetGroupOffsetsAsync("g", "t")).Single().Offset);

        await first.CommitOffsetsAsync("g", [new OffsetCommit("t", 0, 5)]); // a plain commit, as the REST API allows
        Assert.Equal(5, (await first.GetGroupOffsetsAsync("g", "t")).Single().Offset);
    }
}

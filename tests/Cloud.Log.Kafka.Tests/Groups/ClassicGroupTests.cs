using Cloud.Log.Kafka.Groups;
using Cloud.Log.Kafka.Messages;
using Cloud.Log.Kafka.Protocol;

namespace Cloud.Log.Kafka.Tests.Groups;

/// <summary>The classic group's transitions, as each instance applies them to the stored state (pure: the time is given).</summary>
public sealed class ClassicGroupTests
{
    private const long Start = 1_000_000;

    /// <summary>The first join completes a generation at once: the lone member leads and is given its own subscription.</summary>
    [Fact]
    public void FirstMemberJoinsAloneAndLeads()
    {
        var group = new ClassicGroup();
        group.AddPending("a", 6000, Start);
        Assert.Null(group.Join(Request("a"), "a", "client-a", "host", Start, out _));

        var answer = group.JoinAnswer("a")!;
        Assert.Equal((KafkaError.None, 1, "a", "range"), (answer.ErrorCode, answer.GenerationId, answer.Leader, answer.ProtocolName));
        Assert.Equal(["a"], answer.Members.Select(m => m.MemberId));
        Assert.Equal(ClassicGroupState.CompletingRebalance, group.State);
    }

    /// <summary>A second member's join starts a rebalance that waits for the first to rejoin; the leader then gets both, the follower none.</summary>
    [Fact]
    public void SecondJoinWaitsForTheKnownMemberToRejoin()
    {
        var group = Stable("a");
        group.AddPending("b", 6000, Start);
        Assert.Null(group.Join(Request("b"), "b", null, null, Start + 10, out _));
        Assert.Equal(ClassicGroupState.PreparingRebalance, group.State);
        Assert.Null(group.JoinAnswer("b"));
        Assert.Equal(KafkaError.RebalanceInProgress, group.Heartbeat("a", 1, Start + 20, out _));

        Assert.Null(group.Join(Request("a"), "a", null, null, Start + 30, out _));
        Assert.Equal(2, group.Generation);
        Assert.Equal(["a", "b"], group.JoinAnswer("a")!.Members.Select(m => m.MemberId));
        Assert.Empty(group.JoinAnswer("b")!.Members);
        Assert.Equal("a", group.JoinAnswer("b")!.Leader);
    }

    /// <summary>The leader's SyncGroup hands each member its assignment; a follower that came first waits for it.</summary>
    [Fact]
    public void LeadersSyncHandsEachMemberItsAssignment()
    {
        var group = Joined("a", "b");
        Assert.Null(group.Sync(new SyncGroupRequest("g", 2, "b", []), Start + 40));
        Assert.Null(group.SyncAnswer("b", 2));

        var leader = group.Sync(new SyncGroupRequest("g", 2, "a", [("a", [1]), ("b", [2])]), Start + 50);
        Assert.Equal((KafkaError.None, new byte[] { 1 }), leader);
        Assert.Equal((KafkaError.None, new byte[] { 2 }), group.SyncAnswer("b", 2));
        Assert.Equal(ClassicGroupState.Stable, group.State);
    }

    /// <summary>A follower waiting for the leader's assignment outlives its session timeout while the leader heartbeats; the sync's deadline bounds the wait.</summary>
    [Fact]
    public void FollowerWaitingForTheAssignmentIsKeptAliveUntilTheSyncDeadline()
    {
        var group = Joined("a", "b");
        Assert.Null(group.Sync(new SyncGroupRequest("g", 2, "b", []), Start + 40));
        for (var t = Start + 1000; t <= Start + 30_000; t += 1000)
        {
            group.Heartbeat("a", 2, t, out _); // the leader heartbeats; b, waiting in SyncGroup, does not
            Assert.False(group.Advance(t));
        }

        Assert.Null(group.SyncAnswer("b", 2));
        Assert.True(group.Advance(Start + 30 + 30_001)); // past the sync deadline: the leader never synced
        Assert.Equal(["b"], group.Members.Select(m => m.Id));
        Assert.Equal(KafkaError.RebalanceInProgress, group.SyncAnswer("b", 2)!.Value.Error);
    }

    /// <summary>An old generation is fenced (ILLEGAL_GENERATION), an unknown member too (UNKNOWN_MEMBER_ID), in heartbeats, syncs and commits.</summary>
    [Fact]
    public void StaleGenerationsAndUnknownMembersAreFenced()
    {
        var group = Stable("a");
        Assert.Equal(KafkaError.IllegalGeneration, group.Heartbeat("a", 0, Start + 10, out _));
        Assert.Equal(KafkaError.UnknownMemberId, group.Heartbeat("x", 1, Start + 10, out _));
        Assert.Equal(KafkaError.IllegalGeneration, group.Sync(new SyncGroupRequest("g", 0, "a", []), Start + 10)!.Value.Error);
        Assert.Equal(KafkaError.IllegalGeneration, group.CheckCommit(0, "a"));
        Assert.Equal(KafkaError.UnknownMemberId, group.CheckCommit(1, "x"));
        Assert.Equal(KafkaError.None, group.CheckCommit(1, "a"));
        Assert.Equal(KafkaError.UnknownMemberId, group.Join(Request("x"), "x", null, null, Start + 10, out _));
    }

    /// <summary>A member whose session runs out is dropped by whoever reads the group next, and the rest rebalance.</summary>
    [Fact]
    public void ExpiredSessionIsDroppedAndTheRestRebalance()
    {
        var group = Joined("a", "b");
        group.Sync(new SyncGroupRequest("g", 2, "a", [("a", [1]), ("b", [2])]), Start + 50);
        Assert.False(group.Advance(Start + 5000));
        Assert.Equal(KafkaError.None, group.Heartbeat("a", 2, Start + 5000, out var renewed));
        Assert.True(renewed);

        Assert.True(group.Advance(Start + 6100));
        Assert.Equal(["a"], group.Members.Select(m => m.Id));
        Assert.Equal(ClassicGroupState.PreparingRebalance, group.State);
    }

    /// <summary>A rebalance past its timeout completes without the members that did not rejoin.</summary>
    [Fact]
    public void RebalancePastItsTimeoutDropsMembersThatDidNotRejoin()
    {
        var group = Joined("a", "b");
        group.Sync(new SyncGroupRequest("g", 2, "a", [("a", [1]), ("b", [2])]), Start + 50);
        group.AddPending("c", 6000, Start + 100);
        group.Join(Request("c"), "c", null, null, Start + 100, out _);
        for (var t = Start + 1000; t <= Start + 30_000; t += 1000)
        {
            group.Heartbeat("a", 2, t, out _);
            group.Heartbeat("b", 2, t, out _); // b heartbeats but never rejoins
            Assert.False(group.Advance(t));
            if (t == Start + 10_000)
            {
                Assert.Null(group.Join(Request("a"), "a", null, null, t, out _));
            }
        }

        Assert.Equal(ClassicGroupState.PreparingRebalance, group.State);
        Assert.True(group.Advance(Start + 100 + 30_001));
        Assert.Equal(["a", "c"], group.Members.Select(m => m.Id));
        Assert.Equal(3, group.Generation);
        Assert.Equal(KafkaError.UnknownMemberId, group.JoinAnswer("b")!.ErrorCode);
    }

    /// <summary>Leaving rebalances the others; the last one out empties the group.</summary>
    [Fact]
    public void LeavingRebalancesTheOthersAndTheLastEmptiesTheGroup()
    {
        var group = Joined("a", "b");
        Assert.Equal([("b", KafkaError.None), ("x", KafkaError.UnknownMemberId)], group.Leave(["b", "x"], Start + 60));
        Assert.Equal(ClassicGroupState.PreparingRebalance, group.State);
        group.Leave(["a"], Start + 70);
        Assert.Equal(ClassicGroupState.Empty, group.State);
        Assert.Null(group.Leader);
    }

    /// <summary>The state survives its stored form (the JSON document in the coordinator row).</summary>
    [Fact]
    public void StateRoundTripsThroughItsStoredDocument()
    {
        var group = Joined("a", "b");
        var read = ClassicGroup.Read(group.Write());
        Assert.Equal((group.State, group.Generation, group.Leader, group.ProtocolName), (read.State, read.Generation, read.Leader, read.ProtocolName));
        Assert.Equal([1, 2, 3], read.Find("b")!.MetadataFor("range"));
    }

    private static JoinGroupRequest Request(string member) => new("g", 6000, 30_000, member, "consumer", [("range", [1, 2, 3])]);

    private static ClassicGroup Stable(string member)
    {
        var group = new ClassicGroup();
        group.AddPending(member, 6000, Start);
        group.Join(Request(member), member, null, null, Start, out _);
        group.Sync(new SyncGroupRequest("g", 1, member, [(member, [9])]), Start);
        return group;
    }

    /// <summary>Two members joined in generation 2, the first leading, awaiting SyncGroup.</summary>
    private static ClassicGroup Joined(string leader, string follower)
    {
        var group = Stable(leader);
        group.AddPending(follower, 6000, Start);
        group.Join(Request(follower), follower, null, null, Start + 10, out _);
        group.Join(Request(leader), leader, null, null, Start + 30, out _);
        return group;
    }
}

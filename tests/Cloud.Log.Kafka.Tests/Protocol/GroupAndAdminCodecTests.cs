using Cloud.Log.Kafka.Messages;
using Cloud.Log.Kafka.Protocol;

namespace Cloud.Log.Kafka.Tests.Protocol;

/// <summary>The group and admin codecs against byte layouts written from Kafka's protocol guide.</summary>
public sealed class GroupAndAdminCodecTests
{
    private static readonly MetadataBroker Broker = new(0, "h", 9092);

    /// <summary>FindCoordinator v0 answers error, node, host, port; v4 (flexible) answers one coordinator per key.</summary>
    [Theory]
    [InlineData(0, "0001 67", "0000 00000000 0001 68 00002384")]
    [InlineData(4, "01 02 02 67 00", "00000000 02 02 67 00000000 02 68 00002384 0000 00 00 00")]
    public void FindCoordinatorMatchesItsLayouts(short version, string request, string expected)
    {
        var keys = GroupMessages.ReadFindCoordinator(new KafkaReader(Hex.Bytes(request)), version);
        Assert.Equal(["g"], keys);
        var writer = new KafkaWriter();
        GroupMessages.WriteFindCoordinator(writer, version, keys, Broker);
        Assert.Equal(Hex.Normal(expected), Hex.Of(writer.WrittenMemory));
    }

    /// <summary>JoinGroup v5 request (classic, with a group instance id) and v7 response (flexible, protocol type and name).</summary>
    [Fact]
    public void JoinGroupReadsV5AndWritesV7()
    {
        var request = GroupMessages.ReadJoinGroup(new KafkaReader(Hex.Bytes("0001 67 00001770 0000EA60 0000 FFFF 0008 636F6E73756D6572 00000001 0005 72616E6765 00000002 AABB")), 5);
        Assert.Equal(("g", 6000, 60000, string.Empty, "consumer"), (request.GroupId, request.SessionTimeoutMs, request.RebalanceTimeoutMs, request.MemberId, request.ProtocolType));
        Assert.Equal("range", request.Protocols[0].Name);
        Assert.Equal("AABB", Hex.Of(request.Protocols[0].Metadata));

        var writer = new KafkaWriter();
        GroupMessages.WriteJoinGroup(writer, 7, new JoinGroupResponse(0, 3, "consumer", "range", "m", "m", [("m", [0xAA])]));
        var expected = "00000000 0000 00000003 09 636F6E73756D6572 06 72616E6765 02 6D 02 6D 02 02 6D 00 02 AA 00 00";
        Assert.Equal(Hex.Normal(expected), Hex.Of(writer.WrittenMemory));
    }

    /// <summary>SyncGroup v4 (flexible): the request's assignments, and the answer's error and assignment.</summary>
    [Fact]
    public void SyncGroupV4MatchesItsLayout()
    {
        var request = GroupMessages.ReadSyncGroup(new KafkaReader(Hex.Bytes("02 67 00000003 02 6D 00 02 02 6D 02 CC 00 00")), 4);
        Assert.Equal(("g", 3, "m"), (request.GroupId, request.GenerationId, request.MemberId));
        Assert.Equal("CC", Hex.Of(request.Assignments[0].Assignment));
        var writer = new KafkaWriter();
        GroupMessages.WriteSyncGroup(writer, 4, 0, "consumer", "range", [0xCC]);
        Assert.Equal(Hex.Normal("00000000 0000 02 CC 00"), Hex.Of(writer.WrittenMemory));
    }

    /// <summary>LeaveGroup v0 names one member; v3 a members array, answered per member.</summary>
    [Fact]
    public void LeaveGroupMatchesItsLayouts()
    {
        Assert.Equal(["m"], GroupMessages.ReadLeaveGroup(new KafkaReader(Hex.Bytes("0001 67 0001 6D")), 0).Members);
        Assert.Equal(["m"], GroupMessages.ReadLeaveGroup(new KafkaReader(Hex.Bytes("0001 67 00000001 0001 6D FFFF")), 3).Members);
        var writer = new KafkaWriter();
        GroupMessages.WriteLeaveGroup(writer, 3, 0, [("m", 0)]);
        Assert.Equal(Hex.Normal("00000000 0000 00000001 0001 6D FFFF 0000"), Hex.Of(writer.WrittenMemory));
    }

    /// <summary>OffsetCommit v2 carries retention time; v8 is flexible with the leader epoch and group instance id.</summary>
    [Fact]
    public void OffsetCommitReadsV2AndV8()
    {
        var v2 = OffsetMessages.ReadOffsetCommit(new KafkaReader(Hex.Bytes("0001 67 00000001 0001 6D FFFFFFFFFFFFFFFF 00000001 0001 74 00000001 00000000 0000000000000007 0002 6D64")), 2);
        Assert.Equal(new OffsetCommitPartition(0, 7, "md"), v2.Topics[0].Partitions[0]);
        var reader = new KafkaReader(Hex.Bytes("02 67 00000001 02 6D 00 02 02 74 02 00000000 0000000000000007 FFFFFFFF 00 00 00 00"));
        var v8 = OffsetMessages.ReadOffsetCommit(reader, 8);
        Assert.Equal(new OffsetCommitPartition(0, 7, null), v8.Topics[0].Partitions[0]);
        Assert.Equal(0, reader.Remaining);
    }

    /// <summary>OffsetFetch v1 answers per-partition errors only; v6 is flexible with the leader epoch and a top-level error.</summary>
    [Theory]
    [InlineData(1, "00000001 0001 74 00000001 00000000 0000000000000007 0002 6D64 0000")]
    [InlineData(6, "00000000 02 02 74 02 00000000 0000000000000007 FFFFFFFF 03 6D64 0000 00 00 0000 00")]
    public void OffsetFetchResponseMatchesItsLayout(short version, string expected)
    {
        var writer = new KafkaWriter();
        OffsetMessages.WriteOffsetFetch(writer, version, 0, [("t", [new OffsetFetchPartition(0, 7, "md", 0)])]);
        Assert.Equal(Hex.Normal(expected), Hex.Of(writer.WrittenMemory));
    }

    /// <summary>CreateTopics v5 (flexible) request with a config; the answer carries partitions, replication factor and null configs.</summary>
    [Fact]
    public void CreateTopicsV5MatchesItsLayout()
    {
        var (topics, validateOnly) = AdminMessages.ReadCreateTopics(new KafkaReader(Hex.Bytes("02 02 74 00000003 FFFF 01 02 02 6B 02 76 00 00 00007530 00 00")), 5);
        Assert.False(validateOnly);
        Assert.Equal(("t", 3, (short)-1), (topics[0].Name, topics[0].Partitions, topics[0].ReplicationFactor));
        Assert.Equal(("k", "v"), topics[0].Configs[0]);
        var writer = new KafkaWriter();
        AdminMessages.WriteCreateTopics(writer, 5, [new CreatedTopic("t", 0, null, 3, 1)]);
        Assert.Equal(Hex.Normal("00000000 02 02 74 0000 00 00000003 0001 00 00 00"), Hex.Of(writer.WrittenMemory));
    }

    /// <summary>DescribeCluster v0 (always flexible): the one broker and the cluster id.</summary>
    [Fact]
    public void DescribeClusterMatchesItsLayout()
    {
        var writer = new KafkaWriter();
        AdminMessages.WriteDescribeCluster(writer, 0, 1, "c", Broker);
        Assert.Equal(Hex.Normal("00000000 0000 00 02 63 00000000 02 00000000 02 68 00002384 00 00 80000000 00"), Hex.Of(writer.WrittenMemory));
    }
}

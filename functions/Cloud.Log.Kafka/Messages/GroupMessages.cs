using Cloud.Log.Kafka.Protocol;

namespace Cloud.Log.Kafka.Messages;

/// <summary>A JoinGroup request.</summary>
internal sealed record JoinGroupRequest(string GroupId, int SessionTimeoutMs, int RebalanceTimeoutMs, string MemberId, string ProtocolType, IReadOnlyList<(string Name, byte[] Metadata)> Protocols);

/// <summary>A JoinGroup answer: the leader gets every member's metadata.</summary>
internal sealed record JoinGroupResponse(short ErrorCode, int GenerationId, string? ProtocolType, string? ProtocolName, string Leader, string MemberId, IReadOnlyList<(string MemberId, byte[] Metadata)> Members);

/// <summary>A SyncGroup request: the leader sends every member's assignment.</summary>
internal sealed record SyncGroupRequest(string GroupId, int GenerationId, string MemberId, IReadOnlyList<(string MemberId, byte[] Assignment)> Assignments);

/// <summary>
/// The classic group protocol's messages. FindCoordinator (10) v0-4, flexible v3+; JoinGroup (11) v0-9,
/// flexible v6+; Heartbeat (12) v0-4, flexible v4+; LeaveGroup (13) v0-5, flexible v4+; SyncGroup (14)
/// v0-5, flexible v4+. Layouts are written field by field below, each field with the versions that carry it.
/// </summary>
internal static class GroupMessages
{
    /// <summary>FindCoordinator: v0 key; v1+ key and key_type int8; v4+ coordinator_keys [string] and key_type. Answers the keys asked for.</summary>
    public static IReadOnlyList<string> ReadFindCoordinator(KafkaReader reader, short version)
    {
        var flexible = version >= 3;
        var keys = new List<string>();
        if (version <= 3)
        {
            keys.Add(reader.ReadString(flexible));
        }

        if (version >= 1)
        {
            reader.ReadInt8();
        }

        if (version >= 4)
        {
            keys.AddRange(reader.ReadArray(flexible, r => r.ReadString(flexible)));
        }

        reader.SkipTaggedFieldsIf(flexible);
        return keys;
    }

    /// <summary>
    /// FindCoordinator answer. v0: error_code, node_id, host, port; v1-3: throttle_time_ms, error_code,
    /// error_message, node_id, host, port; v4: throttle_time_ms, coordinators [key, node_id, host, port,
    /// error_code, error_message].
    /// </summary>
    public static void WriteFindCoordinator(KafkaWriter writer, short version, IReadOnlyList<string> keys, MetadataBroker broker)
    {
        var flexible = version >= 3;
        if (version >= 1)
        {
            writer.WriteInt32(0);
        }

        if (version >= 4)
        {
            writer.WriteArray(keys, flexible, (w, key) =>
            {
                w.WriteString(key, flexible);
                w.WriteInt32(broker.NodeId);
                w.WriteString(broker.Host, flexible);
                w.WriteInt32(broker.Port);
                w.WriteInt16(KafkaError.None);
                w.WriteNullableString(null, flexible);
                w.WriteEmptyTaggedFieldsIf(flexible);
            });
        }
        else
        {
            writer.WriteInt16(KafkaError.None);
            if (version >= 1)
            {
                writer.WriteNullableString(null, flexible);
            }

            writer.WriteInt32(broker.NodeId);
            writer.WriteString(broker.Host, flexible);
            writer.WriteInt32(broker.Port);
        }

        writer.WriteEmptyTaggedFieldsIf(flexible);
    }

    /// <summary>
    /// JoinGroup request: group_id, session_timeout_ms, rebalance_timeout_ms (v1+), member_id,
    /// group_instance_id nullable (v5+), protocol_type, protocols [name, metadata bytes], reason nullable (v8+).
    /// </summary>
    public static JoinGroupRequest ReadJoinGroup(KafkaReader reader, short version)
    {
        var flexible = version >= 6;
        var group = reader.ReadString(flexible);
        var session = reader.ReadInt32();
        var rebalance = version >= 1 ? reader.ReadInt32() : session;
        var member = reader.ReadString(flexible);
        if (version >= 5)
        {
            reader.ReadNullableString(flexible);
        }

        var protocolType = reader.ReadString(flexible);
        var protocols = reader.ReadArray(flexible, r =>
        {
            var name = r.ReadString(flexible);
            var metadata = r.ReadBytes(flexible).ToArray();
            r.SkipTaggedFieldsIf(flexible);
            return (name, metadata);
        });
        if (version >= 8)
        {
            reader.ReadNullableString(flexible);
        }

        reader.SkipTaggedFieldsIf(flexible);
        return new JoinGroupRequest(group, session, rebalance, member, protocolType, protocols);
    }

    /// <summary>
    /// JoinGroup answer: throttle_time_ms (v2+), error_code, generation_id, protocol_type nullable (v7+),
    /// protocol_name (nullable v7+), leader, skip_assignment bool (v9+), member_id, members [member_id,
    /// group_instance_id nullable (v5+), metadata bytes].
    /// </summary>
    public static void WriteJoinGroup(KafkaWriter writer, short version, JoinGroupResponse response)
    {
        var flexible = version >= 6;
        if (version >= 2)
        {
            writer.WriteInt32(0);
        }

        writer.WriteInt16(response.ErrorCode);
        writer.WriteInt32(response.GenerationId);
        if (version >= 7)
        {
            writer.WriteNullableString(response.ProtocolType, flexible);
            writer.WriteNullableString(response.ProtocolName, flexible);
        }
        else
        {
            writer.WriteString(response.ProtocolName ?? string.Empty, flexible);
        }

        writer.WriteString(response.Leader, flexible);
        if (version >= 9)
        {
            writer.WriteBoolean(false);
        }

        writer.WriteString(response.MemberId, flexible);
        writer.WriteArray(response.Members, flexible, (w, m) =>
        {
            w.WriteString(m.MemberId, flexible);
            if (version >= 5)
            {
                w.WriteNullableString(null, flexible);
            }

            w.WriteBytes(m.Metadata, flexible);
            w.WriteEmptyTaggedFieldsIf(flexible);
        });
        writer.WriteEmptyTaggedFieldsIf(flexible);
    }

    /// <summary>
    /// SyncGroup request: group_id, generation_id, member_id, group_instance_id nullable (v3+), protocol_type
    /// nullable (v5+), protocol_name nullable (v5+), assignments [member_id, assignment bytes].
    /// </summary>
    public static SyncGroupRequest ReadSyncGroup(KafkaReader reader, short version)
    {
        var flexible = version >= 4;
        var group = reader.ReadString(flexible);
        var generation = reader.ReadInt32();
        var member = reader.ReadString(flexible);
        if (version >= 3)
        {
            reader.ReadNullableString(flexible);
        }

        if (version >= 5)
        {
            reader.ReadNullableString(flexible);
            reader.ReadNullableString(flexible);
        }

        var assignments = reader.ReadArray(flexible, r =>
        {
            var id = r.ReadString(flexible);
            var assignment = r.ReadBytes(flexible).ToArray();
            r.SkipTaggedFieldsIf(flexible);
            return (id, assignment);
        });
        reader.SkipTaggedFieldsIf(flexible);
        return new SyncGroupRequest(group, generation, member, assignments);
    }

    /// <summary>SyncGroup answer: throttle_time_ms (v1+), error_code, protocol_type and protocol_name nullable (v5+), assignment bytes.</summary>
    public static void WriteSyncGroup(KafkaWriter writer, short version, short errorCode, string? protocolType, string? protocolName, byte[] assignment)
    {
        var flexible = version >= 4;
        if (version >= 1)
        {
            writer.WriteInt32(0);
        }

        writer.WriteInt16(errorCode);
        if (version >= 5)
        {
            writer.WriteNullableString(protocolType, flexible);
            writer.WriteNullableString(protocolName, flexible);
        }

        writer.WriteBytes(assignment, flexible);
        writer.WriteEmptyTaggedFieldsIf(flexible);
    }

    /// <summary>Heartbeat request: group_id, generation_id, member_id, group_instance_id nullable (v3+).</summary>
    public static (string Group, int Generation, string Member) ReadHeartbeat(KafkaReader reader, short version)
    {
        var flexible = version >= 4;
        var group = reader.ReadString(flexible);
        var generation = reader.ReadInt32();
        var member = reader.ReadString(flexible);
        if (version >= 3)
        {
            reader.ReadNullableString(flexible);
        }

        reader.SkipTaggedFieldsIf(flexible);
        return (group, generation, member);
    }

    /// <summary>An answer of throttle_time_ms (v1+) and error_code: Heartbeat's, and LeaveGroup's before v3.</summary>
    public static void WriteErrorOnly(KafkaWriter writer, short version, short errorCode, bool flexible)
    {
        if (version >= 1)
        {
            writer.WriteInt32(0);
        }

        writer.WriteInt16(errorCode);
        writer.WriteEmptyTaggedFieldsIf(flexible);
    }

    /// <summary>LeaveGroup request: group_id, then member_id (v0-2) or members [member_id, group_instance_id nullable, reason nullable (v5+)] (v3+).</summary>
    public static (string Group, IReadOnlyList<string> Members) ReadLeaveGroup(KafkaReader reader, short version)
    {
        var flexible = version >= 4;
        var group = reader.ReadString(flexible);
        IReadOnlyList<string> members;
        if (version <= 2)
        {
            members = [reader.ReadString(flexible)];
        }
        else
        {
            members = reader.ReadArray(flexible, r =>
            {
                var id = r.ReadString(flexible);
                r.ReadNullableString(flexible);
                if (version >= 5)
                {
                    r.ReadNullableString(flexible);
                }

                r.SkipTaggedFieldsIf(flexible);
                return id;
            });
        }

        reader.SkipTaggedFieldsIf(flexible);
        return (group, members);
    }

    /// <summary>LeaveGroup answer: throttle_time_ms (v1+), error_code, members [member_id, group_instance_id, error_code] (v3+).</summary>
    public static void WriteLeaveGroup(KafkaWriter writer, short version, short errorCode, IReadOnlyList<(string Member, short Error)> members)
    {
        var flexible = version >= 4;
        if (version >= 1)
        {
            writer.WriteInt32(0);
        }

        writer.WriteInt16(errorCode);
        if (version >= 3)
        {
            writer.WriteArray(members, flexible, (w, m) =>
            {
                w.WriteString(m.Member, flexible);
                w.WriteNullableString(null, flexible);
                w.WriteInt16(m.Error);
                w.WriteEmptyTaggedFieldsIf(flexible);
            });
        }

        writer.WriteEmptyTaggedFieldsIf(flexible);
    }
}
